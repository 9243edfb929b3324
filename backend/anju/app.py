"""The application factory."""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, g, request
from flask_smorest import Api
from werkzeug.exceptions import UnsupportedMediaType

from anju import db, web
from anju.common import errors
from anju.common.crypto import init_keyring
from anju.config import Settings, load_settings
from anju.logs import configure_logging, request_id_var

logger = logging.getLogger(__name__)

API_TITLE = "Anju 安居"
API_VERSION = "v1"
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
BODY_TYPES = ("application/json", "multipart/form-data")

# Domain blueprints, in the order they appear in the API document.
BLUEPRINTS: list[str] = [
    "anju.health.routes",
    "anju.accounts.routes",
    "anju.areas.routes",
    "anju.people.routes",
    "anju.patrol.routes",
    "anju.venues.routes",
    "anju.venues.employment_routes",
    "anju.venues.bulk.routes",
    "anju.housing.routes",
    "anju.locks.routes",
]


def _openapi_config(settings: Settings) -> dict[str, Any]:
    return {
        "API_TITLE": API_TITLE,
        "API_VERSION": API_VERSION,
        "OPENAPI_VERSION": "3.1.0",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "/docs",
        # Served from this process: Anju must work with no internet.
        "OPENAPI_SWAGGER_UI_URL": "/api/docs/static/",
        "API_SPEC_OPTIONS": {
            "info": {
                "description": "The district registration service. Errors are "
                "application/problem+json documents in the language asked for "
                "with Accept-Language (Chinese by default)."
            },
            "servers": [{"url": "/"}],
        },
    }


def _begin_request() -> Response | None:
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
    g.started = time.perf_counter()
    request_id_var.set(g.request_id)

    has_body = request.content_length or request.headers.get("Transfer-Encoding")
    if (
        request.path.startswith("/api/")
        and request.method in ("POST", "PUT", "PATCH")
        and has_body
        and request.mimetype not in BODY_TYPES
    ):
        raise UnsupportedMediaType()
    return None


def _finish_request(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "-")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    if request.path.startswith("/api/") and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"

    rule = request.url_rule.rule if request.url_rule else "<unmatched>"
    duration = (time.perf_counter() - g.get("started", time.perf_counter())) * 1000
    logger.info(
        "request",
        extra={
            "method": request.method,
            "route": rule,
            "status": response.status_code,
            "duration_ms": round(duration, 1),
        },
    )
    return response


def create_app(settings: Settings | None = None, **overrides: Any) -> Flask:
    settings = settings or load_settings(**overrides)
    configure_logging(settings.log_level, settings.effective_log_format)

    app = Flask("anju", static_folder=None)
    app.config.update(_openapi_config(settings))
    app.config["ANJU"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_content_length
    app.config["TESTING"] = settings.env == "test"
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # readable Chinese

    init_keyring(settings)
    api = Api(app)
    errors.init_app(app)
    app.before_request(_begin_request)
    app.after_request(_finish_request)

    for module_name in BLUEPRINTS:
        module = __import__(module_name, fromlist=["blp"])
        api.register_blueprint(module.blp, url_prefix="/api/v1" + module.URL_PREFIX)
    from anju.health.routes import probes

    app.register_blueprint(probes)
    web.init_app(app)

    if settings.mongodb_uri:
        db.connect(settings)
    app.extensions["anju_api"] = api
    logger.info("app created", extra={"env": settings.env})
    return app

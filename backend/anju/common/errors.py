"""Named domain errors and the one boundary that turns every error into a
``application/problem+json`` answer (RFC 9457) in the user's language.

Services raise :class:`AnjuError` subclasses; routes never build error answers
themselves. A user's mistake is a 4xx and at most a warning in the log; a bug is
a 500 with the traceback in the log and never in the answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, Response, current_app, g, json, request
from pymongo.errors import (
    AutoReconnect,
    ConnectionFailure,
    ExecutionTimeout,
    NetworkTimeout,
    ServerSelectionTimeoutError,
    WTimeoutError,
)
from werkzeug.exceptions import HTTPException

from anju.common.i18n import current_language, known, translate

logger = logging.getLogger(__name__)

PROBLEM_MIME = "application/problem+json"
TYPE_BASE = "https://anju.example/problems/"

DATABASE_DOWN = (
    AutoReconnect,
    ConnectionFailure,
    ServerSelectionTimeoutError,
    NetworkTimeout,
    ExecutionTimeout,
    WTimeoutError,
)

FieldErrors = dict[str, list[dict[str, str]]]


class AnjuError(Exception):
    """A failure a client can act on; subclasses fix the status and type.

    The problem document carries ``code``, a stable machine-readable reason
    (the class's ``code`` or else the detail's message code), so a client can
    act on it without parsing the translated ``detail``. ``members`` adds
    further members a client needs (say, whom to ask about a replaced code).
    """

    status = 400
    kind = "bad-request"
    detail_code = ""
    code: str | None = None

    def __init__(
        self,
        detail_code: str | None = None,
        *,
        errors: FieldErrors | None = None,
        headers: Mapping[str, str] | None = None,
        **params: Any,
    ) -> None:
        super().__init__(detail_code or self.detail_code)
        self.detail_code = detail_code or self.detail_code
        self.errors = errors or {}
        self.headers = dict(headers or {})
        self.params = params
        self.members: dict[str, Any] = {}

    @property
    def problem_code(self) -> str:
        return self.code or self.detail_code or self.kind


class Unauthenticated(AnjuError):
    status, kind = 401, "unauthenticated"


class Forbidden(AnjuError):
    status, kind = 403, "forbidden"


class NotFound(AnjuError):
    status, kind, detail_code = 404, "not-found", "error.not_found"


class Conflict(AnjuError):
    status, kind = 409, "conflict"


class PreconditionFailed(AnjuError):
    status, kind = 412, "precondition-failed"


class InvalidInput(AnjuError):
    status, kind, detail_code = 422, "invalid-input", "error.invalid_input"


class RateLimited(AnjuError):
    status, kind, detail_code = 429, "rate-limited", "error.rate_limited"

    def __init__(self, retry_after: int, detail_code: str | None = None) -> None:
        super().__init__(
            detail_code,
            headers={"Retry-After": str(retry_after)},
            seconds=retry_after,
        )


class Unavailable(AnjuError):
    status, kind, detail_code = 503, "unavailable", "error.database_unavailable"

    def __init__(self, detail_code: str | None = None, retry_after: int = 5) -> None:
        super().__init__(detail_code, headers={"Retry-After": str(retry_after)})


def field_error(field: str, code: str, **params: Any) -> InvalidInput:
    """One invalid field, by its stable code (e.g. ``id_number.checksum``)."""
    return InvalidInput(errors={field: [_entry(code, **params)]})


def _entry(code: str, **params: Any) -> dict[str, str]:
    return {"code": code, "message": translate(code, **params)}


# marshmallow's own messages, mapped to stable codes.
_MARSHMALLOW_CODES = (
    (re.compile(r"^Missing data for required field"), "required"),
    (re.compile(r"^Field may not be null"), "null"),
    (re.compile(r"^Unknown field"), "unknown"),
    (re.compile(r"^(Not a valid|Invalid input type|Invalid type)"), "type"),
    (re.compile(r"^(Length must|Shorter than|Longer than)"), "length"),
    (re.compile(r"^Must be (one of|equal to)"), "choice"),
    (re.compile(r"^Must be (greater|less|between)"), "range"),
    (
        re.compile(r"(does not match|not a valid email|cannot be formatted)", re.I),
        "format",
    ),
)


def _code_and_message(field: str, message: str) -> tuple[str, str]:
    """A stable code and its text: our own codes as they are, marshmallow's
    English messages mapped to ``<field>.<reason>``."""
    if known(message):
        return message, translate(message)

    reason = "invalid"
    for pattern, code in _MARSHMALLOW_CODES:
        if pattern.search(message):
            reason = code
            break
    leaf = field.rsplit(".", 1)[-1] or "_body"
    return f"{leaf}.{reason}", translate(f"field.{reason}")


def _flatten(messages: Any, prefix: str = "") -> Iterable[tuple[str, str]]:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = "" if key == "_schema" else str(key)
            path = ".".join(part for part in (prefix, name) if part)
            yield from _flatten(value, path)
    elif isinstance(messages, list | tuple):
        for item in messages:
            yield from _flatten(item, prefix)
    else:
        yield prefix or "_body", str(messages)


_LOCATIONS = {"json", "query", "form", "files", "headers", "view_args", "path"}


def field_errors_from_marshmallow(messages: Any) -> FieldErrors:
    """webargs reports ``{location: {field: [message]}}``; drop the location."""
    if isinstance(messages, Mapping) and set(messages) <= _LOCATIONS:
        messages = {k: v for inner in messages.values() for k, v in inner.items()}

    errors: FieldErrors = {}
    for field, message in _flatten(messages):
        code, text = _code_and_message(field, message)
        errors.setdefault(field, []).append({"code": code, "message": text})
    return errors


def problem(
    status: int,
    kind: str,
    detail: str,
    errors: FieldErrors | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    code: str | None = None,
    members: Mapping[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind,
        "title": translate(f"http.{status}"),
        "status": status,
        "detail": detail,
        "instance": request.path,
        "request_id": g.get("request_id", "-"),
    }
    if code:
        body["code"] = code
    if errors:
        body["errors"] = errors
    for name, value in (members or {}).items():
        body.setdefault(name, value)

    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MIME
    )
    response.headers["Content-Language"] = current_language()
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _human_size(size: int) -> str:
    return f"{size // (1024 * 1024)} MB" if size >= 1024 * 1024 else f"{size} B"


def _from_http(error: HTTPException) -> Response:
    status = error.code or 500
    data = getattr(error, "data", None) or {}

    if status == 422 and "messages" in data:
        errors = field_errors_from_marshmallow(data["messages"])
        return problem(422, "invalid-input", translate("error.invalid_input"), errors)

    if status == 400 and "messages" in data:
        # webargs answers 400 for a body that is not valid JSON.
        return problem(400, "malformed-json", translate("error.malformed_json"))

    if status == 429:
        retry_after = int(data.get("retry_after", 0) or 60)
        return problem(
            429,
            "rate-limited",
            translate("error.rate_limited", seconds=retry_after),
            headers={"Retry-After": str(retry_after)},
        )

    detail = {
        404: lambda: translate("error.not_found"),
        405: lambda: translate("error.method", method=request.method),
        413: lambda: translate(
            "error.too_large",
            limit=_human_size(current_app.config["MAX_CONTENT_LENGTH"] or 0),
        ),
        415: lambda: translate("error.media_type"),
    }.get(status, lambda: translate(f"http.{status}"))()

    headers = {}
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem(status, f"http-{status}", detail, headers=headers)


def _from_anju(error: AnjuError) -> Response:
    if error.status >= 500:
        logger.warning("dependency unavailable", extra={"kind": error.kind})
    detail = translate(error.detail_code or f"http.{error.status}", **error.params)
    return problem(
        error.status,
        error.kind,
        detail,
        error.errors,
        error.headers,
        code=error.problem_code,
        members=error.members,
    )


def _from_database(error: Exception) -> Response:
    logger.warning("database unavailable", extra={"error_type": type(error).__name__})
    return problem(
        503,
        "unavailable",
        translate("error.database_unavailable"),
        headers={"Retry-After": "5"},
    )


def _from_bug(error: Exception) -> Response:
    logger.error(
        "unhandled error",
        exc_info=error,
        extra={"error_type": type(error).__name__},
    )
    request_id = g.get("request_id", "-")
    return problem(500, "internal", translate("error.internal", request_id=request_id))


def _wants_problem() -> bool:
    return request.path.startswith("/api") or request.path in ("/readyz", "/healthz")


def init_app(app: Flask) -> None:
    """Register the error boundary; call after flask-smorest's Api exists."""

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException) -> Any:
        if not _wants_problem() and (error.code or 500) < 500:
            return error
        return _from_http(error)

    @app.errorhandler(AnjuError)
    def handle_anju(error: AnjuError) -> Response:
        return _from_anju(error)

    for database_error in DATABASE_DOWN:
        app.register_error_handler(database_error, _from_database)

    @app.errorhandler(Exception)
    def handle_bug(error: Exception) -> Response:
        return _from_bug(error)

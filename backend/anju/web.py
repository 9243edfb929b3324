"""Serving the progressive web app and the API's interactive docs.

Hashed assets are cached for a year; ``index.html`` and the service worker are
never cached, so a deployment reaches phones on their next visit. Any other path
that is not the API is a route of the app and answers with ``index.html``.
"""

from __future__ import annotations

from pathlib import Path

import swagger_ui_bundle
from flask import Flask, Response, abort, send_from_directory

from anju.config import REPO_ROOT

DIST = REPO_ROOT / "pwa" / "dist"
NEVER_CACHED = ("index.html", "sw.js", "registerSW.js", "manifest.webmanifest")
IMMUTABLE = "public, max-age=31536000, immutable"
APP_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' "
    "'unsafe-inline'; script-src 'self'; connect-src 'self'; worker-src 'self'; "
    "manifest-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)

PLACEHOLDER = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>安居</title></head>
<body><main><h1>安居</h1>
<p>应用尚未构建。请运行 <code>scripts/run</code>。</p>
<p lang="en">The app has not been built yet. Run <code>scripts/run</code>.</p>
<p><a href="/api/docs">API</a></p></main></body></html>
"""


def _app_file(path: str, dist: Path) -> Response:
    response = send_from_directory(dist, path, max_age=0)
    name = Path(path).name
    if path.startswith("assets/"):
        response.headers["Cache-Control"] = IMMUTABLE
    elif name in NEVER_CACHED:
        response.headers["Cache-Control"] = "no-cache, no-store, must-revalidate"
    else:
        response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _index(dist: Path) -> Response:
    if not (dist / "index.html").exists():
        response = Response(PLACEHOLDER, mimetype="text/html")
    else:
        response = send_from_directory(dist, "index.html", max_age=0)
    response.headers["Cache-Control"] = "no-cache, no-store, must-revalidate"
    response.headers["Content-Security-Policy"] = APP_CSP
    return response


def init_app(app: Flask, dist: Path = DIST) -> None:
    docs_dir = Path(swagger_ui_bundle.swagger_ui_path)

    @app.get("/api/docs/static/<path:path>")
    def swagger_static(path: str) -> Response:
        return send_from_directory(docs_dir, path, max_age=86400)

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def app_shell(path: str) -> Response:
        if path.startswith("api/") or path == "api":
            abort(404)

        if path and (dist / path).is_file():
            return _app_file(path, dist)
        if path.startswith("assets/"):
            abort(404)
        return _index(dist)

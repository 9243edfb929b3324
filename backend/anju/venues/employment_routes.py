"""Registration at a venue (self scan, by staff, by share code), employments,
their end, and the worker's own share codes."""

from __future__ import annotations

from flask_smorest import Blueprint

URL_PREFIX = ""

blp = Blueprint("employments", __name__, description="Employments and share codes")

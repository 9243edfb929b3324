"""Staff imports: templates, uploads, validation reports and progress."""

from __future__ import annotations

from flask_smorest import Blueprint

URL_PREFIX = ""

blp = Blueprint("imports", __name__, description="Staff imports from spreadsheets")

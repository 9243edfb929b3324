"""Properties, rooms, room codes and tenancies (check-in and check-out)."""

from __future__ import annotations

from flask_smorest import Blueprint

URL_PREFIX = ""

blp = Blueprint("housing", __name__, description="Properties, rooms and tenancies")

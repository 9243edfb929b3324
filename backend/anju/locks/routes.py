"""Locks and gates: registration, health and events."""

from __future__ import annotations

from flask_smorest import Blueprint

URL_PREFIX = ""

blp = Blueprint("locks", __name__, description="Locks, gates and their health")

"""Venues, their codes, registration at a venue and employments."""

from __future__ import annotations

from flask_smorest import Blueprint

URL_PREFIX = ""

blp = Blueprint("venues", __name__, description="Venues, venue codes and employments")

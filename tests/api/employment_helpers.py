"""Venues, codes and registration bodies for the employment tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bson import ObjectId
from flask import Flask

from anju.privacy.consent import CURRENT_VERSION
from anju.venues.models import Venue
from qr import tokens


def make_venue(
    app: Flask, area, name: str = "东村五金店", status: str = "active", operator=None
) -> Venue:
    with app.app_context():
        venue_id = ObjectId()
        venue = Venue(
            id=venue_id,
            name=name,
            kind="stall_shop",
            area=area.id,
            address="东村1号",
            operator=operator.id if operator else None,
            status=status,
            code_version=1,
            scope_keys=[*area.scope_keys(), f"venue:{venue_id}"],
            created_at=datetime.now(UTC),
        )
        venue.save(force_insert=True)
    return venue


def code_token(app: Flask, venue: Venue, version: int | None = None) -> str:
    key = app.config["ANJU"].code_signing_key
    return tokens.sign("venue", str(venue.id), version or venue.code_version, key)


def self_body(citizen, **changes) -> dict:
    body = {
        "name": citizen.name,
        "id_number": citizen.id_number,
        "job": "理货员",
        "start_date": (date.today() - timedelta(days=3)).isoformat(),
        "consent_version": CURRENT_VERSION,
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}


def staff_body(citizen, **changes) -> dict:
    body = {
        "name": citizen.name,
        "id_number": citizen.id_number,
        "phone": citizen.phone,
        "job": "搬运工",
        "start_date": (date.today() - timedelta(days=10)).isoformat(),
    }
    body.update(changes)
    return {key: value for key, value in body.items() if value is not None}

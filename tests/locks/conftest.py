"""Helpers for the lock tests: a registered room lock and its credential."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from bson import ObjectId
from flask import Flask

from anju.housing.models import Property, Room
from anju.locks import service
from anju.locks.models import Credential, Lock
from tests.factories import make_district


@dataclass
class Place:
    area_keys: list[str]
    area_id: str
    property_id: str
    room_id: str
    other_area_id: str  # a market section elsewhere in the district


@pytest.fixture
def place(app: Flask) -> Place:
    district = make_district(app)
    with app.app_context():
        keys = district.village.scope_keys()
        home = Property(
            name="东村 12 号",
            address="东村 12 号",
            area=district.village.id,
            scope_keys=keys,
            created_at=datetime.now(UTC),
        ).save()
        room = Room(property=home.id, number="101", capacity=2, scope_keys=keys).save()
    return Place(
        keys,
        str(district.village.id),
        str(home.id),
        str(room.id),
        str(district.other_village.id),
    )


def register(app: Flask, place: Place, serial: str, kind: str = "room") -> Lock:
    with app.app_context():
        lock, _ = service.register_lock(
            serial=serial,
            kind=kind,
            area_id=place.area_id,
            room_id=place.room_id if kind == "room" else None,
            property_id=place.property_id if kind == "room" else None,
            scope_keys=[*place.area_keys, f"property:{place.property_id}"],
        )
    return lock


def authorize(
    app: Flask,
    lock: Lock,
    *,
    tenancy: ObjectId | None = None,
    days: int = 30,
    starts: timedelta = timedelta(hours=-1),
) -> Credential:
    now = datetime.now(UTC)
    with app.app_context():
        (credential,) = service.authorize(
            tenancy_id=str(tenancy or ObjectId()),
            person_id=str(ObjectId()),
            lock_ids=[str(lock.id)],
            not_before=now + starts,
            expires_at=now + timedelta(days=days),
            scope_keys=list(lock.scope_keys),
            actor=None,
        )
    return credential


def fresh(credential: Credential) -> Credential:
    return Credential.objects(id=credential.id).get()

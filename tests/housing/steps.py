"""Steps the housing tests share: a landlord's property made through the
API, a check-in, a tenancy's period and a lock on a room or a gate."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

from tests.factories import login

API = "/api/v1"
_serials = itertools.count(1)


@dataclass
class House:
    """A property of the landlord's, with rooms by number."""

    id: str
    rooms: dict[str, str]


def make_house(client, officer, landlord, area, rooms=(("101", 1), ("102", 2))):
    """The officer registers a property for the landlord, who adds the rooms."""
    answer = client.post(
        f"{API}/properties",
        json={
            "name": "东村1号出租屋",
            "address": "东村1号",
            "area_id": str(area.id),
            "landlord_phone": landlord.phone,
        },
        headers=login(client, officer),
    )
    assert answer.status_code == 201, answer.get_json()
    property_id = answer.get_json()["id"]

    landlord.headers = None  # the new grant needs a new token
    made = {}
    for number, capacity in rooms:
        room = client.post(
            f"{API}/properties/{property_id}/rooms",
            json={"number": number, "floor": 1, "capacity": capacity},
            headers=login(client, landlord),
        )
        assert room.status_code == 201, room.get_json()
        made[number] = room.get_json()["id"]
    return House(property_id, made)


def period(days: int = 180) -> dict[str, str]:
    today = date.today()
    return {
        "start_date": today.isoformat(),
        "end_date": (today + timedelta(days=days)).isoformat(),
    }


def check_in(client, headers, room_id, citizen, name=None, **extra):
    body = {
        "name": name or citizen.name,
        "id_number": citizen.id_number,
        "phone": citizen.phone,
        **period(),
        **extra,
    }
    return client.post(f"{API}/rooms/{room_id}/tenancies", json=body, headers=headers)


def add_lock(app, room_id: str, kind: str = "room", area_id: str | None = None):
    """A lock registered on the room (or a gate on an area), as the lock side
    does it."""
    from anju.housing.models import Property, Room
    from anju.locks.service import register_lock

    with app.app_context():
        serial = f"SIM-{kind.upper()}-{next(_serials):05d}"
        if kind == "gate":
            from anju.areas.models import Area

            area = Area.objects(id=area_id).first()
            lock, password = register_lock(
                serial=serial,
                kind="gate",
                area_id=area_id,
                scope_keys=area.scope_keys(),
            )
            return lock, password
        room = Room.objects(id=room_id).first()
        prop = Property.objects(id=room.property).first()
        lock, password = register_lock(
            serial=serial,
            kind="room",
            area_id=str(prop.area),
            room_id=room_id,
            property_id=str(prop.id),
            scope_keys=list(room.scope_keys),
        )
        return lock, password

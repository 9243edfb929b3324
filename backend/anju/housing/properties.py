"""Properties, rooms and their codes, and occupancy: the places of housing.

Tenancies (check-in to check-out) are in ``service.py``; this module knows
rooms, beds and locks on doors, never who sleeps in them.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from mongoengine import NotUniqueError
from pymongo.errors import DuplicateKeyError

from anju.accounts.authz import Actor, scoped, scoped_get
from anju.accounts.models import Account, Grant
from anju.areas.models import Area
from anju.audit.service import record
from anju.common.crypto import keyring
from anju.common.errors import (
    AnjuError,
    NotFound,
    Unavailable,
    field_error,
)
from anju.common.pagination import newest_first
from anju.common.phone import PhoneError, normalize_phone
from anju.config import current_settings
from anju.housing import messages  # noqa: F401  (registers the texts)
from anju.housing.models import (
    Property,
    Room,
    Tenancy,
)
from anju.people.service import (
    audit_actor,
)
from qr import tokens

logger = logging.getLogger(__name__)


class Gone(AnjuError):
    status, kind = 410, "gone"


# --- properties and rooms


def create_property(actor: Actor, data: dict[str, Any]) -> Property:
    """A property in an area the caller reaches; a landlord named by the phone
    of their operator account gets a grant on it."""
    area = Area.objects(id=data["area_id"]).first()
    if area is None or not actor.reaches("properties.manage", area.scope_keys()):
        raise field_error("area_id", "people.area_outside_scope")
    landlord = _landlord_account(data.get("landlord_phone"))

    property_id = ObjectId()
    prop = Property(
        id=property_id,
        name=data["name"].strip(),
        address=(data.get("address") or "").strip() or None,
        area=area.id,
        landlord=landlord.id if landlord else None,
        scope_keys=[*area.scope_keys(), f"property:{property_id}"],
        created_at=datetime.now(UTC),
    )
    prop.save(force_insert=True)
    if landlord is not None:
        _grant_landlord(landlord, prop)

    record(
        "property.create",
        actor=audit_actor(actor, "properties.manage"),
        resource_type="property",
        resource_id=str(prop.id),
        details={"landlord": str(landlord.id) if landlord else None},
    )
    return prop


def _landlord_account(phone: str | None) -> Account | None:
    if not phone:
        return None
    try:
        normalized = normalize_phone(phone)
    except PhoneError as error:
        raise field_error("landlord_phone", error.key) from None

    index = keyring().blind_index(normalized, "phone")
    account = Account.objects(phone_index=index).first()
    if account is None or "operator" not in account.roles:
        raise field_error("landlord_phone", "properties.landlord_unknown")
    return account


def _grant_landlord(account: Account, prop: Property) -> None:
    grant = Grant(
        role="operator", scope_kind="property", scope_id=prop.id, scope_name=prop.name
    )
    # The new grant acts on the landlord's next request (token_version).
    Account.objects(id=account.id).update_one(
        push__grants=grant, inc__token_version=1, set__updated_at=datetime.now(UTC)
    )


def list_properties(
    actor: Actor, cursor: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    query = scoped(Property, "properties.read", actor)
    page, following = newest_first(query, cursor, limit)
    return property_summaries(page), following


PENDING_STATES = ("requested", "verifying", "verified", "authorized")


def property_summary(prop: Property) -> dict[str, Any]:
    return property_summaries([prop])[0]


def property_summaries(props: list[Property]) -> list[dict[str, Any]]:
    """Rooms, beds and capacity, pending check-ins and locks offline for a
    page of properties, in a fixed number of queries."""
    ids = [prop.id for prop in props]
    rooms: dict[Any, list[Room]] = {prop_id: [] for prop_id in ids}
    for room in Room.objects(property__in=ids).only(
        "property", "occupants", "capacity", "lock"
    ):
        rooms[room.property].append(room)
    locks = _locks(
        {room.lock for found in rooms.values() for room in found if room.lock}
    )
    areas = {
        area.id: area.name
        for area in Area.objects(id__in=list({prop.area for prop in props})).only(
            "name"
        )
    }
    pending: dict[Any, int] = dict.fromkeys(ids, 0)
    for tenancy in Tenancy.objects(property__in=ids, state__in=PENDING_STATES).only(
        "property"
    ):
        pending[tenancy.property] += 1

    summaries = []
    for prop in props:
        found = rooms[prop.id]
        states = [locks.get(str(room.lock)) for room in found if room.lock]
        offline = [lock for lock in states if lock is not None and not lock.online]
        summaries.append(
            {
                "id": str(prop.id),
                "name": prop.name,
                "address": prop.address,
                "area_id": str(prop.area),
                "area_name": areas.get(prop.area),
                "landlord_id": str(prop.landlord) if prop.landlord else None,
                "rooms": len(found),
                "occupied_beds": sum(room.occupants or 0 for room in found),
                "capacity": sum(room.capacity or 0 for room in found),
                "pending_checkins": pending[prop.id],
                "locks_offline": len(offline),
            }
        )
    return summaries


def get_property(actor: Actor, property_id: str) -> dict[str, Any]:
    prop = scoped_get(Property, "properties.read", property_id)
    rooms = list(Room.objects(property=prop.id).order_by("floor", "number"))
    locks = _locks({room.lock for room in rooms if room.lock})
    return {
        **property_summary(prop),
        "rooms": [room_view(room, locks) for room in rooms],
    }


def add_room(actor: Actor, property_id: str, data: dict[str, Any]) -> Room:
    prop = scoped_get(Property, "properties.manage", property_id)
    room = Room(
        property=prop.id,
        number=data["number"].strip(),
        floor=data.get("floor"),
        capacity=data["capacity"],
        occupants=0,
        code_version=1,
        scope_keys=list(prop.scope_keys),
        created_at=datetime.now(UTC),
    )
    try:
        room.save(force_insert=True)
    except (NotUniqueError, DuplicateKeyError):
        raise field_error("number", "rooms.number_taken") from None

    record(
        "room.create",
        actor=audit_actor(actor, "properties.manage"),
        resource_type="room",
        resource_id=str(room.id),
        details={"property": str(prop.id), "capacity": room.capacity},
    )
    return room


def change_room(actor: Actor, room_id: str, data: dict[str, Any]) -> Room:
    """A new capacity (never below the beds taken), floor or number."""
    room = scoped_get(Room, "properties.manage", room_id)
    update: dict[str, Any] = {}
    if "floor" in data:
        update["set__floor"] = data["floor"]
    if "number" in data:
        update["set__number"] = data["number"].strip()

    query = Room.objects(id=room.id)
    if "capacity" in data:
        update["set__capacity"] = data["capacity"]
        query = query.filter(occupants__lte=data["capacity"])
    try:
        changed = query.update_one(**update) if update else 1
    except (NotUniqueError, DuplicateKeyError):
        raise field_error("number", "rooms.number_taken") from None
    if not changed:
        room.reload()
        raise field_error(
            "capacity", "tenancies.capacity_below_occupants", occupants=room.occupants
        )

    record(
        "room.update",
        actor=audit_actor(actor, "properties.manage"),
        resource_type="room",
        resource_id=str(room.id),
        details={key: data[key] for key in ("capacity", "floor") if key in data},
    )
    room.reload()
    return room


def _locks(lock_ids: set[Any]) -> dict[str, Any]:
    if not lock_ids:
        return {}
    from anju.locks.models import Lock

    return {str(lock.id): lock for lock in Lock.objects(id__in=list(lock_ids))}


def room_view(room: Room, locks: dict[str, Any] | None = None) -> dict[str, Any]:
    if locks is None:
        locks = _locks({room.lock} if room.lock else set())
    lock = locks.get(str(room.lock)) if room.lock else None
    return {
        "id": str(room.id),
        "property_id": str(room.property),
        "number": room.number,
        "floor": room.floor,
        "capacity": room.capacity,
        "occupants": room.occupants or 0,
        "lock": None
        if lock is None
        else {
            "id": str(lock.id),
            "serial": lock.serial,
            "online": lock.online,
            "last_seen_at": lock.last_seen_at,
            "battery": lock.battery,
        },
        "code_version": room.code_version or 1,
    }


# --- room codes


def room_code_url(room: Room) -> str:
    settings = current_settings()
    token = tokens.sign(
        "room", str(room.id), room.code_version or 1, settings.code_signing_key
    )
    return f"{settings.public_url.rstrip('/')}/r/{token}"


def room_code(actor: Actor, room_id: str, kind: str) -> bytes:
    """The room's code as a PNG or SVG image, or a printable poster."""
    room = scoped_get(Room, "properties.manage", room_id)
    url = room_code_url(room)
    try:
        from qr import posters, render
    except ImportError:  # the renderer is built beside this module
        raise Unavailable("codes.render_unavailable") from None

    if kind == "png":
        return render.png(url)
    if kind == "svg":
        return render.svg(url)

    prop = Property.objects(id=room.property).first()
    area = Area.objects(id=prop.area).only("name").first()
    item = posters.PosterItem(
        title=f"{prop.name} {room.number}",
        subtitle=" ".join(part for part in (area.name, prop.address) if part),
        code_number=str(room.id)[-6:].upper(),
        url=url,
        kind="room",
    )
    return posters.poster_pdf([item], "A5")


def reissue_room_code(actor: Actor, room_id: str) -> Room:
    """A new code for the room; the printed old one answers "replaced"."""
    room = scoped_get(Room, "properties.manage", room_id)
    Room.objects(id=room.id).update_one(inc__code_version=1)
    room.reload()
    record(
        "room.code_reissue",
        actor=audit_actor(actor, "properties.manage"),
        resource_type="room",
        resource_id=str(room.id),
        details={"code_version": room.code_version},
    )
    return room


def resolve_room_code(token: str) -> Room:
    """The room a scanned code names: 404 for a code this server did not make,
    410 for one replaced by a newer code."""
    try:
        claims = tokens.verify(token, current_settings().code_signing_key)
    except tokens.BadCode:
        raise NotFound("codes.invalid") from None
    if claims.kind != "room":
        raise NotFound("codes.invalid")

    room = Room.objects(id=claims.object_id).first()
    if room is None:
        raise NotFound("codes.invalid")
    if claims.version != (room.code_version or 1):
        raise Gone("codes.replaced")
    return room


def room_code_view(token: str) -> dict[str, Any]:
    room = resolve_room_code(token)
    prop = Property.objects(id=room.property).first()
    area = Area.objects(id=prop.area).only("name").first()
    return {
        "room": {
            "id": str(room.id),
            "number": room.number,
            "property_name": prop.name,
            "address": prop.address,
            "area_name": area.name if area else None,
        }
    }


# --- occupancy


def occupancy(
    actor: Actor,
    *,
    area_id: str | None,
    over_capacity: bool | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    """Beds taken per room in the caller's jurisdiction (counts, no people)."""
    query = scoped(Room, "tenancies.read", actor)
    if area_id:
        query = query.filter(scope_keys=f"area:{area_id}")
    if over_capacity:
        query = query.filter(__raw__={"$expr": {"$gt": ["$occupants", "$capacity"]}})

    page, following = newest_first(query, cursor, limit)
    names = {
        str(p.id): p.name
        for p in Property.objects(id__in=list({r.property for r in page})).only("name")
    }
    return [
        {
            "room_id": str(room.id),
            "property_id": str(room.property),
            "property_name": names.get(str(room.property)),
            "number": room.number,
            "capacity": room.capacity,
            "occupants": room.occupants or 0,
            "over_capacity": (room.occupants or 0) > room.capacity,
        }
        for room in page
    ], following

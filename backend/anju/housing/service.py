"""Housing: tenancies, from check-in to check-out (the places themselves,
properties, rooms and their codes, are in ``properties.py``).

A tenancy goes requested → verifying → verified → authorized → checked_in →
checked_out (or rejected). Two keys open a door: the ID authority's match and
the landlord's authorization; only then are credentials issued to the room's
lock (and, in a closed community, its gates) through ``anju.locks.service``.

A room never holds more tenancies than its capacity: a tenancy takes a bed by
a conditional ``$inc`` on ``Room.occupants`` guarded by ``occupants <
capacity``, so of two check-ins racing for the last bed exactly one wins. A
tenancy gives its bed back exactly once, by a conditional update of its own
``holds_bed`` flag. Only an officer may exceed the capacity, with a reason that
is audited and raises an alert.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from bson import ObjectId
from mongoengine import NotUniqueError
from pymongo.errors import DuplicateKeyError

from anju.accounts.authz import Actor, scoped, scoped_get
from anju.accounts.models import Account
from anju.areas.models import Area
from anju.audit.service import record, record_many
from anju.common.crypto import keyring
from anju.common.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    field_error,
)
from anju.common.i18n import translate
from anju.common.pagination import newest_first
from anju.config import Settings
from anju.housing import messages  # noqa: F401  (registers the texts)
from anju.housing.models import (
    ENDED_STATES,
    OPEN_STATES,
    Property,
    Room,
    Tenancy,
    TenancyWarning,
    TenantConsent,
)
from anju.housing.properties import resolve_room_code, room_view
from anju.locks import service as locks
from anju.locks.signals import credential_enrolled
from anju.patrol.models import Alert
from anju.people import sharing
from anju.people.models import Person
from anju.people.service import (
    audit_actor,
    parse_identity,
    register_person,
    verify_person,
)
from anju.privacy import consent

logger = logging.getLogger(__name__)

# The district keeps China Standard Time (no daylight saving): a tenancy's
# dates are local dates, and its keys are valid from the first day's midnight
# to the midnight after its last day.
LOCAL_TIME = timezone(timedelta(hours=8))
MAX_TENANCY_DAYS = 3 * 366
# States in which the tenant's key is being issued or in use.
KEYED_STATES = ("authorized", "checked_in")


@dataclass(frozen=True)
class Reads:
    """What the views of a batch of tenancies need, loaded once."""

    people: dict[str, Person]
    rooms: dict[str, Room]
    properties: dict[str, Property]
    credentials: dict[str, list[Any]]


# --- a room and its tenants


def get_room(actor: Actor, room_id: str) -> dict[str, Any]:
    """A room with its open tenancies (each look at a tenant is audited)."""
    room = scoped_get(Room, "properties.read", room_id)
    view = room_view(room)
    if actor.can("tenancies.read"):
        tenancies = list(
            Tenancy.objects(room=room.id, state__in=OPEN_STATES).order_by("-id")
        )
        view["tenancies"] = tenancy_views(actor, tenancies, "tenancy.list")
    else:
        view["tenancies"] = []
    return view


# --- dates


def _check_period(start: date, end: date) -> None:
    if end < start:
        raise field_error("end_date", "tenancies.end_before_start")
    if end < datetime.now(LOCAL_TIME).date():
        raise field_error("end_date", "tenancies.ended_in_past")
    if (end - start).days > MAX_TENANCY_DAYS:
        raise field_error("end_date", "tenancies.too_long", days=MAX_TENANCY_DAYS)


def key_period(tenancy: Tenancy) -> tuple[datetime, datetime]:
    """From the first day's local midnight to the midnight after the last day."""
    start = datetime.combine(tenancy.start_date, time.min, LOCAL_TIME)
    end = datetime.combine(tenancy.end_date + timedelta(days=1), time.min, LOCAL_TIME)
    return start.astimezone(UTC), end.astimezone(UTC)


# --- beds


def _take_bed(room: Room, override: bool) -> bool:
    """Take one bed, atomically; answers whether the room is now over its
    capacity (only possible with an officer's override)."""
    if override:
        Room.objects(id=room.id).update_one(inc__occupants=1)
        room.reload()
        return room.occupants > room.capacity

    for _ in range(3):
        # Guarded by the capacity as read: a capacity changed meanwhile makes
        # the update miss, and we read again.
        taken = Room.objects(
            id=room.id, capacity=room.capacity, occupants__lt=room.capacity
        ).update_one(inc__occupants=1)
        if taken:
            return False
        room.reload()
        if room.occupants >= room.capacity:
            break
    raise Conflict("tenancies.room_full", capacity=room.capacity)


def _give_back_bed(room_id: Any) -> None:
    Room.objects(id=room_id, occupants__gt=0).update_one(dec__occupants=1)


def _end(
    tenancy: Tenancy, state: str, reason: str, from_states: tuple[str, ...]
) -> Tenancy | None:
    """Move an open tenancy to an ended state and give its bed back, once."""
    now = datetime.now(UTC)
    before = Tenancy.objects(id=tenancy.id, state__in=from_states).modify(
        new=False,
        set__state=state,
        set__holds_bed=False,
        set__ended_reason=reason,
        set__ended_at=now,
        set__updated_at=now,
        unset__active_key=True,
    )
    if before is None:
        return None
    if before.holds_bed:
        _give_back_bed(before.room)
    return before


# --- starting a tenancy


def _override(actor: Actor, reason: str | None) -> bool:
    if not reason:
        return False
    if not actor.can("tenancies.override"):
        raise Forbidden("tenancies.override_forbidden")
    return True


def start_tenancy(actor: Actor, room_id: str, data: dict[str, Any]) -> Tenancy:
    """The landlord (or an officer) checks a tenant in to a room, with the
    tenant's details or their share code. The bed is taken first, then the
    tenancy stored, then the identity checked."""
    _check_period(data["start_date"], data["end_date"])
    override = _override(actor, data.get("override_reason"))
    share_code = data.get("share_code")
    has_details = bool(data.get("name") or data.get("id_number"))
    if share_code and has_details:
        raise field_error("share_code", "tenancies.identity_or_code")
    if not share_code and not (data.get("name") and data.get("id_number")):
        raise field_error("id_number", "tenancies.identity_required")

    room = scoped_get(Room, "tenancies.manage", room_id)
    prop = Property.objects(id=room.property).first()
    if not share_code:
        _check_identity(data["name"], data["id_number"], data.get("phone"), room)

    over = _take_bed(room, override)
    try:
        if share_code:
            person = _redeem(share_code, actor, prop, room)
            channel = "share_code"
        else:
            person = register_person(
                name=data["name"],
                id_number=data["id_number"],
                phone=data.get("phone"),
                scope_keys=list(prop.scope_keys),
                channel=_person_channel(actor),
                actor=actor,
                check_now=False,
            ).person
            channel = "landlord"
        tenancy = _insert(
            person,
            room,
            prop,
            data,
            state="verifying",
            channel=channel,
            holds_bed=True,
            registered_by=actor.account_id,
            override_reason=data.get("override_reason") if override else None,
        )
    except BaseException:
        _give_back_bed(room.id)
        raise

    _audit_change(actor, "tenancy.create", tenancy, channel=channel)
    if override:
        _record_override(actor, tenancy, room, over, data["override_reason"])
    return _verify(tenancy, person)


def _person_channel(actor: Actor) -> str:
    role = actor.role_for("tenancies.manage")
    return role if role in ("officer", "area_admin") else "operator"


def _check_identity(name: str, id_number: str, phone: str | None, room: Room) -> None:
    """Every field's problem at once; a known ID number under another name is
    refused (the name on record is the one the authority checked); an open
    tenancy of the same person in this room is a conflict."""
    facts, _ = parse_identity(name, id_number, phone)
    index = keyring().blind_index(facts.number, "id_number")
    existing = Person.objects(id_number_index=index).only("id", "name").first()
    if existing is None:
        return
    if existing.name != name.strip():
        raise field_error("name", "tenancies.name_mismatch")
    if Tenancy.objects(active_key=f"{existing.id}:{room.id}").first():
        raise Conflict("tenancies.duplicate")


def _redeem(code: str, actor: Actor, prop: Property, room: Room) -> Person:
    # The code's owner sees where it was used: the property and the room.
    person = sharing.redeem(code, "tenancy", actor, f"{prop.name} {room.number}")
    Person.objects(id=person.id).update_one(add_to_set__scope_keys=prop.scope_keys)
    return person


def _insert(
    person: Person,
    room: Room,
    prop: Property,
    data: dict[str, Any],
    *,
    state: str,
    channel: str,
    holds_bed: bool,
    registered_by: str | None,
    override_reason: str | None = None,
    tenant_consent: TenantConsent | None = None,
) -> Tenancy:
    now = datetime.now(UTC)
    tenancy = Tenancy(
        room=room.id,
        property=prop.id,
        person=person.id,
        start_date=data["start_date"],
        end_date=data["end_date"],
        state=state,
        channel=channel,
        holds_bed=holds_bed,
        active_key=f"{person.id}:{room.id}",
        warnings=_warnings(person, room),
        consent=tenant_consent,
        over_capacity_reason=override_reason,
        registered_by=registered_by,
        scope_keys=sorted({*prop.scope_keys, f"person:{person.id}"}),
        created_at=now,
        updated_at=now,
    )
    try:
        tenancy.save(force_insert=True)
    except (NotUniqueError, DuplicateKeyError):
        raise Conflict("tenancies.duplicate") from None
    return tenancy


def _warnings(person: Person, room: Room) -> list[TenancyWarning]:
    elsewhere = Tenancy.objects(
        person=person.id, state__in=KEYED_STATES, room__ne=room.id
    ).first()
    if elsewhere is None:
        return []
    # Where the tenant lives is not the new landlord's business: the warning
    # says only that they are checked in elsewhere (officers see where).
    return [TenancyWarning(code="tenancies.elsewhere", detail=str(elsewhere.id))]


def _record_override(
    actor: Actor, tenancy: Tenancy, room: Room, over: bool, reason: str
) -> None:
    record(
        "tenancy.capacity_override",
        actor=audit_actor(actor, "tenancies.override"),
        resource_type="tenancy",
        resource_id=str(tenancy.id),
        subject_person=str(tenancy.person),
        purpose=reason,
        details={"room": str(room.id), "over_capacity": over},
    )
    if over:
        Alert(
            kind="room_over_capacity",
            person=tenancy.person,
            resource_type="room",
            resource_id=str(room.id),
            scope_keys=[k for k in room.scope_keys if k.startswith("area:")],
            created_at=datetime.now(UTC),
        ).save()


def _verify(tenancy: Tenancy, person: Person) -> Tenancy:
    """Ask the authority now when the person is still pending (an outage
    leaves the tenancy verifying; the worker's retry moves it on)."""
    if person.verification.state == "pending":
        verify_person(person)
        person.reload()
    return sync_verification(tenancy, person)


def sync_verification(tenancy: Tenancy, person: Person | None = None) -> Tenancy:
    """A verifying tenancy follows its person's check: a match makes it
    verified; a mismatch or an unknown number rejects it and frees the bed."""
    if tenancy.state != "verifying":
        return tenancy
    person = person or Person.objects(id=tenancy.person).first()
    verdict = person.verification.state

    if verdict == "match":
        Tenancy.objects(id=tenancy.id, state="verifying").update_one(
            set__state="verified", set__updated_at=datetime.now(UTC)
        )
    elif verdict in ("mismatch", "not_found"):
        _end(tenancy, "rejected", f"verification.{verdict}", ("verifying",))
    else:
        return tenancy

    record(
        "tenancy.verification",
        actor=None,
        resource_type="tenancy",
        resource_id=str(tenancy.id),
        subject_person=str(tenancy.person),
        details={"result": verdict},
    )
    tenancy.reload()
    return tenancy


# --- the tenant's own request, through the room's code


def request_tenancy(actor: Actor, token: str, data: dict[str, Any]) -> Tenancy:
    """A resident who scanned the room's code asks to live there; the landlord
    approves (which takes the bed) or rejects."""
    room = resolve_room_code(token)
    prop = Property.objects(id=room.property).first()
    _check_period(data["start_date"], data["end_date"])
    facts = _parse_with_consent(data)
    accepted = consent.accept(data.get("consent_version"))

    account = Account.objects(id=actor.account_id).first()
    phone = keyring().decrypt(account.phone_encrypted, "phone")
    _check_own_identity(actor, account, facts.number, data["name"], room)

    person = register_person(
        name=data["name"],
        id_number=data["id_number"],
        phone=phone,
        scope_keys=list(prop.scope_keys),
        channel="self_scan",
        actor=actor,
        check_now=False,
    ).person
    Account.objects(id=account.id, person=None).update_one(set__person=person.id)

    tenancy = _insert(
        person,
        room,
        prop,
        data,
        state="requested",
        channel="room_code",
        holds_bed=False,
        registered_by=None,
        tenant_consent=TenantConsent(
            version=accepted.version, accepted_at=accepted.accepted_at
        ),
    )
    _audit_change(
        actor,
        "tenancy.request",
        tenancy,
        channel="room_code",
        consent_version=accepted.version,
    )

    if person.verification.state == "pending":
        verify_person(person)
    return tenancy


def _parse_with_consent(data: dict[str, Any]) -> Any:
    """The identity's and the consent's problems in one answer."""
    problem = consent.consent_problem(data.get("consent_version"))
    try:
        facts, _ = parse_identity(data["name"], data["id_number"], None)
    except InvalidInput as error:
        if problem:
            error.errors.update(field_error("consent_version", problem).errors)
        raise
    return facts


def _check_own_identity(
    actor: Actor, account: Account, id_number: str, name: str, room: Room
) -> None:
    """A resident registers themself only: an account already linked to a
    person must give that person's number; a number on record must be under
    this name and this phone."""
    index = keyring().blind_index(id_number, "id_number")
    existing = Person.objects(id_number_index=index).first()

    if account.person and (existing is None or existing.id != account.person):
        raise field_error("id_number", "tenancies.not_you")
    if existing is None:
        return
    if existing.name != name.strip():
        raise field_error("name", "tenancies.name_mismatch")
    if existing.phone_index and existing.phone_index != account.phone_index:
        raise field_error("id_number", "tenancies.not_you")
    if Tenancy.objects(active_key=f"{existing.id}:{room.id}").first():
        raise Conflict("tenancies.duplicate")


# --- the landlord's decisions


def _managed(actor: Actor, tenancy_id: str) -> Tenancy:
    return scoped_get(Tenancy, "tenancies.manage", tenancy_id)


def _refuse_ended(tenancy: Tenancy) -> None:
    if tenancy.state in ENDED_STATES:
        raise Conflict("tenancies.already_ended")


def approve(actor: Actor, tenancy_id: str, override_reason: str | None) -> Tenancy:
    """Accept a tenant's request: the bed is taken and the ID check follows."""
    tenancy = _managed(actor, tenancy_id)
    _refuse_ended(tenancy)
    if tenancy.state != "requested":
        raise Conflict("tenancies.wrong_state", state=tenancy.state)
    override = _override(actor, override_reason)

    room = Room.objects(id=tenancy.room).first()
    over = _take_bed(room, override)
    moved = Tenancy.objects(id=tenancy.id, state="requested").update_one(
        set__state="verifying",
        set__holds_bed=True,
        set__over_capacity_reason=override_reason if override else None,
        set__registered_by=actor.account_id,
        set__updated_at=datetime.now(UTC),
    )
    if not moved:  # decided by someone else meanwhile
        _give_back_bed(room.id)
        tenancy.reload()
        raise Conflict("tenancies.wrong_state", state=tenancy.state)

    tenancy.reload()
    _audit_change(actor, "tenancy.approve", tenancy)
    if override:
        _record_override(actor, tenancy, room, over, override_reason or "")
    return _verify(tenancy, Person.objects(id=tenancy.person).first())


def reject(actor: Actor, tenancy_id: str, reason: str | None) -> Tenancy:
    """Refuse a tenancy before any key was issued (afterwards: check out)."""
    tenancy = _managed(actor, tenancy_id)
    _refuse_ended(tenancy)
    ended = _end(
        tenancy,
        "rejected",
        reason or "landlord",
        ("requested", "verifying", "verified"),
    )
    if ended is None:
        tenancy.reload()
        _refuse_ended(tenancy)
        raise Conflict("tenancies.wrong_state", state=tenancy.state)

    tenancy.reload()
    _audit_change(actor, "tenancy.reject", tenancy)
    return tenancy


def gate_locks(prop: Property) -> list[Any]:
    """The gates of the closed community the property stands in (gates belong
    to the community's area, an ancestor of the property's)."""
    from anju.locks.models import Lock

    area = Area.objects(id=prop.area).first()
    ancestors = [ObjectId(area_id) for area_id in area.ancestor_ids]
    return list(Lock.objects(kind="gate", area__in=ancestors))


def authorize(actor: Actor, tenancy_id: str) -> Tenancy:
    """The landlord's key: credentials for the room's lock (and the gates) for
    the tenancy's period, issued only for an identity that matched."""
    tenancy = _managed(actor, tenancy_id)
    tenancy = sync_verification(tenancy)
    _refuse_ended(tenancy)
    if tenancy.state in ("requested", "verifying"):
        person = Person.objects(id=tenancy.person).only("verification").first()
        raise Conflict("tenancies.not_verified", state=person.verification.state)

    room = Room.objects(id=tenancy.room).first()
    if not room.lock:
        raise Conflict("tenancies.no_lock")
    prop = Property.objects(id=tenancy.property).first()
    locks_service = locks

    not_before, expires_at = key_period(tenancy)
    lock_ids = [str(room.lock), *(str(gate.id) for gate in gate_locks(prop))]
    # Idempotent per (tenancy, lock): authorizing again adds gates added since.
    locks_service.authorize(
        tenancy_id=str(tenancy.id),
        person_id=str(tenancy.person),
        lock_ids=lock_ids,
        not_before=not_before,
        expires_at=expires_at,
        scope_keys=list(tenancy.scope_keys),
        actor=actor,
    )
    Tenancy.objects(id=tenancy.id, state="verified").update_one(
        set__state="authorized", set__updated_at=datetime.now(UTC)
    )

    tenancy.reload()
    _audit_change(actor, "tenancy.authorize", tenancy, locks=len(lock_ids))
    return tenancy


def start_enrollment(actor: Actor, tenancy_id: str) -> Tenancy:
    """The room's lock waits a few minutes for this tenant's finger."""
    tenancy = _managed(actor, tenancy_id)
    _refuse_ended(tenancy)
    if tenancy.state not in KEYED_STATES:
        raise Conflict("tenancies.wrong_state", state=tenancy.state)

    credential = _room_credential(tenancy)
    if credential is None or credential.state in ("revoked", "expired"):
        raise Conflict("tenancies.no_credential")
    locks.start_enrollment(str(credential.id), actor=actor)

    _audit_change(actor, "tenancy.enrollment", tenancy)
    return tenancy


def _room_credential(tenancy: Tenancy) -> Any | None:
    room = Room.objects(id=tenancy.room).only("lock").first()
    found = locks.credentials_for([str(tenancy.id)])
    for credential in found.get(str(tenancy.id), []):
        if room.lock and credential.lock == room.lock:
            return credential
    return None


def on_credential_enrolled(credential: Any, **_: Any) -> None:
    """The lock reported the tenant's finger enrolled: checked in."""
    tenancy = Tenancy.objects(id=credential.tenancy).first()
    if tenancy is None:
        return
    room = Room.objects(id=tenancy.room).only("lock").first()
    if room is None or room.lock != credential.lock:
        return  # a gate's enrollment does not check anyone in

    moved = Tenancy.objects(id=tenancy.id, state="authorized").update_one(
        set__state="checked_in", set__updated_at=datetime.now(UTC)
    )
    if moved:
        record(
            "tenancy.checked_in",
            actor=None,
            resource_type="tenancy",
            resource_id=str(tenancy.id),
            subject_person=str(tenancy.person),
            details={"lock": str(credential.lock)},
        )
        logger.info("tenant checked in", extra={"tenancy_id": str(tenancy.id)})


def check_out(actor: Actor, tenancy_id: str) -> Tenancy:
    """End the tenancy at once; every credential of it is revoked now."""
    tenancy = _managed(actor, tenancy_id)
    return _check_out(tenancy, actor, "checked_out")


def _check_out(tenancy: Tenancy, actor: Actor | None, reason: str) -> Tenancy:
    before = _end(tenancy, "checked_out", reason, OPEN_STATES)
    if before is None:
        raise Conflict("tenancies.already_ended")

    if before.state in KEYED_STATES:
        locks.revoke(str(tenancy.id), reason=reason, actor=actor)

    tenancy.reload()
    _audit_change(actor, "tenancy.check_out", tenancy, reason=reason)
    return tenancy


def request_check_out(actor: Actor, tenancy_id: str) -> Tenancy:
    """The tenant asks to leave; the landlord confirms with a check-out."""
    tenancy = _own(actor, tenancy_id)
    _refuse_ended(tenancy)
    Tenancy.objects(id=tenancy.id, checkout_requested_at=None).update_one(
        set__checkout_requested_at=datetime.now(UTC)
    )

    tenancy.reload()
    _audit_change(actor, "tenancy.checkout_request", tenancy)
    return tenancy


def end_past_tenancies(settings: Settings, limit: int = 100) -> int:
    """The worker's job: tenancies past their last day are checked out (their
    keys expire on the locks by themselves, even offline)."""
    today = datetime.now(LOCAL_TIME).date()
    due = Tenancy.objects(state__in=OPEN_STATES, end_date__lt=today).limit(limit)
    ended = 0
    for tenancy in due:
        try:
            _check_out(tenancy, None, "period_over")
        except Conflict:
            continue  # ended by someone else meanwhile
        ended += 1
    return ended


def sync_pending_verifications(settings: Settings, limit: int = 100) -> int:
    """The worker's job: verifying tenancies whose person's check has answered
    (the authority was down at check-in) move on."""
    moved = 0
    for tenancy in Tenancy.objects(state="verifying").order_by("updated_at")[:limit]:
        person = Person.objects(id=tenancy.person).first()
        if person is None or person.verification.state == "pending":
            continue
        sync_verification(tenancy, person)
        moved += 1
    return moved


# --- reading, within scope, every look at a tenant audited


def _own(actor: Actor, tenancy_id: str) -> Tenancy:
    if not actor.person_id:
        raise NotFound()
    tenancy = Tenancy.objects(
        id=_object_id(tenancy_id), person=ObjectId(actor.person_id)
    ).first()
    if tenancy is None:
        raise NotFound()
    return tenancy


def _object_id(value: str) -> ObjectId:
    from anju.common.schemas import object_id_or_404

    return object_id_or_404(value)


def list_tenancies(
    actor: Actor,
    *,
    state: str | None,
    property_id: str | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[dict[str, Any]], str | None]:
    query = scoped(Tenancy, "tenancies.read", actor)
    if state:
        query = query.filter(state=state)
    if property_id:
        query = query.filter(property=ObjectId(property_id))

    page, following = newest_first(query, cursor, limit)
    return tenancy_views(actor, page, "tenancy.list"), following


def get_tenancy(actor: Actor, tenancy_id: str) -> dict[str, Any]:
    tenancy = scoped_get(Tenancy, "tenancies.read", tenancy_id)
    tenancy = sync_verification(tenancy)
    return tenancy_views(actor, [tenancy], "tenancy.read")[0]


def tenancy_progress(tenancy_id: str) -> dict[str, Any]:
    """Where a check-in stands, its state and its key, without the tenant's
    data: what a screen polls while it waits for the lock. It shows nothing
    about the person, so it is not a look to audit."""
    tenancy = sync_verification(scoped_get(Tenancy, "tenancies.read", tenancy_id))
    room = Room.objects(id=tenancy.room).first()
    credentials = locks.credentials_for([str(tenancy.id)]).get(str(tenancy.id), [])
    return {
        "id": str(tenancy.id),
        "state": tenancy.state,
        "key": _key(tenancy, room, credentials),
    }


def tenancy_view_for(actor: Actor, tenancy: Tenancy) -> dict[str, Any]:
    """The answer to a change the caller just made (not a look: not audited
    again, the change itself is)."""
    return tenancy_views(actor, [tenancy], None)[0]


def my_tenancies(actor: Actor) -> list[dict[str, Any]]:
    """My room and key: my tenancies, open ones first."""
    if not actor.person_id:
        return []
    tenancies = list(
        Tenancy.objects(person=ObjectId(actor.person_id)).order_by("-id").limit(50)
    )
    tenancies.sort(key=lambda t: t.state in ENDED_STATES)
    views = tenancy_views(actor, tenancies, None)

    reads = _reads(tenancies)
    areas = {
        str(a.id): a
        for a in Area.objects(id__in=[p.area for p in reads.properties.values()])
    }
    for view, tenancy in zip(views, tenancies, strict=True):
        room = reads.rooms[str(tenancy.room)]
        prop = reads.properties[str(tenancy.property)]
        area = areas.get(str(prop.area))
        view["room"] = {"id": str(room.id), "number": room.number, "floor": room.floor}
        view["property"] = {
            "id": str(prop.id),
            "name": prop.name,
            "address": prop.address,
            "area_name": area.name if area else None,
        }
    return views


def _reads(tenancies: list[Tenancy]) -> Reads:
    people = Person.objects(id__in=list({t.person for t in tenancies}))
    rooms = Room.objects(id__in=list({t.room for t in tenancies}))
    properties = Property.objects(id__in=list({t.property for t in tenancies}))
    credentials: dict[str, list[Any]] = {}
    keyed = [str(t.id) for t in tenancies if t.state in (*KEYED_STATES, "checked_out")]
    if keyed:
        credentials = locks.credentials_for(keyed)
    return Reads(
        people={str(p.id): p for p in people},
        rooms={str(r.id): r for r in rooms},
        properties={str(p.id): p for p in properties},
        credentials=credentials,
    )


KEY_STATES = {
    "issued": "waiting_for_lock",
    "delivered": "delivered",
    "enrolled": "enrolled",
    "revoked": "revoked",
    "expired": "expired",
}


def _key(tenancy: Tenancy, room: Room, credentials: list[Any]) -> dict[str, Any]:
    """The tenant's key on the room's door (the gates' keys follow it)."""
    for credential in credentials:
        if room.lock and credential.lock == room.lock:
            state = KEY_STATES.get(credential.state, "waiting_for_lock")
            if state == "delivered" and credential.delivery != "acknowledged":
                state = "waiting_for_lock"
            return {
                "state": state,
                "credential_id": str(credential.id),
                "enrollment_until": credential.enrollment_until,
            }
    return {"state": "none", "credential_id": None, "enrollment_until": None}


def tenancy_views(
    actor: Actor, tenancies: list[Tenancy], action: str | None
) -> list[dict[str, Any]]:
    """Views of tenancies; ``action`` names the audited look (None for the
    tenant's own or for the answer to a change)."""
    if not tenancies:
        return []
    reads = _reads(tenancies)
    views = []
    looks: list[dict[str, Any]] = []

    for tenancy in tenancies:
        person = reads.people[str(tenancy.person)]
        room = reads.rooms[str(tenancy.room)]
        prop = reads.properties[str(tenancy.property)]
        credentials = reads.credentials.get(str(tenancy.id), [])
        views.append(
            {
                "id": str(tenancy.id),
                "room_id": str(room.id),
                "room_number": room.number,
                "property_id": str(prop.id),
                "property_name": prop.name,
                "person_id": str(person.id),
                "name": person.name,
                "id_number_masked": person.id_number_masked,
                "phone_masked": person.phone_masked,
                "start_date": tenancy.start_date,
                "end_date": tenancy.end_date,
                "state": tenancy.state,
                "verification": person.verification,
                "key": _key(tenancy, room, credentials),
                "gate_keys": [
                    {"lock_id": str(c.lock), "state": KEY_STATES.get(c.state)}
                    for c in credentials
                    if c.lock != room.lock
                ],
                "checkout_requested": tenancy.checkout_requested_at is not None,
                "warnings": [
                    {"code": w.code, "detail": translate(w.code)}
                    for w in tenancy.warnings
                ],
                "channel": tenancy.channel,
                "ended_reason": tenancy.ended_reason,
                "created_at": tenancy.created_at,
            }
        )
        if action and actor.person_id != str(person.id):
            looks.append(
                {
                    "action": action,
                    "actor": audit_actor(actor, "tenancies.read"),
                    "resource_type": "tenancy",
                    "resource_id": str(tenancy.id),
                    "subject_person": str(person.id),
                }
            )

    # One append for the page's looks (the chain costs a round trip each).
    record_many(looks)
    return views


def _audit_change(
    actor: Actor | None, action: str, tenancy: Tenancy, **details: Any
) -> None:
    record(
        action,
        actor=audit_actor(actor, "tenancies.manage"),
        resource_type="tenancy",
        resource_id=str(tenancy.id),
        subject_person=str(tenancy.person),
        details={
            "state": tenancy.state,
            "self": actor is not None and actor.person_id == str(tenancy.person),
            **details,
        },
    )


# A lock's enrollment report checks the tenant in (the worker, which ingests
# lock events, imports this module).
credential_enrolled.connect(on_credential_enrolled, weak=False)


def housing_upkeep(settings: Settings) -> int:
    """The worker's job for housing: checks answered late, periods over."""
    return sync_pending_verifications(settings) + end_past_tenancies(settings)

"""The rules of locks: registration, credentials, revocation, enrollment,
health, and what the gateway does with the locks' events.

Nothing here talks to the broker: every command for a lock is written into the
outbox embedded in its Credential (``Credential.outbox``) in the same
single-document write as the change it serves, and the gateway
(:mod:`anju.locks.gateway`) delivers it. See docs/locks.md.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from mongoengine.errors import NotUniqueError
from mongoengine.queryset import QuerySet
from pymongo import UpdateOne

from anju.accounts.authz import Actor, scoped
from anju.audit.service import record
from anju.common.errors import Conflict, NotFound, field_error
from anju.common.pagination import newest_first
from anju.common.schemas import object_id_or_404
from anju.config import Settings, current_settings
from anju.locks import credentials, messages  # noqa: F401  (registers the texts)
from anju.locks.models import LIVE_STATES, Command, Credential, Lock, LockEvent
from anju.locks.mosquitto import password_hash
from anju.locks.signals import credential_enrolled
from anju.patrol.models import Alert
from anju.people.service import audit_actor

logger = logging.getLogger(__name__)

SERIAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$")
FAILED_BURST = 5  # failed unlocks within FAILED_WINDOW raise an alert
FAILED_WINDOW = timedelta(minutes=5)


@dataclass(frozen=True)
class LockHealth:
    online: bool
    last_seen_at: datetime | None
    battery: int | None
    pending_commands: int


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _command(kind: str, now: datetime) -> Command:
    return Command(id=uuid.uuid4().hex, kind=kind, created_at=now, next_at=now)


def _object_ids(values: Sequence[str], field: str) -> list[ObjectId]:
    try:
        return [ObjectId(str(value)) for value in values]
    except Exception:
        raise field_error(field, "locks.unknown") from None


# --- registration --------------------------------------------------------


def register_lock(
    *,
    serial: str,
    kind: str,
    area_id: str,
    room_id: str | None = None,
    property_id: str | None = None,
    scope_keys: list[str],
    actor: Actor | None = None,
) -> tuple[Lock, str]:
    """A new lock or gate and its one-time MQTT password (only its hash is kept)."""
    if not SERIAL.match(serial or ""):
        raise field_error("serial", "locks.bad_serial")
    if kind not in ("room", "gate"):
        raise field_error("kind", "locks.bad_kind")
    if kind == "room" and not room_id:
        raise field_error("room_id", "locks.room_required")

    password = secrets.token_urlsafe(24)
    lock = Lock(
        serial=serial,
        kind=kind,
        area=ObjectId(area_id),
        room=ObjectId(room_id) if room_id else None,
        property=ObjectId(property_id) if property_id else None,
        scope_keys=scope_keys,
        mqtt_password_hash=password_hash(password),
        key_epoch=current_settings().lock_key_epoch,
        created_at=_now(),
    )
    try:
        lock.save(force_insert=True)
    except NotUniqueError:
        raise Conflict("locks.serial_taken") from None

    if room_id:
        from anju.housing.models import Room

        Room.objects(id=room_id).update_one(set__lock=lock.id)

    record(
        "locks.register",
        actor=audit_actor(actor, "devices.manage"),
        resource_type="lock",
        resource_id=str(lock.id),
        details={"serial": serial, "kind": kind},
    )
    return lock, password


# --- credentials ---------------------------------------------------------


def authorize(
    *,
    tenancy_id: str,
    person_id: str,
    lock_ids: Sequence[str],
    not_before: datetime,
    expires_at: datetime,
    scope_keys: list[str],
    actor: Actor | None,
) -> list[Credential]:
    """One credential per lock, idempotent per (tenancy, lock); the delivery
    command is queued in the credential itself, never sent inline."""
    not_before, expires_at = _aware(not_before), _aware(expires_at)
    if expires_at <= not_before or expires_at <= _now():
        raise field_error("expires_at", "locks.bad_period")
    wanted = _object_ids(lock_ids, "lock_ids")
    locks = {lock.id: lock for lock in Lock.objects(id__in=wanted)}
    if len(locks) != len(set(wanted)) or not wanted:
        raise field_error("lock_ids", "locks.unknown")

    settings = current_settings()
    issued = []
    for lock_id in dict.fromkeys(wanted):
        credential = _issue_one(
            settings,
            locks[lock_id],
            ObjectId(tenancy_id),
            ObjectId(person_id),
            not_before,
            expires_at,
            scope_keys,
        )
        issued.append(credential)

    record(
        "locks.authorize",
        actor=audit_actor(actor, "tenancies.manage"),
        resource_type="tenancy",
        resource_id=str(tenancy_id),
        subject_person=str(person_id),
        details={"credentials": [str(item.id) for item in issued]},
    )
    return issued


def _issue_one(
    settings: Settings,
    lock: Lock,
    tenancy: ObjectId,
    person: ObjectId,
    not_before: datetime,
    expires_at: datetime,
    scope_keys: list[str],
) -> Credential:
    existing = Credential.objects(tenancy=tenancy, lock=lock.id).first()
    if existing is not None:
        return _reissue(settings, existing, not_before, expires_at)

    now = _now()
    credential_id = ObjectId()
    kind = "gate" if lock.kind == "gate" else "tenant"
    credential = Credential(
        id=credential_id,
        lock=lock.id,
        serial=lock.serial,
        tenancy=tenancy,
        person=person,
        kind=kind,
        not_before=not_before,
        expires_at=expires_at,
        epoch=settings.lock_key_epoch,
        token=credentials.sign_credential(
            settings,
            serial=lock.serial,
            credential_id=str(credential_id),
            kind=kind,
            not_before=not_before,
            expires_at=expires_at,
            epoch=settings.lock_key_epoch,
        ),
        outbox=[_command("issue", now)],
        scope_keys=scope_keys,
        created_at=now,
        updated_at=now,
    )
    try:
        credential.save(force_insert=True)
    except NotUniqueError:  # a concurrent authorize of the same pair won
        existing = Credential.objects(tenancy=tenancy, lock=lock.id).get()
        return _reissue(settings, existing, not_before, expires_at)
    return credential


def _reissue(
    settings: Settings,
    credential: Credential,
    not_before: datetime,
    expires_at: datetime,
) -> Credential:
    """The same period again is a repeat; a new period re-signs and re-sends."""
    if credential.state not in LIVE_STATES:
        raise Conflict("locks.credential_not_live")
    same = int(_aware(credential.not_before).timestamp()) == int(
        not_before.timestamp()
    ) and int(_aware(credential.expires_at).timestamp()) == int(expires_at.timestamp())
    if same:
        return credential

    now = _now()
    token = credentials.sign_credential(
        settings,
        serial=credential.serial,
        credential_id=str(credential.id),
        kind=credential.kind,
        not_before=not_before,
        expires_at=expires_at,
        epoch=settings.lock_key_epoch,
    )
    Credential.objects(id=credential.id, state__in=LIVE_STATES).update_one(
        set__not_before=not_before,
        set__expires_at=expires_at,
        set__epoch=settings.lock_key_epoch,
        set__token=token,
        set__delivery="pending",
        set__updated_at=now,
        push__outbox=_command("issue", now),
    )
    credential.reload()
    return credential


def revoke(tenancy_id: str, *, reason: str, actor: Actor | None) -> int:
    """Revoke every live credential of the tenancy at once; each revocation
    queues the lock's new revocation list in the same write."""
    now = _now()
    count = 0
    for credential in Credential.objects(
        tenancy=ObjectId(tenancy_id), state__in=LIVE_STATES
    ):
        done = Credential.objects(id=credential.id, state__in=LIVE_STATES).update_one(
            set__state="revoked",
            set__revoked_at=now,
            set__revoke_reason=reason[:200],
            set__enrollment_until=None,
            set__updated_at=now,
            push__outbox=_command("revoke", now),
        )
        if done:
            count += 1
            record(
                "locks.revoke",
                actor=audit_actor(actor, "tenancies.manage"),
                resource_type="credential",
                resource_id=str(credential.id),
                subject_person=str(credential.person),
                details={"serial": credential.serial, "reason": reason[:200]},
            )
    return count


def start_enrollment(credential_id: str, *, actor: Actor | None) -> None:
    """The lock enters enrollment for this credential only, for a few minutes."""
    now = _now()
    until = now + timedelta(minutes=current_settings().lock_enrollment_minutes)
    try:
        key = ObjectId(credential_id)
    except Exception:
        raise NotFound() from None

    done = Credential.objects(id=key, state__in=LIVE_STATES).update_one(
        set__enrollment_until=until,
        set__updated_at=now,
        push__outbox=_command("enroll", now),
    )
    if not done:
        if Credential.objects(id=key).first() is None:
            raise NotFound()
        raise Conflict("locks.credential_not_live")

    credential = Credential.objects(id=key).get()
    record(
        "locks.enrollment",
        actor=audit_actor(actor, "tenancies.manage"),
        resource_type="credential",
        resource_id=str(credential.id),
        subject_person=str(credential.person),
        details={"serial": credential.serial},
    )


def credentials_for(tenancy_ids: Sequence[str]) -> dict[str, list[Credential]]:
    keys = [ObjectId(str(item)) for item in tenancy_ids]
    found: dict[str, list[Credential]] = {str(key): [] for key in keys}
    for credential in Credential.objects(tenancy__in=keys).order_by("created_at"):
        found[str(credential.tenancy)].append(credential)
    return found


def pending_commands(lock_ids: Sequence[ObjectId]) -> dict[ObjectId, int]:
    counts: dict[ObjectId, int] = {key: 0 for key in lock_ids}
    pipeline = [
        {"$match": {"lock": {"$in": list(lock_ids)}, "outbox.0": {"$exists": True}}},
        {"$project": {"lock": 1, "n": {"$size": "$outbox"}}},
    ]
    for row in Credential.objects.aggregate(pipeline):
        counts[row["lock"]] = counts.get(row["lock"], 0) + row["n"]
    return counts


def lock_health(lock_ids: Sequence[str]) -> dict[str, LockHealth]:
    keys = [ObjectId(str(item)) for item in lock_ids]
    pending = pending_commands(keys)
    return {
        str(lock.id): LockHealth(
            online=bool(lock.online),
            last_seen_at=lock.last_seen_at,
            battery=lock.battery,
            pending_commands=pending.get(lock.id, 0),
        )
        for lock in Lock.objects(id__in=keys)
    }


def revocation_token(settings: Settings, lock: Lock, now: datetime) -> str:
    """The lock's current revocation list: its revoked credentials that have
    not expired yet (expired ones the lock refuses by itself). The sequence
    number is the signing time in milliseconds: it orders the lists without a
    counter to claim in the database. Locks add every list to what they know
    (revocation is never undone), so two lists with the same number, or one
    arriving late, cannot lose a revocation."""
    revoked = [
        str(item["_id"])
        for item in Credential._get_collection().find(
            {"lock": lock.id, "state": "revoked", "expires_at": {"$gt": now}},
            projection={"_id": 1},
        )
    ]
    return credentials.sign_revocations(
        settings,
        serial=lock.serial,
        revoked=revoked,
        seq=int(now.timestamp() * 1000),
        issued_at=now,
    )


def expire_credentials(settings: Settings) -> int:
    """Credentials past their end count as expired (the locks refuse them by
    their own clock already)."""
    now = _now()
    return Credential.objects(
        state__in=("issued", "delivered", "enrolled"), expires_at__lte=now
    ).update(set__state="expired", set__enrollment_until=None, set__updated_at=now)


# --- alerts --------------------------------------------------------------


def raise_alert(kind: str, lock: Lock, person: ObjectId | None = None) -> bool:
    """One open alert per (kind, lock): a repeat while it is open adds none."""
    if Alert.objects(
        kind=kind, resource_type="lock", resource_id=str(lock.id), state="open"
    ).first():
        return False
    Alert(
        kind=kind,
        person=person,
        resource_type="lock",
        resource_id=str(lock.id),
        scope_keys=list(lock.scope_keys),
        created_at=_now(),
    ).save()
    logger.warning("lock alert", extra={"kind": kind, "lock": lock.serial})
    return True


def check_offline(settings: Settings) -> int:
    """Locks offline for over a day raise an alert for the area's officers."""
    cutoff = _now() - timedelta(hours=settings.lock_offline_alert_hours)
    raised = 0
    for lock in Lock.objects(online=False, offline_since__lte=cutoff):
        raised += raise_alert("lock_offline", lock)
    return raised


# --- what the gateway does with the locks' messages -----------------------


def acknowledge(lock: Lock, command_id: str, ok: bool = True) -> bool:
    """The lock confirmed a command: take it out of the outbox (a repeated
    acknowledgement finds nothing and changes nothing). A lock that refused
    the command (``ok`` false) also takes it out: sending it again would be
    refused again; the refusal is logged."""
    collection = Credential._get_collection()
    before = collection.find_one(
        {"lock": lock.id, "outbox.id": command_id},
        projection={"outbox": 1, "state": 1},
    )
    if before is None:
        return False
    kind = next((c["kind"] for c in before["outbox"] if c["id"] == command_id), None)
    if not ok:
        logger.warning(
            "lock refused a command", extra={"lock": lock.serial, "kind": kind}
        )

    # Conditional on the command still being there (one of two concurrent
    # acknowledgements wins) and, to move issued → delivered, on the state
    # (a revocation meanwhile stays). findAndModify is far slower on the
    # embedded database than a find and an update.
    where: dict[str, Any] = {"_id": before["_id"], "outbox.id": command_id}
    changes: dict[str, Any] = {"updated_at": _now()}
    if ok and kind == "issue":
        changes["delivery"] = "acknowledged"
        if before.get("state") == "issued":
            done = collection.update_one(
                {**where, "state": "issued"},
                {
                    "$pull": {"outbox": {"id": command_id}},
                    "$set": {**changes, "state": "delivered"},
                },
            )
            if done.modified_count:
                return True
    done = collection.update_one(
        where, {"$pull": {"outbox": {"id": command_id}}, "$set": changes}
    )
    return bool(done.modified_count)


def acknowledge_many(acks: Sequence[tuple[Lock, str, bool]]) -> int:
    """:func:`acknowledge` for a batch: one find and one bulk write."""
    collection = Credential._get_collection()
    by_command = {command_id: (lock, ok) for lock, command_id, ok in acks if command_id}
    if not by_command:
        return 0
    wanted = list(by_command)
    found = [  # in runs of 50: a long $in is slow on the embedded database
        document
        for start in range(0, len(wanted), 50)
        for document in collection.find(
            {"outbox.id": {"$in": wanted[start : start + 50]}},
            projection={"outbox": 1, "state": 1, "lock": 1},
        )
    ]

    writes = []
    now = _now()
    for before in found:
        for command in before["outbox"]:
            if command["id"] not in by_command:
                continue
            lock, ok = by_command[command["id"]]
            if lock.id != before["lock"]:
                continue  # another lock cannot acknowledge this lock's command
            if not ok:
                logger.warning(
                    "lock refused a command",
                    extra={"lock": lock.serial, "kind": command["kind"]},
                )
            changes: dict[str, Any] = {"updated_at": now}
            where: dict[str, Any] = {"_id": before["_id"], "outbox.id": command["id"]}
            if ok and command["kind"] == "issue":
                changes["delivery"] = "acknowledged"
                if before.get("state") == "issued":
                    # A revocation meanwhile makes this one match nothing;
                    # the next acknowledgement (the lock repeats) takes it out.
                    where["state"] = "issued"
                    changes["state"] = "delivered"
            writes.append(
                UpdateOne(
                    where, {"$pull": {"outbox": {"id": command["id"]}}, "$set": changes}
                )
            )
    done = 0
    for start in range(0, len(writes), 50):  # a long bulk can outlast the socket
        done += collection.bulk_write(
            writes[start : start + 50], ordered=False
        ).modified_count
    return done


def mark_enrolled(lock: Lock, credential: Credential, slot: int) -> Credential | None:
    now = _now()
    done = Credential.objects(id=credential.id, state__in=LIVE_STATES).update_one(
        set__state="enrolled",
        set__slot=slot,
        set__enrollment_until=None,
        set__updated_at=now,
    )
    if not done:
        return None
    credential.reload()
    credential_enrolled.send(credential)
    return credential


def failed_burst(lock: Lock, now: datetime) -> bool:
    recent = LockEvent.objects(
        lock=lock.id, kind="unlock_failed", at__gte=now - FAILED_WINDOW
    ).count()
    return recent >= FAILED_BURST


def credential_of(lock: Lock, credential_id: str | None) -> Credential | None:
    """The credential if this lock was given it, else None."""
    if not credential_id:
        return None
    try:
        key = ObjectId(credential_id)
    except Exception:
        return None
    return Credential.objects(id=key, lock=lock.id).first()


# --- what the HTTP endpoints need ------------------------------------------


def _visible_locks(actor: Actor) -> QuerySet:
    """System administrators manage every device; others see their scope."""
    if actor.can("devices.manage"):
        return Lock.objects()
    return scoped(Lock, "locks.read", actor)


def with_health(locks: list[Lock]) -> list[Lock]:
    """The locks, each with ``pending_commands`` set for the answer."""
    pending = pending_commands([lock.id for lock in locks])
    for lock in locks:
        lock.pending_commands = pending.get(lock.id, 0)
    return locks


def list_locks(actor: Actor, query: dict[str, Any]) -> tuple[list[Lock], str | None]:
    found = _visible_locks(actor)
    if query.get("kind"):
        found = found.filter(kind=query["kind"])
    if query.get("online") is not None:
        found = found.filter(online=query["online"])
    page, cursor = newest_first(found, query.get("cursor"), query["limit"])
    return with_health(page), cursor


def lock_events(
    actor: Actor, lock_id: str, query: dict[str, Any]
) -> tuple[list[LockEvent], str | None]:
    lock = _visible_locks(actor).filter(id=object_id_or_404(lock_id)).first()
    if lock is None:
        raise NotFound()
    events = LockEvent.objects(lock=lock.id)
    if query.get("kind"):
        events = events.filter(kind=query["kind"])
    return newest_first(events, query.get("cursor"), query["limit"])


def register_from_request(actor: Actor, data: dict[str, Any]) -> tuple[Lock, str]:
    """POST /locks: the room's property and area give the lock its scope."""
    from anju.areas.models import Area
    from anju.housing.models import Property, Room

    property_id = None
    area_id = data.get("area_id")
    property_keys: list[str] = []
    if data.get("room_id"):
        room = Room.objects(id=data["room_id"]).first()
        home = Property.objects(id=room.property).first() if room else None
        if home is None:
            raise field_error("room_id", "locks.room_not_found")
        property_id = str(home.id)
        area_id = str(home.area)
        property_keys = [f"property:{home.id}"]
    elif data["kind"] == "room":
        raise field_error("room_id", "locks.room_required")

    if not area_id:
        raise field_error("area_id", "locks.area_required")
    area = Area.objects(id=area_id).first()
    if area is None:
        raise field_error("area_id", "locks.area_not_found")

    return register_lock(
        serial=data["serial"],
        kind=data["kind"],
        area_id=str(area.id),
        room_id=data.get("room_id"),
        property_id=property_id,
        scope_keys=area.scope_keys() + property_keys,
        actor=actor,
    )


def new_password(actor: Actor, lock_id: str) -> tuple[Lock, str]:
    lock = Lock.objects(id=object_id_or_404(lock_id)).first()
    if lock is None:
        raise NotFound()

    password = secrets.token_urlsafe(24)
    lock.update(set__mqtt_password_hash=password_hash(password))
    record(
        "locks.password",
        actor=audit_actor(actor, "devices.manage"),
        resource_type="lock",
        resource_id=str(lock.id),
        details={"serial": lock.serial},
    )
    lock.reload()
    return lock, password

"""People: registering a person once per ID number, checking them against the
ID authority, and every look at their data, audited.

A valid submission is stored as pending before the authority is asked; the
answer, when it comes, updates the record. When the authority is unavailable
the worker asks again with back-off, and nobody has to do anything.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from flask import current_app, has_app_context
from mongoengine import NotUniqueError
from pymongo.errors import DuplicateKeyError

from anju.accounts.authz import Actor, scoped, scoped_get
from anju.areas.models import Area
from anju.audit.service import AuditActor, record
from anju.common import ratelimit
from anju.common.crypto import keyring
from anju.common.errors import InvalidInput, NotFound, field_error
from anju.common.idnumber import (
    IdNumberError,
    IdNumberFacts,
    mask_id_number,
    parse_id_number,
)
from anju.common.pagination import newest_first
from anju.common.phone import PhoneError, mask_phone, normalize_phone
from anju.config import Settings
from anju.identity.client import Check, IdAuthority, Verdict
from anju.patrol.models import Alert
from anju.people import messages  # noqa: F401  (registers the texts)
from anju.people.models import Person, Verification

logger = logging.getLogger(__name__)

RETRY_MAX = timedelta(hours=1)
REVEAL_LIMIT = ratelimit.Limit("reveal-account-hour", 20, 3600)
ID_CONTEXT = "person.id_number"
PHONE_CONTEXT = "person.phone"


@dataclass(frozen=True)
class Registration:
    person: Person
    created: bool


def audit_actor(
    actor: Actor | None, permission: str = "people.read"
) -> AuditActor | None:
    if actor is None:
        return None
    return AuditActor(actor.account_id, actor.role_for(permission), actor.organization)


def _is_self(actor: Actor | None, person_id: Any) -> bool:
    return actor is not None and actor.person_id == str(person_id)


# --- registering


def parse_identity(
    name: str, id_number: str, phone: str | None
) -> tuple[IdNumberFacts, str | None]:
    """Every field's problem at once, so the person fixes the form in one go."""
    errors: dict[str, list[dict[str, str]]] = {}
    facts = None
    normalized_phone = None

    try:
        facts = parse_id_number(id_number)
    except IdNumberError as error:
        errors.update(field_error("id_number", error.key).errors)
    if phone:
        try:
            normalized_phone = normalize_phone(phone)
        except PhoneError as error:
            errors.update(field_error("phone", error.key).errors)
    if not name.strip():
        errors.update(field_error("name", "field.required").errors)

    if errors or facts is None:
        raise InvalidInput(errors=errors)
    return facts, normalized_phone


def register_person(
    *,
    name: str,
    id_number: str,
    phone: str | None,
    scope_keys: list[str],
    channel: str,
    actor: Actor | None,
    check_now: bool = True,
) -> Registration:
    """Store the person (or link to the one with this ID number), then ask the
    ID authority; its answer never decides whether the record is kept."""
    facts, phone = parse_identity(name, id_number, phone)
    ring = keyring()
    index = ring.blind_index(facts.number, "id_number")

    existing = Person.objects(id_number_index=index).first()
    if existing is None:
        person = new_person(
            name.strip(),
            facts,
            phone,
            scope_keys,
            channel,
            actor.account_id if actor else None,
        )
        try:
            person.save(force_insert=True)
        except (NotUniqueError, DuplicateKeyError):
            # Registered by someone else a moment ago: link to that record.
            existing = Person.objects(id_number_index=index).first()

    if existing is not None:
        person = _link(existing, scope_keys, phone)
        created = False
    else:
        created = True

    record(
        "person.create" if created else "person.link",
        actor=audit_actor(actor, "people.create"),
        resource_type="person",
        resource_id=str(person.id),
        subject_person=str(person.id),
        details={"channel": channel, "self": _is_self(actor, person.id)},
    )
    if check_now and (created or person.verification.state == "pending"):
        verify_person(person, name=name.strip(), id_number=facts.number)
        person.reload()
    return Registration(person, created)


def register_in_area(actor: Actor, data: dict[str, Any]) -> Registration:
    """A supplementary entry: a person registered in an area of the caller's
    (404 for an area outside it, as for any record out of scope)."""
    area = Area.objects(id=data["area_id"]).first()
    reachable = set(actor.scope_keys("people.create"))
    if area is None or not reachable & set(area.scope_keys()):
        raise NotFound()

    role = actor.role_for("people.create")
    return register_person(
        name=data["name"],
        id_number=data["id_number"],
        phone=data.get("phone"),
        scope_keys=area.scope_keys(),
        channel=role if role in ("officer", "area_admin") else "operator",
        actor=actor,
    )


def identity_fields(facts: IdNumberFacts) -> dict[str, Any]:
    """A person's fields that come from their ID number: the number encrypted,
    blind-indexed and masked, and what it says (birth date, gender, region)."""
    ring = keyring()
    return {
        "id_number_encrypted": ring.encrypt(facts.number, ID_CONTEXT),
        "id_number_index": ring.blind_index(facts.number, "id_number"),
        "id_number_masked": mask_id_number(facts.number),
        "birth_date": facts.birth_date,
        "gender": facts.gender,
        "region_code": facts.region_code,
        "region_name": facts.region_name,
    }


def new_person(
    name: str,
    facts: IdNumberFacts,
    phone: str | None,
    scope_keys: list[str],
    channel: str,
    created_by: str | None,
    person_id: ObjectId | None = None,
) -> Person:
    """A new, unsaved person, pending its ID check (``person_id`` when the
    caller needs the id before the person is stored)."""
    person_id = person_id or ObjectId()
    now = datetime.now(UTC)
    person = Person(
        id=person_id,
        name=name,
        **identity_fields(facts),
        verification=Verification(state="pending", next_check_at=now),
        scope_keys=sorted({f"person:{person_id}", *scope_keys}),
        channel=channel,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    _set_phone(person, phone)
    return person


def _set_phone(person: Person, phone: str | None) -> None:
    if phone:
        ring = keyring()
        person.phone_encrypted = ring.encrypt(phone, PHONE_CONTEXT)
        person.phone_index = ring.blind_index(phone, "phone")
        person.phone_masked = mask_phone(phone)


def _link(person: Person, scope_keys: list[str], phone: str | None) -> Person:
    update: dict[str, Any] = {
        "add_to_set__scope_keys": scope_keys,
        "set__updated_at": datetime.now(UTC),
    }
    if phone and not person.phone_index:
        _set_phone(person, phone)
        update.update(
            set__phone_encrypted=person.phone_encrypted,
            set__phone_index=person.phone_index,
            set__phone_masked=person.phone_masked,
        )
    Person.objects(id=person.id).update_one(**update)
    return Person.objects(id=person.id).first()


# --- the ID authority


def authority(settings: Settings | None = None) -> IdAuthority:
    """One client per thread, each with its own kept-alive connection."""
    if settings is None:
        if not has_app_context():
            raise RuntimeError("authority() needs settings or an app context")
        settings = current_app.config["ANJU"]
    clients = _local.__dict__.setdefault("clients", {})
    key = (settings.id_authority_url, settings.id_authority_secret)
    if key not in clients:
        clients[key] = IdAuthority(
            settings.id_authority_url,
            settings.id_authority_secret,
            settings.id_authority_timeout,
        )
    return clients[key]


_local = threading.local()


def verify_person(
    person: Person,
    *,
    name: str | None = None,
    id_number: str | None = None,
    settings: Settings | None = None,
    audit: bool = True,
) -> str:
    """Ask the authority once; record the answer or schedule the next try.

    ``audit=False`` leaves the audit entry to the caller, who records the
    answer in its own entry (a registration: one entry instead of two)."""
    settings = settings or current_app.config["ANJU"]
    if not settings.id_authority_url:
        _schedule_retry(person, settings)
        return "pending"

    name = name or person.name
    id_number = id_number or keyring().decrypt(person.id_number_encrypted, ID_CONTEXT)
    check = authority(settings).check(name, id_number, request_id=str(person.id))
    return record_check(person, check, settings=settings, audit=audit)


def start_check(
    name: str, id_number: str, person_id: ObjectId, settings: Settings | None = None
) -> Future[Check] | None:
    """Ask the authority in the background, so that the answer can arrive
    while the caller stores what was submitted (never instead of storing it:
    see :func:`answer_if_back`). None when no authority is configured."""
    settings = settings or current_app.config["ANJU"]
    if not settings.id_authority_url:
        return None

    def ask() -> Check:
        return authority(settings).check(name, id_number, request_id=str(person_id))

    # The request id of the log lines travels with the context.
    return _background_checks.submit(contextvars.copy_context().run, ask)


def answer_if_back(check: Future[Check] | None, person: Person) -> bool:
    """Put an answer already back from :func:`start_check` on a person not
    stored yet, so that its first write carries it (no second write). Never
    waits: an answer still on its way is recorded after the person is stored,
    with :func:`record_check`. Answers whether it was put."""
    if check is None or not check.done() or check.exception() is not None:
        return False
    answer = check.result()
    if answer.verdict is Verdict.UNAVAILABLE:
        return False

    person.verification = Verification(
        state=answer.verdict.value,
        reference=answer.reference,
        checked_at=datetime.now(UTC),
        attempts=1,
    )
    return True


def record_check(
    person: Person,
    check: Check,
    *,
    settings: Settings | None = None,
    audit: bool = True,
) -> str:
    """Record the authority's answer on a stored person (or schedule the next
    try when it was unavailable); raise the officers' alert for a mismatch."""
    settings = settings or current_app.config["ANJU"]
    if check.verdict is Verdict.UNAVAILABLE:
        logger.info("id check unavailable", extra={"person_id": str(person.id)})
        _schedule_retry(person, settings)
        return "pending"

    now = datetime.now(UTC)
    Person.objects(id=person.id).update_one(
        set__verification__state=check.verdict.value,
        set__verification__reference=check.reference,
        set__verification__checked_at=now,
        inc__verification__attempts=1,
        unset__verification__next_check_at=True,
    )
    if audit:
        record(
            "person.verified",
            actor=None,
            resource_type="person",
            resource_id=str(person.id),
            subject_person=str(person.id),
            details={"result": check.verdict.value},
        )
    answered_for_stored(person, check.verdict)
    return check.verdict.value


def answered_for_stored(person: Person, verdict: Verdict) -> None:
    """What follows an answer once its person is stored: the officers' alert
    for an ID number that does not belong to the name, or does not exist."""
    if verdict in (Verdict.MISMATCH, Verdict.NOT_FOUND):
        _raise_alert(person, verdict)
    logger.debug(
        "id check answered",
        extra={"person_id": str(person.id), "result": verdict.value},
    )


def check_answer(check: Future[Check], settings: Settings | None = None) -> Check:
    """The answer of a background check, waiting for it as long as a check
    may take; a check that failed outright counts as unavailable."""
    settings = settings or current_app.config["ANJU"]
    try:
        # The client's timeout bounds the connection and the answer apart:
        # twice it, and a second for the thread to hand the answer over.
        return check.result(timeout=settings.id_authority_timeout * 2 + 1)
    except Exception:
        logger.warning("background id check failed", exc_info=True)
        return Check(Verdict.UNAVAILABLE, None, "background check failed")


# Checks started ahead of a store (start_check); a few per process suffice:
# each lasts one round trip to the authority.
_background_checks = ThreadPoolExecutor(4, thread_name_prefix="id-check")


def _schedule_retry(person: Person, settings: Settings) -> None:
    attempts = (person.verification.attempts or 0) + 1
    first = timedelta(seconds=settings.id_check_retry_seconds)
    delay = min(first * 2 ** min(attempts - 1, 12), RETRY_MAX)
    Person.objects(id=person.id).update_one(
        set__verification__state="pending",
        set__verification__attempts=attempts,
        set__verification__next_check_at=datetime.now(UTC) + delay,
    )


def _raise_alert(person: Person, verdict: Verdict) -> None:
    kind = "id_mismatch" if verdict is Verdict.MISMATCH else "id_not_found"
    Alert(
        kind=kind,
        person=person.id,
        resource_type="person",
        resource_id=str(person.id),
        scope_keys=[key for key in person.scope_keys if not key.startswith("person:")],
        created_at=datetime.now(UTC),
    ).save()


def verify_pending(settings: Settings, limit: int = 50) -> int:
    """The worker's job: ask again for people whose check is due."""
    due = (
        Person.objects(
            verification__state="pending",
            verification__next_check_at__lte=datetime.now(UTC),
        )
        .order_by("verification.next_check_at")
        .limit(limit)
    )
    answered = 0
    for person in due:
        if verify_person(person, settings=settings) == "pending":
            break  # the authority is unavailable: the rest wait their turn
        answered += 1
    return answered


# --- reading, always within scope, always audited


def get_person(actor: Actor, person_id: str, purpose: str | None = None) -> Person:
    person = scoped_get(Person, "people.read", person_id)
    _audit_read(actor, person, "person.read", purpose)
    return person


def _audit_read(
    actor: Actor, person: Person, action: str, purpose: str | None = None
) -> None:
    if _is_self(actor, person.id):
        return
    record(
        action,
        actor=audit_actor(actor),
        resource_type="person",
        resource_id=str(person.id),
        subject_person=str(person.id),
        purpose=purpose,
    )


def list_people(
    actor: Actor, *, verification: str | None, cursor: str | None, limit: int
) -> tuple[list[Person], str | None]:
    query = scoped(Person, "people.read", actor)
    if verification:
        query = query.filter(verification__state=verification)

    page, following = newest_first(query, cursor, limit)
    for person in page:
        _audit_read(actor, person, "person.list")
    return page, following


def search_people(
    actor: Actor, *, name: str | None, phone: str | None, id_number: str | None
) -> list[Person]:
    """Exact search by name, phone or ID number (the last two by blind index)."""
    query = scoped(Person, "people.search", actor)
    ring = keyring()

    if id_number:
        try:
            number = parse_id_number(id_number).number
        except IdNumberError as error:
            raise field_error("id_number", error.key) from None
        query = query.filter(id_number_index=ring.blind_index(number, "id_number"))
    if phone:
        try:
            normalized = normalize_phone(phone)
        except PhoneError as error:
            raise field_error("phone", error.key) from None
        query = query.filter(phone_index=ring.blind_index(normalized, "phone"))
    if name:
        query = query.filter(name=name.strip())
    if not (id_number or phone or name):
        raise field_error("name", "people.search_empty")

    found = list(query.limit(50))
    for person in found:
        _audit_read(actor, person, "person.search")
    return found


def reveal_id_number(actor: Actor, person_id: str, purpose: str) -> str:
    """An officer sees one full ID number, for a stated purpose, audited."""
    ratelimit.hit(REVEAL_LIMIT, actor.account_id)
    person = scoped_get(Person, "people.reveal", person_id)

    record(
        "person.reveal",
        actor=audit_actor(actor, "people.reveal"),
        resource_type="person",
        resource_id=str(person.id),
        subject_person=str(person.id),
        purpose=purpose,
    )
    return keyring().decrypt(person.id_number_encrypted, ID_CONTEXT)


def own_person(actor: Actor) -> Person | None:
    if not actor.person_id:
        return None
    return Person.objects(id=actor.person_id).first()


def own_phone(person: Person) -> str | None:
    if not person.phone_encrypted:
        return None
    return keyring().decrypt(person.phone_encrypted, PHONE_CONTEXT)

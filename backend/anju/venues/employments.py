"""Employments: a worker registering themself by scanning a venue's code, an
operator, area admin or officer registering staff (typed, or by share code),
and ending an employment. The lists of each tier and the views of a record
are in ``employment_lists``.

A registration is stored before the ID authority is asked (design principle
1): the person (or a link to the one with this ID number) and the employment,
then the check, then one audit entry that carries its answer. At most one
active employment per person and venue: ``active_key`` has a unique sparse
index, so two submissions racing each other still make one record, and the
second is answered with it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from bson import ObjectId
from mongoengine import NotUniqueError
from pymongo.errors import DuplicateKeyError

from anju.accounts.authz import Actor, scoped_get
from anju.accounts.models import Account
from anju.accounts.tokens import current_account
from anju.audit.service import record
from anju.common.crypto import keyring
from anju.common.errors import Conflict, InvalidInput, NotFound, field_error
from anju.common.idnumber import IdNumberFacts
from anju.common.phone import PhoneError, mask_phone, normalize_phone
from anju.identity.client import Check, Verdict
from anju.patrol.models import Alert
from anju.people import service as people
from anju.people import sharing
from anju.people.models import Person
from anju.privacy import consent as consents
from anju.venues import employment_messages  # noqa: F401  (registers the texts)
from anju.venues import service as venues
from anju.venues.models import Consent, Employment, Venue

logger = logging.getLogger(__name__)

# The district's own calendar (China has one time zone and no summer time):
# "today" for a start date is the worker's today, not UTC's.
LOCAL = timezone(timedelta(hours=8))
EARLIEST_START = date(1950, 1, 1)
EMERGENCY_CONTEXT = "employment.emergency_phone"
STAFF_CHANNELS = ("officer", "area_admin", "operator")


@dataclass(frozen=True)
class Registered:
    """A registration's outcome: ``created`` is False when the worker was
    already registered at this venue (the existing record is answered)."""

    employment: Employment
    person: Person
    venue: Venue
    created: bool
    verification: str


@dataclass(frozen=True)
class _Form:
    name: str | None
    facts: IdNumberFacts | None
    phone: str | None
    job: str
    start_date: date
    kind: str
    emergency_name: str | None
    emergency_phone: str | None


def today() -> date:
    return datetime.now(LOCAL).date()


# --- validation


def _merge(errors: dict, problem: InvalidInput) -> None:
    for field, entries in problem.errors.items():
        errors.setdefault(field, []).extend(entries)


def _check_form(data: Mapping[str, Any], *, identity: bool) -> _Form:
    """Every field's problem at once, so the form is fixed in one go."""
    errors: dict[str, list[dict[str, str]]] = {}
    facts, phone, name = None, None, None

    if identity:
        name = (data.get("name") or "").strip()
        try:
            facts, phone = people.parse_identity(
                name, data.get("id_number") or "", data.get("phone")
            )
        except InvalidInput as problem:
            _merge(errors, problem)

    job = (data.get("job") or "").strip()
    if not job:
        _merge(errors, field_error("job", "job.required"))
    start = data.get("start_date")
    if start is not None and start > today():
        _merge(errors, field_error("start_date", "start_date.future"))
    elif start is not None and start < EARLIEST_START:
        _merge(errors, field_error("start_date", "start_date.too_early"))

    emergency_name = (data.get("emergency_contact_name") or "").strip() or None
    emergency_phone = None
    if data.get("emergency_contact_phone"):
        try:
            emergency_phone = normalize_phone(data["emergency_contact_phone"])
        except PhoneError as error:
            _merge(errors, field_error("emergency_contact_phone", error.key))
        if emergency_name is None:
            code = "emergency_contact_name.required"
            _merge(errors, field_error("emergency_contact_name", code))

    if errors:
        raise InvalidInput(errors=errors)
    return _Form(
        name=name,
        facts=facts,
        phone=phone,
        job=job,
        start_date=start or today(),
        kind=data.get("kind") or "staff",
        emergency_name=emergency_name,
        emergency_phone=emergency_phone,
    )


# --- storing


def _store_person(
    form: _Form,
    scope_keys: list[str],
    channel: str,
    actor: Actor,
    person_id: ObjectId,
    check: Future[Check] | None,
) -> tuple[Person, bool]:
    """A new person, or the one already registered with this ID number (now
    also reachable from this venue). Inserting first makes the common case one
    round trip; the unique blind index settles a race. The ID check's answer
    goes in with a new person when it is already back (``check``, started
    before)."""
    assert form.facts is not None and form.name is not None
    person = people.new_person(
        form.name,
        form.facts,
        form.phone,
        scope_keys,
        channel,
        actor.account_id,
        person_id=person_id,
    )
    people.answer_if_back(check, person)
    try:
        person.save(force_insert=True)
        return person, True
    except (NotUniqueError, DuplicateKeyError):
        pass

    existing = Person.objects(id_number_index=person.id_number_index).first()
    if existing is None:  # removed in between: an edge a retry settles
        raise Conflict("employments.retry")
    return existing, False


def _widen(person: Person, scope_keys: list[str], phone: str | None) -> None:
    """An existing person: reachable from this venue too; their phone kept,
    or given when they had none."""
    update: dict[str, Any] = {
        "add_to_set__scope_keys": scope_keys,
        "set__updated_at": datetime.now(UTC),
    }
    if phone and not person.phone_index:
        people._set_phone(person, phone)
        update.update(
            set__phone_encrypted=person.phone_encrypted,
            set__phone_index=person.phone_index,
            set__phone_masked=person.phone_masked,
        )
    Person.objects(id=person.id).update_one(**update)
    person.scope_keys = sorted({*person.scope_keys, *scope_keys})


def _store_employment(
    person: Person,
    venue: Venue,
    form: _Form,
    *,
    channel: str,
    actor: Actor,
    accepted: consents.AcceptedConsent | None = None,
    via_share_code: bool = False,
    name_mismatch: bool = False,
) -> tuple[Employment, bool]:
    """The new active employment, or the active one this person already has
    at this venue (the unique ``active_key`` decides between racing twins)."""
    now = datetime.now(UTC)
    active_key = f"{person.id}:{venue.id}"
    employment = Employment(
        person=person.id,
        venue=venue.id,
        kind=form.kind,
        job=form.job,
        start_date=form.start_date,
        state="active",
        channel=channel,
        registered_by=actor.account_id,
        active_key=active_key,
        name_mismatch=name_mismatch,
        via_share_code=via_share_code,
        emergency_contact_name=form.emergency_name,
        scope_keys=sorted({*venue.scope_keys, f"person:{person.id}"}),
        created_at=now,
        updated_at=now,
    )
    if accepted is not None:
        employment.consent = Consent(
            version=accepted.version, accepted_at=accepted.accepted_at
        )
    if form.emergency_phone:
        employment.emergency_contact_phone_encrypted = keyring().encrypt(
            form.emergency_phone, EMERGENCY_CONTEXT
        )
        employment.emergency_contact_phone_masked = mask_phone(form.emergency_phone)

    for _ in range(3):
        try:
            employment.save(force_insert=True)
            return employment, True
        except (NotUniqueError, DuplicateKeyError):
            existing = Employment.objects(active_key=active_key).first()
            if existing is not None:
                return existing, False
            # Ended between our insert and the read: insert again.
            employment.id = None
    raise Conflict("employments.retry")


def _check(
    person: Person, form: _Form, created: bool, check: Future[Check] | None
) -> tuple[str, bool]:
    """The state this registration shows and whether the name given
    contradicts the record; asks the ID authority when the record needs it
    (``check``: the question already sent, whose answer is used)."""
    assert form.name is not None and form.facts is not None
    if not created and person.name != form.name:
        # The ID number is already on record under another name: whoever
        # typed this name, it does not belong to this number.
        return "mismatch", True
    if created and person.verification.state != "pending":
        # The answer was back before the person was stored, and went in with it.
        state = person.verification.state
        people.answered_for_stored(person, Verdict(state))
        return state, False
    if not created and person.verification.state != "pending":
        return person.verification.state, False

    if check is not None:
        answer = people.check_answer(check)
        return people.record_check(person, answer, audit=False), False
    state = people.verify_person(
        person, name=form.name, id_number=form.facts.number, audit=False
    )
    return state, False


def _alert_name_mismatch(person: Person, employment: Employment, venue: Venue) -> None:
    Alert(
        kind="id_mismatch",
        person=person.id,
        resource_type="employment",
        resource_id=str(employment.id),
        scope_keys=[k for k in venue.scope_keys if not k.startswith("person:")],
        created_at=datetime.now(UTC),
    ).save()


def _audit_registration(
    actor: Actor, registered: Registered, *, self_scan: bool, **details: Any
) -> None:
    employment = registered.employment
    record(
        "employment.create",
        actor=people.audit_actor(actor, "self" if self_scan else "employments.manage"),
        resource_type="employment",
        resource_id=str(employment.id),
        subject_person=str(registered.person.id),
        details={
            "channel": employment.channel,
            "venue": str(registered.venue.id),
            "verification": registered.verification,
            "person_created": details.pop("person_created"),
            "self": self_scan,
            **details,
        },
    )


# --- registering by scan


def register_by_scan(actor: Actor, token: str, data: Mapping[str, Any]) -> Registered:
    """A resident logged in by SMS registers themself at the venue whose
    current code they scanned. Their account's phone is the person's phone,
    and their account is linked to the person."""
    venue = venues.venue_for_token(token)
    problem = consents.consent_problem(data.get("consent_version"))
    try:
        form = _check_form(data, identity=True)
    except InvalidInput as invalid:
        if problem:
            _merge(invalid.errors, field_error("consent_version", problem))
        raise
    accepted = consents.accept(data.get("consent_version"))

    # The person's id is made here, so that the account can be linked to its
    # person at once; the ID check starts meanwhile (see _store_person).
    person_id = ObjectId()
    assert form.name is not None and form.facts is not None
    check = people.start_check(form.name, form.facts.number, person_id)
    account, linked_now = _claim_account(actor, person_id)
    phone = keyring().decrypt(account["phone_encrypted"], "phone")
    form = _with_phone(form, phone)

    try:
        person, person_created = _store_person(
            form, venue.scope_keys, "self_scan", actor, person_id, check
        )
        if not person_created:
            _refuse_anothers_identity(person, account)
    except BaseException:
        if linked_now:
            _relink(account["_id"], person_id, None)
        raise

    # A name contradicting the record proves nothing about who is typing: no
    # phone is attached and no account linked on its strength.
    own = person_created or person.name == form.name
    if not person_created:
        _widen(person, venue.scope_keys, phone if own else None)
        if linked_now:
            _relink(account["_id"], person_id, person.id if own else None)

    employment, created = _store_employment(
        person, venue, form, channel="self_scan", actor=actor, accepted=accepted
    )
    if not created:
        return Registered(
            employment, person, venue, False, _shown_state(employment, person)
        )

    state, mismatch = _check(person, form, person_created, check)
    if mismatch:
        _flag_mismatch(person, employment, venue)
    registered = Registered(employment, person, venue, True, state)
    _audit_registration(
        actor, registered, self_scan=True, person_created=person_created
    )
    if person_created and not linked_now:
        _supersede_mistake(actor, account, person, venue, employment)
    return registered


def _supersede_mistake(
    actor: Actor,
    account: Mapping[str, Any],
    person: Person,
    venue: Venue,
    employment: Employment,
) -> None:
    """A worker correcting a mistyped ID number: the account's earlier self
    scan at this venue, whose identity did not check out, ends (kept for the
    officers, pointing at the correction), and the account follows the person
    just registered. Only an earlier record that failed its check is replaced:
    a matched identity is never swapped for another by a self scan."""
    earlier = account.get("person")
    failed = Person.objects(
        id=earlier, verification__state__in=("mismatch", "not_found")
    ).first()
    if earlier is None or failed is None:
        return

    ended = Employment.objects(
        person=earlier,
        venue=venue.id,
        channel="self_scan",
        registered_by=actor.account_id,
        state="active",
    ).update(
        set__state="ended",
        set__end_date=today(),
        set__superseded_by=employment.id,
        set__updated_at=datetime.now(UTC),
        unset__active_key=True,
    )
    _relink(account["_id"], earlier, person.id)

    record(
        "employment.superseded",
        actor=people.audit_actor(actor, "self"),
        resource_type="person",
        resource_id=str(earlier),
        subject_person=str(earlier),
        details={
            "venue": str(venue.id),
            "ended": ended,
            "correction": str(employment.id),
        },
    )


_ACCOUNT_FIELDS = {"phone_encrypted": 1, "phone_index": 1, "person": 1}


def _claim_account(actor: Actor, person_id: ObjectId) -> tuple[dict, bool]:
    """The caller's account as it was (phone, person), linked to
    ``person_id`` when it had no person yet. Authentication has just read the
    account, so the link is one conditional update; should a twin request
    have linked it meanwhile, the account is read again."""
    account = current_account()
    before = {
        "_id": account.id,
        "phone_encrypted": account.phone_encrypted,
        "phone_index": account.phone_index,
        "person": account.person,
    }
    if account.person is not None:
        return before, False

    accounts = Account._get_collection()
    linked = accounts.update_one(
        {"_id": account.id, "person": None}, {"$set": {"person": person_id}}
    )
    if linked.modified_count:
        return before, True

    now = accounts.find_one({"_id": account.id}, _ACCOUNT_FIELDS)
    if now is None:
        raise NotFound()
    return now, False


def _relink(
    account_id: ObjectId, claimed: ObjectId, person_id: ObjectId | None
) -> None:
    """Point an account linked ahead to the person actually registered (or
    to none)."""
    change = {"$set": {"person": person_id}} if person_id else {"$unset": {"person": 1}}
    Account._get_collection().update_one({"_id": account_id, "person": claimed}, change)


def _with_phone(form: _Form, phone: str) -> _Form:
    return _Form(**{**form.__dict__, "phone": phone})


def _refuse_anothers_identity(person: Person, account: Mapping[str, Any]) -> None:
    """A self scan may only use an ID number on record with this phone (or
    with none): whoever knows another's number does not get their record."""
    linked = account.get("person")
    linked_elsewhere = linked and linked != person.id
    other_phone = person.phone_index and person.phone_index != account["phone_index"]
    if linked_elsewhere or other_phone:
        logger.info(
            "self scan refused: identity taken", extra={"person_id": str(person.id)}
        )
        raise field_error("id_number", "employments.identity_taken")


def _flag_mismatch(person: Person, employment: Employment, venue: Venue) -> None:
    Employment.objects(id=employment.id).update_one(set__name_mismatch=True)
    employment.name_mismatch = True
    _alert_name_mismatch(person, employment, venue)


def _shown_state(employment: Employment, person: Person) -> str:
    if employment.name_mismatch:
        return "mismatch"
    return person.verification.state if person.verification else "pending"


# --- registering by staff


def _staff_channel(actor: Actor) -> str:
    role = actor.role_for("employments.manage")
    return role if role in STAFF_CHANNELS else "operator"


def _open_venue(venue_id: str) -> Venue:
    venue = scoped_get(Venue, "employments.manage", venue_id)
    if venue.status == "closed":
        raise Conflict("venues.not_active")
    return venue


def register_at_venue(
    actor: Actor, venue_id: str, data: Mapping[str, Any]
) -> Registered:
    """An operator, area admin or officer registers a worker or business
    contact: typed (name, ID number, phone) or by the worker's share code.
    A mismatch is in the answer at once; the area's officers get an alert."""
    venue = _open_venue(venue_id)
    channel = _staff_channel(actor)
    code = data.get("share_code")
    if code and (data.get("name") or data.get("id_number")):
        raise field_error("share_code", "employments.identity_or_share_code")
    if not code and not (data.get("name") or data.get("id_number")):
        raise InvalidInput(
            errors={
                **field_error("name", "employments.identity_or_share_code").errors,
                **field_error("id_number", "employments.identity_or_share_code").errors,
            }
        )

    if code:
        return _register_by_share_code(actor, venue, channel, code, data)
    return _register_typed(actor, venue, channel, data)


def _register_by_share_code(
    actor: Actor, venue: Venue, channel: str, code: str, data: Mapping[str, Any]
) -> Registered:
    form = _check_form(data, identity=False)
    person = sharing.redeem(code, "employment", actor, venue.name)
    _widen(person, venue.scope_keys, None)
    employment, created = _store_employment(
        person, venue, form, channel=channel, actor=actor, via_share_code=True
    )
    registered = Registered(
        employment, person, venue, created, _shown_state(employment, person)
    )
    if created:
        _audit_registration(
            actor, registered, self_scan=False, person_created=False, share_code=True
        )
    return registered


def _register_typed(
    actor: Actor, venue: Venue, channel: str, data: Mapping[str, Any]
) -> Registered:
    form = _check_form(data, identity=True)
    assert form.name is not None and form.facts is not None
    person_id = ObjectId()
    check = people.start_check(form.name, form.facts.number, person_id)
    person, person_created = _store_person(
        form, venue.scope_keys, channel, actor, person_id, check
    )
    if not person_created:
        # A phone typed under a contradicting name is not attached.
        same_name = person.name == form.name
        _widen(person, venue.scope_keys, form.phone if same_name else None)
    employment, created = _store_employment(
        person, venue, form, channel=channel, actor=actor
    )
    if not created:
        return Registered(
            employment, person, venue, False, _shown_state(employment, person)
        )

    state, mismatch = _check(person, form, person_created, check)
    if mismatch:
        _flag_mismatch(person, employment, venue)
    registered = Registered(employment, person, venue, True, state)
    _audit_registration(
        actor, registered, self_scan=False, person_created=person_created
    )
    return registered


# --- ending


def _manageable(employment_id: str) -> Employment:
    employment = scoped_get(Employment, "employments.manage", employment_id)
    if employment.state != "active":
        raise Conflict("employments.not_active")
    return employment


def _close(
    actor: Actor, employment: Employment, state: str, end_date: date
) -> Employment:
    if employment.start_date and end_date < employment.start_date:
        raise field_error("end_date", "end_date.before_start")
    if end_date > today():
        raise field_error("end_date", "end_date.future")

    changed = Employment.objects(id=employment.id, state="active").update_one(
        set__state=state,
        set__end_date=end_date,
        set__updated_at=datetime.now(UTC),
        unset__active_key=True,
    )
    if not changed:
        raise Conflict("employments.not_active")

    record(
        "employment.end" if state == "ended" else "employment.left",
        actor=people.audit_actor(actor, "employments.manage"),
        resource_type="employment",
        resource_id=str(employment.id),
        subject_person=str(employment.person),
        details={"venue": str(employment.venue)},
    )
    employment.reload()
    return employment


def end_employment(
    actor: Actor, employment_id: str, end_date: date | None = None
) -> Employment:
    employment = _manageable(employment_id)
    return _close(actor, employment, "ended", end_date or today())


def mark_left(actor: Actor, employment_id: str) -> Employment:
    """The worker left without notice: the employment ends today."""
    employment = _manageable(employment_id)
    return _close(actor, employment, "left_without_notice", today())

"""An officer's corrections of a person's record (tier 1's corrections).

A worker who mistyped their name or ID number at registration cannot fix the
record themself once it is on record: the ID number's record keeps the name
first given. The community police officer of the area corrects it, with a
reason. The record is stored first, then the ID authority is asked again; when
the check now matches, the person's identity alerts are resolved and their
active employments no longer count as name mismatches.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from mongoengine import NotUniqueError
from pymongo.errors import DuplicateKeyError

from anju.accounts.authz import Actor, scoped_get
from anju.audit.service import record
from anju.common.crypto import keyring
from anju.common.errors import Conflict, FieldErrors, InvalidInput, field_error
from anju.common.idnumber import (
    IdNumberError,
    IdNumberFacts,
    parse_id_number,
)
from anju.patrol.service import resolve_person_alerts
from anju.people import messages  # noqa: F401  (registers the texts)
from anju.people.models import Correction, Person
from anju.people.service import audit_actor, identity_fields, verify_person
from anju.venues.models import Employment

logger = logging.getLogger(__name__)

IDENTITY_ALERTS = ["id_mismatch", "id_not_found"]


@dataclass(frozen=True)
class Corrected:
    person: Person
    correction: Correction


@dataclass(frozen=True)
class _Change:
    name: str | None
    facts: IdNumberFacts | None

    @property
    def fields(self) -> list[str]:
        return [
            field
            for field, value in (("name", self.name), ("id_number", self.facts))
            if value is not None
        ]


def correct_person(actor: Actor, person_id: str, data: dict[str, Any]) -> Corrected:
    """Correct a person's name and/or ID number, then ask the ID authority
    again. Answers the person as now stored and the correction made."""
    person = scoped_get(Person, "people.update", person_id)
    change = _parse_change(person, data.get("name"), data.get("id_number"))

    correction = Correction(
        id=ObjectId(),
        at=datetime.now(UTC),
        by_account=actor.account_id,
        by_name=actor.display_name,
        reason=data["reason"].strip(),
        changed=change.fields,
        old_name=person.name,
        old_id_number_masked=person.id_number_masked if change.facts else None,
    )
    _store(person, change, correction)

    person.reload()
    state = verify_person(person, audit=False)
    Person._get_collection().update_one(
        {"_id": person.id, "corrections.id": correction.id},
        {"$set": {"corrections.$.verification": state}},
    )
    correction.verification = state

    if state == "match":
        _resolve(person)
    record(
        "person.corrected",
        actor=audit_actor(actor, "people.update"),
        resource_type="person",
        resource_id=str(person.id),
        subject_person=str(person.id),
        purpose=correction.reason,
        details={"fields": change.fields, "verification": state},
    )
    logger.info(
        "person corrected",
        extra={"person_id": str(person.id), "fields": change.fields, "result": state},
    )

    person.reload()
    return Corrected(person, correction)


def list_corrections(actor: Actor, person_id: str) -> list[Correction]:
    """A person's correction history, newest first (a look at their record,
    so audited)."""
    person = scoped_get(Person, "people.read", person_id)

    record(
        "person.read",
        actor=audit_actor(actor),
        resource_type="person",
        resource_id=str(person.id),
        subject_person=str(person.id),
        details={"view": "corrections"},
    )
    return sorted(person.corrections, key=lambda item: item.at, reverse=True)


def _parse_change(person: Person, name: str | None, id_number: str | None) -> _Change:
    """The same rules as registration, every field's problem at once; a field
    equal to the record's is no change."""
    errors: FieldErrors = {}
    new_name = None
    facts = None

    if name is not None:
        new_name = name.strip()
        if not new_name:
            errors.update(field_error("name", "corrections.name_required").errors)
        elif new_name == person.name:
            errors.update(field_error("name", "corrections.unchanged").errors)
            new_name = None
    if id_number is not None:
        try:
            facts = parse_id_number(id_number)
        except IdNumberError as error:
            errors.update(field_error("id_number", error.key).errors)
        else:
            facts = _new_number(person, facts, errors)

    if not errors and new_name is None and facts is None:
        errors.update(field_error("name", "corrections.nothing_given").errors)
    if errors:
        raise InvalidInput(errors=errors)
    return _Change(new_name, facts)


def _new_number(
    person: Person, facts: IdNumberFacts, errors: FieldErrors
) -> IdNumberFacts | None:
    """The number when it differs from the record's and belongs to nobody else
    on record (without saying who)."""
    index = keyring().blind_index(facts.number, "id_number")
    if index == person.id_number_index:
        errors.update(field_error("id_number", "corrections.unchanged").errors)
        return None
    if Person.objects(id_number_index=index).only("id").first() is not None:
        errors.update(field_error("id_number", "corrections.id_number_taken").errors)
        return None
    return facts


def _store(person: Person, change: _Change, correction: Correction) -> None:
    """Write the correction, conditional on the record being as read (another
    officer's correction in between is a conflict, never overwritten); the
    check starts again as pending, so the worker retries when the authority is
    down."""
    now = correction.at
    update: dict[str, Any] = {
        "set__updated_at": now,
        "set__verification__state": "pending",
        "set__verification__attempts": 0,
        "set__verification__next_check_at": now,
        "unset__verification__reference": True,
        "unset__verification__checked_at": True,
        "push__corrections": correction,
    }
    if change.name is not None:
        update["set__name"] = change.name
    if change.facts is not None:
        fields = identity_fields(change.facts)
        update.update({f"set__{name}": value for name, value in fields.items()})

    try:
        stored = Person.objects(
            id=person.id, name=person.name, id_number_index=person.id_number_index
        ).update_one(**update)
    except (NotUniqueError, DuplicateKeyError):
        # Registered under another record a moment ago.
        raise field_error("id_number", "corrections.id_number_taken") from None
    if not stored:
        raise Conflict("corrections.changed_meanwhile")


def _resolve(person: Person) -> None:
    """The record now matches: its identity alerts are resolved, and the
    person's active employments no longer count as name mismatches."""
    resolved = resolve_person_alerts(person.id, IDENTITY_ALERTS, "corrected")
    cleared = Employment.objects(
        person=person.id, state="active", name_mismatch=True
    ).update(set__name_mismatch=False, set__updated_at=datetime.now(UTC))
    logger.info(
        "correction resolved mismatches",
        extra={"person_id": str(person.id), "alerts": resolved, "employments": cleared},
    )

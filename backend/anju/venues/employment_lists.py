"""The employments each tier sees, every look audited, and the views of a
record: the operator's staff, the area's and officers' lists with their
filters, a worker's own, and what a registration answers."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any

from bson import ObjectId
from mongoengine.queryset.visitor import Q

from anju.accounts.authz import Actor, scoped, scoped_get
from anju.accounts.models import Account
from anju.areas.models import Area
from anju.audit.service import record_many
from anju.common.pagination import newest_first
from anju.people import service as people
from anju.people.models import Person
from anju.venues.employments import Registered
from anju.venues.models import Employment, Venue

AREA_NAME_SECONDS = 60.0
OWN_MAX = 100


# --- lists


def _audit_list(actor: Actor, employments: Iterable[Employment]) -> None:
    """One entry per person shown, so each appears in that person's access
    history; all of a page's entries appended in one go."""
    entries = [
        {
            "action": "employment.list",
            "actor": people.audit_actor(actor, "employments.read"),
            "resource_type": "employment",
            "resource_id": str(e.id),
            "subject_person": str(e.person),
        }
        for e in employments
        if actor.person_id != str(e.person)
    ]
    record_many(entries)


def venue_employments(
    actor: Actor, venue_id: str, *, state: str | None, cursor: str | None, limit: int
) -> tuple[list[Employment], str | None]:
    venue = scoped_get(Venue, "employments.read", venue_id)
    query = scoped(Employment, "employments.read", actor).filter(venue=venue.id)
    if state:
        query = query.filter(state=state)

    page, following = newest_first(query, cursor, limit)
    _audit_list(actor, page)
    return page, following


def list_employments(
    actor: Actor, filters: Mapping[str, Any], cursor: str | None, limit: int
) -> tuple[list[Employment], str | None]:
    """The jurisdiction view: every employment the caller reaches, filtered by
    area, venue, channel, state and the ID check's answer."""
    query = scoped(Employment, "employments.read", actor)
    if filters.get("area_id"):
        query = query.filter(scope_keys=f"area:{filters['area_id']}")
    if filters.get("venue_id"):
        query = query.filter(venue=ObjectId(filters["venue_id"]))
    for name in ("channel", "state", "kind"):
        if filters.get(name):
            query = query.filter(**{name: filters[name]})
    if filters.get("verification"):
        query = query.filter(_verification_filter(actor, filters["verification"]))

    page, following = newest_first(query, cursor, limit)
    _audit_list(actor, page)
    return page, following


def _verification_filter(actor: Actor, state: str) -> Q:
    """Employments whose person's check answered ``state`` (a registration
    under a name contradicting the record counts as a mismatch)."""
    keys = actor.scope_keys("employments.read")
    # TODO: denormalize the check's answer onto employments when a
    # jurisdiction's matched people grow past what one id list should carry.
    ids = list(
        Person.objects(scope_keys__in=keys, verification__state=state).scalar("id")
    )
    if state == "mismatch":
        return Q(person__in=ids) | Q(name_mismatch=True)
    return Q(person__in=ids) & Q(name_mismatch__ne=True)


def own_employments(actor: Actor) -> list[Employment]:
    if not actor.person_id:
        return []
    found = Employment.objects(person=ObjectId(actor.person_id))
    return list(found.order_by("-id").limit(OWN_MAX))


# --- views


_area_names: dict[str, tuple[float, str | None]] = {}


def _area_name(area_id: Any) -> str | None:
    """Area names change rarely: kept a minute per process, saving a read on
    every registration."""
    key = str(area_id)
    cached = _area_names.get(key)
    if cached and time.monotonic() - cached[0] < AREA_NAME_SECONDS:
        return cached[1]
    area = Area.objects(id=area_id).only("name").first()
    name = area.name if area else None
    _area_names[key] = (time.monotonic(), name)
    return name


def own_view(registered: Registered) -> dict[str, Any]:
    """MyEmployment for the answer to a registration (no further reads)."""
    return _own(registered.employment, registered.venue, registered.verification)


def _own(employment: Employment, venue: Venue | None, verification: str) -> dict:
    return {
        "id": str(employment.id),
        "venue": {
            "id": str(employment.venue),
            "name": venue.name if venue else None,
            "area_name": _area_name(venue.area) if venue else None,
        },
        "job": employment.job,
        "start_date": employment.start_date,
        "end_date": employment.end_date,
        "state": employment.state,
        "channel": employment.channel,
        "kind": employment.kind,
        "verification": verification,
        "consent_version": employment.consent.version if employment.consent else None,
        "created_at": employment.created_at,
    }


def own_views(employments: list[Employment]) -> list[dict[str, Any]]:
    venue_ids = {e.venue for e in employments}
    found = {v.id: v for v in Venue.objects(id__in=list(venue_ids))}
    person_ids = {e.person for e in employments}
    states = {
        p.id: p.verification.state if p.verification else "pending"
        for p in Person.objects(id__in=list(person_ids)).only("verification")
    }
    return [
        _own(
            e,
            found.get(e.venue),
            "mismatch" if e.name_mismatch else states.get(e.person, "pending"),
        )
        for e in employments
    ]


def views(
    employments: list[Employment],
    *,
    persons: Mapping[Any, Person] | None = None,
    venues_by_id: Mapping[Any, Venue] | None = None,
) -> list[dict[str, Any]]:
    """The staff's Employment shape for a page: three reads, whatever its size."""
    if persons is None:
        ids = list({e.person for e in employments})
        persons = {p.id: p for p in Person.objects(id__in=ids)}
    if venues_by_id is None:
        ids = list({e.venue for e in employments})
        venues_by_id = {v.id: v for v in Venue.objects(id__in=ids).only("name")}
    names = _registrar_names(
        e.registered_by for e in employments if e.channel != "self_scan"
    )

    shown = []
    for e in employments:
        person = persons.get(e.person)
        venue = venues_by_id.get(e.venue)
        state = "pending"
        if person is not None and person.verification:
            state = person.verification.state
        shown.append(
            {
                "id": str(e.id),
                "venue_id": str(e.venue),
                "venue_name": venue.name if venue else None,
                "person_id": str(e.person),
                "name": person.name if person else None,
                "id_number_masked": person.id_number_masked if person else None,
                "phone_masked": person.phone_masked if person else None,
                "job": e.job,
                "kind": e.kind,
                "start_date": e.start_date,
                "end_date": e.end_date,
                "state": e.state,
                "channel": e.channel,
                "verification": "mismatch" if e.name_mismatch else state,
                "via_share_code": bool(e.via_share_code),
                "emergency_contact_name": e.emergency_contact_name,
                "emergency_contact_phone_masked": e.emergency_contact_phone_masked,
                "registered_by_name": names.get(e.registered_by or ""),
                "created_at": e.created_at,
            }
        )
    return shown


def _registrar_names(account_ids: Iterable[str | None]) -> dict[str, str | None]:
    ids = [ObjectId(a) for a in set(account_ids) if a]
    if not ids:
        return {}
    found = Account.objects(id__in=ids).only("display_name", "organization")
    return {str(a.id): a.display_name or a.organization for a in found}


def registered_view(registered: Registered) -> dict[str, Any]:
    """The staff's Employment for the answer to a registration: the check's
    answer as just given, without reading the person again."""
    view = views(
        [registered.employment],
        persons={registered.person.id: registered.person},
        venues_by_id={registered.venue.id: registered.venue},
    )[0]
    view["verification"] = registered.verification
    return view


def employment_view(employment: Employment) -> dict[str, Any]:
    return views([employment])[0]

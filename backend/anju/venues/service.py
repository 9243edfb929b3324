"""Venues and their codes: creation (one by one or a market's stalls at once),
approval, re-issuing a code, printing, the public code lookup and coverage.

Who reaches a venue: its ``scope_keys`` are its area's keys (the area and each
ancestor) and ``venue:<id>``. Area admins and officers reach it through their
area grant; the operator through a ``venue:<id>`` grant on their account. An
operator who creates a venue is given that grant at once (added to the account
without bumping its token version: access is widened, not withdrawn, and every
request reads the account's grants afresh), so they see their pending venue
and can print its code before it is approved (docs/codes.md).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

import qr.tokens as tokens
from anju.accounts.authz import Actor, scoped, scoped_get
from anju.accounts.models import Account, Grant
from anju.areas.models import Area
from anju.audit.service import record
from anju.common.errors import AnjuError, Conflict, NotFound, field_error
from anju.common.pagination import newest_first
from anju.common.schemas import object_id_or_404
from anju.config import Settings, current_settings
from anju.people.service import audit_actor
from anju.venues import messages  # noqa: F401  (registers the texts)
from anju.venues.models import Employment, Venue
from anju.venues.schemas import BULK_MAX, NAME_MAX
from qr import posters, render

logger = logging.getLogger(__name__)

POSTERS_MAX = 2000
COVERAGE_VENUES = 200


class CodeInvalid(NotFound):
    """Not a current or former code of a venue of ours (forged, altered, a
    room's code, an unknown venue). The problem document's ``code`` is
    ``codes.invalid`` (the text is the venues domain's own)."""

    detail_code = "venue_codes.invalid"
    code = "codes.invalid"


class CodeReplaced(AnjuError):
    """An old printed code: the venue's code was re-issued since."""

    status, kind, detail_code = 410, "code-replaced", "venue_codes.replaced"
    code = "codes.replaced"

    def __init__(self, contact: str) -> None:
        super().__init__(contact=contact)
        self.contact = contact
        self.members["contact"] = contact


@dataclass(frozen=True)
class CodeFile:
    content: bytes
    mimetype: str
    filename: str


def _now() -> datetime:
    return datetime.now(UTC)


# --- codes


def token_for(venue: Venue, settings: Settings | None = None) -> str:
    key = (settings or current_settings()).code_signing_key
    return tokens.sign("venue", str(venue.id), venue.code_version or 1, key)


def code_url(venue: Venue, settings: Settings | None = None) -> str:
    """What the QR code holds: the app's page for this venue's code."""
    settings = settings or current_settings()
    return f"{settings.public_url.rstrip('/')}/v/{token_for(venue, settings)}"


def code_number(venue: Venue) -> str:
    return tokens.code_number("venue", str(venue.id), venue.code_version or 1)


# --- views


def _area_names(area_ids: Iterable[Any]) -> dict[str, str]:
    ids = {ObjectId(str(area_id)) for area_id in area_ids if area_id}
    return {str(a.id): a.name for a in Area.objects(id__in=list(ids)).only("name")}


def _operator_names(account_ids: Iterable[Any]) -> dict[str, str | None]:
    ids = {ObjectId(str(account_id)) for account_id in account_ids if account_id}
    found = Account.objects(id__in=list(ids)).only("display_name")
    return {str(a.id): a.display_name for a in found}


def registered_counts(venue_ids: Iterable[Any]) -> dict[str, int]:
    """Active employments per venue, in one aggregation for all of them."""
    ids = [ObjectId(str(venue_id)) for venue_id in venue_ids]
    if not ids:
        return {}
    pipeline = [
        {"$match": {"venue": {"$in": ids}, "state": "active"}},
        {"$group": {"_id": "$venue", "n": {"$sum": 1}}},
    ]
    rows = Employment._get_collection().aggregate(pipeline)
    return {str(row["_id"]): int(row["n"]) for row in rows}


def views(venues: list[Venue]) -> list[dict[str, Any]]:
    """The API shape of a page of venues: three queries, whatever its size."""
    areas = _area_names(v.area for v in venues)
    operators = _operator_names(v.operator for v in venues)
    counts = registered_counts(v.id for v in venues)

    return [
        {
            "id": str(v.id),
            "name": v.name,
            "kind": v.kind,
            "area_id": str(v.area),
            "area_name": areas.get(str(v.area)),
            "address": v.address,
            "operator_id": str(v.operator) if v.operator else None,
            "operator_name": operators.get(str(v.operator)) if v.operator else None,
            "expected_headcount": v.expected_headcount or 0,
            "registered_count": counts.get(str(v.id), 0),
            "status": v.status,
            "code_version": v.code_version or 1,
            "code_number": code_number(v),
            "created_at": v.created_at,
        }
        for v in venues
    ]


def view(venue: Venue) -> dict[str, Any]:
    return views([venue])[0]


# --- reading


def list_venues(
    actor: Actor,
    *,
    status: str | None = None,
    kind: str | None = None,
    area_id: str | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> tuple[list[dict[str, Any]], str | None]:
    query = scoped(Venue, "venues.read", actor)
    if status:
        query = query.filter(status=status)
    if kind:
        query = query.filter(kind=kind)
    if area_id:
        # Everything placed in the area or below it carries its key.
        query = query.filter(scope_keys=f"area:{area_id}")
    if q:
        pattern = re.escape(q.strip())
        query = query.filter(__raw__={"name": {"$regex": pattern, "$options": "i"}})

    page, next_cursor = newest_first(query, cursor, limit)
    return views(page), next_cursor


def get_venue(permission: str, venue_id: str) -> Venue:
    return scoped_get(Venue, permission, venue_id)


# --- creating and changing


def _area_for(area_id: str) -> Area:
    area = Area.objects(id=object_id_or_404(area_id)).first()
    if area is None:
        raise field_error("area_id", "venues.area_not_found")
    return area


def _administers(actor: Actor, area: Area) -> bool:
    """Whether the caller is an admin or officer of the area (or above it)."""
    return bool(set(actor.scope_keys("venues.approve")) & set(area.scope_keys()))


def _grant_operator(actor: Actor, venue: Venue) -> None:
    grant = Grant(
        role="operator", scope_kind="venue", scope_id=venue.id, scope_name=venue.name
    )
    Account.objects(id=ObjectId(actor.account_id)).update_one(push__grants=grant)
    record(
        "account.grant_add",
        actor=audit_actor(actor, "venues.create"),
        resource_type="account",
        resource_id=actor.account_id,
        details={"role": "operator", "scope_kind": "venue", "venue": str(venue.id)},
    )


def create_venue(actor: Actor, data: dict[str, Any]) -> Venue:
    """An admin's or officer's venue in their area is active at once; an
    operator's (in any area) waits for the area's approval and is theirs."""
    area = _area_for(data["area_id"])
    if _administers(actor, area):
        status, operator = "active", None
    elif "operator" in actor.roles:
        status, operator = "pending_approval", ObjectId(actor.account_id)
    else:
        raise field_error("area_id", "venues.area_outside_scope")

    venue_id = ObjectId()
    venue = Venue(
        id=venue_id,
        name=data["name"].strip(),
        kind=data["kind"],
        area=area.id,
        address=(data.get("address") or "").strip() or None,
        operator=operator,
        expected_headcount=data.get("expected_headcount") or 0,
        status=status,
        code_version=1,
        scope_keys=[*area.scope_keys(), f"venue:{venue_id}"],
        created_at=_now(),
    )
    if not venue.name:
        raise field_error("name", "field.required")
    venue.save(force_insert=True)

    record(
        "venue.create",
        actor=audit_actor(actor, "venues.create"),
        resource_type="venue",
        resource_id=str(venue.id),
        details={"status": status, "area": str(area.id), "kind": venue.kind},
    )
    if operator is not None:
        _grant_operator(actor, venue)
    logger.info("venue created", extra={"venue": str(venue.id), "status": status})
    return venue


def _rename_grants(venue_id: ObjectId, name: str) -> None:
    """Grants on the venue show its name in the accounts' lists: keep it."""
    for account in Account.objects(grants__scope_id=venue_id).only("grants"):
        grants = list(account.grants)
        for grant in grants:
            if grant.scope_id == venue_id:
                grant.scope_name = name
        Account.objects(id=account.id).update_one(set__grants=grants)


def update_venue(actor: Actor, venue_id: str, data: dict[str, Any]) -> Venue:
    venue = get_venue("venues.create", venue_id)
    changes: dict[str, Any] = {}

    if "name" in data:
        name = data["name"].strip()
        if not name:
            raise field_error("name", "field.required")
        changes["name"] = name
    if "address" in data:
        changes["address"] = (data["address"] or "").strip() or None
    for key in ("kind", "expected_headcount"):
        if key in data:
            changes[key] = data[key]
    if "status" in data and data["status"] != venue.status:
        if data["status"] == "active" and not actor.can("venues.approve"):
            raise field_error("status", "venues.approve_required")
        changes["status"] = data["status"]

    if "name" in changes:
        _rename_grants(venue.id, changes["name"])
    if changes:
        Venue.objects(id=venue.id).update_one(
            **{f"set__{k}": v for k, v in changes.items()}
        )
        venue.reload()
        record(
            "venue.update",
            actor=audit_actor(actor, "venues.create"),
            resource_type="venue",
            resource_id=str(venue.id),
            details={"fields": sorted(changes)},
        )
    return venue


def approve_venue(actor: Actor, venue_id: str) -> Venue:
    venue = get_venue("venues.approve", venue_id)
    changed = Venue.objects(id=venue.id, status="pending_approval").update_one(
        set__status="active"
    )
    if not changed:
        raise Conflict("venues.not_pending")

    record(
        "venue.approve",
        actor=audit_actor(actor, "venues.approve"),
        resource_type="venue",
        resource_id=str(venue.id),
    )
    venue.reload()
    return venue


def bulk_create(actor: Actor, data: dict[str, Any]) -> dict[str, Any]:
    """A market's stalls: ``prefix`` + each number from ``first`` to ``last``
    (zero-padded to three digits at least). Names the area already has are
    skipped, so the same request twice creates nothing the second time."""
    first, last = data["first"], data["last"]
    if last < first:
        raise field_error("last", "venues.bulk_range")
    if last - first + 1 > BULK_MAX:
        raise field_error("last", "venues.bulk_too_many", limit=BULK_MAX)
    width = max(3, len(str(last)))
    if len(data["prefix"]) + width > NAME_MAX:
        raise field_error("prefix", "venues.bulk_name_too_long")
    area = _area_for(data["area_id"])
    if not _administers(actor, area):
        raise field_error("area_id", "venues.area_outside_scope")

    names = [f"{data['prefix']}{n:0{width}d}" for n in range(first, last + 1)]
    taken = set(Venue.objects(area=area.id, name__in=names).distinct("name"))
    now = _now()
    documents = []
    for name in names:
        if name in taken:
            continue
        venue_id = ObjectId()
        documents.append(
            Venue(
                id=venue_id,
                name=name,
                kind=data["kind"],
                area=area.id,
                expected_headcount=data.get("expected_headcount") or 0,
                status="active",
                code_version=1,
                scope_keys=[*area.scope_keys(), f"venue:{venue_id}"],
                created_at=now,
            )
        )
    for document in documents:
        document.validate()
    if documents:
        Venue._get_collection().insert_many([d.to_mongo() for d in documents])

    ids = [str(d.id) for d in documents]
    record(
        "venue.bulk_create",
        actor=audit_actor(actor, "venues.create"),
        resource_type="area",
        resource_id=str(area.id),
        details={"created": len(ids), "skipped": len(taken), "kind": data["kind"]},
    )
    return {"created": len(ids), "skipped": len(taken), "venues": ids}


def reissue_code(actor: Actor, venue_id: str) -> Venue:
    """A new code (version + 1): the old printed one answers 'replaced'."""
    venue = get_venue("venues.codes", venue_id)
    Venue.objects(id=venue.id).update_one(inc__code_version=1)
    venue.reload()

    record(
        "venue.code_reissue",
        actor=audit_actor(actor, "venues.codes"),
        resource_type="venue",
        resource_id=str(venue.id),
        details={"version": venue.code_version},
    )
    return venue


# --- the public lookup


def _contact(venue: Venue) -> str:
    """Whom a worker holding an old code should ask: the operator, else the
    area's office."""
    if venue.operator:
        account = Account.objects(id=venue.operator).only("display_name").first()
        if account is not None and account.display_name:
            return account.display_name
    area = Area.objects(id=venue.area).only("name").first()
    return area.name if area else ""


def venue_for_token(token: str, *, require_active: bool = True) -> Venue:
    """The venue a scanned code names, if it is that venue's current code.

    404 ``codes.invalid`` for a forged or altered token, a room's token or an
    unknown venue; 410 ``codes.replaced`` (with a contact) for a re-issued
    code; 409 ``venues.not_active`` for a venue not open for registration.
    The employments helper calls this for registrations by scan.
    """
    try:
        claims = tokens.verify(token, current_settings().code_signing_key)
    except tokens.BadCode:
        logger.info("venue code refused", extra={"reason": "signature"})
        raise CodeInvalid() from None
    if claims.kind != "venue":
        raise CodeInvalid()

    venue = Venue.by_id(ObjectId(claims.object_id))
    if venue is None or claims.version > (venue.code_version or 1):
        raise CodeInvalid()
    if claims.version < (venue.code_version or 1):
        raise CodeReplaced(_contact(venue))
    if require_active and venue.status != "active":
        raise Conflict("venues.not_active")
    return venue


def lookup_code(token: str) -> dict[str, Any]:
    venue = venue_for_token(token)
    area = Area.objects(id=venue.area).only("name").first()
    return {
        "venue": {
            "id": str(venue.id),
            "name": venue.name,
            "kind": venue.kind,
            "area_name": area.name if area else None,
            "address": venue.address,
        },
        "code_number": code_number(venue),
    }


# --- files


def _filename(venue: Venue, suffix: str) -> str:
    return f"venue-{code_number(venue)}.{suffix}"


def code_png(venue: Venue) -> CodeFile:
    return CodeFile(render.png(code_url(venue)), "image/png", _filename(venue, "png"))


def code_svg(venue: Venue) -> CodeFile:
    return CodeFile(
        render.svg(code_url(venue)), "image/svg+xml", _filename(venue, "svg")
    )


def poster_items(venues: list[Venue]) -> list[posters.PosterItem]:
    settings = current_settings()
    areas = _area_names(v.area for v in venues)
    items = []
    for v in venues:
        subtitle = "  ".join(p for p in (areas.get(str(v.area)), v.address) if p)
        items.append(
            posters.PosterItem(
                title=v.name,
                subtitle=subtitle,
                code_number=code_number(v),
                url=code_url(v, settings),
                kind="venue",
            )
        )
    return items


def poster(venue: Venue, size: str = "A5") -> CodeFile:
    pdf = posters.poster_pdf(poster_items([venue]), size)
    return CodeFile(pdf, "application/pdf", _filename(venue, "pdf"))


def posters_query(actor: Actor | None, area_id: str | None, prefix: str | None = None):
    """The active venues to print, in an area (and below it) if given, and
    named with ``prefix`` if given (a run of stalls made in bulk)."""
    query = (scoped(Venue, "venues.codes", actor) if actor else Venue.objects).filter(
        status="active"
    )
    if area_id:
        query = query.filter(scope_keys=f"area:{area_id}")
    if prefix:
        # A $regex string: the embedded server does not take BSON regexes.
        query = query.filter(__raw__={"name": {"$regex": "^" + re.escape(prefix)}})
    return query.order_by("area", "name")


def many_posters(
    actor: Actor | None,
    area_id: str | None,
    size: str = "A5",
    *,
    prefix: str | None = None,
) -> CodeFile:
    """One PDF, a page per active venue in scope (a market's stalls)."""
    if area_id:
        _area_for(area_id)
    query = posters_query(actor, area_id, prefix)
    venues = list(query.limit(POSTERS_MAX + 1))
    if not venues:
        raise field_error("area_id", "venues.none_to_print")
    if len(venues) > POSTERS_MAX:
        raise field_error("area_id", "venues.bulk_too_many", limit=POSTERS_MAX)

    pdf = posters.poster_pdf(poster_items(venues), size)
    record(
        "venue.posters",
        actor=audit_actor(actor, "venues.codes"),
        resource_type="area",
        resource_id=area_id,
        details={"pages": len(venues), "size": size},
    )
    name = f"venue-posters-{area_id or 'all'}-{size}.pdf"
    return CodeFile(pdf, "application/pdf", name)


# --- coverage


def _coverage_area(actor: Actor, area_id: str | None) -> Area:
    keys = set(actor.scope_keys("coverage.read"))
    if area_id:
        area = Area.objects(id=object_id_or_404(area_id)).first()
        if area is None or not keys & set(area.scope_keys()):
            raise NotFound()
        return area

    granted = [
        g.scope_id for g in actor.grants if g.scope_kind == "area" and g.scope_id
    ]
    areas = [a for a in Area.objects(id__in=granted) if keys & set(a.scope_keys())]
    if not areas:
        raise NotFound()
    # The widest of the caller's areas: the one with the shortest path.
    return min(areas, key=lambda a: len(a.ancestor_ids))


def coverage(actor: Actor, area_id: str | None) -> dict[str, Any]:
    """Registered workers against expected headcount, per child area of the
    chosen area (the caller's own by default) and per venue, shortfall first."""
    area = _coverage_area(actor, area_id)
    area_key = f"area:{area.id}"
    # A $regex string, not a compiled pattern: the embedded server matches
    # only the former.
    below = {"path": {"$regex": "^" + re.escape(area.path + "/")}}
    subtree = list(Area.objects(__raw__=below).only("name", "path"))
    names = {str(a.id): a.name for a in subtree}
    names[str(area.id)] = area.name
    depth = len(area.ancestor_ids)
    # Every area below maps to its ancestor one level below the chosen one.
    child_of = {str(a.id): a.ancestor_ids[depth] for a in subtree}
    children = [a for a in subtree if len(a.ancestor_ids) == depth + 1]

    venue_rows = list(
        Venue._get_collection().find(
            {"scope_keys": area_key, "status": {"$ne": "closed"}},
            {"name": 1, "kind": 1, "status": 1, "area": 1, "expected_headcount": 1},
        )
    )
    registered: dict[str, int] = {}
    pipeline = [
        {"$match": {"scope_keys": area_key, "state": "active"}},
        {"$group": {"_id": "$venue", "n": {"$sum": 1}}},
    ]
    for row in Employment._get_collection().aggregate(pipeline):
        registered[str(row["_id"])] = int(row["n"])

    def empty(area_id: str, name: str) -> dict[str, Any]:
        return {
            "area_id": area_id,
            "area_name": name,
            "venues": 0,
            "expected_headcount": 0,
            "registered": 0,
        }

    rows = {str(c.id): empty(str(c.id), c.name) for c in children}
    total = empty(str(area.id), area.name)
    venues = []
    for v in venue_rows:
        venue_id, venue_area = str(v["_id"]), str(v["area"])
        expected = int(v.get("expected_headcount") or 0)
        count = registered.get(venue_id, 0)
        targets = [total]
        if venue_area in child_of:
            targets.append(rows[child_of[venue_area]])
        for target in targets:
            target["venues"] += 1
            target["expected_headcount"] += expected
            target["registered"] += count
        venues.append(
            {
                "id": venue_id,
                "name": v["name"],
                "kind": v["kind"],
                "status": v["status"],
                "area_id": venue_area,
                "area_name": names.get(venue_area),
                "expected_headcount": expected,
                "registered": count,
            }
        )

    venues.sort(key=lambda v: (v["registered"] - v["expected_headcount"], v["name"]))
    return {
        "area_id": str(area.id),
        "area_name": area.name,
        "items": sorted(rows.values(), key=lambda r: r["area_name"]),
        "total": total,
        "venues": venues[:COVERAGE_VENUES],
        "venues_total": len(venues),
    }

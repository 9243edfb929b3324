"""Authorization, decided in one place.

Every route declares the permission it needs with :func:`requires`; every
lookup of a record goes through :func:`scoped`, which filters by the caller's
scope keys in the query itself, so a record outside the caller's scope is never
loaded for them. Outside scope is a 404; a function the role may not use is a
403 (and an audit entry).

Scope keys: every scoped record carries ``scope_keys`` — ``area:<id>`` for its
area and each ancestor, ``venue:<id>`` or ``property:<id>`` for the place it
belongs to, ``person:<id>`` for the person it is about. A caller reaches a
record when one of its keys for the permission is among the record's keys.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import g
from mongoengine.queryset import QuerySet

from anju.accounts import messages  # noqa: F401  (registers the texts)
from anju.common.errors import Forbidden, NotFound, Unauthenticated
from anju.common.schemas import object_id_or_404

# What each role may do. Residents act on their own records only; system
# administrators manage accounts, areas and devices and see no personal data.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "resident": frozenset({"self"}),
    "operator": frozenset(
        {
            "self",
            "areas.read",
            "people.read",
            "people.create",
            "venues.read",
            "venues.create",
            "venues.codes",
            "employments.read",
            "employments.manage",
            "imports.manage",
            "properties.read",
            "properties.manage",
            "tenancies.read",
            "tenancies.manage",
            "locks.read",
        }
    ),
    "area_admin": frozenset(
        {
            "self",
            "areas.read",
            "people.read",
            "people.create",
            "coverage.read",
            "venues.read",
            "venues.create",
            "venues.approve",
            "venues.codes",
            "employments.read",
            "employments.manage",
            "imports.manage",
            "properties.read",
            "properties.manage",
            "tenancies.read",
            "locks.read",
        }
    ),
    "officer": frozenset(
        {
            "self",
            "areas.read",
            "people.read",
            "people.create",
            "people.update",
            "people.search",
            "people.reveal",
            "alerts.read",
            "coverage.read",
            "venues.read",
            "venues.create",
            "venues.approve",
            "venues.codes",
            "employments.read",
            "employments.manage",
            "imports.manage",
            "properties.read",
            "properties.manage",
            "tenancies.read",
            "tenancies.manage",
            "tenancies.override",
            "locks.read",
        }
    ),
    "sysadmin": frozenset(
        {
            "self",
            "areas.read",
            "areas.manage",
            "accounts.manage",
            "devices.manage",
            "locks.read",  # every lock's health and events (no personal data)
        }
    ),
}
PERMISSIONS = frozenset().union(*ROLE_PERMISSIONS.values())


@dataclass(frozen=True)
class ActorGrant:
    role: str
    scope_kind: str | None
    scope_id: str | None
    scope_name: str | None
    # The scope keys this grant reaches (areas: the area itself).
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class Actor:
    """The authenticated caller of this request."""

    account_id: str
    session_id: str
    grants: tuple[ActorGrant, ...]
    person_id: str | None = None
    display_name: str | None = None
    organization: str | None = None
    # Officers and system administrators without a second factor yet may only
    # set one up.
    mfa_pending: bool = False

    @property
    def roles(self) -> frozenset[str]:
        return frozenset(grant.role for grant in self.grants)

    def can(self, permission: str) -> bool:
        return any(permission in ROLE_PERMISSIONS[role] for role in self.roles)

    def role_for(self, permission: str) -> str | None:
        """The highest-tier role that gives the permission (for the audit)."""
        for role in ("officer", "area_admin", "operator", "sysadmin", "resident"):
            if role in self.roles and permission in ROLE_PERMISSIONS[role]:
                return role
        return None

    def scope_keys(self, permission: str) -> list[str]:
        """The keys of every grant whose role gives ``permission``."""
        keys: set[str] = set()
        for grant in self.grants:
            if permission not in ROLE_PERMISSIONS[grant.role]:
                continue
            if grant.role == "resident" and self.person_id:
                keys.add(f"person:{self.person_id}")
            keys.update(grant.keys)
        return sorted(keys)

    def reaches(self, permission: str, record_keys: list[str]) -> bool:
        return bool(set(self.scope_keys(permission)) & set(record_keys))


def current_actor() -> Actor:
    actor = g.get("actor")
    if actor is None:
        raise Unauthenticated("auth.required")
    return actor


F = TypeVar("F", bound=Callable[..., Any])


def requires(permission: str) -> Callable[[F], F]:
    """Declare the permission a view needs: 401 without a valid token, 403 (and
    an audit entry) when no role of the caller gives it."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            from anju.accounts.tokens import authenticate_request

            actor = authenticate_request()
            if actor.mfa_pending and permission != "self":
                raise Forbidden("auth.mfa_enrolment_required")
            if not actor.can(permission):
                _audit_denied(actor, permission)
                raise Forbidden("auth.forbidden")
            return view(*args, **kwargs)

        wrapper._permission = permission  # type: ignore[attr-defined]  # for docs
        return wrapper  # type: ignore[return-value]

    return decorate


def public(view: F) -> F:
    """Mark a view as reachable without a token (login, venue-code lookup)."""
    view._permission = None  # type: ignore[attr-defined]  # checked by a test
    return view


def _audit_denied(actor: Actor, permission: str) -> None:
    from anju.audit.service import AuditActor, record

    record(
        "authz.denied",
        actor=AuditActor(actor.account_id, ",".join(sorted(actor.roles)), None),
        resource_type="permission",
        resource_id=permission,
        outcome="denied",
    )


D = TypeVar("D")


def scoped(documents: type[D], permission: str, actor: Actor | None = None) -> QuerySet:
    """The documents of a kind that the caller reaches for ``permission``.

    The filter is part of the query: what is outside the scope is never read.
    """
    actor = actor or current_actor()
    if not actor.can(permission):
        raise Forbidden("auth.forbidden")
    keys = actor.scope_keys(permission)
    # Every scoped document declares `scope_keys`; mypy cannot see `objects`.
    return documents.objects(scope_keys__in=keys)  # type: ignore[attr-defined]


def scoped_get(documents: type[D], permission: str, record_id: Any) -> D:
    """One record by id within the caller's scope, else 404 (never 403: the
    caller does not learn that a record outside their scope exists)."""
    found = scoped(documents, permission).filter(id=object_id_or_404(record_id)).first()
    if found is None:
        raise NotFound()
    return found

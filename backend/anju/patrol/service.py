"""Tier-1 work queues."""

from __future__ import annotations

from datetime import UTC, datetime

from bson import ObjectId

from anju.accounts.authz import Actor, scoped
from anju.common.pagination import newest_first
from anju.patrol.models import Alert


def open_alerts(
    actor: Actor, cursor: str | None, limit: int
) -> tuple[list[Alert], str | None]:
    """Open alerts in the caller's jurisdiction, newest first."""
    alerts = scoped(Alert, "alerts.read", actor).filter(state="open")
    return newest_first(alerts, cursor, limit)


def resolve_person_alerts(
    person_id: ObjectId, kinds: list[str], resolution: str
) -> int:
    """Close a person's open alerts of these kinds, saying why (a correction
    that now matches resolves their identity alerts); answers how many."""
    return Alert.objects(person=person_id, kind__in=kinds, state="open").update(
        set__state="closed",
        set__closed_at=datetime.now(UTC),
        set__resolution=resolution,
    )

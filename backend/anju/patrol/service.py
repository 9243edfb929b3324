"""Tier-1 work queues."""

from __future__ import annotations

from anju.accounts.authz import Actor, scoped
from anju.common.pagination import newest_first
from anju.patrol.models import Alert


def open_alerts(
    actor: Actor, cursor: str | None, limit: int
) -> tuple[list[Alert], str | None]:
    """Open alerts in the caller's jurisdiction, newest first."""
    alerts = scoped(Alert, "alerts.read", actor).filter(state="open")
    return newest_first(alerts, cursor, limit)

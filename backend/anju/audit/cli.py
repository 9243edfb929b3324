"""``anju audit``: check the chain and apply the retention window.

The main command line attaches :data:`audit` with ``main.add_command(audit)``.
"""

from __future__ import annotations

import sys

import click

from anju import db
from anju.audit.service import AuditChainBroken, purge_expired, verify
from anju.commandline import settings_for_command
from anju.config import Settings


def _connect() -> Settings:
    settings = settings_for_command(database=True)
    db.connect(settings)
    return settings


@click.group("audit")
def audit() -> None:
    """The audit trail: verify the hash chain, purge by retention."""


@audit.command("verify")
@click.option("--batch", default=1000, show_default=True, help="Entries per read.")
def verify_command(batch: int) -> None:
    """Walk the whole chain; exit 1 and list the problems if it is broken."""
    settings = _connect()

    report = verify(batch, settings=settings)

    if not report.ok:
        click.echo(f"audit chain BROKEN after checking {report.checked} entries:")
        for problem in report.problems:
            click.echo(f"  {problem}")
        sys.exit(1)
    click.echo(
        f"audit chain verified: {report.checked} entries, "
        f"head seq {report.head_seq} hash {report.head_hash}"
    )


@audit.command("purge")
@click.option(
    "--days",
    type=int,
    default=None,
    help="Retention window in days (at least 180); default ANJU_AUDIT_RETENTION_DAYS.",
)
def purge_command(days: int | None) -> None:
    """Remove entries older than the retention window behind a checkpoint."""
    settings = _connect()
    days = settings.audit_retention_days if days is None else days

    try:
        purged = purge_expired(days, settings=settings)
    except ValueError as error:
        click.echo(f"refused: {error}", err=True)
        sys.exit(2)
    except AuditChainBroken as error:
        click.echo("refused: the entries to purge do not verify:", err=True)
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)

    click.echo(f"purged {purged} audit entries older than {days} days")

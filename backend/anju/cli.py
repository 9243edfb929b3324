"""``anju`` command line: what operators and scripts run beside the web app."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from anju import db
from anju.audit.cli import audit
from anju.commandline import settings_for_command, with_database

logger = logging.getLogger(__name__)


@click.group()
def main() -> None:
    """Anju (安居) administration."""


@main.command("ensure-indexes")
def ensure_indexes() -> None:
    """Create every collection and index (run once, before web workers start)."""
    settings = settings_for_command(database=True)
    db.connect(settings)
    made = db.ensure_indexes()
    click.echo(f"indexes ensured on {len(made)} collections")


@main.command("check-config")
def check_config() -> None:
    """Load the configuration and report problems, as production start-up does."""
    settings = settings_for_command(database=False)
    click.echo(f"configuration is valid for env={settings.env}")


@main.command("seed")
@click.option("--scale", type=int, default=None, help="Synthetic people to make.")
def seed_command(scale: int | None) -> None:
    """Seed the demo district (idempotent)."""
    from anju.app import create_app
    from anju.seed import seed, write_demo_accounts

    settings = settings_for_command(database=True)
    app = create_app(settings)
    with app.app_context():
        accounts = seed(scale)
    path = write_demo_accounts(accounts, settings.var_dir)
    click.echo(f"demo data ready; accounts in {path}")


@main.command("rotate-keys")
@click.option("--batch", default=500, show_default=True)
def rotate_keys_command(batch: int) -> None:
    """Re-encrypt every ID number, phone and TOTP secret under the current key
    (the first in ANJU_ID_ENCRYPTION_KEYS). Safe while Anju serves."""
    from anju.common.crypto import init_keyring
    from anju.people.rotation import rotate_keys

    settings = settings_for_command(database=True)
    db.connect(settings)
    report = rotate_keys(init_keyring(settings), batch)
    click.echo(
        f"re-encrypted {report.rewritten}; changed meanwhile "
        f"{report.skipped_concurrent}; still under old keys {report.remaining_old}"
    )
    if report.remaining_old:
        sys.exit(1)


@main.command("mosquitto-config")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the `passwords` and `acl` files.",
)
def mosquitto_config_command(out_dir: Path) -> None:
    """Write Mosquitto's password file and ACL from the registered locks: a
    user per lock (its serial), allowed its own topics only, and the gateway's
    user from ANJU_MQTT_URL (mqtt://user:password@host:port)."""
    from anju.locks.models import Lock
    from anju.locks.mosquitto import gateway_user, write_config

    settings = settings_for_command(database=False)
    gateway = gateway_user(settings.mqtt_url)
    if gateway is None or not gateway[1]:
        click.echo("ANJU_MQTT_URL must name the gateway's user and password", err=True)
        sys.exit(2)

    db.connect(with_database(settings))
    locks = [
        (lock.serial, lock.mqtt_password_hash)
        for lock in Lock.objects().only("serial", "mqtt_password_hash")
    ]
    passwords, acl = write_config(out_dir, locks, gateway)
    click.echo(f"{len(locks)} locks and the gateway written to {passwords} and {acl}")


main.add_command(audit)

if __name__ == "__main__":
    main()

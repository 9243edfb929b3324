"""Settings for the command-line tools (``python -m anju``, ``python -m qr``).

A tool run in a second terminal beside ``scripts/run`` finds that run's
embedded database by itself, as the web app and the worker do through the
environment ``scripts/run`` gives them. Without a database where one is
needed, or with a broken configuration, the tool says what to do and exits
with status 2 instead of showing a traceback.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import NoReturn

from anju.config import ConfigError, Settings, load_settings
from anju.devstack import EMBEDDED_DB_PORT, local_database_uri
from anju.logs import configure_logging

NO_DATABASE = (
    "no database: start scripts/run first (its embedded database answers on "
    f"127.0.0.1:{EMBEDDED_DB_PORT}), or set ANJU_MONGODB_URI"
)


def settings_for_command(*, database: bool) -> Settings:
    """The app's settings for a command; with ``database``, one it can reach
    (``ANJU_MONGODB_URI``, else a running ``scripts/run``'s)."""
    try:
        settings = load_settings()
    except ConfigError as error:
        _refuse(f"configuration error: {error}")

    configure_logging(settings.log_level, settings.effective_log_format)
    return with_database(settings) if database else settings


def with_database(settings: Settings) -> Settings:
    """``settings`` naming a database the command can reach, or a clear exit."""
    uri = local_database_uri(settings)
    if not uri:
        _refuse(NO_DATABASE)
    return dataclasses.replace(settings, mongodb_uri=uri)


def _refuse(message: str) -> NoReturn:
    print(message, file=sys.stderr)
    sys.exit(2)

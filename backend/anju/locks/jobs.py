"""The worker's periodic lock job: expire credentials past their end and
alert on locks offline for too long. At most once a minute."""

from __future__ import annotations

import time

from anju.config import Settings
from anju.locks import service

EVERY_SECONDS = 60.0
_last_run: dict[str, float] = {}


def lock_upkeep(settings: Settings) -> int:
    now = time.monotonic()
    if now - _last_run.get("upkeep", -EVERY_SECONDS) < EVERY_SECONDS:
        return 0
    _last_run["upkeep"] = now
    return service.expire_credentials(settings) + service.check_offline(settings)

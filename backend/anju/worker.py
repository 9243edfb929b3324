"""The worker process: background jobs beside the web processes.

Each job is a function of the settings that does a bounded amount of work and
returns how much it did; the loop runs every job, sleeps a little when nothing
was due, and stops cleanly on SIGTERM or Ctrl-C. Jobs are safe to run in more
than one worker at once (each claims its records with a conditional update or
tolerates a repeat).
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable

from anju import create_app
from anju.audit.service import purge_expired
from anju.config import Settings
from anju.housing.service import housing_upkeep  # also connects its signals
from anju.locks.gateway import Gateway
from anju.locks.jobs import lock_upkeep
from anju.people.service import verify_pending
from anju.venues.bulk.service import resume_imports

logger = logging.getLogger(__name__)

Job = Callable[[Settings], int]


def audit_retention(settings: Settings) -> int:
    """Once an hour at most: drop audit entries past the retention window."""
    now = time.monotonic()
    if now - _last_run.get("audit", -3600.0) < 3600:
        return 0
    _last_run["audit"] = now
    return purge_expired(settings.audit_retention_days, settings=settings)


_last_run: dict[str, float] = {}

JOBS: dict[str, Job] = {
    "id-checks": verify_pending,
    "audit-retention": audit_retention,
    "imports": resume_imports,
    "housing": housing_upkeep,
    "lock-upkeep": lock_upkeep,
}

_stopping = False


def _stop(*_: object) -> None:
    global _stopping
    _stopping = True


def run_once(settings: Settings) -> int:
    done = 0
    for name, job in JOBS.items():
        try:
            count = job(settings)
        except Exception:
            # One failing job must not stop the others; it runs again next round.
            logger.exception("job failed", extra={"job": name})
            continue
        if count:
            logger.info("job done", extra={"job": name, "count": count})
        done += count
    return done


def main() -> None:
    app = create_app()
    settings: Settings = app.config["ANJU"]
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    logger.info("worker started", extra={"jobs": ",".join(JOBS)})

    # The lock gateway (MQTT) runs in threads beside the jobs.
    gateway = Gateway(app).start()
    try:
        with app.app_context():
            while not _stopping:
                if not run_once(settings):
                    time.sleep(settings.worker_interval_seconds)
    finally:
        gateway.stop()
    logger.info("worker stopped")


if __name__ == "__main__":
    main()

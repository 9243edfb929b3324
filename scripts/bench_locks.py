"""One lock: credentials delivered through the broker, events, check-out.

Measurement functions take the running ``bench.Bench`` and return ``bench.Row``
figures; ``scripts/bench.py`` runs every one listed in ``MEASUREMENTS``.

Everything goes through the real parts: an embedded amqtt broker started here,
the gateway (as the worker runs it) in this process, and 1,400 simulated locks
(one village's rooms) on one shared MQTT client in this process too. So the
machine carries the database, the broker, the gateway and the locks at once.
``python scripts/bench_locks.py [--quick]`` runs these alone.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bench
from bson import ObjectId

from anju.areas.models import Area
from anju.devstack import Service, start_broker
from anju.locks import credentials, service
from anju.locks.gateway import Gateway
from anju.locks.models import Credential, Lock, LockEvent
from anju.locks.mosquitto import password_hash
from anju.locks.simulator import Fleet, SimulatedLock, new_finger

FULL_LOCKS = 1400
QUICK_LOCKS = 200
EVENTS_PER_LOCK = 5
FULL_CHECKOUTS = 200
QUICK_CHECKOUTS = 40


class Rig:
    """The broker, the gateway and the simulated locks, shared by the figures."""

    def __init__(self, bench_: bench.Bench) -> None:
        self.bench = bench_
        count = QUICK_LOCKS if _quick(bench_) else FULL_LOCKS
        var_dir = Path(bench_.settings.var_dir)
        self.broker: Service = start_broker(var_dir)
        settings = replace(bench_.settings, mqtt_url=self.broker.url)
        self.app = bench_.app
        self.app.config["ANJU"] = settings
        self.settings = settings

        with self.app.app_context():
            self.locks = _register(bench_, count, settings)
        key = credentials.load_public_key(credentials.public_key_pem(settings))
        self.doors = [
            SimulatedLock(serial=lock.serial, public_key=key) for lock in self.locks
        ]
        self.fleet = Fleet(self.doors, self.broker.url, resync_on_connect=False)
        self.fleet.start()
        self.gateway = Gateway(self.app, settings)
        self.credentials: list[Credential] = []

    def stop(self) -> None:
        self.fleet.stop()
        self.gateway.stop()
        self.broker.stop()


_rig: Rig | None = None


def _quick(bench_: bench.Bench) -> bool:
    return bench_.budget.people < bench.DEFAULT_BUDGET.people


def _register(bench_: bench.Bench, count: int, settings) -> list[Lock]:
    parent = Area.objects(id=bench_.village_id).first() if bench_.village_id else None
    keys = parent.scope_keys() if parent else ["area:bench"]
    area = parent.id if parent else ObjectId()
    hashed = password_hash("bench")
    now = datetime.now(UTC)
    tag = ObjectId()
    locks = [
        Lock(
            serial=f"B{str(tag)[-6:]}-{number:05d}",
            kind="room",
            room=ObjectId(),
            area=area,
            scope_keys=keys,
            mqtt_password_hash=hashed,
            key_epoch=settings.lock_key_epoch,
            created_at=now,
        )
        for number in range(1, count + 1)
    ]
    Lock._get_collection().insert_many([lock.to_mongo() for lock in locks])
    return list(Lock.objects(serial__in=[lock.serial for lock in locks]))


def _wait(predicate: Callable[[], bool], limit: float) -> bool:
    deadline = time.perf_counter() + limit
    while not predicate():
        if time.perf_counter() > deadline:
            return False
        time.sleep(0.05)
    return True


def credentials_delivered(bench_: bench.Bench) -> list[bench.Row]:
    """Credentials issued and delivered through the broker to 1,400 simulated
    locks (acknowledged by each lock)."""
    global _rig
    rig = _rig = Rig(bench_)
    now = datetime.now(UTC)

    # Issued first (the outbox fills: the gateway is not running yet), then
    # delivered: two figures that do not hide each other.
    started = time.perf_counter()
    with rig.app.app_context():
        for lock in rig.locks:
            rig.credentials += service.authorize(
                tenancy_id=str(ObjectId()),
                person_id=str(ObjectId()),
                lock_ids=[str(lock.id)],
                not_before=now - timedelta(hours=1),
                expires_at=now + timedelta(days=180),
                scope_keys=list(lock.scope_keys),
                actor=None,
            )
    issued = time.perf_counter() - started
    ids = [item.id for item in rig.credentials]

    started = time.perf_counter()
    rig.gateway.start()
    _wait(
        lambda: (
            Credential.objects(id__in=ids, delivery="acknowledged").count() == len(ids)
        ),
        bench_.budget.seconds * 4,
    )
    delivered_in = time.perf_counter() - started
    delivered = Credential.objects(id__in=ids, delivery="acknowledged").count()
    on_locks = sum(len(door.credentials) for door in rig.doors)

    note = bench._join(
        f"n={len(ids)} locks",
        f"{delivered} acknowledged, {on_locks} held by the locks",
        f"{rig.gateway.counts['sent']} sends",
        "one shared MQTT client for the locks",
    )
    return [
        bench.Row(
            "locks: credentials issued",
            len(ids) / issued,
            "/s",
            None,
            "authorize: lock lookup, signing, credential with its command, audit",
        ),
        bench.Row(
            "locks: credentials delivered and acknowledged",
            delivered / delivered_in,
            "/s",
            None,
            note,
        ),
    ]


def events_ingested(bench_: bench.Bench) -> list[bench.Row]:
    """Lock events (unlocks) ingested by the gateway, stored and checked
    against the credentials each lock was given."""
    rig = _rig
    if rig is None:
        return []
    before = LockEvent.objects(kind="unlock_ok").count()
    wanted = len(rig.doors) * EVENTS_PER_LOCK

    started = time.perf_counter()
    for _ in range(EVENTS_PER_LOCK):
        for door in rig.doors:
            cid = next(iter(door.credentials), None)
            door.report("unlock_ok", credential=cid, slot=1)
    _wait(
        lambda: LockEvent.objects(kind="unlock_ok").count() - before >= wanted,
        bench_.budget.seconds * 4,
    )
    elapsed = time.perf_counter() - started
    done = LockEvent.objects(kind="unlock_ok").count() - before

    note = bench._join(f"n={done} of {wanted}", f"{len(rig.doors)} locks")
    return [bench.Row("locks: events ingested", done / elapsed, "/s", None, note)]


def checkout_to_refusal(bench_: bench.Bench) -> list[bench.Row]:
    """From check-out (revocation) to the lock refusing the finger."""
    rig = _rig
    if rig is None:
        return []
    count = min(
        QUICK_CHECKOUTS if _quick(bench_) else FULL_CHECKOUTS, len(rig.credentials)
    )
    doors = {door.serial: door for door in rig.doors}
    waits: list[float] = []
    try:
        for credential in rig.credentials[:count]:
            door = doors[credential.serial]
            cid = str(credential.id)
            if cid not in door.credentials:
                continue
            finger = new_finger()
            door.enrolling = (cid, door.now() + timedelta(minutes=5))
            door.enroll_finger(finger)

            started = time.perf_counter()
            with rig.app.app_context():
                service.revoke(str(credential.tenancy), reason="bench", actor=None)
            if not door.wait(lambda d=door, c=cid: c in d.revoked, timeout=30):
                continue
            assert door.touch(finger) == "revoked"
            waits.append((time.perf_counter() - started) * 1000)
    finally:
        rig.stop()

    note = bench._join(
        f"n={len(waits)}",
        f"outbox polled every {rig.settings.lock_outbox_poll_seconds * 1000:.0f} ms",
        "one at a time, with the audit entry",
    )
    return [
        bench.Row(
            "locks: check-out to finger refused, p50",
            bench._percentile(waits, 0.5),
            "ms",
            None,
            note,
        ),
        bench.Row(
            "locks: check-out to finger refused, p99",
            bench._percentile(waits, 0.99),
            "ms",
            None,
            "",
            detail=True,
        ),
    ]


MEASUREMENTS: list[Callable[[bench.Bench], list[bench.Row]]] = [
    credentials_delivered,
    events_ingested,
    checkout_to_refusal,
]


def _alone(argv: list[str]) -> int:
    """Run only these figures on a database and broker started here."""
    import tempfile

    from anju import create_app, db
    from anju.config import load_settings
    from anju.devstack import start_database

    quick = "--quick" in argv
    budget = bench.QUICK_BUDGET if quick else bench.DEFAULT_BUDGET
    work = Path(tempfile.mkdtemp(prefix="anju-bench-locks-"))
    database = start_database(work / "db")
    try:
        settings = load_settings(
            environ={},
            env="test",
            var_dir=work,
            mongodb_uri=database.url,
            log_level="WARNING",
        )
        app = create_app(settings)
        with app.app_context():
            db.ensure_indexes()
        run = bench.Bench(
            budget=budget,
            clients=[1],
            settings=settings,
            app=app,
            base_url="",
            stop=threading.Event(),
            citizens=iter(()),
        )
        rows: list[bench.Row] = []
        for measure in MEASUREMENTS:
            rows += measure(run)
        print(bench._table(rows))
    finally:
        database.stop()
    return 0


if __name__ == "__main__":
    sys.exit(_alone(sys.argv[1:]))

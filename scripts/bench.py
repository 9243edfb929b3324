"""Anju's benchmark harness: ``scripts/bench`` (``--quick`` for a short run).

It starts its own embedded database, ID authority simulator and gunicorn on free
loopback ports, measures the database raw, through the ODM and through the web
app, prints one table and writes ``var/bench/latest.json``. The machine is
shared and noisy, so every figure stands beside its ratio to the raw database
figure of the same run: compare ratios between runs, not absolute numbers.
docs/benchmarks.md says what each figure means.

A measurement is a function that takes the :class:`Bench` and returns rows;
adding one to ``MEASUREMENTS`` adds it to the run.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import mongoengine as me
import pymongo
import pyotp
import requests
from flask import Flask

from anju import create_app
from anju.accounts.models import Grant
from anju.accounts.service import (
    HASHER,
    LOGIN_PER_IP_MINUTE,
    create_account,
    login_with_password,
)
from anju.areas.service import create_area
from anju.common import ratelimit
from anju.common.crypto import Keyring, keyring
from anju.config import REPO_ROOT, Settings, load_settings
from anju.db import Document, get_db
from anju.devstack import (
    Service,
    Stack,
    free_port,
    start_database,
    start_id_authority,
)
from anju.identity.population import Citizen, synthetic_population
from anju.people.service import ID_CONTEXT
from anju.seed import POPULATION_SEED

# A throwaway account in a temporary database.
PASSWORD = "bench-password-2026"  # noqa: S105
OFFICER_PHONE = "13900009001"
ADMIN_PHONE = "13900009002"
WARM_UP_REQUESTS = 16
WARM_UP_OPERATIONS = 20
HTTP_TIMEOUT = 30
# The settings gunicorn.conf.py reads; a caller may set them for the run.
KEPT_VARIABLES = ("ANJU_WEB_WORKERS", "ANJU_WEB_THREADS")

RAW_INSERT = "raw insert_one"
RAW_FIND = "raw find_one"
TIME_UNITS = {"s": 1.0, "ms": 1e-3, "µs": 1e-6}


@dataclass
class Row:
    """One figure. ``ratio_to`` names the raw row it is compared with: a rate
    is divided by the raw rate, a time by the time of one raw operation."""

    name: str
    value: float
    unit: str
    ratio_to: str | None = None
    note: str = ""
    detail: bool = False  # shown indented under the row before it
    ratio: float | None = None


@dataclass(frozen=True)
class Budget:
    """How much each loop may do: a count and a time, whichever ends first."""

    db_ops: int
    people: int
    logins: int
    verifies: int
    refreshes: int
    crypto: int
    seconds: float


DEFAULT_BUDGET = Budget(
    db_ops=2000,
    people=600,
    logins=40,
    verifies=30,
    refreshes=400,
    crypto=20_000,
    seconds=40,
)
QUICK_BUDGET = Budget(
    db_ops=200,
    people=60,
    logins=8,
    verifies=5,
    refreshes=40,
    crypto=2000,
    seconds=10,
)


@dataclass
class Bench:
    """What every measurement may use: the running stack and the accounts."""

    budget: Budget
    clients: list[int]
    settings: Settings
    app: Flask
    base_url: str
    stop: threading.Event
    citizens: Iterator[Citizen]
    village_id: str = ""
    officer_totp: str = ""
    officer_headers: dict[str, str] = field(default_factory=dict)
    http_logins_ms: list[float] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def deadline(self) -> float:
        return time.perf_counter() + self.budget.seconds

    def running(self, deadline: float) -> bool:
        return not self.stop.is_set() and time.perf_counter() < deadline


def _say(message: str) -> None:
    print(f"\033[1;32m==>\033[0m {message}", file=sys.stderr, flush=True)


def _percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, round(share * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def _limit_note(done: int, wanted: int) -> str:
    return "" if done >= wanted else f"time limit: {done} of {wanted}"


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


# --- 1 and 2: the database, raw and through mongoengine


class BenchDocument(Document):
    """The raw loop's document as the ODM sees it; like every Anju document it
    makes no index on first use, so its index is ensured before the loop."""

    key = me.StringField(required=True)
    name = me.StringField()
    created_at = me.DateTimeField()

    meta = {"collection": "bench_odm", "indexes": ["key"]}


def _small_document(index: int) -> dict:
    return {
        "key": f"k{index:08d}",
        "name": f"样本{index}",
        "created_at": datetime.now(UTC),
    }


def _raw_collection(client: pymongo.MongoClient, name: str):
    database = client.get_default_database()
    database.create_collection(name)
    collection = database[name]
    collection.create_index("key")
    for index in range(WARM_UP_OPERATIONS):
        collection.insert_one(_small_document(-1 - index))
        collection.find_one({"key": f"k{-1 - index:08d}"})
    return collection


def _raw_inserts(bench: Bench, collection) -> tuple[int, float]:
    wanted = bench.budget.db_ops
    done, started, deadline = 0, time.perf_counter(), bench.deadline()
    while done < wanted and bench.running(deadline):
        collection.insert_one(_small_document(done))
        done += 1
    return done, done / (time.perf_counter() - started)


def raw_database(bench: Bench) -> list[Row]:
    """Raw pymongo: insert_one, then find_one on an indexed field.

    One client, one thread; a few untimed operations first open the connection.
    """
    wanted = bench.budget.db_ops
    client: pymongo.MongoClient = pymongo.MongoClient(
        bench.settings.mongodb_uri, tz_aware=True
    )
    try:
        collection = _raw_collection(client, "bench_raw")
        done, inserts = _raw_inserts(bench, collection)

        keys = [f"k{random.randrange(done):08d}" for _ in range(wanted)]
        found, started, deadline = 0, time.perf_counter(), bench.deadline()
        while found < wanted and bench.running(deadline):
            if collection.find_one({"key": keys[found]}) is None:
                raise RuntimeError("raw find_one missed a document it inserted")
            found += 1
        finds = found / (time.perf_counter() - started)
    finally:
        client.close()

    insert_note = _join(f"n={done}", _limit_note(done, wanted))
    return [
        Row(RAW_INSERT, inserts, "docs/s", None, insert_note),
        Row(RAW_FIND, finds, "ops/s", None, _join(f"n={found}", "indexed key")),
    ]


def raw_drift(bench: Bench) -> list[Row]:
    """Raw insert_one once more, last: how far the machine drifted meanwhile."""
    client: pymongo.MongoClient = pymongo.MongoClient(
        bench.settings.mongodb_uri, tz_aware=True
    )
    try:
        done, inserts = _raw_inserts(bench, _raw_collection(client, "bench_drift"))
    finally:
        client.close()

    note = _join(f"n={done}", "far from 1× means a noisy run")
    return [
        Row("raw insert_one, again at the end", inserts, "docs/s", RAW_INSERT, note)
    ]


def odm_database(bench: Bench) -> list[Row]:
    """The same documents and lookups through a mongoengine Document."""
    get_db().create_collection("bench_odm")
    BenchDocument.ensure_indexes()
    for index in range(WARM_UP_OPERATIONS):
        BenchDocument(**_small_document(-1 - index)).save()
        BenchDocument.objects(key=f"k{-1 - index:08d}").first()
    wanted = bench.budget.db_ops

    done, started, deadline = 0, time.perf_counter(), bench.deadline()
    while done < wanted and bench.running(deadline):
        BenchDocument(**_small_document(done)).save()
        done += 1
    saves = done / (time.perf_counter() - started)
    save_note = _limit_note(done, wanted)

    keys = [f"k{random.randrange(done):08d}" for _ in range(wanted)]
    found, started, deadline = 0, time.perf_counter(), bench.deadline()
    while found < wanted and bench.running(deadline):
        if BenchDocument.objects(key=keys[found]).first() is None:
            raise RuntimeError("the ODM lookup missed a document it saved")
        found += 1
    finds = found / (time.perf_counter() - started)

    return [
        Row("mongoengine save()", saves, "docs/s", RAW_INSERT, save_note),
        Row("mongoengine objects().first()", finds, "ops/s", RAW_FIND),
    ]


# --- 3: creating people over HTTP


@dataclass
class _Outcome:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    verdicts: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _person_body(citizen: Citizen, area_id: str) -> dict:
    return {
        "name": citizen.name,
        "id_number": citizen.id_number,
        "phone": citizen.phone,
        "area_id": area_id,
    }


def _run_threads(targets: list[Callable[[], None]]) -> float:
    """Run each target in its own thread; answer the wall time from the first
    start to the last finish."""
    threads = [threading.Thread(target=target, daemon=True) for target in targets]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():  # short joins, so Ctrl-C is seen at once
            thread.join(0.2)
    return time.perf_counter() - started


def _create_people(bench: Bench, clients: int, count: int) -> tuple[_Outcome, float]:
    people = [next(bench.citizens) for _ in range(count)]
    queue = iter(people)
    outcome = _Outcome()
    deadline = bench.deadline()

    def client() -> None:
        with requests.Session() as session:
            while bench.running(deadline):
                with outcome.lock:
                    citizen = next(queue, None)
                if citizen is None:
                    return
                _post_person(bench, session, citizen, outcome)

    return outcome, _run_threads([client] * clients)


def _post_person(
    bench: Bench, session: requests.Session, citizen: Citizen, outcome: _Outcome
) -> None:
    # The web app sends a fresh key with every creating request; so does this.
    headers = {**bench.officer_headers, "Idempotency-Key": uuid.uuid4().hex}
    started = time.perf_counter()
    try:
        answer = session.post(
            bench.url("/api/v1/people"),
            json=_person_body(citizen, bench.village_id),
            headers=headers,
            timeout=HTTP_TIMEOUT,
        )
        status = str(answer.status_code)
        verdict = answer.json().get("verification", {}).get("state", "-")
    except (requests.RequestException, ValueError) as error:
        status, verdict = type(error).__name__, "-"
    elapsed = time.perf_counter() - started

    with outcome.lock:
        outcome.latencies.append(elapsed)
        outcome.statuses[status] += 1
        outcome.verdicts[verdict] += 1


def _officer_login(bench: Bench) -> None:
    body = {
        "phone": OFFICER_PHONE,
        "password": PASSWORD,
        "totp_code": pyotp.TOTP(bench.officer_totp).now(),
    }
    answer = requests.post(
        bench.url("/api/v1/auth/tokens/password"), json=body, timeout=HTTP_TIMEOUT
    )
    if answer.status_code != 200:
        raise RuntimeError(f"officer login failed: {answer.status_code} {answer.text}")
    bench.officer_headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}


def people_over_http(bench: Bench) -> list[Row]:
    """POST /api/v1/people from concurrent clients, a new person each time.

    Each person comes from the simulator's own population, so the ID check
    that runs inside the request gets a real answer.
    """
    _officer_login(bench)
    _create_people(bench, min(bench.clients), WARM_UP_REQUESTS)

    rows = []
    wanted = bench.budget.people
    for clients in bench.clients:
        outcome, wall = _create_people(bench, clients, wanted)
        done = len(outcome.latencies)
        errors = done - outcome.statuses["201"]
        error_kinds = ", ".join(
            f"{status}×{n}" for status, n in outcome.statuses.items() if status != "201"
        )
        checked = "ID checks " + ", ".join(
            f"{verdict}×{n}" for verdict, n in sorted(outcome.verdicts.items())
        )
        note = _join(
            f"n={done}",
            f"errors {errors}" + (f" ({error_kinds})" if error_kinds else ""),
            checked,
            _limit_note(done, wanted),
        )
        label = f"POST /people, {clients} clients"
        rows.append(Row(label, done / wall, "req/s", RAW_INSERT, note))
        for share in (0.50, 0.99):
            latency = _percentile(outcome.latencies, share) * 1000
            name = f"p{share * 100:.0f} latency, {clients} clients"
            rows.append(Row(name, latency, "ms", RAW_INSERT, detail=True))
    return rows


# --- 4: password logins


def _argon2_note() -> str:
    return (
        f"argon2id time_cost={HASHER.time_cost}, "
        f"memory_cost={HASHER.memory_cost} KiB, parallelism={HASHER.parallelism}"
    )


def logins(bench: Bench) -> list[Row]:
    """Password logins in-process, and the argon2 verify alone.

    login_with_password runs in a request context of an app in this process
    (an area admin: no TOTP), one at a time; the per-IP limit is reset between
    batches, off the clock. HTTP logins are timed by :func:`refreshes`.
    """
    wanted = bench.budget.logins
    address = "127.0.0.1"
    spent, done, deadline = 0.0, 0, bench.deadline()
    with bench.app.app_context():
        while done < wanted and bench.running(deadline):
            # Outside the clock: keep the per-IP login limit from answering 429.
            if done % (LOGIN_PER_IP_MINUTE.count // 2) == 0:
                ratelimit.reset(LOGIN_PER_IP_MINUTE, address)
            with bench.app.test_request_context(
                "/api/v1/auth/tokens/password",
                method="POST",
                environ_base={"REMOTE_ADDR": address},
            ):
                started = time.perf_counter()
                login_with_password(ADMIN_PHONE, PASSWORD)
                spent += time.perf_counter() - started
            done += 1
        ratelimit.reset(LOGIN_PER_IP_MINUTE, address)

    password_hash = HASHER.hash(PASSWORD)
    verified, started, deadline = 0, time.perf_counter(), bench.deadline()
    while verified < bench.budget.verifies and bench.running(deadline):
        HASHER.verify(password_hash, PASSWORD)
        verified += 1
    verifies = verified / (time.perf_counter() - started)

    return [
        Row(
            "password login (service, in-process)",
            done / spent,
            "logins/s",
            RAW_INSERT,
            _join(f"n={done}", "login_with_password in an app context"),
        ),
        Row(
            "argon2 verify alone",
            verifies,
            "ops/s",
            RAW_INSERT,
            _join(f"n={verified}", _argon2_note()),
            detail=True,
        ),
    ]


# --- 5: token refreshes over HTTP


def _http_login(bench: Bench, session: requests.Session) -> None:
    started = time.perf_counter()
    answer = session.post(
        bench.url("/api/v1/auth/tokens/password"),
        json={"phone": ADMIN_PHONE, "password": PASSWORD},
        timeout=HTTP_TIMEOUT,
    )
    if answer.status_code != 200:
        raise RuntimeError(f"area admin login failed: {answer.status_code}")
    bench.http_logins_ms.append((time.perf_counter() - started) * 1000)


class Allowance:
    """A count that threads share: each ``take()`` spends one while any are left."""

    def __init__(self, count: int) -> None:
        self._left = count
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            self._left -= 1
            return self._left >= 0


def _refresh_loop(
    bench: Bench, session: requests.Session, allowance: Allowance, tally: Counter
) -> None:
    """Refresh while the allowance lasts. A failed refresh ends the loop: the
    refresh token it held is spent, so that session is over."""
    deadline = bench.deadline()
    while bench.running(deadline) and allowance.take():
        try:
            answer = session.post(
                bench.url("/api/v1/auth/refresh"), timeout=HTTP_TIMEOUT
            )
            status = str(answer.status_code)
        except requests.RequestException as error:
            status = type(error).__name__
        tally[status] += 1
        if status != "200":
            return


def refreshes(bench: Bench) -> list[Row]:
    """Token refreshes over HTTP, sequential and from 8 threads.

    POST /api/v1/auth/refresh with the rotating HttpOnly cookie; each thread
    holds its own login session, opened by a password login over HTTP.
    """
    wanted = bench.budget.refreshes
    rows = []

    for clients in (1, 8):
        sessions = [requests.Session() for _ in range(clients)]
        for session in sessions:
            _http_login(bench, session)
        allowance = Allowance(wanted)
        tally: Counter = Counter()
        wall = _run_threads(
            [
                functools.partial(_refresh_loop, bench, session, allowance, tally)
                for session in sessions
            ]
        )
        for session in sessions:
            session.close()

        done = sum(tally.values())
        errors = done - tally["200"]
        label = "sequential" if clients == 1 else f"{clients} threads"
        rows.append(
            Row(
                f"token refresh, {label}",
                done / wall,
                "req/s",
                RAW_INSERT,
                _join(f"n={done}", f"errors {errors}", _limit_note(done, wanted)),
            )
        )

    logged = bench.http_logins_ms
    rows.append(
        Row(
            "password login over HTTP, mean",
            sum(logged) / len(logged),
            "ms",
            RAW_INSERT,
            f"n={len(logged)}: the logins that opened these sessions",
            detail=True,
        )
    )
    return rows


# --- 6: field encryption


def id_number_crypto(bench: Bench) -> list[Row]:
    """Encrypting and blind-indexing one ID number, as registration does."""
    ring = Keyring.from_settings(bench.settings)
    numbers = [next(bench.citizens).id_number for _ in range(100)]
    wanted = bench.budget.crypto

    done, started, deadline = 0, time.perf_counter(), bench.deadline()
    while done < wanted and bench.running(deadline):
        number = numbers[done % len(numbers)]
        ring.encrypt(number, ID_CONTEXT)
        ring.blind_index(number, "id_number")
        done += 1
    cost = (time.perf_counter() - started) / done

    return [
        Row(
            "encrypt + blind index one ID",
            cost * 1e6,
            "µs",
            RAW_INSERT,
            _join(f"n={done}", "AES-256-GCM + HMAC-SHA256"),
        )
    ]


# Lighthouse's "slow 4G": 150 ms round trip, 1.6 Mbit/s down, 750 kbit/s up.
SLOW_4G = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1638.4 * 1024 / 8,
    "uploadThroughput": 750 * 1024 / 8,
}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def first_screen(bench: Bench) -> list[Row]:
    """What a phone loads before the login screen is usable: the gzipped size of
    its JavaScript and CSS (budget 150 KB of JS), and the time until the login
    form can be used in Chromium on a throttled slow-4G connection (budget 3 s).
    A fresh browser profile each time: nothing cached, no service worker."""
    import gzip
    import shutil

    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    sizes = {"script": 0, "stylesheet": 0}
    timings = []

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS
        )
        for attempt in range(3):
            # A Chinese phone, as most of the app's users hold: an English
            # one fetches the English messages as well (one more small chunk).
            context = browser.new_context(
                viewport={"width": 360, "height": 640},
                locale="zh-CN",
                service_workers="block",
            )
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", SLOW_4G)
            bodies: list[tuple[str, bytes]] = []
            page.on(
                "response",
                lambda r, bodies=bodies: (
                    bodies.append((r.request.resource_type, r))
                    if r.request.resource_type in sizes
                    else None
                ),
            )

            started = time.perf_counter()
            page.goto(bench.url("/login"), wait_until="commit")
            page.get_by_test_id("login-phone").wait_for(state="visible", timeout=30_000)
            page.get_by_test_id("login-submit").wait_for(state="visible")
            timings.append((time.perf_counter() - started) * 1000)

            if attempt == 0:
                for kind, response in bodies:
                    sizes[kind] += len(gzip.compress(response.body(), 9))
            context.close()
        browser.close()

    timings.sort()
    return [
        Row(
            "first screen JS, gzip",
            sizes["script"] / 1024,
            "KB",
            None,
            "login page; budget 150 KB",
        ),
        Row(
            "first screen CSS, gzip",
            sizes["stylesheet"] / 1024,
            "KB",
            None,
            "login page",
        ),
        Row(
            "first screen usable, slow 4G",
            timings[len(timings) // 2],
            "ms",
            None,
            f"median of {len(timings)}, cold cache; budget 3,000 ms",
        ),
    ]


MEASUREMENTS: list[Callable[[Bench], list[Row]]] = [
    first_screen,
    raw_database,
    odm_database,
    people_over_http,
    logins,
    refreshes,
    id_number_crypto,
    raw_drift,  # keep last
]

# Measurements kept in modules of their own beside this file, one per pillar.
# Each defines ``MEASUREMENTS`` (functions of the Bench, as above); they run
# before ``raw_drift``.
FEATURE_MODULES = ("bench_venues", "bench_imports", "bench_qr", "bench_locks")


def _all_measurements() -> list[Callable[[Bench], list[Row]]]:
    import importlib

    # The feature modules ``import bench``: let that name this running script.
    sys.modules.setdefault("bench", sys.modules[__name__])
    extra = [
        measure
        for name in FEATURE_MODULES
        for measure in importlib.import_module(name).MEASUREMENTS
    ]
    return [*MEASUREMENTS[:-1], *extra, MEASUREMENTS[-1]]


# --- the stack


def _prepare_accounts(bench: Bench) -> None:
    """A district with a village, an officer of its zone (with TOTP) and an
    area admin of the same zone (password only)."""
    with bench.app.app_context():
        district = create_area(None, {"name": "基准区", "kind": "district"})
        zone = create_area(
            None,
            {
                "name": "基准片区",
                "kind": "zone",
                "zone_kind": "open_village",
                "parent_id": str(district.id),
            },
        )
        village = create_area(
            None, {"name": "基准村", "kind": "village", "parent_id": str(zone.id)}
        )
        bench.village_id = str(village.id)

        for phone, role in ((OFFICER_PHONE, "officer"), (ADMIN_PHONE, "area_admin")):
            grant = Grant(
                role=role, scope_kind="area", scope_id=zone.id, scope_name=zone.name
            )
            account = create_account(phone, [grant], password=PASSWORD)
            if role == "officer":
                bench.officer_totp = pyotp.random_base32()
                account.update(
                    set__totp_secret_encrypted=keyring().encrypt(
                        bench.officer_totp, "totp"
                    ),
                    set__totp_enabled=True,
                )


def _environment(var_dir: Path) -> dict[str, str]:
    """The caller's environment without its Anju settings: the run uses only
    the services it starts (gunicorn's worker counts may be set)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("ANJU_") or key in KEPT_VARIABLES
    }
    env.update(ANJU_ENV="dev", ANJU_VAR_DIR=str(var_dir), PYTHONUNBUFFERED="1")
    return env


def _start_web(stack: Stack, env: dict[str, str], log_path: Path) -> str:
    port = free_port()
    env = dict(env, ANJU_BIND=f"127.0.0.1:{port}")
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(REPO_ROOT / "gunicorn.conf.py"),
                "anju.wsgi:app",
            ],
            env=env,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    stack.add(Service("web", process, url, log_path))

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {log_path}")
        try:
            if requests.get(url + "/readyz", timeout=2).status_code == 200:
                return url
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not become ready; see {log_path}")


def _population_size(budget: Budget, clients: list[int]) -> int:
    # POST /people and self-registration each take fresh citizens.
    http = 2 * (WARM_UP_REQUESTS + budget.people * len(clients))
    return http + 100 + 50  # the crypto loop's numbers, and a margin


def _compute_ratios(rows: list[Row]) -> None:
    by_name = {row.name: row for row in rows}
    for row in rows:
        reference = by_name.get(row.ratio_to or "")
        if reference is None or reference.value <= 0 or row.value <= 0:
            continue
        if row.unit.endswith("/s"):
            row.ratio = row.value / reference.value
        else:
            row.ratio = row.value * TIME_UNITS[row.unit] * reference.value


def _format_value(value: float) -> str:
    """Three significant figures, without an exponent."""
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if value >= 0.001 else f"{value:.1e}"


def _table(rows: list[Row]) -> str:
    header = ("measurement", "value", "unit", "vs raw", "note")
    lines = []
    for row in rows:
        ratio = ""
        if row.ratio is not None:
            kind = "insert" if row.ratio_to == RAW_INSERT else "find"
            ratio = f"{_format_value(row.ratio)}× {kind}"
        name = f"  {row.name}" if row.detail else row.name
        lines.append((name, _format_value(row.value), row.unit, ratio, row.note))

    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(4)]

    def render(line: tuple[str, ...]) -> str:
        name, value, unit, ratio, note = line
        return "  ".join(
            (
                name.ljust(widths[0]),
                value.rjust(widths[1]),
                unit.ljust(widths[2]),
                ratio.rjust(widths[3]),
                note,
            )
        ).rstrip()

    rule = "-" * (sum(widths) + 8 + len(header[4]))
    return "\n".join([render(header), rule, *(render(line) for line in lines)])


def _web_shape() -> str:
    """What gunicorn.conf.py makes of the environment (its defaults: 2 × 4)."""
    workers = os.environ.get("ANJU_WEB_WORKERS", "2")
    threads = os.environ.get("ANJU_WEB_THREADS", "4")
    return f"gunicorn gthread {workers} workers × {threads} threads"


def _write_json(path: Path, report: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description="Measure Anju against its raw database, in one run.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="small counts: a check, not a figure"
    )
    parser.add_argument(
        "-n", type=int, help="database operations per loop (default 2000)"
    )
    parser.add_argument("--people", type=int, help="POST /people per client level")
    parser.add_argument(
        "--clients",
        type=int,
        nargs="+",
        default=[8, 50],
        help="concurrent clients for POST /people (default 8 50)",
    )
    parser.add_argument(
        "--seconds", type=float, help="time limit of each loop (default 40)"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=REPO_ROOT / "var" / "bench" / "latest.json",
        help="where the results go (default var/bench/latest.json)",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="MEASUREMENT",
        help="run only these measurements (function names, e.g. self_registration);"
        " the raw database figures always run",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory and logs"
    )
    return parser.parse_args(argv)


def _budget(options: argparse.Namespace) -> Budget:
    budget = QUICK_BUDGET if options.quick else DEFAULT_BUDGET
    changes = {
        "db_ops": options.n,
        "people": options.people,
        "seconds": options.seconds,
    }
    values = {**asdict(budget), **{k: v for k, v in changes.items() if v}}
    return Budget(**values)


def _start(options: argparse.Namespace, stack: Stack, work_dir: Path) -> Bench:
    """Start the database, the simulator and gunicorn; make the accounts."""
    budget = _budget(options)
    var_dir = work_dir / "var"
    env = _environment(var_dir)
    # Made once here, read by every process: the generated dev secrets.
    base = load_settings(environ=env)

    size = _population_size(budget, options.clients)
    _say(f"starting SecantusDB and the ID authority simulator ({size} people)")
    database = stack.add(start_database(var_dir / "db"))
    authority = stack.add(
        start_id_authority(base.id_authority_secret, POPULATION_SEED, size)
    )
    env.update(ANJU_MONGODB_URI=database.url, ANJU_ID_AUTHORITY_URL=authority.url)

    _say("ensure-indexes")
    log_dir = var_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / "ensure-indexes.log").open("ab") as log:
        subprocess.run(
            [sys.executable, "-m", "anju", "ensure-indexes"],
            env=env,
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=True,
        )

    settings = load_settings(environ=env, log_level="WARNING")
    bench = Bench(
        budget=budget,
        clients=options.clients,
        settings=settings,
        app=create_app(settings),
        base_url="",
        stop=threading.Event(),
        citizens=iter(synthetic_population(POPULATION_SEED, size)),
    )
    _prepare_accounts(bench)

    _say(f"starting {_web_shape()}")
    bench.base_url = _start_web(stack, env, log_dir / "web.log")
    return bench


def _chosen(only: list[str] | None) -> list[Callable[[Bench], list[Row]]]:
    """Every measurement, or those named (with the raw reference and drift
    kept, so that ratios still have their figure from the same run)."""
    measurements = _all_measurements()
    if not only:
        return measurements
    names = {measure.__name__ for measure in measurements}
    unknown = sorted(set(only) - names)
    if unknown:
        raise SystemExit(
            f"unknown measurement {', '.join(unknown)}; one of {sorted(names)}"
        )
    kept = {*only, raw_database.__name__, raw_drift.__name__}
    return [measure for measure in measurements if measure.__name__ in kept]


def _measure(bench: Bench, only: list[str] | None = None) -> list[Row]:
    rows: list[Row] = []
    try:
        for measure in _chosen(only):
            summary = (measure.__doc__ or measure.__name__).splitlines()[0]
            _say(f"measuring: {summary}")
            rows += measure(bench)
    finally:
        bench.stop.set()
    _compute_ratios(rows)
    return rows


def _report(options: argparse.Namespace, bench: Bench, rows: list[Row]) -> None:
    moment = datetime.now(UTC).astimezone()
    command = " ".join(["scripts/bench", *(sys.argv[1:])])
    load = os.getloadavg()[0]
    print(flush=True)
    print(
        f"Anju bench {moment:%Y-%m-%d %H:%M %Z} · {command} · "
        f"{os.cpu_count()} CPUs, 1-min load {load:.1f} · "
        f"{_web_shape()} · {_argon2_note()}"
    )
    print(_table(rows), flush=True)

    _write_json(
        options.json,
        {
            "date": moment.isoformat(timespec="seconds"),
            "command": command,
            "host": {
                "cpus": os.cpu_count(),
                "load_average_1min": load,
                "python": platform.python_version(),
                "platform": platform.platform(),
            },
            "web": _web_shape(),
            "argon2": {
                "time_cost": HASHER.time_cost,
                "memory_cost_kib": HASHER.memory_cost,
                "parallelism": HASHER.parallelism,
            },
            "budget": asdict(bench.budget),
            "clients": bench.clients,
            "rows": [asdict(row) for row in rows],
        },
    )
    print(f"\nresults written to {options.json}")


def main(argv: list[str] | None = None) -> int:
    options = _options(argv)
    work_dir = Path(tempfile.mkdtemp(prefix="anju-bench-"))
    stack = Stack()
    keep = options.keep

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        bench = _start(options, stack, work_dir)
        _report(options, bench, _measure(bench, options.only))
        return 0
    except KeyboardInterrupt:
        _say("interrupted; stopping what the bench started")
        return 130
    except Exception:
        keep = True
        raise
    finally:
        stack.stop()
        if keep:
            _say(f"logs kept in {work_dir / 'var' / 'logs'}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

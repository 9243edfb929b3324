"""One code: self-registration over HTTP, beside raw pymongo writing the same documents.

Measurement functions take the running ``bench.Bench`` and return ``bench.Row``
figures; ``scripts/bench.py`` runs every one listed in ``MEASUREMENTS``.

``self_registration`` posts ``POST /venue-codes/{token}/registrations`` from
8 and 50 concurrent clients (``--clients``), each request a distinct resident
with their own session and a distinct person the simulator knows, so every
request stores a person and an employment, asks the ID authority and appends
one audit entry. The sessions are opened before the clock starts, in this
process, leaving what an SMS login leaves (an account with the resident grant,
a login session, an access token); an SMS login per resident over HTTP would
hit the per-address SMS limit long before 600 residents. Access tokens live 15
minutes, which the run stays well within.

Beside it, raw pymongo inserts the same three documents per registration (a
person, an employment, an audit entry, built by the app's own code before the
clock starts) into collections with the same indexes: from one thread, as
``raw insert_one`` does, and from as many threads as each level has clients.
The embedded server serves concurrent clients more slowly than one (its
commands share one interpreter), so the rate from as many threads is the
reference at the same load, and its latency what the database alone takes
per registration under that load.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import bench as harness
import pymongo
import urllib3
from bson import ObjectId

from anju.accounts.models import Account, Grant, LoginSession
from anju.accounts.service import encrypt_phone, phone_index
from anju.accounts.tokens import make_access_token
from anju.areas.models import Area
from anju.audit.models import AuditEntry
from anju.audit.service import GENESIS_HASH, entry_hash
from anju.common.idnumber import parse_id_number
from anju.db import get_db
from anju.identity.population import Citizen, synthetic_population
from anju.people.models import Person
from anju.people.service import new_person
from anju.privacy.consent import CURRENT_VERSION
from anju.seed import POPULATION_SEED
from anju.venues.models import Employment, Venue
from qr import tokens

RAW_REGISTRATION = "raw registration (person + employment + audit)"
RAW_COLLECTIONS = {"people": "bench_raw_people", "employments": "bench_raw_employments"}
RAW_AUDIT = "bench_raw_audit"
# The embedded database takes a while over a large insert_many: keep each
# well inside the client's socket timeout.
BATCH = 100


@dataclass
class _Resident:
    citizen: Citizen
    headers: dict[str, str]


class _Citizens:
    """The run's fresh citizens (the simulator knows them); past their end,
    more from the same generator that the simulator does not know."""

    def __init__(self, known: Iterator[Citizen]) -> None:
        self.known = known
        self.unknown = 0
        self._extra: Iterator[Citizen] | None = None

    def next(self) -> Citizen:
        citizen = next(self.known, None)
        if citizen is not None:
            return citizen
        if self._extra is None:
            more = synthetic_population(POPULATION_SEED + 1, 5000)
            self._extra = iter(more)
        self.unknown += 1
        return next(self._extra)


def _venue(bench: harness.Bench) -> tuple[Venue, str]:
    with bench.app.app_context():
        area = Area.objects.get(id=ObjectId(bench.village_id))
        venue_id = ObjectId()
        venue = Venue(
            id=venue_id,
            name="基准物流园",
            kind="warehouse_logistics",
            area=area.id,
            status="active",
            code_version=1,
            scope_keys=[*area.scope_keys(), f"venue:{venue_id}"],
            created_at=datetime.now(UTC),
        )
        venue.save(force_insert=True)
    token = tokens.sign("venue", str(venue.id), 1, bench.settings.code_signing_key)
    return venue, token


def _residents(
    bench: harness.Bench, citizens: _Citizens, count: int
) -> list[_Resident]:
    """Residents with a session each, as an SMS login leaves them: an account
    with the resident grant, a login session and an access token (stored with
    bulk inserts, so that preparing a thousand takes seconds)."""
    now = datetime.now(UTC)
    chosen = [citizens.next() for _ in range(count)]
    with bench.app.test_request_context():
        accounts = [
            Account(
                id=ObjectId(),
                phone_index=phone_index(citizen.phone),
                phone_encrypted=encrypt_phone(citizen.phone),
                grants=[Grant(role="resident")],
                created_at=now,
                updated_at=now,
            )
            for citizen in chosen
        ]
        sessions = [
            LoginSession(
                id=ObjectId(),
                account=account.id,
                created_at=now,
                expires_at=now + timedelta(days=1),
                user_agent="bench",
            )
            for account in accounts
        ]
        for start in range(0, count, BATCH):
            chunk = slice(start, start + BATCH)
            Account._get_collection().insert_many(
                [account.to_mongo() for account in accounts[chunk]]
            )
            LoginSession._get_collection().insert_many(
                [session.to_mongo() for session in sessions[chunk]]
            )
        tokens_ = [
            make_access_token(account, str(session.id))[0]
            for account, session in zip(accounts, sessions, strict=True)
        ]
    return [
        _Resident(citizen, {"Authorization": f"Bearer {token}"})
        for citizen, token in zip(chosen, tokens_, strict=True)
    ]


def _body(citizen: Citizen) -> dict:
    return {
        "name": citizen.name,
        "id_number": citizen.id_number,
        "job": "分拣员",
        "start_date": (date.today() - timedelta(days=2)).isoformat(),
        "emergency_contact_name": "紧急联系人",
        "emergency_contact_phone": "13912345678",
        "consent_version": CURRENT_VERSION,
    }


def _register(
    connection: urllib3.PoolManager,
    url: str,
    resident: _Resident,
    outcome: harness._Outcome,
) -> None:
    headers = {
        **resident.headers,
        "Idempotency-Key": uuid.uuid4().hex,
        "Content-Type": "application/json",
    }
    body = json.dumps(_body(resident.citizen)).encode()
    started = time.perf_counter()
    try:
        answer = connection.request("POST", url, body=body, headers=headers)
        status = str(answer.status)
        verdict = json.loads(answer.data).get("verification", "-")
    except (urllib3.exceptions.HTTPError, ValueError) as error:
        status, verdict = type(error).__name__, "-"
    elapsed = time.perf_counter() - started

    with outcome.lock:
        outcome.latencies.append(elapsed)
        outcome.statuses[status] += 1
        outcome.verdicts[str(verdict)] += 1


def _run(
    bench: harness.Bench, url: str, clients: int, residents: list[_Resident]
) -> tuple[harness._Outcome, float]:
    """Each client a thread with its own kept-alive connection. urllib3, not
    requests: on this 2-core machine the clients share the CPU with the app
    and the database, and requests took about three times urllib3's CPU per
    call (measured for the ID check, 2026-12-04)."""
    queue = iter(residents)
    outcome = harness._Outcome()
    deadline = bench.deadline()

    def client() -> None:
        connection = urllib3.PoolManager(
            timeout=harness.HTTP_TIMEOUT, retries=False, maxsize=1
        )
        try:
            while bench.running(deadline):
                with outcome.lock:
                    resident = next(queue, None)
                if resident is None:
                    return
                _register(connection, url, resident, outcome)
        finally:
            connection.clear()

    return outcome, harness._run_threads([client] * clients)


_OPERATIONS = ("insert", "query", "update", "delete", "getmore")


def _operations(bench: harness.Bench) -> dict[str, int]:
    """The server's operation counters (every client's: the app's processes,
    the worker's polling and this harness)."""
    client: pymongo.MongoClient = pymongo.MongoClient(bench.settings.mongodb_uri)
    try:
        counters = client.admin.command("serverStatus").get("opcounters", {})
    finally:
        client.close()
    return {name: int(counters.get(name, 0)) for name in _OPERATIONS}


def _per_registration(before: dict[str, int], after: dict[str, int], done: int) -> str:
    """Database operations per registration, as the server counted them."""
    if not done or not any(after.values()):  # a server without opcounters
        return ""
    parts = [
        f"{(after[name] - before[name]) / done:.1f} {name}"
        for name in _OPERATIONS
        if after[name] > before[name]
    ]
    return "per registration " + ", ".join(parts)


# --- the raw reference


def _raw_documents(bench: harness.Bench, venue: Venue, count: int) -> list[tuple]:
    """The three documents of ``count`` registrations, built as the app builds
    them (encrypted and indexed ID number and phone, scope keys, consent,
    a linked audit entry with its hash), ready to insert."""
    citizens = synthetic_population(POPULATION_SEED + 2, count)
    documents = []
    previous = GENESIS_HASH
    now = datetime.now(UTC)
    with bench.app.app_context():
        for seq, citizen in enumerate(citizens, start=1):
            facts = parse_id_number(citizen.id_number)
            person = new_person(
                citizen.name, facts, citizen.phone, venue.scope_keys, "self_scan", None
            )
            employment = Employment(
                id=ObjectId(),
                person=person.id,
                venue=venue.id,
                job="分拣员",
                start_date=date.today(),
                channel="self_scan",
                active_key=f"{person.id}:{venue.id}",
                scope_keys=[*venue.scope_keys, f"person:{person.id}"],
                created_at=now,
                updated_at=now,
            )
            audit = AuditEntry(
                seq=seq,
                at=now.replace(microsecond=0),
                action="employment.create",
                resource_type="employment",
                resource_id=str(employment.id),
                subject_person=str(person.id),
                outcome="ok",
                details={"channel": "self_scan", "verification": "match"},
                prev_hash=previous,
            )
            audit.hash = previous = entry_hash(audit._data)
            documents.append(
                (
                    person.to_mongo().to_dict(),
                    employment.to_mongo().to_dict(),
                    audit.to_mongo().to_dict(),
                )
            )
    return documents


def _raw_collection(client: pymongo.MongoClient, real: str, name: str):
    """A fresh collection with the real one's indexes."""
    database = client.get_default_database()
    database.create_collection(name)
    collection = database[name]
    for index_name, spec in get_db()[real].index_information().items():
        if index_name == "_id_":
            continue
        options = {k: spec[k] for k in ("unique", "sparse") if k in spec}
        collection.create_index(spec["key"], name=index_name, **options)
    return collection


def _raw_label(threads: int) -> str:
    if threads == 1:
        return RAW_REGISTRATION
    return f"{RAW_REGISTRATION}, {threads} threads"


_raw_runs = itertools.count(1)


@dataclass
class _RawRun:
    rate: float
    latencies: list[float]


def _raw_loop(bench: harness.Bench, venue: Venue, threads: int) -> _RawRun:
    """The three inserts of a registration from ``threads`` threads sharing
    one client, into fresh collections with the real ones' indexes (dropped
    after): the rate, and the time of each registration's three inserts."""
    wanted = bench.budget.people
    documents = _raw_documents(bench, venue, wanted + harness.WARM_UP_OPERATIONS)
    client: pymongo.MongoClient = pymongo.MongoClient(
        bench.settings.mongodb_uri, tz_aware=True, maxPoolSize=max(threads, 10)
    )
    suffix = f"_{next(_raw_runs)}"
    try:
        people = _raw_collection(
            client, Person._get_collection_name(), RAW_COLLECTIONS["people"] + suffix
        )
        employments = _raw_collection(
            client,
            Employment._get_collection_name(),
            RAW_COLLECTIONS["employments"] + suffix,
        )
        audit = _raw_collection(
            client, AuditEntry._get_collection_name(), RAW_AUDIT + suffix
        )

        def insert(person: dict, employment: dict, entry: dict) -> None:
            people.insert_one(person)
            employments.insert_one(employment)
            audit.insert_one(entry)

        for registration in documents[: harness.WARM_UP_OPERATIONS]:
            insert(*registration)

        queue = iter(documents[harness.WARM_UP_OPERATIONS :])
        outcome = harness._Outcome()
        deadline = bench.deadline()

        def worker() -> None:
            while bench.running(deadline):
                with outcome.lock:
                    registration = next(queue, None)
                if registration is None:
                    return
                started = time.perf_counter()
                insert(*registration)
                elapsed = time.perf_counter() - started
                with outcome.lock:
                    outcome.latencies.append(elapsed)

        wall = harness._run_threads([worker] * threads)
        for collection in (people, employments, audit):
            collection.drop()
    finally:
        client.close()

    return _RawRun(len(outcome.latencies) / wall, outcome.latencies)


def _raw_rows(
    bench: harness.Bench, runs: list[_RawRun], threads: int
) -> list[harness.Row]:
    """Raw registration from ``threads`` threads: the mean rate of ``runs``
    (each one's rate in the note), and for more than one thread the latency
    over all of them."""
    rate = sum(run.rate for run in runs) / len(runs)
    latencies = [latency for run in runs for latency in run.latencies]
    plural = "s" if threads > 1 else ""
    note = harness._join(
        f"n={len(latencies)}",
        f"3 insert_one, {threads} thread{plural}",
        "mean of the runs before and after the level, "
        + " and ".join(f"{run.rate:,.0f}" for run in runs)
        if len(runs) > 1
        else "",
        harness._limit_note(len(latencies), bench.budget.people * len(runs)),
    )
    rows = [harness.Row(_raw_label(threads), rate, "reg/s", harness.RAW_INSERT, note)]
    if threads > 1:
        rows.extend(_latency_rows(latencies, f"raw registration, {threads} threads"))
    return rows


def _latency_rows(latencies: list[float], subject: str) -> list[harness.Row]:
    rows = []
    for share in (0.50, 0.99):
        latency = harness._percentile(latencies, share) * 1000
        name = f"p{share * 100:.0f} latency, {subject}"
        rows.append(harness.Row(name, latency, "ms", harness.RAW_INSERT, detail=True))
    return rows


# --- the measurement


def self_registration(bench: harness.Bench) -> list[harness.Row]:
    """Self-registration by venue code over HTTP, beside raw pymongo: raw
    registration from one thread, and each level of clients beside raw
    registration from as many threads, run just before and just after it (the
    machine is shared: the mean of the two is the reference at the same load
    and time)."""
    venue, token = _venue(bench)
    url = bench.url(f"/api/v1/venue-codes/{token}/registrations")
    citizens = _Citizens(bench.citizens)
    wanted = bench.budget.people

    harness._say("  opening resident sessions (untimed)")
    warm = _residents(bench, citizens, harness.WARM_UP_REQUESTS)
    levels = {n: _residents(bench, citizens, wanted) for n in bench.clients}
    rows = _raw_rows(bench, [_raw_loop(bench, venue, 1)], 1)
    single = rows[0].value
    _run(bench, url, min(bench.clients), warm)

    for clients in bench.clients:
        harness._say(f"  {clients} clients, between raw runs from {clients} threads")
        raw_before = _raw_loop(bench, venue, clients)
        before = _operations(bench)
        outcome, wall = _run(bench, url, clients, levels[clients])
        operations = _per_registration(
            before, _operations(bench), len(outcome.latencies)
        )
        raw_after = _raw_loop(bench, venue, clients)
        raw = _raw_rows(bench, [raw_before, raw_after], clients)
        rows.extend(raw)

        done = len(outcome.latencies)
        errors = done - outcome.statuses["201"]
        error_kinds = ", ".join(
            f"{status}×{n}" for status, n in outcome.statuses.items() if status != "201"
        )
        checked = "ID checks " + ", ".join(
            f"{verdict}×{n}" for verdict, n in sorted(outcome.verdicts.items())
        )
        rate = done / wall
        note = harness._join(
            _share(rate, raw[0].value, f"raw registration, {clients} threads"),
            _share(rate, single, "raw registration, 1 thread"),
            f"n={done}",
            f"errors {errors}" + (f" ({error_kinds})" if error_kinds else ""),
            checked,
            operations,
            harness._limit_note(done, wanted),
        )
        label = f"self-registration, {clients} clients"
        rows.append(harness.Row(label, rate, "req/s", harness.RAW_INSERT, note))
        subject = f"self-registration, {clients} clients"
        rows.extend(_latency_rows(outcome.latencies, subject))

    if citizens.unknown:
        rows[-3].note = harness._join(
            rows[-3].note,
            f"{citizens.unknown} people unknown to the simulator (the run's "
            "population was used up)",
        )
    return rows


def _share(rate: float, reference: float, name: str) -> str:
    return f"{rate / reference:.2f}× {name}" if reference else ""


MEASUREMENTS: list[Callable[[harness.Bench], list[harness.Row]]] = [self_registration]

"""The audit trail against the real embedded database: the chain verifies,
tampering is found and named, concurrent writers never fork it, retention
keeps it verifiable, and nothing that looks like an ID number is kept."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from click.testing import CliRunner
from flask import Flask

from anju.audit import service
from anju.audit.cli import audit
from anju.audit.models import AuditCheckpoint, AuditCounter, AuditEntry
from anju.audit.service import (
    AuditActor,
    AuditChainBroken,
    access_history,
    purge_expired,
    record,
    verify,
)
from anju.common.errors import InvalidInput
from anju.db import get_db

OFFICER = AuditActor("acc-officer", "officer", "城东派出所")
LANDLORD = AuditActor("acc-landlord", "operator", "幸福村出租屋")
RESIDENT = AuditActor("acc-resident", "resident", None)


@pytest.fixture(scope="module", autouse=True)
def audit_collections(app: Flask) -> None:
    """Until anju.audit.models is in db.MODEL_MODULES, make its collections
    and indexes here, before any test writes (the embedded server needs it)."""
    database = get_db()
    existing = set(database.list_collection_names())
    for document in (AuditEntry, AuditCounter, AuditCheckpoint):
        if document._get_collection_name() not in existing:
            database.create_collection(document._get_collection_name())
        document.ensure_indexes()


@pytest.fixture(autouse=True)
def clean(app: Flask) -> None:
    """Requesting ``app`` makes the conftest empty the database per test."""


def _read(person: str = "p-1", actor: AuditActor = OFFICER, **details):
    return record(
        "person.read",
        actor=actor,
        resource_type="person",
        resource_id=person,
        subject_person=person,
        details=details or None,
    )


def _raw():
    return AuditEntry._get_collection()


def test_chain_of_fifty_verifies(settings):
    for number in range(50):
        _read(f"p-{number % 7}", page=number)

    report = verify(batch=7, settings=settings)

    assert report.ok, report.problems
    assert report.checked == 50
    assert report.head_seq == 50
    assert sorted(_raw().distinct("seq")) == list(range(1, 51))
    assert report.head_hash == _raw().find_one({"seq": 50})["hash"]


def test_entry_links_to_the_one_before_and_carries_no_request_outside_one():
    first = _read()
    second = _read()

    assert first.seq == 1 and first.prev_hash == service.GENESIS_HASH
    assert second.seq == 2 and second.prev_hash == first.hash
    assert second.request_id is None and second.ip is None
    assert second.at.tzinfo is not None


def test_request_id_and_address_come_from_the_request(app):
    with app.test_request_context(
        "/",
        headers={"X-Request-ID": "req-42"},
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    ):
        app.preprocess_request()
        entry = _read()

    assert (entry.request_id, entry.ip) == ("req-42", "10.1.2.3")


def test_altered_entry_is_reported_with_its_seq(settings):
    for _ in range(10):
        _read()

    _raw().update_one({"seq": 6}, {"$set": {"actor_org": "另一个单位"}})
    report = verify(settings=settings)

    assert not report.ok
    assert report.first_broken_seq == 6
    assert report.problems == ["seq 6: altered (hash mismatch)"]


def test_rehashed_entry_is_reported_as_a_broken_link(settings):
    for _ in range(5):
        _read()
    forged = _raw().find_one({"seq": 3})
    forged["purpose"] = "changed afterwards"

    forged["hash"] = service.entry_hash(forged)
    _raw().replace_one({"seq": 3}, forged)
    report = verify(settings=settings)

    assert report.problems == ["seq 4: broken link to seq 3"]


def test_removed_entry_is_reported_as_a_gap(settings):
    for _ in range(10):
        _read()

    _raw().delete_one({"seq": 4})
    report = verify(settings=settings)

    assert not report.ok
    assert report.first_broken_seq == 4
    assert report.problems == ["seq 4: missing (removed)"]


def test_entries_removed_from_the_end_are_reported(settings):
    for _ in range(10):
        _read()

    _raw().delete_many({"seq": {"$gte": 9}})
    report = verify(settings=settings)
    following = _read()
    later = verify(settings=settings)

    assert report.problems == ["seq 9..10: missing at the end (removed)"]
    assert following.seq == 11
    assert later.problems == ["seq 9..10: missing (removed)"]


class _NoTurns:
    """Stands in for the per-process lock, so threads race as processes do."""

    def acquire(self, timeout: float) -> bool:
        return True

    def release(self) -> None:
        pass


@pytest.mark.parametrize("in_turns", [True, False], ids=["process-lock", "racing"])
def test_concurrent_appends_never_fork_or_leave_gaps(settings, monkeypatch, in_turns):
    threads, each = 8, 25
    failures: list[BaseException] = []
    collisions: list[int] = []
    start = threading.Barrier(threads)
    if not in_turns:
        monkeypatch.setattr(service, "_append_turn", _NoTurns())
    backoff = service._backoff
    monkeypatch.setattr(
        service, "_backoff", lambda n: collisions.append(n) or backoff(n)
    )

    def append(worker: int) -> None:
        start.wait()
        try:
            for number in range(each):
                _read(f"p-{worker}", worker=worker, number=number)
        except BaseException as error:
            failures.append(error)

    workers = [threading.Thread(target=append, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    report = verify(settings=settings)

    assert failures == []
    assert report.ok, report.problems
    assert report.checked == threads * each
    assert sorted(_raw().distinct("seq")) == list(range(1, threads * each + 1))
    assert _raw().count_documents({}) == threads * each
    # Without the lock, writers did lose races and linked again.
    assert bool(collisions) is not in_turns


_WRITER = """
import sys, time
from pathlib import Path
from anju import db
from anju.audit.service import AuditActor, record
from anju.config import load_settings

var_dir, uri, go, worker = sys.argv[1:5]
db.connect(load_settings(environ={}, env="test", var_dir=var_dir, mongodb_uri=uri))
print("ready", flush=True)
while not Path(go).exists():
    time.sleep(0.005)
for number in range(25):
    record(
        "person.read",
        actor=AuditActor("acc-" + worker, "officer", None),
        resource_type="person",
        details={"worker": int(worker), "number": number},
    )
"""


def test_appends_from_several_processes_form_one_chain(settings, tmp_path):
    go = tmp_path / "go"
    arguments = [str(settings.var_dir), settings.mongodb_uri, str(go)]
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, *arguments, str(worker)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for worker in range(4)
    ]
    ready = [writer.stdout.readline().strip() for writer in writers]

    go.touch()
    codes = [writer.wait(timeout=60) for writer in writers]
    for writer in writers:
        writer.stdout.close()
    report = verify(settings=settings)

    assert ready == ["ready"] * 4

    assert codes == [0, 0, 0, 0]
    assert report.ok, report.problems
    assert sorted(_raw().distinct("seq")) == list(range(1, 101))
    order = [e["details"]["worker"] for e in _raw().find(sort=[("seq", 1)])]
    switches = sum(a != b for a, b in pairwise(order))
    assert switches > 3, "the writers did not overlap"


@pytest.mark.parametrize(
    "details",
    [
        {"note": "11010519491231002X"},
        {"note": "证件 11010519491231002x 已核"},
        {"note": "１１０１０５１９４９１２３１００２Ｘ"},
        {"nested": {"phones": ["138 1234 5678"]}},
        {"contact": "+86 138-1234-5678"},
        {"number": 13812345678},
    ],
)
def test_record_refuses_what_looks_like_an_id_number_or_phone(details):
    with pytest.raises(ValueError, match="looks like"):
        _read(**details)

    assert _raw().count_documents({}) == 0


def test_record_refuses_a_phone_in_the_purpose():
    with pytest.raises(ValueError, match="purpose"):
        record(
            "person.reveal",
            actor=OFFICER,
            resource_type="person",
            purpose="核查 13812345678 的来电",
        )


def test_record_keeps_ordinary_numbers_and_masked_values():
    entry = _read(
        masked="1309**********123X",
        venue="65a13812345678b0c1d2e3f4",
        at_ms=1717171717171,
        year=2024,
        ratio=0.5,
        ok=True,
    )

    assert entry.details["masked"] == "1309**********123X"
    assert entry.details["venue"] == "65a13812345678b0c1d2e3f4"


@pytest.mark.parametrize(
    ("action", "options"),
    [
        ("read", {}),
        ("person.read", {"outcome": "maybe"}),
        ("person.read", {"resource_type": ""}),
        ("person.read", {"details": {"$where": "1"}}),
        ("person.read", {"details": {"at": datetime.now(UTC)}}),
    ],
)
def test_record_refuses_malformed_entries(action, options):
    arguments = {"actor": OFFICER, "resource_type": "person", **options}

    with pytest.raises(ValueError):
        record(action, **arguments)


def test_access_history_lists_others_newest_first_in_pages():
    _read("p-1", OFFICER, n=1)
    _read("p-1", RESIDENT, self=True)
    _read("p-1", LANDLORD, n=2)
    _read("p-2", OFFICER, n=99)
    _read("p-1", OFFICER, n=3)
    _read("p-1", RESIDENT, self=True)
    _read("p-1", OFFICER, n=4)
    _read("p-1", LANDLORD, n=5)

    first, cursor = access_history("p-1", None, 2)
    second, cursor_2 = access_history("p-1", cursor, 2)
    third, cursor_3 = access_history("p-1", cursor_2, 2)

    assert [e.details["n"] for e in first] == [5, 4]
    assert [e.details["n"] for e in second] == [3, 2]
    assert [e.details["n"] for e in third] == [1]
    assert cursor_3 is None
    assert first[0].actor_org == "幸福村出租屋"


def test_access_history_rejects_a_forged_cursor():
    with pytest.raises(InvalidInput):
        access_history("p-1", "not-a-cursor!", 10)


def _at(moment: datetime):
    return lambda: moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def test_purge_keeps_the_chain_verifiable(settings, monkeypatch):
    old = datetime.now(UTC) - timedelta(days=400)
    with monkeypatch.context() as clock:
        clock.setattr(service, "_now", _at(old))
        for _ in range(10):
            _read()
    for _ in range(5):
        _read()

    purged = purge_expired(180, settings=settings)
    _read()
    report = verify(settings=settings)

    assert purged == 10
    assert report.ok, report.problems
    assert report.checked == 6
    assert sorted(_raw().distinct("seq")) == list(range(11, 17))
    checkpoint = AuditCheckpoint.objects.get()
    assert (checkpoint.seq, checkpoint.purged) == (10, 10)


def test_purge_of_everything_lets_the_chain_go_on(settings, monkeypatch):
    old = datetime.now(UTC) - timedelta(days=400)
    with monkeypatch.context() as clock:
        clock.setattr(service, "_now", _at(old))
        for _ in range(3):
            _read()

    assert purge_expired(180, settings=settings) == 3
    assert purge_expired(180, settings=settings) == 0
    entry = _read()
    report = verify(settings=settings)

    assert entry.seq == 4
    assert report.ok, report.problems
    assert report.checked == 1


def test_forged_checkpoint_is_reported(settings, monkeypatch):
    old = datetime.now(UTC) - timedelta(days=400)
    with monkeypatch.context() as clock:
        clock.setattr(service, "_now", _at(old))
        for _ in range(3):
            _read()
    for _ in range(4):
        _read()
    purge_expired(180, settings=settings)

    # Hide two recent entries behind a checkpoint that was never signed.
    link = _raw().find_one({"seq": 6})["prev_hash"]
    _raw().delete_many({"seq": {"$lte": 5}})
    AuditCheckpoint._get_collection().update_one(
        {"seq": 3}, {"$set": {"seq": 5, "hash": link}}
    )
    report = verify(settings=settings)

    assert report.problems == ["checkpoint at seq 5: bad signature"]


def test_purge_refuses_to_remove_a_broken_stretch(settings, monkeypatch):
    old = datetime.now(UTC) - timedelta(days=400)
    with monkeypatch.context() as clock:
        clock.setattr(service, "_now", _at(old))
        for _ in range(5):
            _read()
    _raw().update_one({"seq": 2}, {"$set": {"outcome": "denied"}})

    with pytest.raises(AuditChainBroken, match="seq 2"):
        purge_expired(180, settings=settings)

    assert _raw().count_documents({}) == 5
    assert AuditCheckpoint.objects.count() == 0


@pytest.mark.parametrize("days", [0, 30, 179])
def test_retention_below_180_days_is_refused(settings, days):
    _read()

    with pytest.raises(ValueError, match="180"):
        purge_expired(days, settings=settings)

    assert _raw().count_documents({}) == 1


@pytest.fixture
def cli_environment(monkeypatch, settings):
    monkeypatch.setenv("ANJU_ENV", "test")
    monkeypatch.setenv("ANJU_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("ANJU_MONGODB_URI", settings.mongodb_uri)
    return CliRunner()


def test_cli_verify_exits_1_with_the_problems(cli_environment):
    for _ in range(4):
        _read()

    healthy = cli_environment.invoke(audit, ["verify"])
    _raw().delete_one({"seq": 2})
    broken = cli_environment.invoke(audit, ["verify"])

    assert healthy.exit_code == 0, healthy.output
    assert "4 entries" in healthy.output
    assert broken.exit_code == 1
    assert "seq 2: missing (removed)" in broken.output


def test_cli_purge_refuses_a_short_window(cli_environment):
    answer = cli_environment.invoke(audit, ["purge", "--days", "30"])

    assert answer.exit_code == 2
    assert "180" in answer.output

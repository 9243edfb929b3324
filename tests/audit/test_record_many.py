"""record_many: several entries appended in one go, one chain with record()."""

from __future__ import annotations

import threading

import pytest
from flask import Flask

from anju.audit import service
from anju.audit.models import AuditCounter, AuditEntry
from anju.audit.service import AuditActor, record, record_many, verify

OFFICER = AuditActor("acc-officer", "officer", "城东派出所")


@pytest.fixture(autouse=True)
def clean(app: Flask) -> None:
    """Requesting ``app`` makes the conftest empty the database per test."""


def _entry(number: int) -> dict:
    return {
        "action": "person.import",
        "actor": OFFICER,
        "resource_type": "person",
        "resource_id": f"p-{number}",
        "subject_person": f"p-{number}",
        "details": {"row": number},
    }


def _seqs() -> list[int]:
    return sorted(AuditEntry._get_collection().distinct("seq"))


def test_entries_are_linked_in_order_after_single_ones(settings):
    record("person.read", actor=OFFICER, resource_type="person")

    appended = record_many([_entry(n) for n in range(5)])
    record("person.read", actor=OFFICER, resource_type="person")
    report = verify(settings=settings)

    assert appended == 5
    assert report.ok, report.problems
    assert report.checked == 7
    assert _seqs() == list(range(1, 8))
    rows = [e.details["row"] for e in AuditEntry.objects(seq__gte=2, seq__lte=6)]
    assert sorted(rows) == [0, 1, 2, 3, 4]
    assert AuditEntry.objects.get(seq=4).details["row"] == 2
    assert AuditCounter._get_collection().find_one({"_id": "audit"})["seq"] == 7


def test_nothing_is_written_when_one_entry_is_refused():
    entries = [_entry(1), {**_entry(2), "details": {"phone": "13800138000"}}]

    with pytest.raises(ValueError, match=r"details\.phone"):
        record_many(entries)

    assert AuditEntry.objects.count() == 0


def test_an_empty_list_appends_nothing():
    assert record_many([]) == 0
    assert AuditEntry.objects.count() == 0


def test_a_process_links_to_its_own_last_entry_without_reading_it(monkeypatch):
    record("person.read", actor=OFFICER, resource_type="person")
    record("person.read", actor=OFFICER, resource_type="person")
    reads = []
    tip_from = service._tip_from
    monkeypatch.setattr(
        service, "_tip_from", lambda seq: reads.append(seq) or tip_from(seq)
    )

    entry = record("person.read", actor=OFFICER, resource_type="person")

    assert reads == []
    assert entry.prev_hash == AuditEntry.objects.get(seq=2).hash


def test_a_remembered_head_is_not_trusted_after_the_trail_was_emptied(settings):
    for _ in range(3):
        record("person.read", actor=OFFICER, resource_type="person")
    for collection in (AuditEntry, AuditCounter):
        collection._get_collection().delete_many({})

    entry = record("person.read", actor=OFFICER, resource_type="person")

    assert entry.seq == 1
    assert verify(settings=settings).ok


def test_entries_removed_from_the_end_stay_a_gap_with_a_remembered_head(settings):
    for _ in range(4):
        record("person.read", actor=OFFICER, resource_type="person")
    AuditEntry._get_collection().delete_many({"seq": {"$gte": 3}})

    record_many([_entry(1), _entry(2)])
    report = verify(settings=settings)

    assert _seqs() == [1, 2, 5, 6]
    assert report.problems == ["seq 3..4: missing (removed)"]


class _NoTurns:
    def acquire(self, timeout: float) -> bool:
        return True

    def release(self) -> None:
        pass


def test_racing_batches_and_single_entries_form_one_chain(settings, monkeypatch):
    monkeypatch.setattr(service, "_append_turn", _NoTurns())
    threads, failures = 6, []
    start = threading.Barrier(threads)

    def append(worker: int) -> None:
        start.wait()
        try:
            for round_ in range(5):
                if worker % 2:
                    record_many(
                        [_entry(worker * 100 + round_ * 10 + n) for n in range(4)]
                    )
                else:
                    record("person.read", actor=OFFICER, resource_type="person")
        except BaseException as error:
            failures.append(error)

    workers = [threading.Thread(target=append, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    report = verify(settings=settings)

    expected = 3 * 5 * 4 + 3 * 5
    assert failures == []
    assert report.ok, report.problems
    assert report.checked == expected
    assert _seqs() == list(range(1, expected + 1))


def _record_in_threads(count: int) -> tuple[list[threading.Thread], list]:
    outcomes: list = []

    def append(number: int) -> None:
        try:
            outcomes.append(record_many([_entry(number)]))
        except BaseException as error:
            outcomes.append(error)

    threads = [threading.Thread(target=append, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    return threads, outcomes


def _when_waiting(count: int) -> None:
    for _ in range(500):
        if sum(len(p.fields) for p in service._waiting) == count:
            return
        threading.Event().wait(0.01)
    raise AssertionError("the threads never queued their entries")


def test_threads_waiting_for_the_turn_are_appended_together(settings, monkeypatch):
    inserts: list[int] = []
    append_many = service._append_many
    monkeypatch.setattr(
        service,
        "_append_many",
        lambda prepared, deadline: (
            inserts.append(len(prepared)) or append_many(prepared, deadline)
        ),
    )

    with service._append_turn:
        threads, outcomes = _record_in_threads(6)
        _when_waiting(6)
    for thread in threads:
        thread.join()

    assert outcomes == [1] * 6
    assert inserts == [6]
    assert verify(settings=settings).ok
    assert sorted(e.details["row"] for e in AuditEntry.objects) == list(range(6))


def test_a_failed_group_append_fails_every_caller_in_it(monkeypatch):
    def unavailable(prepared, deadline):
        raise service.AuditUnavailable()

    monkeypatch.setattr(service, "_append_many", unavailable)

    with service._append_turn:
        threads, outcomes = _record_in_threads(4)
        _when_waiting(4)
    for thread in threads:
        thread.join()

    assert len(outcomes) == 4
    assert all(isinstance(o, service.AuditUnavailable) for o in outcomes)
    assert service._waiting == []
    assert AuditEntry.objects.count() == 0

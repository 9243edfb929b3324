"""The append-only, hash-chained audit trail.

Every read of a person's record by someone else, every change and every login
goes through :func:`record`. Each entry carries a gap-free sequence number and
the hash of the entry before it, so :func:`verify` can tell an altered entry, a
removed one and a broken link apart. How appends stay safe with many writers is
explained in ``docs/audit.md``; in short, the unique index on ``seq`` decides
which of two writers extends the chain, and the loser links again.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import logging
import math
import random
import re
import secrets
import threading
import time
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import mongoengine as me
from flask import current_app, has_request_context, request
from pymongo.errors import BulkWriteError, DuplicateKeyError

from anju.audit.models import OUTCOMES, AuditCheckpoint, AuditCounter, AuditEntry
from anju.common.errors import Unavailable, field_error
from anju.common.i18n import register
from anju.config import Settings
from anju.logs import request_id_var

logger = logging.getLogger(__name__)

register(
    {
        "audit.cursor": {
            "zh": "分页位置无效，请从第一页重新开始",
            "en": "The page cursor is not valid; start again from the first page",
        },
    }
)

GENESIS_HASH = "0" * 64
MIN_RETENTION_DAYS = 180
MAX_PAGE = 100
APPEND_TIMEOUT_SECONDS = 5.0
COUNTER_ID = "audit"
TIP_PAGE = 100

# The fields an entry's hash covers, in the order they are documented.
HASHED_FIELDS = (
    "seq",
    "at",
    "actor_account",
    "actor_role",
    "actor_org",
    "action",
    "resource_type",
    "resource_id",
    "subject_person",
    "purpose",
    "request_id",
    "ip",
    "outcome",
    "details",
    "prev_hash",
)

_ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_DETAIL_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# Letters around digits mean a hex id (an ObjectId, a request id), not a phone.
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(?:(?:\+|00)?86)?1[3-9]\d{9}(?![0-9A-Za-z])")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")
_INT64 = 2**63
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


class AuditUnavailable(Unavailable):
    """The chain could not be extended in time; the action must not proceed."""


class AuditChainBroken(RuntimeError):
    """Purge refuses to remove entries whose chain does not verify."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class AuditActor:
    """Who acted: an account, its role and the organisation shown to people."""

    account_id: str | None
    role: str | None
    organization: str | None


@dataclass
class VerifyReport:
    ok: bool
    checked: int
    problems: list[str] = field(default_factory=list)
    first_broken_seq: int | None = None
    # The last entry walked: worth copying somewhere the database cannot reach.
    head_seq: int = 0
    head_hash: str = GENESIS_HASH


def looks_sensitive(text: str) -> bool:
    """Whether ``text`` holds what looks like an ID number or a mobile number,
    also when typed with full-width digits, spaces or dashes."""
    folded = unicodedata.normalize("NFKC", text)
    compact = _SEPARATORS.sub("", folded)

    return any(
        pattern.search(candidate)
        for pattern in (_ID_NUMBER, _MOBILE)
        for candidate in (folded, compact)
    )


def _now() -> datetime:
    """Now, in UTC, to the millisecond that the database keeps."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _refuse_sensitive(name: str, value: str | None) -> None:
    if value is not None and looks_sensitive(value):
        # The message names the field, never the value.
        raise ValueError(f"{name} looks like an ID number or a mobile number")


def _clean_detail(path: str, value: Any) -> Any:
    """A JSON-safe copy of one details value; refuses what must not be kept."""
    if value is None or isinstance(value, bool):
        return value

    if isinstance(value, str):
        _refuse_sensitive(path, value)
        return value

    if isinstance(value, int):
        if not -_INT64 <= value < _INT64:
            raise ValueError(f"{path} is out of range")
        _refuse_sensitive(path, str(value))
        return value

    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{path} is not a finite number")
        return value

    if isinstance(value, Mapping):
        return _clean_details(value, path)

    if isinstance(value, list | tuple):
        return [_clean_detail(f"{path}[]", item) for item in value]

    raise ValueError(f"{path} has a type audit details cannot hold")


def _clean_details(details: Mapping[str, Any], path: str = "details") -> dict:
    cleaned = {}
    for key, value in details.items():
        if not isinstance(key, str) or not _DETAIL_KEY.match(key):
            raise ValueError(f"{path} has a key that is not a plain name")
        cleaned[key] = _clean_detail(f"{path}.{key}", value)
    return cleaned


def entry_hash(fields: Mapping[str, Any]) -> str:
    """sha256 over the canonical JSON of an entry's hashed fields (sorted keys,
    no spaces, times in UTC ISO 8601 to the millisecond), ``prev_hash`` included.
    Absent fields count as null, so a stored document hashes like the entry."""
    body: dict[str, Any] = {name: fields.get(name) for name in HASHED_FIELDS}
    body["at"] = _iso(body["at"])
    body["details"] = body["details"] or {}

    text = json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _request_origin() -> tuple[str | None, str | None]:
    """The request id and client address, when acting for a request."""
    if not has_request_context():
        return None, None

    request_id = request_id_var.get()
    return (None if request_id == "-" else request_id), request.remote_addr


def _latest_checkpoint() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-seq").first()


def _high_water() -> int:
    return _mark()[0]


# An epoch not read (or not known): never matches a remembered head.
_UNKNOWN = object()


def _mark() -> tuple[int, object]:
    """The high-water mark and the epoch of its document (a fresh one whenever
    the counter is made anew, e.g. after the collections were emptied)."""
    counter = AuditCounter._get_collection().find_one({"_id": COUNTER_ID})
    if counter is None:
        return 0, _UNKNOWN
    return counter["seq"], counter.get("epoch")


def _tip_from(seq: int) -> dict | None:
    """The newest entry at or above ``seq``, read forwards along the index
    (the embedded server reads a descending sort in full)."""
    collection = AuditEntry._get_collection()
    newest = None
    while True:
        page = list(
            collection.find(
                {"seq": {"$gte": seq}},
                {"seq": 1, "hash": 1, "_id": 0},
                sort=[("seq", 1)],
                limit=TIP_PAGE,
            )
        )
        if page:
            newest, seq = page[-1], page[-1]["seq"]
        if len(page) < TIP_PAGE:
            return newest


# This process's newest append: (epoch of the mark, seq, hash). While the mark
# still stands at that seq under that epoch, the entry there is the one this
# process wrote, so finding the head takes one read instead of two. A hint
# only: the unique index on seq still decides who extends the chain.
_own_tip: tuple[str | None, int, str] | None = None


def _head(taken_seq: int = 0) -> tuple[int, str, object]:
    """The sequence and hash a new entry links to, and the mark's epoch when
    it was read (else ``_UNKNOWN``).

    Usually the entry at the high-water mark (or at ``taken_seq``, a sequence
    another writer was just seen to take), or just past it when other writers
    have inserted and not yet raised the mark. When that entry is gone, the
    newest entry left, or else the checkpoint a purge wrote before it deleted,
    or else the genesis; the sequence still continues above the mark, so
    entries removed from the end stay a visible gap.
    """
    high_water, epoch = taken_seq, _UNKNOWN
    if not high_water:
        high_water, epoch = _mark()
        own = _own_tip
        if own is not None and high_water > 0 and own[:2] == (epoch, high_water):
            return own[1], own[2], epoch

    if high_water > 0:
        tip = _tip_from(high_water)
        if tip is not None:
            return tip["seq"], tip["hash"], epoch

    newest = AuditEntry._get_collection().find_one(
        {}, sort=[("seq", -1)], projection={"seq": 1, "hash": 1, "_id": 0}
    )
    if newest is not None:
        return max(newest["seq"], high_water), newest["hash"], epoch

    checkpoint = _latest_checkpoint()
    if checkpoint is not None:
        return max(checkpoint.seq, high_water), checkpoint.hash, epoch
    return high_water, GENESIS_HASH, epoch


def _raise_high_water(seq: int) -> None:
    counters = AuditCounter._get_collection()
    change = {"$max": {"seq": seq}, "$setOnInsert": {"epoch": secrets.token_hex(8)}}

    try:
        counters.update_one({"_id": COUNTER_ID}, change, upsert=True)
    except DuplicateKeyError:
        # Two first-ever upserts raced; the document exists now.
        counters.update_one({"_id": COUNTER_ID}, {"$max": {"seq": seq}})


def _remember(epoch: object, seq: int, hash_: str) -> None:
    """Note this process's newest append, while still holding the turn (so the
    next writer here never links to an older one)."""
    global _own_tip  # one hint per process
    _own_tip = None if epoch is _UNKNOWN else (epoch, seq, hash_)  # type: ignore[assignment]


_append_turn = threading.Lock()


def _backoff(collisions: int) -> float:
    # Jitter spreads writers that collided; not used for anything secret.
    return random.uniform(0, min(0.001 * collisions, 0.02))  # noqa: S311


def _entry_fields(
    action: str,
    *,
    actor: AuditActor | None,
    resource_type: str,
    resource_id: str | None = None,
    subject_person: str | None = None,
    purpose: str | None = None,
    outcome: str = "ok",
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An entry's fields apart from its place in the chain, checked."""
    if not isinstance(action, str) or not _ACTION.match(action):
        raise ValueError("action must look like 'domain.verb'")
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}")
    if not resource_type:
        raise ValueError("resource_type is required")

    actor = actor or AuditActor(None, None, None)
    texts = {
        "resource_type": resource_type,
        "resource_id": resource_id,
        "subject_person": subject_person,
        "purpose": purpose,
        "actor_account": actor.account_id,
        "actor_role": actor.role,
        "actor_org": actor.organization,
    }
    for name, value in texts.items():
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name} must be text")
    _refuse_sensitive("purpose", purpose)
    _refuse_sensitive("actor_org", actor.organization)
    request_id, ip = _request_origin()
    return {
        "actor_account": actor.account_id,
        "actor_role": actor.role,
        "actor_org": actor.organization,
        "action": action,
        "resource_type": resource_type,
        "resource_id": resource_id,
        "subject_person": subject_person,
        "purpose": purpose,
        "request_id": request_id,
        "ip": ip,
        "outcome": outcome,
        "details": _clean_details(details or {}),
    }


def record(
    action: str,
    *,
    actor: AuditActor | None,
    resource_type: str,
    resource_id: str | None = None,
    subject_person: str | None = None,
    purpose: str | None = None,
    outcome: str = "ok",
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain and return it.

    Set ``details["self"] = True`` when the actor is the subject person: such
    entries stay in the trail but not in the person's access history. Raises
    ``ValueError`` for a malformed entry or for anything that looks like an ID
    number or a mobile number, and :class:`AuditUnavailable` when the chain
    could not be extended in time (the caller's action must then fail).
    """
    fields = _entry_fields(
        action,
        actor=actor,
        resource_type=resource_type,
        resource_id=resource_id,
        subject_person=subject_person,
        purpose=purpose,
        outcome=outcome,
        details=details,
    )

    return _commit([fields])[0]


def record_many(entries: Sequence[Mapping[str, Any]]) -> int:
    """Append several entries in one go, in the order given, and answer how
    many were appended.

    Each entry is a mapping of :func:`record`'s arguments (``action``,
    ``actor``, ``resource_type``, and optionally ``resource_id``,
    ``subject_person``, ``purpose``, ``outcome``, ``details``). Every entry is
    checked before any is written (a ``ValueError`` as from :func:`record`);
    then they are linked one after the other and inserted with one command, so
    many entries cost about as many round trips as one. Raises
    :class:`AuditUnavailable` like :func:`record`; entries appended before
    that stay in the chain.
    """
    prepared = [_entry_fields(**dict(entry)) for entry in entries]
    if not prepared:
        return 0

    return len(_commit(prepared))


@dataclass(eq=False)
class _Pending:
    """Entries a caller waits to see appended (group commit, below)."""

    fields: list[dict[str, Any]]
    done: threading.Event = field(default_factory=threading.Event)
    entries: list[AuditEntry] = field(default_factory=list)
    error: BaseException | None = None


# Entries waiting for the append turn, in the order they were recorded.
_waiting: list[_Pending] = []
_waiting_lock = threading.Lock()


def _commit(prepared: list[dict[str, Any]]) -> list[AuditEntry]:
    """Append ``prepared`` to the chain and answer the stored entries.

    Group commit: a thread that gets this process's append turn appends
    everything waiting by then, its own entries and other threads', in one
    link-and-insert; the others find theirs done when the turn reaches them.
    So under load each append costs a fraction of its round trips, and the
    entries still go in in the order they were recorded. Every caller returns
    only once its own entries are stored (or raises, as :func:`record`).
    """
    pending = _Pending(prepared)
    with _waiting_lock:
        _waiting.append(pending)

    deadline = time.monotonic() + APPEND_TIMEOUT_SECONDS
    if _append_turn.acquire(timeout=APPEND_TIMEOUT_SECONDS):
        try:
            batch = _take_waiting()
            last_seq = _append_batch(batch, deadline) if batch else 0
        finally:
            _append_turn.release()
        if last_seq:
            _raise_high_water(last_seq)
    elif _withdraw(pending):
        raise AuditUnavailable()

    # Taken by another thread, which may still be appending it (when the turn
    # timed out, or in the tests that make threads race as processes do).
    if not pending.done.wait(max(deadline - time.monotonic(), 0)):
        raise AuditUnavailable()
    if pending.error is not None:
        raise AuditUnavailable() from pending.error
    return pending.entries


def _withdraw(pending: _Pending) -> bool:
    """Take back entries nobody has started appending; answers whether they
    were still waiting."""
    with _waiting_lock:
        if pending in _waiting:
            _waiting.remove(pending)
            return True
    return False


def _take_waiting() -> list[_Pending]:
    global _waiting  # swapped whole under its lock
    with _waiting_lock:
        batch, _waiting = _waiting, []
    return batch


def _append_batch(batch: list[_Pending], deadline: float) -> int:
    """Append every waiting caller's entries in one go and wake them; answers
    the last seq appended."""
    prepared = [fields for pending in batch for fields in pending.fields]
    try:
        entries = _append_many(prepared, deadline)
    except BaseException as error:
        for pending in batch:
            pending.error = error
            pending.done.set()
        raise

    taken = iter(entries)
    for pending in batch:
        pending.entries = [next(taken) for _ in pending.fields]
        pending.done.set()
    return entries[-1].seq


def _append_many(prepared: list[dict[str, Any]], deadline: float) -> list[AuditEntry]:
    """Link ``prepared`` after the head and insert them in order with one
    command; when another writer took one of their sequences, link the rest
    again after it. Answers the stored entries."""
    collection = AuditEntry._get_collection()
    remaining, taken, collisions = prepared, 0, 0
    stored_entries: list[AuditEntry] = []

    while True:
        head_seq, head_hash, epoch = _head(taken)
        at = _now()
        entries, documents = [], []
        for offset, fields in enumerate(remaining, start=1):
            entry = AuditEntry(
                **fields, seq=head_seq + offset, at=at, prev_hash=head_hash
            )
            entry.hash = head_hash = entry_hash(entry._data)
            entries.append(entry)
            documents.append(entry.to_mongo().to_dict())

        try:
            collection.insert_many(documents, ordered=True)
            _remember(epoch, entries[-1].seq, entries[-1].hash)
            return stored_entries + entries
        except BulkWriteError as error:
            failures = error.details.get("writeErrors", [])
            if not failures or any(f.get("code") != 11000 for f in failures):
                raise
            stored = error.details.get("nInserted", 0)
            if stored:
                _raise_high_water(documents[stored - 1]["seq"])
            stored_entries += entries[:stored]
            remaining = remaining[stored:]
            taken, collisions = head_seq + stored + 1, collisions + 1
            _remember(_UNKNOWN, 0, "")

        if time.monotonic() > deadline:
            logger.warning("audit append timed out", extra={"tries": collisions})
            raise AuditUnavailable()
        time.sleep(_backoff(collisions))


# -- verification ------------------------------------------------------------


def _signing_key(settings: Settings | None) -> bytes:
    """The checkpoint key, derived from the server's signing secret."""
    settings = settings or current_app.config["ANJU"]
    return hmac.new(
        settings.code_signing_key.encode(), b"anju.audit.checkpoint", hashlib.sha256
    ).digest()


def _checkpoint_signature(
    key: bytes, seq: int, hash_: str, at: datetime, purged_at: datetime, purged: int
) -> str:
    message = f"{seq}\n{hash_}\n{_iso(at)}\n{_iso(purged_at)}\n{purged}"
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _checkpoint_ok(key: bytes, checkpoint: AuditCheckpoint) -> bool:
    expected = _checkpoint_signature(
        key,
        checkpoint.seq,
        checkpoint.hash,
        checkpoint.at,
        checkpoint.purged_at,
        checkpoint.purged,
    )
    return hmac.compare_digest(expected, checkpoint.signature or "")


def _entries_after(seq: int, batch: int, until: int | None) -> Iterator[dict]:
    """Raw stored entries with a sequence above ``seq``, in order, in batches."""
    collection = AuditEntry._get_collection()
    while True:
        query: dict[str, Any] = {"$gt": seq}
        if until is not None:
            query["$lte"] = until
        page = list(collection.find({"seq": query}, sort=[("seq", 1)], limit=batch))
        if not page:
            return
        yield from page
        seq = page[-1]["seq"]


def _stored_hash_matches(document: dict) -> bool:
    try:
        return entry_hash(document) == document.get("hash")
    except (TypeError, ValueError, AttributeError, KeyError):
        return False


def _span(first: int, last: int) -> str:
    return f"seq {first}" if first == last else f"seq {first}..{last}"


def _walk(
    after_seq: int, after_hash: str, batch: int, until: int | None = None
) -> tuple[VerifyReport, dict | None]:
    """Check every entry after ``after_seq`` against its own hash and its link
    to the one before; also answers the last entry walked."""
    report = VerifyReport(ok=True, checked=0, head_seq=after_seq, head_hash=after_hash)
    expected, previous, last = after_seq + 1, after_hash, None

    def broken(seq: int, text: str) -> None:
        report.problems.append(text)
        if report.first_broken_seq is None:
            report.first_broken_seq = seq

    for document in _entries_after(after_seq, batch, until):
        seq = document["seq"]
        if seq > expected:
            broken(expected, f"{_span(expected, seq - 1)}: missing (removed)")
        elif document.get("prev_hash") != previous:
            broken(seq, f"seq {seq}: broken link to seq {seq - 1}")
        if not _stored_hash_matches(document):
            broken(seq, f"seq {seq}: altered (hash mismatch)")

        previous, expected, last = document.get("hash", ""), seq + 1, document
        report.checked += 1

    report.head_seq, report.head_hash = expected - 1, previous
    report.ok = not report.problems
    return report, last


def _verify_once(batch: int, key: bytes) -> tuple[VerifyReport, int]:
    # Read the mark first: every seq at or below it was inserted before.
    high_water = _high_water()
    checkpoint = _latest_checkpoint()
    start_seq, start_hash = (0, GENESIS_HASH)
    if checkpoint is not None:
        start_seq, start_hash = checkpoint.seq, checkpoint.hash

    report, _ = _walk(start_seq, start_hash, batch)

    if checkpoint is not None and not _checkpoint_ok(key, checkpoint):
        report.problems.insert(0, f"checkpoint at seq {start_seq}: bad signature")
        report.first_broken_seq = start_seq
    if high_water > report.head_seq:
        report.problems.append(
            f"{_span(report.head_seq + 1, high_water)}: missing at the end (removed)"
        )
        if report.first_broken_seq is None:
            report.first_broken_seq = report.head_seq + 1
    report.ok = not report.problems
    return report, start_seq


def verify(batch: int = 1000, *, settings: Settings | None = None) -> VerifyReport:
    """Walk the chain by sequence from the latest checkpoint (or the start) and
    report altered entries, removed ones and broken links, first one first.

    ``settings`` gives the checkpoint key; by default the current app's.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    key = _signing_key(settings)

    report, start_seq = _verify_once(batch, key)
    for _ in range(2):
        # A purge that ran meanwhile makes removed entries look like a gap.
        latest = _latest_checkpoint()
        if report.ok or (latest.seq if latest else 0) == start_seq:
            break
        report, start_seq = _verify_once(batch, key)
    return report


# -- access history ----------------------------------------------------------


def _encode_cursor(entry: AuditEntry) -> str:
    # Whole milliseconds, counted exactly: a float could land one early.
    at_ms = (entry.at.astimezone(UTC) - _EPOCH) // _MILLISECOND
    return base64.urlsafe_b64encode(f"{at_ms}:{entry.seq}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        at_ms, seq = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
        return _EPOCH + int(at_ms) * _MILLISECOND, int(seq)
    except (ValueError, UnicodeError, binascii.Error, OverflowError):
        raise field_error("cursor", "audit.cursor") from None


def access_history(
    person_id: str, cursor: str | None, limit: int
) -> tuple[list[AuditEntry], str | None]:
    """Who looked at or changed a person's record, newest first, without the
    person's own actions (entries recorded with ``details["self"] = True``).
    Answers a page and the cursor of the next one (None on the last page)."""
    limit = max(1, min(limit, MAX_PAGE))
    query: dict[str, Any] = {"subject_person": person_id, "details.self": {"$ne": True}}
    if cursor:
        at, seq = _decode_cursor(cursor)
        query["$or"] = [{"at": {"$lt": at}}, {"at": at, "seq": {"$lt": seq}}]

    found = list(
        AuditEntry.objects(__raw__=query).order_by("-at", "-seq").limit(limit + 1)
    )

    page = found[:limit]
    following = _encode_cursor(page[-1]) if len(found) > limit else None
    return page, following


# -- retention ---------------------------------------------------------------


def _last_expired_seq(after_seq: int, cutoff: datetime) -> int | None:
    """The end of the oldest run of entries all older than ``cutoff``."""
    collection = AuditEntry._get_collection()
    young = collection.find_one(
        {"seq": {"$gt": after_seq}, "at": {"$gte": cutoff}},
        sort=[("seq", 1)],
        projection={"seq": 1},
    )
    if young is not None:
        last = young["seq"] - 1
    else:
        tip = _tip_from(after_seq + 1)
        last = tip["seq"] if tip else after_seq

    return last if last > after_seq else None


def purge_expired(retention_days: int, *, settings: Settings | None = None) -> int:
    """Remove entries older than ``retention_days`` (at least 180) and answer
    how many went.

    Only an unbroken run from the start of the chain is removed, and only after
    it verifies: a signed checkpoint naming its last entry is written first, so
    :func:`verify` and new appends carry on from there. ``settings`` gives the
    checkpoint key; by default the current app's.
    """
    if retention_days < MIN_RETENTION_DAYS:
        raise ValueError(f"audit retention is at least {MIN_RETENTION_DAYS} days")
    key = _signing_key(settings)
    cutoff = _now() - timedelta(days=retention_days)

    checkpoint = _latest_checkpoint()
    start_seq, start_hash = (0, GENESIS_HASH)
    if checkpoint is not None:
        if not _checkpoint_ok(key, checkpoint):
            problem = f"checkpoint at seq {checkpoint.seq}: bad signature"
            raise AuditChainBroken([problem])
        start_seq, start_hash = checkpoint.seq, checkpoint.hash

    last_seq = _last_expired_seq(start_seq, cutoff)
    if last_seq is None:
        return 0

    report, last = _walk(start_seq, start_hash, 1000, until=last_seq)
    if not report.ok or last is None or last["seq"] != last_seq:
        raise AuditChainBroken(report.problems or [f"seq {last_seq}: missing"])

    purged_at = _now()
    purged = report.checked
    moved = AuditCheckpoint(
        seq=last_seq,
        hash=last["hash"],
        at=last["at"],
        purged_at=purged_at,
        purged=purged,
        signature=_checkpoint_signature(
            key, last_seq, last["hash"], last["at"], purged_at, purged
        ),
    )
    # Another purge may have moved the checkpoint to the same entry already.
    with contextlib.suppress(me.NotUniqueError):
        moved.save(force_insert=True)

    deleted = AuditEntry._get_collection().delete_many({"seq": {"$lte": last_seq}})

    logger.info(
        "audit purged",
        extra={"purged_count": deleted.deleted_count, "checkpoint_seq": last_seq},
    )
    return deleted.deleted_count

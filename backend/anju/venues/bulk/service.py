"""Staff imports: a spreadsheet of people who work at a venue, checked row by
row; the good rows become people (one per ID number) and employments (one
active per person and venue), the bad ones a report.

An upload is checked as a whole and stored first (encrypted: it holds ID
numbers), then processed in the background: by a thread of the web process
that took it, or, when that process stopped, by the worker's ``imports`` job.
Whoever processes an import claims it with a conditional update and renews the
claim with every batch, so exactly one process works on it. A retry starts the
rows over; what the first attempt wrote is found again, not written twice.

ID checks are not asked row by row: people are stored pending, and the
worker's ``id-checks`` job asks the authority at its own pace.
"""

from __future__ import annotations

import base64
import csv
import io
import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from flask import Flask, current_app
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError
from werkzeug.datastructures import FileStorage

from anju.accounts.authz import Actor, scoped, scoped_get
from anju.audit.service import AuditActor, record, record_many
from anju.common.crypto import keyring
from anju.common.errors import (
    DATABASE_DOWN,
    AnjuError,
    Conflict,
    NotFound,
    field_error,
)
from anju.common.i18n import translate
from anju.common.idnumber import CHINA_TIME, mask_id_number
from anju.common.pagination import newest_first
from anju.common.phone import mask_phone
from anju.common.schemas import object_id_or_404
from anju.config import Settings
from anju.patrol.models import Alert
from anju.people.models import Person
from anju.people.service import PHONE_CONTEXT, audit_actor, new_person
from anju.venues.bulk import (
    messages,  # noqa: F401  (registers the texts)
    spreadsheet,
)
from anju.venues.bulk.models import Import, ImportFile, ImportProblem
from anju.venues.bulk.rows import Problem, StaffRow, check_row, mask_name
from anju.venues.bulk.spreadsheet import Sheet, SheetRefused
from anju.venues.models import Employment, Venue

logger = logging.getLogger(__name__)

PERMISSION = "imports.manage"
BATCH_ROWS = 500
AUDIT_RUN = 100
INSERT_RUN = 250
IN_RUN = 50
CHUNK_BYTES = 4 * 1024 * 1024
FILE_CONTEXT = "import.file"
# A running import whose claim was not renewed for this long lost its process.
STALE_AFTER = timedelta(minutes=2)
# The web process that stored an import usually starts it at once.
QUEUED_GRACE = timedelta(seconds=10)
MAX_ATTEMPTS = 3
DUPLICATE_KEY = 11000
_LONG_NUMBER = re.compile(r"\d{11,}[\dXx]?")
_SPREADSHEET_FORMULA = ("=", "+", "-", "@", "\t", "\r")


class FileTooLarge(AnjuError):
    status, kind, detail_code = 413, "too-large", "imports.file_too_large"


class ClaimLost(RuntimeError):
    """Another process took the import over (this one was thought gone)."""


# --- uploading


def venue_for_imports(actor: Actor, venue_id: str) -> Venue:
    venue = (
        scoped(Venue, PERMISSION, actor).filter(id=object_id_or_404(venue_id)).first()
    )
    if venue is None:
        raise NotFound()
    return venue


def venue_keys(venue: Venue) -> list[str]:
    return sorted({*(venue.scope_keys or []), f"venue:{venue.id}"})


def _megabytes(size: int) -> str:
    return f"{size // (1024 * 1024)} MB"


def read_upload(upload: FileStorage, limit: int) -> bytes:
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise FileTooLarge(limit=_megabytes(limit))
    return data


def _safe_file_name(name: str | None) -> str:
    # A file may be named after a person: keep no ID number or phone of it.
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return _LONG_NUMBER.sub("***", base)[:200] or "-"


def start_import(
    actor: Actor, venue_id: str, upload: FileStorage, validate_only: bool
) -> Import:
    """Check the file as a whole (422 naming ``file`` if it cannot be
    imported), store it, and start processing it in the background."""
    venue = venue_for_imports(actor, venue_id)
    if venue.status == "closed":
        raise Conflict("imports.venue_closed")

    settings: Settings = current_app.config["ANJU"]
    data = read_upload(upload, settings.upload_max_content_length)
    try:
        sheet = spreadsheet.inspect(data)
    except SheetRefused as refusal:
        raise field_error("file", refusal.code, **refusal.params) from None

    batch = store_import(actor, venue, upload.filename, data, sheet, validate_only)
    # The thread needs the application itself, not the request's proxy.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    process_in_background(app, batch.id)
    return batch


def store_import(
    actor: Actor,
    venue: Venue,
    file_name: str | None,
    data: bytes,
    sheet: Sheet,
    validate_only: bool,
) -> Import:
    """Store the file, then the queued import (so whoever claims it finds the
    file), and audit the upload."""
    import_id = ObjectId()
    ring = keyring()
    chunks = [
        ImportFile(
            import_id=import_id,
            n=n,
            sealed=ring.encrypt(
                base64.b64encode(data[start : start + CHUNK_BYTES]).decode(),
                FILE_CONTEXT,
            ),
        ).to_mongo()
        for n, start in enumerate(range(0, len(data), CHUNK_BYTES))
    ]
    ImportFile._get_collection().insert_many(chunks)

    who = audit_actor(actor, PERMISSION)
    batch = Import(
        id=import_id,
        venue=venue.id,
        venue_name=venue.name,
        file_name=_safe_file_name(file_name),
        file_type=sheet.kind,
        file_size=len(data),
        validate_only=validate_only,
        state="queued",
        total_rows=sheet.total_rows,
        layout={
            "sheet_index": sheet.sheet_index,
            "header_row": sheet.header_row,
            "columns": sheet.columns,
        },
        created_by=actor.account_id,
        created_by_name=actor.display_name,
        created_by_role=who.role if who else None,
        created_by_org=who.organization if who else None,
        scope_keys=venue_keys(venue),
        created_at=datetime.now(UTC),
    )
    batch.save(force_insert=True)

    record(
        "import.create",
        actor=who,
        resource_type="import",
        resource_id=str(batch.id),
        details={
            "venue": str(venue.id),
            "file_type": sheet.kind,
            "rows": sheet.total_rows,
            "validate_only": validate_only,
        },
    )
    logger.info(
        "import stored",
        extra={"import_id": str(batch.id), "rows": sheet.total_rows},
    )
    return batch


def process_in_background(app: Flask, import_id: ObjectId) -> threading.Thread:
    thread = threading.Thread(
        target=_process_in_app,
        args=(app, import_id),
        name=f"import-{import_id}",
        daemon=True,
    )
    thread.start()
    return thread


def _process_in_app(app: Flask, import_id: ObjectId) -> None:
    with app.app_context():
        try:
            process(import_id)
        except Exception:
            # The worker takes a stopped import over; nothing to answer here.
            logger.exception(
                "import thread failed", extra={"import_id": str(import_id)}
            )


# --- claiming


def _claim(query: dict[str, Any], token: str) -> Import | None:
    now = datetime.now(UTC)
    document = Import._get_collection().find_one_and_update(
        query,
        {
            "$set": {
                "state": "running",
                "claim": token,
                "heartbeat_at": now,
                "started_at": now,
            },
            "$inc": {"attempts": 1},
        },
        sort=[("created_at", 1)],
        return_document=ReturnDocument.AFTER,
    )
    return Import._from_son(document) if document else None


def process(import_id: ObjectId) -> bool:
    """Claim a queued import and process it; False if another process has."""
    token = uuid.uuid4().hex
    batch = _claim({"_id": ObjectId(import_id), "state": "queued"}, token)
    if batch is None:
        return False
    _run(batch, token)
    return True


def resume_imports(settings: Settings, limit: int = 2) -> int:
    """The worker's job: imports left queued, or running without a heartbeat
    for a while (their process stopped), processed here."""
    done = 0
    for _ in range(limit):
        now = datetime.now(UTC)
        token = uuid.uuid4().hex
        batch = _claim(
            {
                "$or": [
                    {"state": "queued", "created_at": {"$lte": now - QUEUED_GRACE}},
                    {"state": "running", "heartbeat_at": {"$lte": now - STALE_AFTER}},
                ]
            },
            token,
        )
        if batch is None:
            break

        if batch.attempts > MAX_ATTEMPTS:
            # It stopped its process every time: do not try a fourth.
            _fail(batch, token, "imports.failed")
        else:
            logger.info("import resumed", extra={"import_id": str(batch.id)})
            _run(batch, token)
        done += 1
    return done


# --- processing


class _OneBehind:
    """Steps done in order by a thread of their own, one behind the caller:
    a step is handed over once the one before it is done (its error raised
    to the caller then), so the caller prepares the next meanwhile."""

    def __init__(self, name: str) -> None:
        self._pool = ThreadPoolExecutor(1, thread_name_prefix=name)
        self._pending: Future[Any] | None = None

    def submit(self, step: Callable[..., Any], *args: Any) -> None:
        self.wait()
        self._pending = self._pool.submit(step, *args)

    def wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def _record_audit(entries: list[dict[str, Any]]) -> None:
    # In small runs: the chain takes one writer at a time, and the web
    # process's requests must not wait long for their own entries.
    for start in range(0, len(entries), AUDIT_RUN):
        record_many(entries[start : start + AUDIT_RUN])


@dataclass
class _Counts:
    """How far an import got. The rows checked are counted by the thread
    reading the file, the rows written by the thread writing them."""

    processed: int = 0
    valid: int = 0
    invalid: int = 0
    imported: int = 0
    duplicates: int = 0
    people_created: int = 0
    seen: dict[str, int] = field(default_factory=dict)  # blind index -> row
    # The database work, in two stages one behind the other: the rows of a
    # batch are written while the next batch is read and checked, and their
    # audit entries appended while the batch after that is written.
    writes: _OneBehind = field(default_factory=lambda: _OneBehind("import-write"))
    audit: _OneBehind = field(default_factory=lambda: _OneBehind("import-audit"))


def _load_file(import_id: ObjectId) -> bytes:
    ring = keyring()
    chunks = ImportFile._get_collection().find(
        {"import_id": import_id}, sort=[("n", 1)]
    )
    return b"".join(
        base64.b64decode(ring.decrypt(chunk["sealed"], FILE_CONTEXT))
        for chunk in chunks
    )


def _sheet(batch: Import) -> Sheet:
    layout = batch.layout or {}
    return Sheet(
        kind=batch.file_type,
        sheet_index=int(layout.get("sheet_index", 0)),
        header_row=int(layout.get("header_row", 1)),
        columns={name: int(place) for name, place in layout["columns"].items()},
        total_rows=batch.total_rows,
    )


def _run(batch: Import, token: str) -> None:
    try:
        data = _load_file(batch.id)
        if not data:
            raise SheetRefused("imports.file_empty")
        counts = _import_rows(batch, token, data)
    except ClaimLost:
        logger.warning("import taken over", extra={"import_id": str(batch.id)})
        return
    except SheetRefused as refusal:
        _fail(batch, token, refusal.code)
        return
    except DATABASE_DOWN:
        # Left running: once the database is back, the worker takes it over.
        logger.warning("import interrupted", extra={"import_id": str(batch.id)})
        return
    except Exception:
        logger.exception("import failed", extra={"import_id": str(batch.id)})
        _fail(batch, token, "imports.failed")
        return

    _finish(batch, token, counts)


def _check_and_write(batch: Import, token: str, data: bytes, counts: _Counts) -> None:
    ImportProblem._get_collection().delete_many({"import_id": batch.id})
    today = datetime.now(CHINA_TIME).date()
    ring = keyring()
    good: list[tuple[str, StaffRow]] = []
    problems: list[Problem] = []

    for number, cells in spreadsheet.data_rows(data, _sheet(batch)):
        staff, row_problems = check_row(number, cells, today)
        if staff is not None:
            index = ring.blind_index(staff.facts.number, "id_number")
            first = counts.seen.setdefault(index, number)
            if first != number:
                shown = mask_id_number(staff.facts.number)
                code = "imports.duplicate_in_file"
                row_problems = [
                    Problem(number, "id_number", shown, code, {"row": first})
                ]
                staff = None
        counts.processed += 1

        if staff is None:
            counts.invalid += 1
            problems.extend(row_problems)
        else:
            counts.valid += 1
            good.append((index, staff))

        if counts.processed % BATCH_ROWS == 0:
            _hand_over(batch, token, counts, good, problems)
            good, problems = [], []

    _hand_over(batch, token, counts, good, problems)


def _hand_over(
    batch: Import,
    token: str,
    counts: _Counts,
    good: list[tuple[str, StaffRow]],
    problems: list[Problem],
) -> None:
    """Give a checked batch to the writing thread, with the records its rows
    would create drafted here (encrypting and building documents take about
    as long as writing them: done meanwhile)."""
    drafts = {} if batch.validate_only else _draft_rows(batch, good)
    checked = (counts.processed, counts.valid, counts.invalid)
    counts.writes.submit(_flush, batch, token, counts, checked, good, drafts, problems)


@dataclass
class _Draft:
    """What a row creates when its person is new: the person, and the
    employment of that person, each with the document to insert."""

    person: dict[str, Any]
    employment: Employment
    document: dict[str, Any]


def _draft_rows(batch: Import, good: list[tuple[str, StaffRow]]) -> dict[str, _Draft]:
    keys = batch.scope_keys
    now = datetime.now(UTC)
    drafts = {}
    for index, staff in good:
        person = new_person(
            staff.name, staff.facts, staff.phone, keys, "import", batch.created_by
        )
        employment = _employment(batch, staff, person.id, None, now)
        drafts[index] = _Draft(
            person.to_mongo().to_dict(),
            employment,
            employment.to_mongo().to_dict(),
        )
    return drafts


def _import_rows(batch: Import, token: str, data: bytes) -> _Counts:
    counts = _Counts()
    try:
        _check_and_write(batch, token, data, counts)
        counts.writes.wait()
        counts.audit.wait()
    finally:
        counts.writes.close()
        counts.audit.close()
    return counts


def _flush(
    batch: Import,
    token: str,
    counts: _Counts,
    checked: tuple[int, int, int],
    good: list[tuple[str, StaffRow]],
    drafts: dict[str, _Draft],
    problems: list[Problem],
) -> None:
    """Write one batch of checked rows and their problems, then the progress
    (``checked``: rows processed, valid and invalid up to this batch)."""
    processed, valid, invalid = checked
    if good:
        problems = problems + _write_rows(batch, counts, good, drafts)
    if problems:
        _insert_unordered(
            ImportProblem._get_collection(),
            [
                ImportProblem(
                    import_id=batch.id,
                    row=problem.row,
                    column=problem.column,
                    position=problem.position,
                    value=problem.value,
                    code=problem.code,
                    params=problem.params,
                ).to_mongo()
                for problem in problems
            ],
        )

    progress = Import.objects(id=batch.id, claim=token).update_one(
        set__processed_rows=processed,
        set__valid=valid,
        set__imported=counts.imported,
        set__duplicates=counts.duplicates,
        set__invalid=invalid,
        set__people_created=counts.people_created,
        set__heartbeat_at=datetime.now(UTC),
    )
    if not progress:
        raise ClaimLost()


def _uploader(batch: Import) -> AuditActor:
    return AuditActor(batch.created_by, batch.created_by_role, batch.created_by_org)


def _write_rows(
    batch: Import,
    counts: _Counts,
    good: list[tuple[str, StaffRow]],
    drafts: dict[str, _Draft],
) -> list[Problem]:
    """People and employments for one batch of good rows; answers the rows
    not imported because they are already registered at the venue."""
    # Most rows of an import are people not seen before: inserting straight
    # away and looking up only those refused as already known saves a read
    # per row (a check changes nothing, so it reads first).
    created: list[str] = []
    if batch.validate_only:
        people = _people_by_index([index for index, _ in good])
    else:
        people = {}
        created = _create_people(drafts, people)
    counts.people_created += len(created)

    # A person created just now has no employment yet: only those known
    # before may already work here (the unique active_key still decides).
    venue_id = str(batch.venue)
    fresh = set(created)
    keys = {
        index: f"{people[index]['_id']}:{venue_id}"
        for index, _ in good
        if index in people and index not in fresh
    }
    active = {
        document["active_key"]: document
        for document in _find_in(
            Employment._get_collection(),
            "active_key",
            list(keys.values()),
            {"active_key": 1, "import_batch": 1},
        )
    }

    problems: list[Problem] = []
    to_employ: list[tuple[str, StaffRow]] = []
    for index, staff in good:
        held = active.get(keys.get(index, ""))
        if held is None:
            to_employ.append((index, staff))
        elif held.get("import_batch") == batch.id:
            counts.imported += 1  # written by an earlier attempt at this import
        else:
            counts.duplicates += 1
            problems.append(_already_registered(staff))

    if batch.validate_only:
        return problems

    employed, taken = _create_employments(batch, to_employ, people, drafts)
    counts.imported += len(employed)
    counts.duplicates += len(taken)
    problems += [_already_registered(staff) for staff in taken]

    _link_people(batch, people, employed, set(created), dict(good))
    problems += _alert_mismatches(batch, employed, dict(good))
    entries = _audit_entries(batch, people, created, employed)
    if entries:
        counts.audit.submit(_record_audit, entries)
    return problems


def _alert_mismatches(
    batch: Import, employed: list[tuple[str, Employment]], rows: dict[str, StaffRow]
) -> list[Problem]:
    """An alert for the area's officers for each row whose name contradicts
    the one on record, and a line in the report (the row is imported)."""
    now = datetime.now(UTC)
    place_keys = [key for key in batch.scope_keys if not key.startswith("person:")]
    mismatched = [(i, e) for i, e in employed if e.name_mismatch]
    if mismatched:
        Alert._get_collection().insert_many(
            [
                Alert(
                    kind="id_mismatch",
                    person=employment.person,
                    resource_type="employment",
                    resource_id=str(employment.id),
                    scope_keys=place_keys,
                    created_at=now,
                ).to_mongo()
                for _, employment in mismatched
            ]
        )
    return [
        Problem(
            rows[index].row,
            "name",
            mask_name(rows[index].name),
            "imports.name_mismatch",
        )
        for index, _ in mismatched
    ]


def _already_registered(staff: StaffRow) -> Problem:
    shown = mask_id_number(staff.facts.number)
    return Problem(staff.row, "id_number", shown, "imports.already_registered")


def _find_in(
    collection: Any, name: str, values: list[Any], projection: dict[str, int]
) -> Iterator[dict[str, Any]]:
    """Documents whose ``name`` is one of ``values``, asked in runs: the
    embedded database answers ten runs of 50 several times faster than one
    ``$in`` of 500 (measured; MongoDB does not mind either way)."""
    for start in range(0, len(values), IN_RUN):
        run = values[start : start + IN_RUN]
        yield from collection.find({name: {"$in": run}}, projection)


def _people_by_index(indexes: list[str]) -> dict[str, dict[str, Any]]:
    found = _find_in(
        Person._get_collection(),
        "id_number_index",
        indexes,
        {"_id": 1, "id_number_index": 1, "phone_index": 1, "name": 1},
    )
    return {document["id_number_index"]: document for document in found}


def _create_people(
    drafts: dict[str, _Draft], people: dict[str, dict[str, Any]]
) -> list[str]:
    """Insert the drafted people not in ``people``; answers the blind indexes
    of those created. Those already on record (the unique blind index refuses
    them) are read and added to ``people``, to be linked instead."""
    fresh = {
        index: draft.person for index, draft in drafts.items() if index not in people
    }
    if not fresh:
        return []

    documents = list(fresh.values())
    failed = _insert_unordered(Person._get_collection(), documents)
    if failed:
        people.update(
            _people_by_index([documents[i]["id_number_index"] for i in failed])
        )

    created = []
    for place, (index, document) in enumerate(fresh.items()):
        if place in failed:
            continue
        # No name on record: a person created here cannot contradict it.
        people[index] = {"_id": document["_id"], "id_number_index": index}
        created.append(index)
    return created


def _insert_unordered(collection: Any, documents: list[dict[str, Any]]) -> set[int]:
    """Insert all it can; answers the places of those refused as duplicates.
    In runs, so no one command nears the socket timeout on a slow database."""
    refused: set[int] = set()
    for start in range(0, len(documents), INSERT_RUN):
        try:
            collection.insert_many(documents[start : start + INSERT_RUN], ordered=False)
        except BulkWriteError as error:
            errors = error.details.get("writeErrors", [])
            if any(item.get("code") != DUPLICATE_KEY for item in errors):
                raise
            refused.update(start + item["index"] for item in errors)
    return refused


def _employment(
    batch: Import,
    staff: StaffRow,
    person_id: ObjectId,
    on_record: str | None,
    now: datetime,
) -> Employment:
    """A row's active employment of ``person_id`` (``on_record``: the name
    already on record for that person, if any)."""
    return Employment(
        id=ObjectId(),
        person=person_id,
        venue=batch.venue,
        kind=staff.kind,
        job=staff.job,
        start_date=staff.start_date,
        state="active",
        channel="import",
        registered_by=batch.created_by,
        import_batch=batch.id,
        # The ID number is on record under another name: whoever wrote this
        # name, it does not belong to this number.
        name_mismatch=on_record is not None and on_record != staff.name,
        active_key=f"{person_id}:{batch.venue}",
        scope_keys=sorted({*batch.scope_keys, f"person:{person_id}"}),
        created_at=now,
        updated_at=now,
    )


def _create_employments(
    batch: Import,
    to_employ: list[tuple[str, StaffRow]],
    people: dict[str, dict[str, Any]],
    drafts: dict[str, _Draft],
) -> tuple[list[tuple[str, Employment]], list[StaffRow]]:
    """One active employment per row (the drafted one when its person was
    created from the same draft); answers those made and the rows whose
    person was registered at the venue meanwhile."""
    now = datetime.now(UTC)
    made: list[tuple[str, Employment]] = []
    documents: list[dict[str, Any]] = []
    for index, staff in to_employ:
        person_id = people[index]["_id"]
        draft = drafts.get(index)
        if draft is not None and draft.person["_id"] == person_id:
            employment, document = draft.employment, draft.document
        else:
            on_record = people[index].get("name")
            employment = _employment(batch, staff, person_id, on_record, now)
            document = employment.to_mongo().to_dict()
        made.append((index, employment))
        documents.append(document)

    failed = _insert_unordered(Employment._get_collection(), documents)
    employed = [pair for place, pair in enumerate(made) if place not in failed]
    taken = [to_employ[place][1] for place in sorted(failed)]
    return employed, taken


def _link_people(
    batch: Import,
    people: dict[str, dict[str, Any]],
    employed: list[tuple[str, Employment]],
    created: set[str],
    rows: dict[str, StaffRow],
) -> None:
    """People known before now work here too: the venue's keys join theirs,
    and a phone they had not given yet is kept."""
    linked = [index for index, _ in employed if index not in created]
    if not linked:
        return
    collection = Person._get_collection()
    ids = [people[index]["_id"] for index in linked]
    for start in range(0, len(ids), IN_RUN):
        collection.update_many(
            {"_id": {"$in": ids[start : start + IN_RUN]}},
            {
                "$addToSet": {"scope_keys": {"$each": batch.scope_keys}},
                "$set": {"updated_at": datetime.now(UTC)},
            },
        )

    ring = keyring()
    for index in linked:
        phone = rows[index].phone
        if phone and not people[index].get("phone_index"):
            collection.update_one(
                {"_id": people[index]["_id"], "phone_index": None},
                {
                    "$set": {
                        "phone_encrypted": ring.encrypt(phone, PHONE_CONTEXT),
                        "phone_index": ring.blind_index(phone, "phone"),
                        "phone_masked": mask_phone(phone),
                    }
                },
            )


def _audit_entries(
    batch: Import,
    people: dict[str, dict[str, Any]],
    created: list[str],
    employed: list[tuple[str, Employment]],
) -> list[dict[str, Any]]:
    """One entry per imported row, as for a registration one by one: the
    employment, naming whether its person was created with it."""
    actor = _uploader(batch)
    fresh = set(created)
    return [
        {
            "action": "employment.create",
            "actor": actor,
            "resource_type": "employment",
            "resource_id": str(employment.id),
            "subject_person": str(people[index]["_id"]),
            "details": {
                "channel": "import",
                "venue": str(batch.venue),
                "import_id": str(batch.id),
                "person_created": index in fresh,
                "name_mismatch": bool(employment.name_mismatch),
                "self": False,
            },
        }
        for index, employment in employed
    ]


def _still_ours(batch: Import, token: str) -> bool:
    renewed = Import.objects(id=batch.id, claim=token).update_one(
        set__heartbeat_at=datetime.now(UTC)
    )
    if not renewed:
        logger.warning("import taken over", extra={"import_id": str(batch.id)})
    return bool(renewed)


def _finish(batch: Import, token: str, counts: _Counts) -> None:
    """Remove the file and audit, then say done: whoever sees the import done
    finds everything about it written."""
    if not _still_ours(batch, token):
        return
    ImportFile._get_collection().delete_many({"import_id": batch.id})
    record(
        "import.done",
        actor=_uploader(batch),
        resource_type="import",
        resource_id=str(batch.id),
        details={
            "venue": str(batch.venue),
            "validate_only": batch.validate_only,
            "rows": counts.processed,
            "imported": counts.imported,
            "duplicates": counts.duplicates,
            "invalid": counts.invalid,
            "people_created": counts.people_created,
        },
    )

    Import.objects(id=batch.id, claim=token).update_one(
        set__state="done",
        set__finished_at=datetime.now(UTC),
        unset__claim=True,
    )
    logger.info(
        "import done",
        extra={
            "import_id": str(batch.id),
            "rows": counts.processed,
            "imported": counts.imported,
            "invalid": counts.invalid,
        },
    )


def _fail(batch: Import, token: str, code: str) -> None:
    if not _still_ours(batch, token):
        return
    ImportFile._get_collection().delete_many({"import_id": batch.id})
    record(
        "import.failed",
        actor=_uploader(batch),
        resource_type="import",
        resource_id=str(batch.id),
        outcome="failed",
        details={"venue": str(batch.venue), "code": code},
    )

    Import.objects(id=batch.id, claim=token).update_one(
        set__state="failed",
        set__error_code=code,
        set__finished_at=datetime.now(UTC),
        unset__claim=True,
    )


# --- reading


def get_import(import_id: str) -> Import:
    return scoped_get(Import, PERMISSION, import_id)


def list_imports(
    actor: Actor, venue_id: str, cursor: str | None, limit: int
) -> tuple[list[Import], str | None]:
    venue = venue_for_imports(actor, venue_id)
    query = scoped(Import, PERMISSION, actor).filter(venue=venue.id)
    return newest_first(query, cursor, limit)


REPORT_HEADERS = {
    "zh": ("行", "列", "值(脱敏)", "原因"),
    "en": ("Row", "Column", "Value (masked)", "Reason"),
}


@dataclass(frozen=True)
class ReportLine:
    row: int
    column: str
    value: str
    reason: str


def report_lines(actor: Actor, batch: Import, language: str) -> Iterator[ReportLine]:
    """Every refused cell and every row not imported, in the file's order."""
    if batch.state in ("queued", "running"):
        raise Conflict("imports.not_finished")

    record(
        "import.report",
        actor=audit_actor(actor, PERMISSION),
        resource_type="import",
        resource_id=str(batch.id),
    )
    return _lines(batch, language)


def _lines(batch: Import, language: str) -> Iterator[ReportLine]:
    problems = ImportProblem._get_collection().find(
        {"import_id": batch.id}, sort=[("row", 1), ("position", 1)]
    )
    for problem in problems:
        yield ReportLine(
            row=problem["row"],
            column=problem.get("column") or "",
            value=problem.get("value") or "",
            reason=translate(problem["code"], language, **problem.get("params", {})),
        )


def _cell_text(text: str) -> str:
    # A value that a spreadsheet would run as a formula is shown as text.
    return "'" + text if text.startswith(_SPREADSHEET_FORMULA) else text


def report_csv(lines: Iterator[ReportLine], language: str) -> bytes:
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\r\n")
    writer.writerow(REPORT_HEADERS[language])
    for line in lines:
        writer.writerow(
            (line.row, line.column, _cell_text(line.value), _cell_text(line.reason))
        )
    # With a byte-order mark, so that Excel reads the Chinese text as UTF-8.
    return ("\ufeff" + output.getvalue()).encode("utf-8")


def report_xlsx(lines: Iterator[ReportLine], language: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("报告" if language == "zh" else "Report")
    sheet.append(REPORT_HEADERS[language])
    for line in lines:
        # openpyxl writes a text starting with "=" as a formula: not these.
        sheet.append((line.row, line.column, _cell_text(line.value), line.reason))

    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()

"""``Idempotency-Key`` on creating POSTs.

The same key with the same body within the retention window answers with the
first response, without doing the work again; the same key with another body is
refused. The app's offline queue relies on this: it resends a stored form with
its key until the server has answered once.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import mongoengine as me
from bson import Binary
from flask import current_app, g, request
from pymongo.errors import DuplicateKeyError

from anju.common.errors import Conflict, InvalidInput, field_error
from anju.db import Document

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,128}$")
HEADER = "Idempotency-Key"
_REPLAYED_HEADERS = ("Location", "ETag", "Content-Type")


class IdempotencyRecord(Document):
    """One key's first answer, kept for the retention window."""

    id = me.StringField(primary_key=True)
    body_hash = me.StringField(required=True)
    state = me.StringField(choices=("in_progress", "done"), required=True)
    status = me.IntField()
    response_body = me.BinaryField()
    response_headers = me.DictField()
    created_at = me.DateTimeField(required=True)
    expires_at = me.DateTimeField(required=True)

    meta = {
        "collection": "idempotency_keys",
        "indexes": [{"fields": ["expires_at"], "expireAfterSeconds": 0}],
    }


def _scoped_id(key: str) -> str:
    actor = g.get("account_id") or "anonymous"
    scope = f"{actor}\n{request.method}\n{request.path}\n{key}"
    return hashlib.sha256(scope.encode()).hexdigest()


def _replay(record: Mapping[str, Any]) -> Any:
    response = current_app.response_class(
        record.get("response_body"), status=record.get("status")
    )
    for name, value in (record.get("response_headers") or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _answer_again(record: Mapping[str, Any], body_hash: str) -> Any:
    """The answer to a key seen before: its first response, or a refusal when
    the body differs or the first request is still running."""
    if record.get("body_hash") != body_hash:
        raise InvalidInput("error.idempotency_mismatch")
    if record.get("state") != "done":
        raise Conflict("error.idempotency_in_progress")
    return _replay(record)


def _done(response: Any) -> dict[str, Any]:
    return {
        "state": "done",
        "status": response.status_code,
        "response_body": Binary(response.get_data()),
        "response_headers": {
            name: response.headers[name]
            for name in _REPLAYED_HEADERS
            if name in response.headers
        },
    }


def _body_hash() -> str:
    """What makes two requests the same. A form upload's raw body differs
    each time a browser sends it (a random boundary), so for one it is the
    fields and the files' names and bytes."""
    if request.mimetype != "multipart/form-data":
        return hashlib.sha256(request.get_data()).hexdigest()

    digest = hashlib.sha256()
    for name, value in sorted(request.form.items(multi=True)):
        digest.update(f"field\0{name}\0{value}\0".encode())
    for name, upload in sorted(request.files.items(multi=True), key=lambda i: i[0]):
        digest.update(f"file\0{name}\0{upload.filename}\0".encode())
        stream = upload.stream
        while chunk := stream.read(1 << 16):
            digest.update(chunk)
        stream.seek(0)
    return digest.hexdigest()


def idempotent(view: Callable[..., Any] | None = None, *, reserve: bool = True) -> Any:
    """Wrap a creating view; place it directly under ``@blp.route``.

    By default the key is reserved before the view runs, so a second request
    with it, arriving while the first still runs, is refused
    (``error.idempotency_in_progress``) instead of doing the work twice.

    ``reserve=False`` is for a view whose own unique keys already settle two
    racing requests (a registration: one active employment per person and
    venue), so that twins both answer the same record: the key is only looked
    up before and the first answer stored after, a read and an insert instead
    of an insert and an update on every request.
    """
    if view is None:
        return functools.partial(idempotent, reserve=reserve)

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not KEY_PATTERN.match(key):
            raise field_error(HEADER, "error.idempotency_key")

        record: dict[str, Any] = {"_id": _scoped_id(key), "body_hash": _body_hash()}
        now = datetime.now(UTC)
        ttl = timedelta(hours=current_app.config["ANJU"].idempotency_ttl_hours)
        record.update(created_at=now, expires_at=now + ttl)
        if reserve:
            return _reserved(view, record, args, kwargs)
        return _settled_by_view(view, record, args, kwargs)

    wrapper._idempotent = True  # type: ignore[attr-defined]  # read by the docs
    return wrapper


def _reserved(
    view: Callable[..., Any], record: dict[str, Any], args: Any, kwargs: Any
) -> Any:
    records = IdempotencyRecord._get_collection()
    try:
        records.insert_one({**record, "state": "in_progress"})
    except DuplicateKeyError:
        first = records.find_one({"_id": record["_id"]})
        if first is None:  # expired between the insert and the read
            return _reserved(view, record, args, kwargs)
        return _answer_again(first, record["body_hash"])

    try:
        response = current_app.make_response(view(*args, **kwargs))
    except BaseException:
        records.delete_one({"_id": record["_id"]})
        raise

    if 200 <= response.status_code < 300:
        records.update_one({"_id": record["_id"]}, {"$set": _done(response)})
    else:
        records.delete_one({"_id": record["_id"]})
    return response


def _settled_by_view(
    view: Callable[..., Any], record: dict[str, Any], args: Any, kwargs: Any
) -> Any:
    records = IdempotencyRecord._get_collection()
    first = records.find_one({"_id": record["_id"]})
    if first is not None:
        return _answer_again(first, record["body_hash"])

    response = current_app.make_response(view(*args, **kwargs))
    if 200 <= response.status_code < 300:
        # A twin that stored its answer first keeps it: the one replayed.
        with contextlib.suppress(DuplicateKeyError):
            records.insert_one({**record, **_done(response)})
    return response

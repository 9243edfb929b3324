"""``Idempotency-Key`` on creating POSTs.

The same key with the same body within the retention window answers with the
first response, without doing the work again; the same key with another body is
refused. The app's offline queue relies on this: it resends a stored form with
its key until the server has answered once.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import mongoengine as me
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


def _replay(record: IdempotencyRecord) -> Any:
    response = current_app.response_class(record.response_body, status=record.status)
    for name, value in (record.response_headers or {}).items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


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


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a creating view; place it directly under ``@blp.route``."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not KEY_PATTERN.match(key):
            raise field_error(HEADER, "error.idempotency_key")

        body_hash = _body_hash()
        record_id = _scoped_id(key)
        now = datetime.now(UTC)
        ttl = timedelta(hours=current_app.config["ANJU"].idempotency_ttl_hours)

        try:
            IdempotencyRecord(
                id=record_id,
                body_hash=body_hash,
                state="in_progress",
                created_at=now,
                expires_at=now + ttl,
            ).save(force_insert=True)
        except (me.NotUniqueError, DuplicateKeyError):
            first = IdempotencyRecord.objects(id=record_id).first()
            if first is None:  # expired between the insert and the read
                return wrapper(*args, **kwargs)
            if first.body_hash != body_hash:
                raise InvalidInput("error.idempotency_mismatch") from None
            if first.state != "done":
                raise Conflict("error.idempotency_in_progress") from None
            return _replay(first)

        try:
            response = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            IdempotencyRecord.objects(id=record_id).delete()
            raise

        if 200 <= response.status_code < 300:
            IdempotencyRecord.objects(id=record_id).update_one(
                set__state="done",
                set__status=response.status_code,
                set__response_body=response.get_data(),
                set__response_headers={
                    name: response.headers[name]
                    for name in _REPLAYED_HEADERS
                    if name in response.headers
                },
            )
        else:
            IdempotencyRecord.objects(id=record_id).delete()
        return response

    wrapper._idempotent = True  # type: ignore[attr-defined]  # read by the docs
    return wrapper

"""Signed codes for venues and rooms: short enough for a QR code that scans
from a metre away, and impossible to forge or alter without the server's key.

A token is URL-safe base64 of ``kind (1 byte) | object id (12) | version (2)``
followed by the first 12 bytes of an HMAC-SHA256 over them: 36 characters in
all. The version is the record's current code version; re-issuing a code bumps
it, so an old printed code still verifies but no longer matches the record.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

from bson import ObjectId
from bson.errors import InvalidId

KINDS = {"venue": b"V", "room": b"R"}
_KIND_BY_BYTE = {value: key for key, value in KINDS.items()}
_PAYLOAD = 1 + 12 + 2
_MAC = 12
_DOMAIN = b"anju-code-v1|"


class BadCode(Exception):
    """The token was not made by this server, or was altered."""


@dataclass(frozen=True)
class CodeClaims:
    kind: str  # venue | room
    object_id: str
    version: int


def _mac(key: str, payload: bytes) -> bytes:
    return hmac.new(key.encode(), _DOMAIN + payload, hashlib.sha256).digest()[:_MAC]


def sign(kind: str, object_id: str, version: int, key: str) -> str:
    """The token for a venue's or a room's code at ``version``."""
    if kind not in KINDS:
        raise ValueError(f"unknown code kind {kind!r}")
    if not 1 <= version < 2**16:
        raise ValueError("code version out of range")
    try:
        oid = ObjectId(object_id).binary
    except (InvalidId, TypeError) as error:
        raise ValueError("not an object id") from error

    payload = KINDS[kind] + oid + version.to_bytes(2, "big")
    raw = payload + _mac(key, payload)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def verify(token: str, key: str) -> CodeClaims:
    """The claims of a token made with ``key``; :class:`BadCode` otherwise."""
    if not isinstance(token, str) or len(token) != 36:
        raise BadCode("length")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError) as error:
        raise BadCode("encoding") from error
    if len(raw) != _PAYLOAD + _MAC:
        raise BadCode("length")

    payload, mac = raw[:_PAYLOAD], raw[_PAYLOAD:]
    if not hmac.compare_digest(mac, _mac(key, payload)):
        raise BadCode("signature")
    kind = _KIND_BY_BYTE.get(payload[:1])
    if kind is None:
        raise BadCode("kind")

    return CodeClaims(
        kind=kind,
        object_id=str(ObjectId(payload[1:13])),
        version=int.from_bytes(payload[13:15], "big"),
    )


def code_number(kind: str, object_id: str, version: int) -> str:
    """The short number printed under a code, to quote on the phone: the kind's
    letter, the last six hex digits of the id and the version (``V-3F9A2C-2``)."""
    if kind not in KINDS:
        raise ValueError(f"unknown code kind {kind!r}")
    return f"{KINDS[kind].decode()}-{str(object_id)[-6:].upper()}-{version}"

"""How requests to the ID authority are signed and checked.

The client signs with :func:`signed_headers`; a server checks with
:func:`check_signature` and then refuses a nonce it has already seen. The string
signed is ``timestamp + "\\n" + nonce + "\\n" + sha256-hex(body)``, with
HMAC-SHA256 under the shared secret. docs/id-authority.md has a worked example.
"""

import hashlib
import hmac
import re
import secrets
import time
from enum import StrEnum

VERIFICATIONS_PATH = "/v1/verifications"

TIMESTAMP_HEADER = "X-Anju-Timestamp"
NONCE_HEADER = "X-Anju-Nonce"
SIGNATURE_HEADER = "X-Anju-Signature"

MAX_CLOCK_SKEW = 300
"""Seconds a request's timestamp may differ from the server's clock, either way."""

_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_NONCE = re.compile(r"[A-Za-z0-9_-]{1,128}")
_SIGNATURE = re.compile(r"[0-9a-fA-F]{64}")


class Result(StrEnum):
    """The answers the authority gives to a well-formed, authentic request."""

    MATCH = "match"
    MISMATCH = "mismatch"
    NOT_FOUND = "not_found"


class Rejection(StrEnum):
    """Why a server refuses a request's signature headers (HTTP 401)."""

    BAD_HEADERS = "bad_headers"
    BAD_SIGNATURE = "bad_signature"
    STALE_TIMESTAMP = "stale_timestamp"
    REPLAYED_NONCE = "replayed_nonce"


def sign(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    """Return the hex signature of one request."""
    body_digest = hashlib.sha256(body).hexdigest()
    message = f"{timestamp}\n{nonce}\n{body_digest}".encode("ascii")

    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str,
    body: bytes,
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Return the three signature headers for sending ``body`` at ``now``.

    ``now`` and ``nonce`` default to the current time and a fresh random value;
    tests pass them to build stale or replayed requests.
    """
    timestamp = str(int(time.time() if now is None else now))
    nonce = secrets.token_hex(16) if nonce is None else nonce

    return {
        TIMESTAMP_HEADER: timestamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: sign(secret, timestamp, nonce, body),
    }


def check_signature(
    secret: str,
    body: bytes,
    timestamp: str,
    nonce: str,
    signature: str,
    now: float,
) -> Rejection | None:
    """Return why the headers do not authenticate ``body``, or None if they do.

    A missing header is passed as an empty string.

    Remembering nonces is the server's part: this checks form, signature and
    clock only, so a caller must still refuse a nonce it has already accepted.
    """
    well_formed = (
        _TIMESTAMP.fullmatch(timestamp)
        and _NONCE.fullmatch(nonce)
        and _SIGNATURE.fullmatch(signature)
    )
    if not well_formed:
        return Rejection.BAD_HEADERS

    expected = sign(secret, timestamp, nonce, body)
    if not hmac.compare_digest(expected, signature.lower()):
        return Rejection.BAD_SIGNATURE

    if abs(now - int(timestamp)) > MAX_CLOCK_SKEW:
        return Rejection.STALE_TIMESTAMP

    return None

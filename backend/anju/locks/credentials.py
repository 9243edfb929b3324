"""Signed credentials and revocation lists: compact JWS, EdDSA (Ed25519).

A lock holds only the server's public key and its key epoch. It verifies each
credential itself against its own clock, so a credential still expires at the
tenancy's end when the lock cannot reach the server.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from anju.config import Settings

ALGORITHM = "EdDSA"
CREDENTIAL_TYPE = "anju-credential"
REVOCATIONS_TYPE = "anju-revocations"


@functools.lru_cache(maxsize=8)
def private_key(encoded: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(encoded))


def signing_key(settings: Settings) -> Ed25519PrivateKey:
    return private_key(settings.lock_signing_key)


def public_key_pem(settings: Settings) -> str:
    public = signing_key(settings).public_key()
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_key(pem: str) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(pem.encode())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return key


def _sign(settings: Settings, claims: dict[str, Any], typ: str) -> str:
    headers = {"typ": typ, "kid": str(settings.lock_key_epoch)}
    return jwt.encode(claims, signing_key(settings), ALGORITHM, headers=headers)


def sign_credential(
    settings: Settings,
    *,
    serial: str,
    credential_id: str,
    kind: str,
    not_before: datetime,
    expires_at: datetime,
    epoch: int,
) -> str:
    claims = {
        "lock": serial,
        "cid": credential_id,
        "kind": kind,
        "nbf": int(not_before.timestamp()),
        "exp": int(expires_at.timestamp()),
        "epoch": epoch,
    }
    return _sign(settings, claims, CREDENTIAL_TYPE)


def sign_revocations(
    settings: Settings,
    *,
    serial: str,
    revoked: Sequence[str],
    seq: int,
    issued_at: datetime,
) -> str:
    claims = {
        "lock": serial,
        "revoked": sorted(revoked),
        "iat": int(issued_at.timestamp()),
        "seq": seq,
        "epoch": settings.lock_key_epoch,
    }
    return _sign(settings, claims, REVOCATIONS_TYPE)


def verify(token: str, public_key: Ed25519PublicKey, typ: str) -> dict[str, Any]:
    """The claims of a token signed by ``public_key``; the caller checks
    times against its own clock. Raises ``jwt.InvalidTokenError``."""
    header = jwt.get_unverified_header(token)
    if header.get("typ") != typ:
        raise jwt.InvalidTokenError("wrong token type")
    return jwt.decode(
        token,
        public_key,
        algorithms=[ALGORITHM],
        options={"verify_exp": False, "verify_nbf": False, "verify_iat": False},
    )

"""Field encryption and blind indexes for the most sensitive values.

ID numbers and phone numbers are stored only as AES-256-GCM ciphertext (with
the id of the key that made it, so keys can rotate) beside an HMAC-SHA256 blind
index under a separate key, which gives exact lookup and uniqueness without the
plaintext. Keys come from configuration (a KMS in production), never from the
database.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from anju.config import Settings

NONCE_BYTES = 12


class DecryptionError(ValueError):
    """A value could not be decrypted: unknown key id or tampered ciphertext."""


@dataclass(frozen=True)
class Keyring:
    current_kid: str
    keys: dict[str, bytes]
    index_key: bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> Keyring:
        keys = settings.id_keys()
        return cls(
            current_kid=keys[0][0],
            keys=dict(keys),
            index_key=settings.blind_index_key.encode(),
        )

    def encrypt(self, plaintext: str, context: str) -> str:
        """``kid.nonce.ciphertext`` in URL-safe base64; ``context`` is bound as
        associated data so a value cannot be moved to another field."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current_kid]).encrypt(
            nonce, plaintext.encode(), context.encode()
        )
        return ".".join(
            (self.current_kid, _b64(nonce), _b64(sealed)),
        )

    def decrypt(self, token: str, context: str) -> str:
        try:
            kid, nonce, sealed = token.split(".")
            key = self.keys[kid]
            plain = AESGCM(key).decrypt(_unb64(nonce), _unb64(sealed), context.encode())
        except Exception as error:  # any failure means "cannot read this value"
            raise DecryptionError("cannot decrypt value") from error
        return plain.decode()

    def key_id(self, token: str) -> str:
        return token.split(".", 1)[0]

    def blind_index(self, value: str, purpose: str) -> str:
        """A keyed, deterministic digest for exact lookup; ``purpose`` separates
        the index of an ID number from that of a phone with the same digits."""
        digest = hmac.new(
            self.index_key, f"{purpose}\x00{value}".encode(), hashlib.sha256
        )
        return digest.hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_keyring: Keyring | None = None


def init_keyring(settings: Settings) -> Keyring:
    global _keyring
    _keyring = Keyring.from_settings(settings)
    return _keyring


def keyring() -> Keyring:
    if _keyring is None:
        raise RuntimeError("the keyring is not initialised (create_app does it)")
    return _keyring

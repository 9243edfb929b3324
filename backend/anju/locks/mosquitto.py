"""Mosquitto's password file and ACL, written from the registered locks.

Mosquitto (2.x) hashes passwords as ``$7$<iterations>$<base64 salt>$<base64
PBKDF2-HMAC-SHA512>``, 12 bytes of salt and 101 iterations by default, as
``mosquitto_passwd`` writes them. Anju stores only that hash of each lock's
password, so the file can be written again at any time without the password.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

ITERATIONS = 101
SALT_BYTES = 12
TOPIC_ROOT = "anju/locks"


def password_hash(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, ITERATIONS)
    salt_text = base64.b64encode(salt).decode()
    return f"$7${ITERATIONS}${salt_text}${base64.b64encode(digest).decode()}"


def password_matches(password: str, stored: str) -> bool:
    _, kind, iterations, salt, digest = stored.split("$")
    if kind != "7":
        return False
    made = hashlib.pbkdf2_hmac(
        "sha512", password.encode(), base64.b64decode(salt), int(iterations)
    )
    return hmac.compare_digest(made, base64.b64decode(digest))


def gateway_user(mqtt_url: str) -> tuple[str, str] | None:
    """The gateway's user and password from ``mqtt://user:password@host``."""
    parts = urlsplit(mqtt_url)
    if not parts.username:
        return None
    return unquote(parts.username), unquote(parts.password or "")


def password_file(locks: Iterable[tuple[str, str]], gateway: tuple[str, str]) -> str:
    """``serial:hash`` per lock, and the gateway's line (hashed here)."""
    user, password = gateway
    lines = [f"{user}:{password_hash(password)}"]
    lines += [f"{serial}:{stored}" for serial, stored in locks]
    return "\n".join(lines) + "\n"


def acl_file(gateway_username: str) -> str:
    """A lock (user = its serial) reads its commands and writes its events and
    state only; the gateway reads and writes every lock's topics."""
    return (
        "# Written by `anju mosquitto-config`; do not edit by hand.\n"
        f"user {gateway_username}\n"
        f"topic readwrite {TOPIC_ROOT}/#\n"
        "\n"
        "# Every other user: its own topics only (%u is the user name).\n"
        f"pattern read {TOPIC_ROOT}/%u/commands\n"
        f"pattern write {TOPIC_ROOT}/%u/events\n"
        f"pattern readwrite {TOPIC_ROOT}/%u/state\n"
    )


def write_config(
    out_dir: Path, locks: Iterable[tuple[str, str]], gateway: tuple[str, str]
) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    passwords = out_dir / "passwords"
    acl = out_dir / "acl"
    passwords.write_text(password_file(locks, gateway))
    passwords.chmod(0o600)
    acl.write_text(acl_file(gateway[0]))
    return passwords, acl

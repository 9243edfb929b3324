"""Configuration: defaults in code, ``ANJU_*`` environment overrides, typed.

Settings are read once at start-up and are read-only afterwards. In production a
missing or default secret stops the start with a message naming it; in dev the
secrets are generated once under ``var/`` and reused on the next start.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

ENVIRONMENTS = ("dev", "test", "production")
# TODO: only the local outbox exists; a real SMS gateway adapter needs a
# provider's contract, which this project does not have yet.
SMS_PROVIDERS = ("outbox",)
REPO_ROOT = Path(__file__).resolve().parents[2]

# Secrets that must come from the environment (a KMS in production).
SECRET_KEYS = (
    "token_secret",
    "id_encryption_keys",
    "blind_index_key",
    "code_signing_key",
    "id_authority_secret",
)


class ConfigError(RuntimeError):
    """The configuration cannot start Anju; the message names the key."""


def _as_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"not a boolean: {raw!r}")


@dataclass(frozen=True)
class Settings:
    env: str = "dev"
    var_dir: Path = REPO_ROOT / "var"
    public_url: str = "http://127.0.0.1:8000"

    # Database. Empty means "use the embedded server that scripts/run starts".
    mongodb_uri: str = ""
    db_timeout_ms: int = 3000

    # Logging.
    log_level: str = "INFO"
    log_format: str = ""  # "json" or "console"; empty picks by environment

    # HTTP.
    max_content_length: int = 2 * 1024 * 1024
    upload_max_content_length: int = 20 * 1024 * 1024
    idempotency_ttl_hours: int = 24

    # Secrets (generated under var/ in dev and test, required in production).
    token_secret: str = ""
    id_encryption_keys: str = ""  # "kid:base64key,kid2:base64key"; first is current
    blind_index_key: str = ""
    code_signing_key: str = ""
    id_authority_secret: str = ""

    # Accounts and tokens.
    access_token_minutes: int = 15
    refresh_token_days: int = 30
    sms_provider: str = "outbox"  # "outbox" writes to a collection (dev, test)
    ratelimit_storage_uri: str = ""  # empty: the MongoDB database itself

    # Remote parts. Empty means the embedded simulator or broker.
    id_authority_url: str = ""
    id_authority_timeout: float = 3.0
    # First wait before asking the ID authority again; doubles up to an hour.
    id_check_retry_seconds: int = 15
    worker_interval_seconds: float = 2.0
    mqtt_url: str = ""

    # Locks. The Ed25519 key signing lock credentials and revocation lists
    # (base64 of the 32-byte private key; generated under var/ in dev and
    # test, required in production) and its epoch: locks refuse older epochs.
    lock_signing_key: str = ""
    lock_key_epoch: int = 1
    # How often the gateway looks for due commands; first retry wait (doubles
    # up to lock_retry_max_seconds); enrollment window; offline alert.
    lock_outbox_poll_seconds: float = 0.2
    lock_retry_seconds: float = 10.0
    lock_retry_max_seconds: float = 600.0
    lock_enrollment_minutes: int = 5
    lock_offline_alert_hours: int = 24
    mqtt_client_id: str = "anju-gateway"

    # Audit.
    audit_retention_days: int = 180

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def effective_log_format(self) -> str:
        if self.log_format:
            return self.log_format
        return "json" if self.is_production else "console"

    def id_keys(self) -> list[tuple[str, bytes]]:
        """The ID-number encryption keys, the current one first."""
        keys = []
        for item in self.id_encryption_keys.split(","):
            kid, _, encoded = item.strip().partition(":")
            keys.append((kid, base64.b64decode(encoded)))
        return keys


def _convert(name: str, raw: str, annotation: str) -> Any:
    try:
        if annotation == "int":
            return int(raw)
        if annotation == "float":
            return float(raw)
        if annotation == "bool":
            return _as_bool(raw)
        if annotation == "Path":
            return Path(raw)
    except ValueError as error:
        raise ConfigError(f"ANJU_{name.upper()}: {error}") from error
    return raw


def _generated_secrets(var_dir: Path) -> dict[str, str]:
    """Secrets for dev and test: made once, kept under var/ (ignored by git)."""
    path = var_dir / "secrets.json"
    if path.exists():
        return json.loads(path.read_text())

    var_dir.mkdir(parents=True, exist_ok=True)
    made = {
        "token_secret": secrets.token_urlsafe(48),
        "id_encryption_keys": "k1:"
        + base64.b64encode(secrets.token_bytes(32)).decode(),
        "blind_index_key": secrets.token_urlsafe(48),
        "code_signing_key": secrets.token_urlsafe(48),
        "id_authority_secret": secrets.token_urlsafe(32),
    }
    made.update(_lock_key())
    path.write_text(json.dumps(made, indent=2))
    path.chmod(0o600)
    return made


def _lock_key() -> dict[str, str]:
    """A fresh Ed25519 private key, base64 of its 32 raw bytes."""
    return {"lock_signing_key": base64.b64encode(secrets.token_bytes(32)).decode()}


def _check_lock_key(value: str) -> None:
    if not value:
        raise ConfigError("ANJU_LOCK_SIGNING_KEY is required in production")
    try:
        raw = base64.b64decode(value, validate=True)
    except ValueError as error:
        raise ConfigError(f"ANJU_LOCK_SIGNING_KEY: {error}") from error
    if len(raw) != 32:
        raise ConfigError("ANJU_LOCK_SIGNING_KEY: base64 of 32 bytes (Ed25519)")


def _check_secret(name: str, value: str) -> None:
    if not value:
        raise ConfigError(f"ANJU_{name.upper()} is required in production")
    if len(value) < 32 or value.lower() in ("changeme", "secret", "dev"):
        raise ConfigError(f"ANJU_{name.upper()} is too weak or a default value")


def _check_id_keys(value: str) -> None:
    try:
        keys = Settings(id_encryption_keys=value).id_keys()
    except ValueError as error:
        raise ConfigError(f"ANJU_ID_ENCRYPTION_KEYS: {error}") from error

    for kid, key in keys:
        if not kid or len(key) != 32:
            raise ConfigError(
                "ANJU_ID_ENCRYPTION_KEYS: each key is 'kid:base64' of 32 bytes"
            )


def load_settings(environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Build settings from defaults, the environment, then explicit overrides."""
    environ = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}

    for spec in fields(Settings):
        raw = environ.get(f"ANJU_{spec.name.upper()}")
        if raw is not None and raw != "":
            values[spec.name] = _convert(spec.name, raw, str(spec.type))
    values.update(overrides)

    env = values.get("env", "dev")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"ANJU_ENV must be one of {', '.join(ENVIRONMENTS)}")

    if values.get("sms_provider", Settings.sms_provider) not in SMS_PROVIDERS:
        raise ConfigError(
            f"ANJU_SMS_PROVIDER must be one of {', '.join(SMS_PROVIDERS)}"
        )

    if env == "production":
        for name in SECRET_KEYS:
            _check_secret(name, values.get(name, ""))
        _check_id_keys(values["id_encryption_keys"])
        _check_lock_key(values.get("lock_signing_key", ""))
        if not values.get("mongodb_uri"):
            raise ConfigError("ANJU_MONGODB_URI is required in production")
    else:
        var_dir = Path(values.get("var_dir", Settings.var_dir))
        generated = _generated_secrets(var_dir)
        for name in SECRET_KEYS:
            values.setdefault(name, generated[name])
        if "lock_signing_key" not in generated:  # var/ made before locks existed
            generated.update(_lock_key())
            (var_dir / "secrets.json").write_text(json.dumps(generated, indent=2))
        values.setdefault("lock_signing_key", generated["lock_signing_key"])
        _check_lock_key(values["lock_signing_key"])
        _check_id_keys(values["id_encryption_keys"])

    return Settings(**values)


def current_settings() -> Settings:
    """The settings of the app handling this request or job."""
    from flask import current_app

    return current_app.config["ANJU"]

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from anju.config import ConfigError, load_settings

STRONG = "s" * 40
KEYS = "k1:" + base64.b64encode(b"\x01" * 32).decode()


def _production(**values: str) -> dict[str, str]:
    environ = {
        "ANJU_ENV": "production",
        "ANJU_MONGODB_URI": "mongodb://db1,db2,db3/anju?replicaSet=rs0",
        "ANJU_TOKEN_SECRET": STRONG,
        "ANJU_ID_ENCRYPTION_KEYS": KEYS,
        "ANJU_BLIND_INDEX_KEY": STRONG,
        "ANJU_CODE_SIGNING_KEY": STRONG,
        "ANJU_ID_AUTHORITY_SECRET": STRONG,
        "ANJU_ID_AUTHORITY_URL": "https://authority.example",
        "ANJU_LOCK_SIGNING_KEY": base64.b64encode(b"\x02" * 32).decode(),
    }
    environ.update(values)
    return {key: value for key, value in environ.items() if value is not None}


def test_production_starts_with_every_secret():
    settings = load_settings(_production())

    assert settings.is_production
    assert settings.effective_log_format == "json"
    assert settings.id_keys()[0][0] == "k1"


@pytest.mark.parametrize(
    "key",
    [
        "ANJU_TOKEN_SECRET",
        "ANJU_BLIND_INDEX_KEY",
        "ANJU_ID_AUTHORITY_SECRET",
        "ANJU_LOCK_SIGNING_KEY",
    ],
)
def test_production_refuses_a_missing_secret_by_name(key):
    environ = _production()
    del environ[key]

    with pytest.raises(ConfigError, match=key):
        load_settings(environ)


def test_production_refuses_a_default_secret():
    with pytest.raises(ConfigError, match="ANJU_TOKEN_SECRET"):
        load_settings(_production(ANJU_TOKEN_SECRET="changeme"))


def test_production_refuses_a_short_encryption_key():
    short = "k1:" + base64.b64encode(b"\x01" * 16).decode()

    with pytest.raises(ConfigError, match="ANJU_ID_ENCRYPTION_KEYS"):
        load_settings(_production(ANJU_ID_ENCRYPTION_KEYS=short))


def test_dev_secrets_are_made_once_and_kept(tmp_path: Path):
    environ = {"ANJU_VAR_DIR": str(tmp_path)}

    first = load_settings(environ)
    second = load_settings(environ)

    assert first.token_secret == second.token_secret
    assert len(first.token_secret) >= 32
    assert (tmp_path / "secrets.json").stat().st_mode & 0o077 == 0


def test_typed_overrides_and_bad_values(tmp_path: Path):
    environ = {"ANJU_VAR_DIR": str(tmp_path), "ANJU_DB_TIMEOUT_MS": "1500"}

    assert load_settings(environ).db_timeout_ms == 1500
    with pytest.raises(ConfigError, match="ANJU_DB_TIMEOUT_MS"):
        load_settings({**environ, "ANJU_DB_TIMEOUT_MS": "soon"})
    with pytest.raises(ConfigError, match="ANJU_ENV"):
        load_settings({**environ, "ANJU_ENV": "staging"})


def test_example_env_file_lists_every_key():
    from dataclasses import fields

    from anju.config import REPO_ROOT, Settings

    example = (REPO_ROOT / ".env.example").read_text()
    for spec in fields(Settings):
        assert f"ANJU_{spec.name.upper()}=" in example, spec.name

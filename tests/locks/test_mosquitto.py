"""`anju mosquitto-config`: Mosquitto's password file and ACL from the
registered locks."""

from __future__ import annotations

import base64
import hashlib

from click.testing import CliRunner

from anju.cli import main
from anju.locks.mosquitto import acl_file, password_hash, password_matches
from tests.locks.conftest import register


def test_the_hash_is_mosquittos_pbkdf2_sha512_form():
    stored = password_hash("s3cret-lock", salt=b"\x01" * 12)
    _, kind, iterations, salt, digest = stored.split("$")

    assert (kind, iterations) == ("7", "101")
    assert base64.b64decode(salt) == b"\x01" * 12
    expected = hashlib.pbkdf2_hmac("sha512", b"s3cret-lock", b"\x01" * 12, 101)
    assert base64.b64decode(digest) == expected
    assert password_matches("s3cret-lock", stored)
    assert not password_matches("s3cret-lockX", stored)


def test_a_lock_may_use_its_own_topics_only():
    acl = acl_file("anju-server").splitlines()

    assert "user anju-server" in acl
    assert "topic readwrite anju/locks/#" in acl
    patterns = [line for line in acl if line.startswith("pattern")]
    assert patterns == [
        "pattern read anju/locks/%u/commands",
        "pattern write anju/locks/%u/events",
        "pattern readwrite anju/locks/%u/state",
    ]
    # The gateway's topic line comes right after its user line, before the
    # patterns that apply to everyone else.
    assert (
        acl.index("topic readwrite anju/locks/#") == acl.index("user anju-server") + 1
    )


def test_the_command_writes_every_lock_and_the_gateway(app, place, settings, tmp_path):
    first = register(app, place, "MQ-ONE")
    second = register(app, place, "MQ-TWO", kind="gate")
    environ = {
        "ANJU_ENV": "test",
        "ANJU_VAR_DIR": str(settings.var_dir),
        "ANJU_MONGODB_URI": settings.mongodb_uri,
        "ANJU_MQTT_URL": "mqtt://anju-server:gw-pass-123@mosquitto:1883",
    }

    result = CliRunner().invoke(
        main, ["mosquitto-config", "--out", str(tmp_path / "auth")], env=environ
    )

    assert result.exit_code == 0, result.output
    lines = (tmp_path / "auth" / "passwords").read_text().splitlines()
    users = dict(line.split(":", 1) for line in lines)
    assert set(users) == {"anju-server", "MQ-ONE", "MQ-TWO"}
    assert users["MQ-ONE"] == first.mqtt_password_hash
    assert users["MQ-TWO"] == second.mqtt_password_hash
    assert password_matches("gw-pass-123", users["anju-server"])
    assert (tmp_path / "auth" / "passwords").stat().st_mode & 0o077 == 0
    assert (
        "pattern read anju/locks/%u/commands" in (tmp_path / "auth" / "acl").read_text()
    )


def test_the_command_needs_the_gateways_password(settings, tmp_path):
    environ = {
        "ANJU_ENV": "test",
        "ANJU_VAR_DIR": str(settings.var_dir),
        "ANJU_MQTT_URL": "mqtt://anju-server@mosquitto:1883",
    }

    result = CliRunner().invoke(
        main, ["mosquitto-config", "--out", str(tmp_path)], env=environ
    )

    assert result.exit_code == 2
    assert "ANJU_MQTT_URL" in result.output
    assert not (tmp_path / "passwords").exists()

"""Command-line tools find a running scripts/run's database, or say plainly
that there is none (``anju.commandline``, ``anju.devstack.local_database_uri``)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pymongo
import pytest
from bson import ObjectId

from anju.config import load_settings
from anju.devstack import EMBEDDED_DB_PORT, free_port, local_database_uri, port_open
from qr import tokens


def test_a_configured_database_is_used_as_given(base_settings):
    assert local_database_uri(base_settings) == base_settings.mongodb_uri


def test_outside_production_a_running_embedded_database_is_found(
    base_settings, database
):
    port = urlsplit(database).port
    unset = replace(base_settings, mongodb_uri="")

    found = local_database_uri(unset, port)

    assert f"127.0.0.1:{port}/anju" in found
    client: pymongo.MongoClient = pymongo.MongoClient(
        found, serverSelectionTimeoutMS=2000
    )
    try:
        assert client.admin.command("ping")["ok"] == 1
    finally:
        client.close()


def test_no_database_is_found_where_nothing_listens_or_in_production(
    base_settings, database
):
    unset = replace(base_settings, mongodb_uri="")

    assert local_database_uri(unset, free_port()) == ""
    in_production = replace(unset, env="production")
    assert local_database_uri(in_production, urlsplit(database).port) == ""


def _run(args: list[str], var_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANJU_")}
    env.update(ANJU_ENV="test", ANJU_VAR_DIR=str(var_dir))
    return subprocess.run(
        [sys.executable, "-m", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture
def nothing_running() -> None:
    if port_open(EMBEDDED_DB_PORT):
        pytest.skip(f"a scripts/run is serving {EMBEDDED_DB_PORT} on this machine")


@pytest.mark.usefixtures("nothing_running")
@pytest.mark.parametrize(
    "command",
    [
        ["anju", "audit", "verify"],
        ["anju", "ensure-indexes"],
        ["qr", "posters", "--area", "服装区", "--out", "stalls.pdf"],
        ["qr", "token", "venue", str(ObjectId())],
    ],
    ids=["audit-verify", "ensure-indexes", "qr-posters", "qr-token"],
)
def test_without_a_database_a_command_says_what_to_do(command, tmp_path):
    done = _run(command, tmp_path)

    assert done.returncode == 2, done.stderr
    assert "no database: start scripts/run first" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_token_of_a_given_version_needs_no_database(tmp_path):
    venue_id = str(ObjectId())

    done = _run(["qr", "token", "venue", venue_id, "--version", "3"], tmp_path)

    assert done.returncode == 0, done.stderr
    token = done.stdout.split()[0]
    key = load_settings(environ={}, env="test", var_dir=tmp_path).code_signing_key
    claims = tokens.verify(token, key)
    assert (claims.kind, claims.object_id, claims.version) == ("venue", venue_id, 3)

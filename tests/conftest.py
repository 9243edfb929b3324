"""Fixtures shared by every test: one embedded database and one ID authority
simulator per session, a clean database per test, an app and its client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from anju import create_app, db
from anju.config import Settings, load_settings
from anju.devstack import Service, start_database


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="session")
def database(var_dir: Path) -> Iterator[str]:
    """A real MongoDB-wire server: ANJU_TEST_MONGODB_URI, or an embedded one."""
    configured = os.environ.get("ANJU_TEST_MONGODB_URI")
    if configured:
        yield configured
        return

    service: Service = start_database(var_dir / "db")
    try:
        yield service.url
    finally:
        service.stop()


@pytest.fixture(scope="session")
def settings(var_dir: Path, database: str) -> Settings:
    return load_settings(
        environ={},
        env="test",
        var_dir=var_dir,
        mongodb_uri=database,
        log_level="INFO",
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> Flask:
    application = create_app(settings)
    db.ensure_indexes()
    return application


@pytest.fixture(autouse=True)
def clean_database(request: pytest.FixtureRequest) -> None:
    if "app" in request.fixturenames or "client" in request.fixturenames:
        request.getfixturevalue("app")
        db.clear_all()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()

"""Fixtures shared by every test: one embedded database and one ID authority
simulator per session, a clean database per test, an app and its client."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from anju import create_app, db
from anju.config import Settings, load_settings
from anju.devstack import Service, start_database, start_id_authority
from anju.identity import contract
from anju.seed import POPULATION_SEED


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
def base_settings(var_dir: Path, database: str) -> Settings:
    return load_settings(
        environ={},
        env="test",
        var_dir=var_dir,
        mongodb_uri=database,
        log_level="INFO",
    )


class Authority:
    """The running ID authority simulator, with its signed test controls."""

    def __init__(self, service: Service, secret: str) -> None:
        self.service = service
        self.url = service.url
        self.secret = secret

    def send(self, path: str, payload: dict | None = None) -> requests.Response:
        body = b"" if payload is None else json.dumps(payload).encode()
        method = "GET" if payload is None else "POST"
        headers = contract.signed_headers(self.secret, body)
        return requests.request(
            method, self.url + path, data=body, headers=headers, timeout=5
        )

    def set_mode(self, down: bool = False, delay_ms: int = 0) -> None:
        answer = self.send("/_sim/mode", {"down": down, "delay_ms": delay_ms})
        assert answer.status_code == 200, answer.text

    def add_citizen(self, name: str, id_number: str) -> None:
        answer = self.send("/_sim/citizens", {"name": name, "id_number": id_number})
        assert answer.status_code == 201, answer.text


@pytest.fixture(scope="session")
def id_authority(base_settings: Settings) -> Iterator[Authority]:
    service = start_id_authority(
        base_settings.id_authority_secret, POPULATION_SEED, 500, test_controls=True
    )
    try:
        yield Authority(service, base_settings.id_authority_secret)
    finally:
        service.stop()


@pytest.fixture
def authority(id_authority: Authority) -> Iterator[Authority]:
    """The simulator, back to answering promptly after each test."""
    yield id_authority
    id_authority.set_mode(down=False, delay_ms=0)


@pytest.fixture(scope="session")
def settings(base_settings: Settings, id_authority: Authority) -> Settings:
    return replace(
        base_settings, id_authority_url=id_authority.url, id_authority_timeout=1.0
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


# --- locks: the real MQTT broker, the gateway and simulated locks ---------


class BrokerControl:
    """The embedded amqtt broker, which a test may stop and start again on the
    same port (``stop()`` / ``start()``); it is running after every test."""

    def __init__(self, var_dir: Path) -> None:
        from anju.devstack import free_port

        self.var_dir = var_dir
        self.port = free_port()
        self.url = f"mqtt://127.0.0.1:{self.port}"
        self.service: Service | None = None

    def start(self) -> None:
        from anju.devstack import start_broker

        if self.service is None:
            self.service = start_broker(self.var_dir, self.port)

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()
            self.service = None

    @property
    def running(self) -> bool:
        return self.service is not None


@pytest.fixture(scope="session")
def broker(var_dir: Path) -> Iterator[BrokerControl]:
    control = BrokerControl(var_dir)
    control.start()
    try:
        yield control
    finally:
        control.stop()


@pytest.fixture
def gateway(app: Flask, settings: Settings, broker: BrokerControl):
    """The lock gateway against the test app and the broker, with quick
    retries (1 s, doubling) and a 50 ms outbox poll."""
    from anju.locks.gateway import Gateway
    from anju.locks.simulator import eventually

    gateway_settings = replace(
        settings,
        mqtt_url=broker.url,
        lock_outbox_poll_seconds=0.05,
        lock_retry_seconds=1.0,
        lock_retry_max_seconds=4.0,
    )
    running = Gateway(app, gateway_settings).start()
    assert eventually(running.connected.is_set), "the gateway did not connect"
    try:
        yield running
    finally:
        running.stop()
        broker.start()


@pytest.fixture
def lock_simulator(settings: Settings, broker: BrokerControl):
    """Make a simulated lock connected to the broker: ``lock_simulator(serial,
    epoch=None, clock_offset=timedelta(0), connect=True)`` → SimulatedLock
    (its LockClient is ``.transport``). Stopped after the test."""
    from datetime import timedelta

    from anju.locks import credentials
    from anju.locks.simulator import LockClient, SimulatedLock

    public_key = credentials.load_public_key(credentials.public_key_pem(settings))
    made: list[LockClient] = []

    def make(
        serial: str,
        *,
        epoch: int | None = None,
        clock_offset: timedelta = timedelta(0),
        connect: bool = True,
    ) -> SimulatedLock:
        lock = SimulatedLock(
            serial=serial,
            public_key=public_key,
            epoch=settings.lock_key_epoch if epoch is None else epoch,
            clock_offset=clock_offset,
        )
        if connect:
            made.append(LockClient(lock, broker.url).start())
        return lock

    yield make
    for transport in made:
        transport.stop()

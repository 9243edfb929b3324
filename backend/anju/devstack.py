"""The embedded services for one machine, started as separate processes.

``scripts/run`` and the tests start what is not configured: the MongoDB-wire
server (SecantusDB, GPL-licensed, so it runs as its own process and is never
imported), the ID authority simulator and the MQTT broker. Production sets
``ANJU_MONGODB_URI`` and the other URLs and starts none of these.
"""

from __future__ import annotations

import logging
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pymongo

from anju.config import Settings
from anju.db import embedded_options

logger = logging.getLogger(__name__)

BIN = Path(sys.executable).parent

# Where ``scripts/run`` serves its embedded database (``--db-port``).
EMBEDDED_DB_PORT = 27018


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) == 0


def local_database_uri(settings: Settings, port: int = EMBEDDED_DB_PORT) -> str:
    """The configured database; else, outside production, the embedded one a
    running ``scripts/run`` serves on ``port``; else "" (none to be found)."""
    if settings.mongodb_uri:
        return settings.mongodb_uri
    if settings.env == "production" or not port_open(port):
        return ""
    return embedded_options(f"mongodb://127.0.0.1:{port}/anju")


@dataclass
class Service:
    name: str
    process: subprocess.Popen
    url: str
    log_path: Path | None = None

    def stop(self, timeout: float = 10) -> None:
        if self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@dataclass
class Stack:
    services: list[Service] = field(default_factory=list)

    def add(self, service: Service) -> Service:
        self.services.append(service)
        return service

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()
        self.services.clear()


def _spawn(name: str, args: list[str], log_path: Path) -> subprocess.Popen:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:  # the child keeps its own descriptor
        return subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def start_database(data_dir: Path, port: int | None = None) -> Service:
    """SecantusDB on loopback, data under ``data_dir``; waits until it answers."""
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / "logs" / f"database-{port}.log"
    args = [
        str(BIN / "secantusd-py"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--storage-path",
        str(data_dir),
        "--log-level",
        "WARNING",
    ]
    process = _spawn("database", args, log_path)
    uri = embedded_options(f"mongodb://127.0.0.1:{port}/anju")

    client: pymongo.MongoClient = pymongo.MongoClient(uri, serverSelectionTimeoutMS=500)
    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the database did not start; see {log_path}")
            try:
                client.admin.command("ping")
                break
            except pymongo.errors.PyMongoError:
                if time.monotonic() > deadline:
                    process.kill()
                    raise RuntimeError(
                        f"the database did not answer; see {log_path}"
                    ) from None
                time.sleep(0.2)
    finally:
        client.close()

    return Service("database", process, uri, log_path)


def start_id_authority(
    secret: str, seed: int, size: int, test_controls: bool = False
) -> Service:
    from anju.identity.simulator import start_in_subprocess

    # Port 0: the simulator binds a free port itself and names it when ready.
    process, url = start_in_subprocess(
        "127.0.0.1", 0, secret, seed, size, test_controls
    )
    return Service("id-authority", process, url)


def start_broker(var_dir: Path, port: int | None = None) -> Service:
    """The embedded amqtt broker on loopback."""
    port = port or free_port()
    log_path = var_dir / "logs" / f"broker-{port}.log"
    args = [sys.executable, "-m", "anju.locks.broker", "--port", str(port)]
    process = _spawn("broker", args, log_path)

    deadline = time.monotonic() + 30
    while not port_open(port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the MQTT broker did not start; see {log_path}")
        time.sleep(0.1)
    return Service("broker", process, f"mqtt://127.0.0.1:{port}", log_path)

"""What ``scripts/run`` does after installing: start the embedded services that
are not configured, prepare the database, seed demo data, then serve the web app
with gunicorn beside the worker until Ctrl-C, and stop every child it started.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

from anju.config import REPO_ROOT, load_settings
from anju.devstack import (
    EMBEDDED_DB_PORT,
    Service,
    Stack,
    local_database_uri,
    port_open,
    start_broker,
    start_database,
    start_id_authority,
)
from anju.seed import POPULATION_SEED

SIMULATED_POPULATION = 5000


def _say(message: str) -> None:
    print(f"\033[1;32m==>\033[0m {message}", flush=True)


def _run(args: list[str], env: dict[str, str]) -> None:
    subprocess.run(args, env=env, check=True, cwd=REPO_ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/run")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--db-port", type=int, default=EMBEDDED_DB_PORT)
    parser.add_argument("--mqtt-port", type=int, default=1883)
    parser.add_argument("--no-seed", action="store_true")
    parser.add_argument("--seed-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=int, help="synthetic people to seed")
    options = parser.parse_args(argv)
    if options.seed_only:
        return seed_only(options)

    settings = load_settings()
    var_dir = settings.var_dir
    env = dict(os.environ, ANJU_ENV=settings.env, PYTHONUNBUFFERED="1")
    stack = Stack()

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        if port_open(options.port):
            _say(f"port {options.port} is in use: is Anju already running?")
            return 1

        if settings.mongodb_uri:
            _say("database: ANJU_MONGODB_URI (as configured)")
        else:
            if port_open(options.db_port):
                _say(f"port {options.db_port} is in use; pass --db-port")
                return 1
            database = stack.add(start_database(var_dir / "db", options.db_port))
            env["ANJU_MONGODB_URI"] = database.url
            _say(f"database: embedded SecantusDB at {database.url}, data in var/db")

        if settings.id_authority_url:
            _say("ID authority: ANJU_ID_AUTHORITY_URL (as configured)")
        else:
            authority = stack.add(
                start_id_authority(
                    settings.id_authority_secret,
                    POPULATION_SEED,
                    SIMULATED_POPULATION,
                )
            )
            env["ANJU_ID_AUTHORITY_URL"] = authority.url
            _say(f"ID authority: simulator at {authority.url}")

        if settings.mqtt_url:
            _say("MQTT broker: ANJU_MQTT_URL (as configured)")
        else:
            if port_open(options.mqtt_port):
                _say(f"port {options.mqtt_port} is in use; pass --mqtt-port")
                return 1
            broker = stack.add(start_broker(var_dir, options.mqtt_port))
            env["ANJU_MQTT_URL"] = broker.url
            _say(f"MQTT broker: embedded amqtt at {broker.url}")

        python = sys.executable
        _run([python, "-m", "anju", "ensure-indexes"], env)
        if not options.no_seed:
            _run([python, "-m", "anju", "seed"], env)

        env["ANJU_BIND"] = f"127.0.0.1:{options.port}"
        logs = var_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        web = subprocess.Popen(
            [
                python,
                "-m",
                "gunicorn",
                "-c",
                str(REPO_ROOT / "gunicorn.conf.py"),
                "anju.wsgi:app",
            ],
            env=env,
            cwd=REPO_ROOT,
            start_new_session=True,
        )
        stack.add(Service("web", web, f"http://127.0.0.1:{options.port}"))
        worker = subprocess.Popen(
            [python, "-m", "anju.worker"],
            env=env,
            cwd=REPO_ROOT,
            start_new_session=True,
        )
        stack.add(Service("worker", worker, ""))

        _wait_ready(options.port, web)
        _say(f"Anju is up: http://127.0.0.1:{options.port}  (API docs at /api/docs)")
        demo = var_dir / "demo-accounts.txt"
        if demo.exists():
            print(demo.read_text(), flush=True)
        _say("Ctrl-C stops Anju and everything it started")

        while all(service.process.poll() is None for service in stack.services):
            time.sleep(0.5)
        _say("a process stopped; shutting down")
        return 1
    except KeyboardInterrupt:
        _say("stopping")
        return 0
    finally:
        stack.stop()


def seed_only(options: argparse.Namespace) -> int:
    """``scripts/seed``: the database of a running scripts/run, or the embedded
    one started for the duration."""
    settings = load_settings()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    stack = Stack()
    try:
        if not settings.mongodb_uri:
            running = local_database_uri(settings, options.db_port)
            if running:
                env["ANJU_MONGODB_URI"] = running
            else:
                database = stack.add(
                    start_database(settings.var_dir / "db", options.db_port)
                )
                env["ANJU_MONGODB_URI"] = database.url
        scale = ["--scale", str(options.scale)] if options.scale else []
        _run([sys.executable, "-m", "anju", "ensure-indexes"], env)
        _run([sys.executable, "-m", "anju", "seed", *scale], env)
        return 0
    finally:
        stack.stop()


def _wait_ready(port: int, web: subprocess.Popen) -> None:
    import urllib.request

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if web.poll() is not None:
            raise RuntimeError("the web process exited; see the lines above")
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/readyz", timeout=2
            ) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("Anju did not become ready within 60 s")


if __name__ == "__main__":
    sys.exit(main())

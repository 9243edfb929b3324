"""When the database goes away Anju answers 503 problem documents, and it
recovers by itself when the database returns, without a restart."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

from anju import create_app, db
from anju.config import Settings
from anju.devstack import free_port, start_database


def test_database_outage_is_503_then_recovers(settings: Settings, tmp_path: Path):
    port = free_port()
    data = tmp_path / "db"
    database = start_database(data, port)
    app = create_app(replace(settings, mongodb_uri=database.url, db_timeout_ms=800))
    client = app.test_client()

    try:
        assert client.get("/readyz").status_code == 200

        database.stop()
        ready = client.get("/readyz")
        api = client.get("/api/v1/status")

        assert ready.status_code == 503
        assert ready.mimetype == "application/problem+json"
        assert api.status_code == 503
        assert api.get_json()["type"].endswith("/unavailable")
        assert api.headers["Retry-After"]

        database = start_database(data, port)
        deadline = time.monotonic() + 20
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "Anju did not recover"
            time.sleep(0.2)
        assert client.get("/api/v1/status").status_code == 200
    finally:
        database.stop()
        db.connect(settings)  # the rest of the session uses the shared database

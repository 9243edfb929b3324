"""The API's common behaviour: problem documents, limits, request ids,
idempotency. A small blueprint stands in for a domain's creating endpoint so
these mechanics are checked on their own."""

from __future__ import annotations

import io
import json
import threading

import pytest
from flask import Flask
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from pymongo.errors import DuplicateKeyError

from anju import create_app
from anju.common.idempotency import idempotent
from anju.config import Settings
from anju.db import get_db
from anju.logs import configure_logging

probe = Blueprint("probe", __name__)


class NoteIn(Schema):
    title = fields.String(required=True)
    count = fields.Integer()


class NoteOut(Schema):
    id = fields.String()
    title = fields.String()


@probe.route("/notes")
class Notes(MethodView):
    @idempotent
    @probe.arguments(NoteIn)
    @probe.response(201, NoteOut)
    def post(self, data):
        result = get_db().probe_notes.insert_one({"title": data["title"]})
        return {"id": str(result.inserted_id), "title": data["title"]}


# Inside the view for the twins test: both requests must get here.
twins_inside = threading.Barrier(2, timeout=5)


@probe.route("/tags")
class Tags(MethodView):
    """A view whose unique title settles twins itself, as a registration's
    one active employment per person and venue does."""

    @idempotent(reserve=False)
    @probe.arguments(NoteIn)
    @probe.response(201, NoteOut)
    @probe.alt_response(200, schema=NoteOut)
    def post(self, data):
        tags = get_db().probe_tags
        tags.create_index("title", unique=True)
        if data.get("count") == 2:
            twins_inside.wait()
        try:
            made = tags.insert_one({"title": data["title"]}).inserted_id
            return {"id": str(made), "title": data["title"]}, 201
        except DuplicateKeyError:
            found = tags.find_one({"title": data["title"]})
            return {"id": str(found["_id"]), "title": data["title"]}, 200


@probe.route("/boom")
class Boom(MethodView):
    def get(self):
        raise RuntimeError("a bug with secret 11010519491231002X inside")


@pytest.fixture(scope="module")
def probe_app(settings: Settings, app: Flask) -> Flask:
    application = create_app(settings)
    application.extensions["anju_api"].register_blueprint(
        probe, url_prefix="/api/v1/probe"
    )
    return application


@pytest.fixture
def probe_client(probe_app: Flask):
    return probe_app.test_client()


def _is_problem(answer, status: int) -> dict:
    assert answer.status_code == status
    assert answer.mimetype == "application/problem+json"
    body = answer.get_json(force=True)
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"] and body["detail"]
    return body


def test_unknown_route_is_a_problem_document_in_chinese(client):
    answer = client.get("/api/v1/nowhere")

    assert _is_problem(answer, 404)["title"] == "找不到该资源"
    assert answer.headers["Content-Language"] == "zh"


def test_english_on_request(client):
    answer = client.get("/api/v1/nowhere", headers={"Accept-Language": "en-US,en"})

    assert _is_problem(answer, 404)["title"] == "Not found"
    assert answer.headers["Content-Language"] == "en"


def test_wrong_method_names_the_allowed_ones(client):
    answer = client.delete("/api/v1/status")

    _is_problem(answer, 405)
    assert "GET" in answer.headers["Allow"]


def test_body_that_is_not_json_is_refused(probe_client):
    answer = probe_client.post(
        "/api/v1/probe/notes", data="title=x", content_type="text/plain"
    )

    _is_problem(answer, 415)


def test_malformed_json_is_400(probe_client):
    answer = probe_client.post(
        "/api/v1/probe/notes", data="{not json", content_type="application/json"
    )

    _is_problem(answer, 400)


def test_oversized_body_is_413(probe_client, settings):
    big = "x" * (settings.max_content_length + 1)

    answer = probe_client.post("/api/v1/probe/notes", json={"title": big})

    assert "MB" in _is_problem(answer, 413)["detail"]


def test_operator_object_for_a_string_is_422_and_never_stored(probe_client):
    answer = probe_client.post("/api/v1/probe/notes", json={"title": {"$ne": None}})

    body = _is_problem(answer, 422)
    assert body["errors"]["title"][0]["code"] == "title.type"
    assert body["errors"]["title"][0]["message"] == "此项的类型不正确"
    assert get_db().probe_notes.count_documents({}) == 0


def test_unknown_and_missing_fields_are_named(probe_client):
    answer = probe_client.post(
        "/api/v1/probe/notes",
        json={"count": 1, "owner": "me"},
        headers={"Accept-Language": "en"},
    )

    errors = _is_problem(answer, 422)["errors"]
    assert errors["owner"][0]["code"] == "owner.unknown"
    assert errors["title"][0] == {
        "code": "title.required",
        "message": "This field is required",
    }


def test_bug_is_500_without_a_trace_and_logged_with_one(probe_client):
    stream = io.StringIO()
    configure_logging("INFO", "json", stream)
    try:
        answer = probe_client.get("/api/v1/probe/boom")
    finally:
        configure_logging("INFO", "console")

    body = _is_problem(answer, 500)
    assert "Traceback" not in answer.get_data(as_text=True)
    assert "RuntimeError" not in answer.get_data(as_text=True)
    assert body["request_id"] in body["detail"]
    logged = stream.getvalue()
    assert "Traceback" in logged and "RuntimeError" in logged
    assert "11010519491231002X" not in logged


def test_request_id_is_echoed_or_made(client):
    given = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    made = client.get("/healthz")
    refused = client.get("/healthz", headers={"X-Request-ID": "bad id; <script>"})

    assert given.headers["X-Request-ID"] == "abc-123"
    assert len(made.headers["X-Request-ID"]) == 32
    assert len(refused.headers["X-Request-ID"]) == 32


# "notes" reserves its key before the work; "tags" settles twins itself.
@pytest.mark.parametrize("resource", ["notes", "tags"])
def test_same_idempotency_key_and_body_does_the_work_once(probe_client, resource):
    headers = {"Idempotency-Key": f"offline-{resource}-0001"}

    first = probe_client.post(
        f"/api/v1/probe/{resource}", json={"title": "a"}, headers=headers
    )
    second = probe_client.post(
        f"/api/v1/probe/{resource}", json={"title": "a"}, headers=headers
    )

    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert get_db()[f"probe_{resource}"].count_documents({}) == 1


@pytest.mark.parametrize("resource", ["notes", "tags"])
def test_same_key_with_another_body_is_refused(probe_client, resource):
    headers = {"Idempotency-Key": f"offline-{resource}-0002"}
    probe_client.post(f"/api/v1/probe/{resource}", json={"title": "a"}, headers=headers)

    answer = probe_client.post(
        f"/api/v1/probe/{resource}", json={"title": "b"}, headers=headers
    )

    _is_problem(answer, 422)
    assert get_db()[f"probe_{resource}"].count_documents({}) == 1


@pytest.mark.parametrize("resource", ["notes", "tags"])
def test_failed_request_does_not_burn_its_key(probe_client, resource):
    headers = {"Idempotency-Key": f"offline-{resource}-0003"}
    refused = probe_client.post(
        f"/api/v1/probe/{resource}", json={"title": 5}, headers=headers
    )

    answer = probe_client.post(
        f"/api/v1/probe/{resource}", json={"title": "fixed"}, headers=headers
    )

    assert refused.status_code == 422
    assert answer.status_code == 201
    assert "Idempotent-Replayed" not in answer.headers


def test_twins_both_run_when_the_key_is_not_reserved(probe_app):
    # Both requests are inside the view at once (the barrier would time out
    # were the second refused as in progress); the unique title decides.
    headers = {"Idempotency-Key": "offline-tag-0002"}
    body = {"title": "twin", "count": 2}
    answers = []

    def post() -> None:
        answer = probe_app.test_client().post(
            "/api/v1/probe/tags", json=body, headers=headers
        )
        answers.append(answer)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    replay = probe_app.test_client().post(
        "/api/v1/probe/tags", json=body, headers=headers
    )

    assert sorted(a.status_code for a in answers) == [200, 201]
    assert answers[0].get_json() == answers[1].get_json()
    assert get_db().probe_tags.count_documents({"title": "twin"}) == 1
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == answers[0].get_json()


def test_without_a_key_every_post_creates(probe_client):
    for _ in range(2):
        probe_client.post("/api/v1/probe/notes", json={"title": "a"})

    assert get_db().probe_notes.count_documents({}) == 2


def test_docs_are_served_from_this_process(client):
    page = client.get("/api/docs")
    with client.get("/api/docs/static/swagger-ui-bundle.js") as script:
        script_size = len(script.data)
    document = client.get("/api/openapi.json").get_json()

    assert page.status_code == 200
    assert "/api/docs/static/swagger-ui-bundle.js" in page.get_data(as_text=True)
    assert "https://" not in page.get_data(as_text=True).split("<body")[0]
    assert script_size > 100_000
    assert document["info"]["title"] == "Anju 安居"


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json()["status"] == "alive"
    assert client.get("/readyz").get_json()["status"] == "ready"


def test_access_line_names_route_status_and_duration(client):
    stream = io.StringIO()
    configure_logging("INFO", "json", stream)
    try:
        client.get("/api/v1/status", headers={"X-Request-ID": "req-42"})
    finally:
        configure_logging("INFO", "console")

    lines = [line for line in stream.getvalue().splitlines() if '"request"' in line]
    assert lines, stream.getvalue()
    entry = json.loads(lines[-1])
    assert entry["route"] == "/api/v1/status"
    assert entry["status"] == 200
    assert entry["request_id"] == "req-42"
    assert entry["duration_ms"] >= 0


def test_ensure_indexes_drops_an_index_no_model_declares(app):
    from anju import db
    from anju.venues.models import Employment

    collection = Employment._get_collection()
    collection.create_index("registered_by", name="registered_by_1")

    with app.app_context():
        db.ensure_indexes()
    keys = [info["key"] for info in collection.index_information().values()]

    assert [("registered_by", 1)] not in keys
    assert [("active_key", 1)] in keys
    assert sorted(keys) == sorted(Employment.list_indexes())

"""Share codes: a worker lets an employer register them without their ID
number being typed, sees each use and can withdraw the code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from anju.audit.models import AuditEntry
from anju.people.models import ShareCode
from anju.people.sharing import ALPHABET, normalize
from anju.venues.models import Employment
from tests.api.employment_helpers import code_token, make_venue, self_body, staff_body
from tests.factories import CITIZENS, login, login_resident


@pytest.fixture
def worker(client, app, district, authority):
    """A worker registered once by scanning another venue's code."""
    citizen = CITIZENS[90]
    first = make_venue(app, district.village, name="第一份工")
    headers = login_resident(client, app, citizen.phone)
    answer = client.post(
        f"/api/v1/venue-codes/{code_token(app, first)}/registrations",
        json=self_body(citizen),
        headers=headers,
    )
    assert answer.status_code == 201
    return citizen, headers


def _make_code(client, headers, purpose="employment"):
    return client.post(
        "/api/v1/me/share-codes", json={"purpose": purpose}, headers=headers
    )


def _use(client, operator, venue, code, **changes):
    body = {"share_code": code, "job": "厨师", **changes}
    body["start_date"] = staff_body(CITIZENS[0])["start_date"]
    return client.post(
        f"/api/v1/venues/{venue.id}/employments",
        json=body,
        headers=login(client, operator),
    )


def test_a_code_is_nine_unambiguous_characters_stored_as_a_hash(client, app, worker):
    _, headers = worker

    answer = _make_code(client, headers)

    assert answer.status_code == 201, answer.get_json()
    made = answer.get_json()
    code = made["code"]
    assert len(code) == 11 and code[3] == code[7] == "-"
    assert all(ch in ALPHABET for ch in code.replace("-", ""))
    assert made["state"] == "active" and made["uses"] == []
    expires = datetime.fromisoformat(made["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    with app.app_context():
        stored = ShareCode.objects.get()
        assert code.replace("-", "") not in str(stored.to_mongo())
    listed = client.get("/api/v1/me/share-codes", headers=headers).get_json()
    assert listed["items"][0]["code"] is None
    assert listed["items"][0]["hint"] == code[-3:]


def test_an_employer_registers_the_worker_by_code(client, app, venue, operator, worker):
    citizen, headers = worker
    code = _make_code(client, headers).get_json()["code"]

    answer = _use(client, operator, venue, code.replace("-", "").lower())

    assert answer.status_code == 201, answer.get_json()
    shown = answer.get_json()
    assert shown["name"] == citizen.name and shown["via_share_code"] is True
    assert shown["verification"] == "match" and shown["job"] == "厨师"
    uses = client.get("/api/v1/me/share-codes", headers=headers).get_json()
    use = uses["items"][0]["uses"][0]
    assert (use["by_name"], use["place_name"]) == ("operator 测试", "东村五金店")
    with app.app_context():
        assert Employment.objects(venue=venue.id).count() == 1
        assert AuditEntry.objects(action="share_code.use").count() == 1


def test_a_withdrawn_code_no_longer_works(client, app, venue, operator, worker):
    _, headers = worker
    made = _make_code(client, headers).get_json()

    withdrawn = client.delete(f"/api/v1/me/share-codes/{made['id']}", headers=headers)
    answer = _use(client, operator, venue, made["code"])

    assert withdrawn.status_code == 200
    assert withdrawn.get_json()["state"] == "withdrawn"
    assert answer.status_code == 422
    assert answer.get_json()["errors"]["share_code"][0]["code"] == (
        "share_codes.invalid"
    )


def test_an_expired_code_no_longer_works(client, app, venue, operator, worker):
    _, headers = worker
    made = _make_code(client, headers).get_json()
    with app.app_context():
        ShareCode.objects(id=made["id"]).update_one(
            set__expires_at=datetime.now(UTC) - timedelta(seconds=1)
        )

    answer = _use(client, operator, venue, made["code"])
    listed = client.get("/api/v1/me/share-codes", headers=headers).get_json()

    assert answer.status_code == 422
    assert listed["items"][0]["state"] == "expired"


def test_a_tenancy_code_cannot_register_an_employment(client, venue, operator, worker):
    _, headers = worker
    code = _make_code(client, headers, "tenancy").get_json()["code"]

    answer = _use(client, operator, venue, code)

    assert answer.status_code == 422
    assert answer.get_json()["errors"]["share_code"][0]["code"] == (
        "share_codes.wrong_purpose"
    )


@pytest.mark.parametrize("typed", ["", "ABC", "0OI1L0OI1", "AAAA-AAAA-AAAA"])
def test_malformed_codes_are_refused(client, venue, operator, typed):
    answer = _use(client, operator, venue, typed or "-")

    assert answer.status_code == 422
    assert normalize(typed) is None


def test_nobody_else_can_withdraw_my_code(client, app, worker):
    _, headers = worker
    made = _make_code(client, headers).get_json()
    stranger = login_resident(client, app, "13500003333")

    answer = client.delete(f"/api/v1/me/share-codes/{made['id']}", headers=stranger)

    assert answer.status_code == 404
    with app.app_context():
        assert ShareCode.objects.get().withdrawn_at is None


def test_someone_not_yet_registered_cannot_make_a_code(client, app):
    headers = login_resident(client, app, "13500004444")

    answer = _make_code(client, headers)

    assert answer.status_code == 409
    with app.app_context():
        assert ShareCode.objects.count() == 0

"""People: registering, scope, search, reveal, the ID check and its retries,
and a person's own view of who looked at their data."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from anju.audit.models import AuditEntry
from anju.patrol.models import Alert
from anju.people.models import Person
from tests.factories import CITIZENS, login, login_resident, make_staff


def _register(client, headers, citizen, area, name=None, **extra):
    body = {
        "name": name or citizen.name,
        "id_number": citizen.id_number,
        "phone": citizen.phone,
        "area_id": str(area.id),
        **extra,
    }
    return client.post("/api/v1/people", json=body, headers=headers)


def test_registered_person_is_checked_and_masked(client, officer, district, authority):
    headers = login(client, officer)
    citizen = CITIZENS[0]

    answer = _register(client, headers, citizen, district.village)

    assert answer.status_code == 201, answer.get_json()
    person = answer.get_json()
    assert person["verification"]["state"] == "match"
    assert person["id_number_masked"] == (
        citizen.id_number[:4] + "*" * 10 + citizen.id_number[-4:]
    )
    assert citizen.id_number not in answer.get_data(as_text=True)
    assert citizen.phone not in answer.get_data(as_text=True)
    assert person["gender"] in ("male", "female") and person["region_name"]


def test_same_id_number_links_to_the_same_person(client, officer, district, authority):
    headers = login(client, officer)

    first = _register(client, headers, CITIZENS[1], district.village).get_json()
    second = _register(client, headers, CITIZENS[1], district.zone).get_json()

    assert first["id"] == second["id"]
    assert Person.objects.count() == 1


def test_mismatch_raises_an_alert_for_the_area_only(
    client, app, officer, district, authority
):
    other_officer = make_staff(app, "officer", district.other_zone)
    headers = login(client, officer)

    answer = _register(client, headers, CITIZENS[2], district.village, name="冒名者")
    mine = client.get("/api/v1/alerts", headers=headers).get_json()["items"]
    theirs = client.get(
        "/api/v1/alerts", headers=login(client, other_officer)
    ).get_json()["items"]

    assert answer.get_json()["verification"]["state"] == "mismatch"
    assert [alert["kind"] for alert in mine] == ["id_mismatch"]
    assert theirs == []


@pytest.mark.parametrize(
    ("id_number", "code"),
    [
        ("11010519491231002Y", "id_number.format"),
        ("110105194912310021", "id_number.checksum"),
        ("110105491231002", "id_number.legacy_15"),
        ("990105194912310029", "id_number.region"),
    ],
)
def test_bad_id_numbers_are_named(client, officer, district, id_number, code):
    headers = login(client, officer)
    body = {"name": "张三", "id_number": id_number, "area_id": str(district.village.id)}

    answer = client.post("/api/v1/people", json=body, headers=headers)

    assert answer.status_code == 422
    assert answer.get_json()["errors"]["id_number"][0]["code"] == code
    assert Person.objects.count() == 0


def test_mass_assignment_is_refused(client, officer, district):
    headers = login(client, officer)
    citizen = CITIZENS[3]

    answer = _register(
        client,
        headers,
        citizen,
        district.village,
        verification={"state": "match"},
        scope_keys=["area:x"],
    )

    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) == {"verification", "scope_keys"}


def test_outside_scope_is_404_and_never_listed(
    client, app, officer, district, authority
):
    stranger = make_staff(app, "officer", district.other_zone)
    zone_admin = make_staff(app, "area_admin", district.zone)
    person = _register(client, login(client, officer), CITIZENS[4], district.village)
    person_id = person.get_json()["id"]

    theirs = client.get(f"/api/v1/people/{person_id}", headers=login(client, stranger))
    listing = client.get("/api/v1/people", headers=login(client, stranger)).get_json()
    admins = client.get(
        f"/api/v1/people/{person_id}", headers=login(client, zone_admin)
    )
    outside_area = _register(
        client, login(client, officer), CITIZENS[5], district.other_village
    )

    assert theirs.status_code == 404
    assert listing["items"] == []
    assert admins.status_code == 200
    assert outside_area.status_code == 404


def test_exact_search_by_id_number_and_phone(client, officer, district, authority):
    headers = login(client, officer)
    citizen = CITIZENS[6]
    _register(client, headers, citizen, district.village)

    by_number = client.post(
        "/api/v1/people/search", json={"id_number": citizen.id_number}, headers=headers
    ).get_json()
    by_phone = client.post(
        "/api/v1/people/search", json={"phone": citizen.phone}, headers=headers
    ).get_json()
    by_name = client.post(
        "/api/v1/people/search", json={"name": citizen.name[:1]}, headers=headers
    ).get_json()

    assert [p["name"] for p in by_number["items"]] == [citizen.name]
    assert [p["name"] for p in by_phone["items"]] == [citizen.name]
    assert by_name["items"] == []


def test_reveal_needs_a_purpose_and_is_audited(client, officer, district, authority):
    headers = login(client, officer)
    citizen = CITIZENS[7]
    person_id = _register(client, headers, citizen, district.village).get_json()["id"]

    without = client.post(
        f"/api/v1/people/{person_id}/reveal", json={}, headers=headers
    )
    revealed = client.post(
        f"/api/v1/people/{person_id}/reveal",
        json={"purpose": "核查出租屋登记"},
        headers=headers,
    )

    leaking = client.post(
        f"/api/v1/people/{person_id}/reveal",
        json={"purpose": f"核对 {citizen.phone}"},
        headers=headers,
    )

    assert without.status_code == 422
    assert leaking.get_json()["errors"]["purpose"][0]["code"] == (
        "people.purpose_sensitive"
    )
    assert revealed.get_json() == {"id_number": citizen.id_number}
    entry = AuditEntry.objects(action="person.reveal").first()
    assert entry.purpose == "核查出租屋登记"
    assert entry.subject_person == person_id


def test_resident_sees_own_record_and_who_looked(
    client, app, officer, district, authority
):
    citizen = CITIZENS[8]
    officer_headers = login(client, officer)
    person_id = _register(
        client, officer_headers, citizen, district.village
    ).get_json()["id"]
    client.get(f"/api/v1/people/{person_id}", headers=officer_headers)

    resident = login_resident(client, app, citizen.phone)
    own = client.get("/api/v1/me/person", headers=resident)
    history = client.get("/api/v1/me/access-history", headers=resident).get_json()
    someone_else = client.get(f"/api/v1/people/{person_id}", headers=resident)

    assert own.status_code == 200
    assert own.get_json()["phone"] == citizen.phone
    actions = [item["action"] for item in history["items"]]
    assert "person.read" in actions and "person.create" in actions
    read = next(i for i in history["items"] if i["action"] == "person.read")
    assert read["actor_role"] == "officer"
    assert officer.phone not in str(history)
    assert someone_else.status_code == 403


def test_pending_check_is_retried_by_the_worker(
    client, app, officer, district, authority, settings, var_dir
):
    headers = login(client, officer)
    authority.set_mode(down=True)

    answer = _register(client, headers, CITIZENS[9], district.village)
    person_id = answer.get_json()["id"]

    assert answer.status_code == 201
    assert answer.get_json()["verification"]["state"] == "pending"

    authority.set_mode(down=False)
    env = {
        **os.environ,
        "ANJU_ENV": "test",
        "ANJU_VAR_DIR": str(var_dir),
        "ANJU_MONGODB_URI": settings.mongodb_uri,
        "ANJU_ID_AUTHORITY_URL": settings.id_authority_url,
        "ANJU_ID_CHECK_RETRY_SECONDS": "1",
        "ANJU_WORKER_INTERVAL_SECONDS": "0.3",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "anju.worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while Person.objects.get(id=person_id).verification.state == "pending":
            assert time.monotonic() < deadline, "the worker never checked"
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(10)

    assert Person.objects.get(id=person_id).verification.state == "match"
    assert Alert.objects.count() == 0

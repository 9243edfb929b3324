"""Staff register workers at a venue, end employments, and list them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from anju.audit.models import AuditEntry
from anju.patrol.models import Alert
from anju.venues.employments import today
from anju.venues.models import Employment
from tests.api.employment_helpers import make_venue, staff_body
from tests.factories import CITIZENS, login, login_resident, make_staff


def _register(client, staff, venue, citizen, **changes):
    return client.post(
        f"/api/v1/venues/{venue.id}/employments",
        json=staff_body(citizen, **changes),
        headers=login(client, staff),
    )


def test_operator_registers_staff_masked_with_the_check(
    client, app, venue, operator, authority
):
    citizen = CITIZENS[60]

    answer = _register(client, operator, venue, citizen)

    assert answer.status_code == 201, answer.get_json()
    shown = answer.get_json()
    assert shown["verification"] == "match"
    assert shown["channel"] == "operator" and shown["kind"] == "staff"
    assert shown["registered_by_name"] == "operator 测试"
    assert shown["venue_name"] == "东村五金店"
    assert shown["id_number_masked"].count("*") == 10
    assert citizen.id_number not in answer.get_data(as_text=True)
    with app.app_context():
        entries = AuditEntry.objects(subject_person=shown["person_id"])
        assert [e.action for e in entries] == ["employment.create"]
        assert entries[0].actor_role == "operator"


def test_a_mismatch_shows_at_once_and_alerts_the_areas_officer(
    client, app, district, venue, operator, officer, authority
):
    other_officer = make_staff(app, "officer", district.other_zone)

    answer = _register(client, operator, venue, CITIZENS[61], name="假名字")

    assert answer.status_code == 201
    assert answer.get_json()["verification"] == "mismatch"
    alerts = client.get("/api/v1/alerts", headers=login(client, officer)).get_json()
    assert [a["kind"] for a in alerts["items"]] == ["id_mismatch"]
    elsewhere = client.get("/api/v1/alerts", headers=login(client, other_officer))
    assert elsewhere.get_json()["items"] == []


def test_a_known_number_under_another_name_is_a_mismatch(
    client, app, district, venue, operator, authority
):
    citizen = CITIZENS[62]
    second = make_venue(app, district.village, name="东村饭店")
    second_operator = make_staff(app, "operator", second, scope_kind="venue")
    assert _register(client, operator, venue, citizen).get_json()["verification"] == (
        "match"
    )

    answer = _register(client, second_operator, second, citizen, name="冒用者")

    assert answer.status_code == 201
    assert answer.get_json()["verification"] == "mismatch"
    with app.app_context():
        alert = Alert.objects.get()
        assert alert.resource_type == "employment"
        assert Employment.objects(name_mismatch=True).count() == 1


@pytest.mark.parametrize("role", ["area_admin", "officer"])
def test_the_channel_follows_the_role(client, app, district, venue, role, authority):
    staff = make_staff(app, role, district.zone)

    answer = _register(client, staff, venue, CITIZENS[63])

    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["channel"] == role


def test_a_business_contact_is_its_own_kind(client, venue, operator, authority):
    answer = _register(client, operator, venue, CITIZENS[64], kind="business_contact")

    assert answer.get_json()["kind"] == "business_contact"


def test_registering_twice_answers_the_existing_record(
    client, app, venue, operator, authority
):
    first = _register(client, operator, venue, CITIZENS[65])
    again = _register(client, operator, venue, CITIZENS[65])

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    with app.app_context():
        assert Employment.objects.count() == 1


def test_another_venues_operator_cannot_register_here(
    client, app, district, venue, authority
):
    elsewhere = make_venue(app, district.village, name="别家")
    stranger = make_staff(app, "operator", elsewhere, scope_kind="venue")

    answer = _register(client, stranger, venue, CITIZENS[66])

    assert answer.status_code == 404


def test_a_future_start_date_and_a_bad_phone_are_refused_together(
    client, app, venue, operator
):
    answer = _register(
        client,
        operator,
        venue,
        CITIZENS[67],
        phone="12345",
        start_date=(date.today() + timedelta(days=3)).isoformat(),
    )

    assert answer.status_code == 422
    errors = answer.get_json()["errors"]
    assert set(errors) == {"phone", "start_date"}
    assert errors["start_date"][0]["code"] == "start_date.future"


def test_identity_and_a_share_code_together_are_refused(client, venue, operator):
    answer = _register(client, operator, venue, CITIZENS[68], share_code="ABC-DEF-GHJ")

    assert answer.status_code == 422
    assert "share_code" in answer.get_json()["errors"]


def test_ending_frees_the_venue_for_a_new_employment(
    client, app, venue, operator, authority
):
    headers = login(client, operator)
    first = _register(client, operator, venue, CITIZENS[69]).get_json()
    yesterday = (date.today() - timedelta(days=1)).isoformat()

    ended = client.post(
        f"/api/v1/employments/{first['id']}/end",
        json={"end_date": yesterday},
        headers=headers,
    )
    again = client.post(
        f"/api/v1/employments/{first['id']}/end", json={}, headers=headers
    )
    rehired = _register(client, operator, venue, CITIZENS[69])

    assert ended.status_code == 200
    assert (ended.get_json()["state"], ended.get_json()["end_date"]) == (
        "ended",
        yesterday,
    )
    assert again.status_code == 409
    assert rehired.status_code == 201 and rehired.get_json()["id"] != first["id"]
    with app.app_context():
        assert AuditEntry.objects(action="employment.end").count() == 1


def test_an_end_before_the_start_is_refused(client, venue, operator, authority):
    first = _register(client, operator, venue, CITIZENS[70]).get_json()

    answer = client.post(
        f"/api/v1/employments/{first['id']}/end",
        json={"end_date": "2000-01-01"},
        headers=login(client, operator),
    )

    assert answer.status_code == 422
    assert answer.get_json()["errors"]["end_date"][0]["code"] == (
        "end_date.before_start"
    )


def test_left_without_notice(client, venue, operator, authority):
    first = _register(client, operator, venue, CITIZENS[71]).get_json()

    answer = client.post(
        f"/api/v1/employments/{first['id']}/left", headers=login(client, operator)
    )

    assert answer.status_code == 200
    assert answer.get_json()["state"] == "left_without_notice"
    assert answer.get_json()["end_date"] == today().isoformat()


def test_a_venue_list_audits_every_person_shown(
    client, app, venue, operator, authority
):
    for citizen in CITIZENS[72:75]:
        _register(client, operator, venue, citizen)
    headers = login(client, operator)

    first = client.get(
        f"/api/v1/venues/{venue.id}/employments?limit=2", headers=headers
    ).get_json()
    rest = client.get(
        f"/api/v1/venues/{venue.id}/employments?limit=2&cursor={first['next_cursor']}",
        headers=headers,
    ).get_json()

    shown = first["items"] + rest["items"]
    assert len(shown) == 3 and rest["next_cursor"] is None
    assert all("*" in item["id_number_masked"] for item in shown)
    with app.app_context():
        listed = AuditEntry.objects(action="employment.list")
        assert sorted(e.subject_person for e in listed) == sorted(
            item["person_id"] for item in shown
        )


def test_a_worker_sees_who_listed_them(client, app, venue, operator, authority):
    citizen = CITIZENS[75]
    _register(client, operator, venue, citizen)
    client.get(
        f"/api/v1/venues/{venue.id}/employments", headers=login(client, operator)
    )

    resident = login_resident(client, app, citizen.phone)
    history = client.get("/api/v1/me/access-history", headers=resident)

    assert history.status_code == 200, history.get_json()
    actions = [item["action"] for item in history.get_json()["items"]]
    assert "employment.list" in actions


def test_the_jurisdiction_view_filters(
    client, app, district, venue, operator, officer, authority
):
    _register(client, operator, venue, CITIZENS[76])
    _register(client, operator, venue, CITIZENS[77], name="假名字")
    admin = make_staff(app, "area_admin", district.zone)
    _register(client, admin, venue, CITIZENS[78])
    headers = login(client, officer)

    def names(query: str) -> list[str]:
        answer = client.get(f"/api/v1/employments?{query}", headers=headers)
        assert answer.status_code == 200, answer.get_json()
        return sorted(item["name"] for item in answer.get_json()["items"])

    assert len(names("")) == 3
    assert names("verification=mismatch") == ["假名字"]
    assert names("channel=area_admin") == [CITIZENS[78].name]
    assert len(names(f"area_id={district.village.id}&state=active")) == 3
    assert names(f"area_id={district.other_village.id}") == []
    assert names("state=ended") == []


def test_an_officer_elsewhere_sees_nothing(client, app, district, venue, operator):
    _register(client, operator, venue, CITIZENS[79])
    other = make_staff(app, "officer", district.other_zone)

    answer = client.get("/api/v1/employments", headers=login(client, other))
    venue_list = client.get(
        f"/api/v1/venues/{venue.id}/employments", headers=login(client, other)
    )

    assert answer.get_json()["items"] == []
    assert venue_list.status_code == 404


def test_a_resident_may_not_list_a_venue(client, app, venue):
    headers = login_resident(client, app, "13600002222")

    answer = client.get(f"/api/v1/venues/{venue.id}/employments", headers=headers)

    assert answer.status_code == 403

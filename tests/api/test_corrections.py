"""An officer corrects a person's record: the rules, the scope, the history,
the audit entry, and the ID check asked again."""

from __future__ import annotations

import pytest

from anju.audit.models import AuditEntry
from anju.common.crypto import keyring
from anju.patrol.models import Alert
from anju.people.models import Person
from anju.people.service import ID_CONTEXT
from anju.venues.models import Employment
from tests.api.employment_helpers import make_venue, staff_body
from tests.factories import (
    CITIZENS,
    login,
    make_staff,
    next_id_number,
)

TYPO = "张山峰"
REASON = "本人持身份证到警务室核对，登记时姓名录入错误"


def _register(client, staff, venue, citizen, **changes):
    answer = client.post(
        f"/api/v1/venues/{venue.id}/employments",
        json=staff_body(citizen, **changes),
        headers=login(client, staff),
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def _correct(client, staff, person_id, **body):
    return client.post(
        f"/api/v1/people/{person_id}/corrections",
        json={"reason": REASON, **body},
        headers=login(client, staff),
    )


@pytest.fixture
def mistyped(client, venue, operator, authority):
    """A worker registered under a mistyped name: the record mismatches."""
    registered = _register(client, operator, venue, CITIZENS[300], name=TYPO)
    assert registered["verification"] == "mismatch"
    return registered


def _codes(answer, field):
    return [error["code"] for error in answer.get_json()["errors"][field]]


def test_correcting_the_name_matches_and_resolves_the_mismatch(
    client, app, district, venue, operator, officer, mistyped, authority
):
    citizen = CITIZENS[300]
    second = make_venue(app, district.village, name="东村饭店")
    second_operator = make_staff(app, "operator", second, scope_kind="venue")
    # Registered again with the real name: a mismatch against the typo on record.
    again = _register(client, second_operator, second, citizen)
    assert again["verification"] == "mismatch"

    answer = _correct(client, officer, mistyped["person_id"], name=citizen.name)

    assert answer.status_code == 201, answer.get_json()
    shown = answer.get_json()
    assert shown["person"]["name"] == citizen.name
    assert shown["person"]["verification"]["state"] == "match"
    assert shown["correction"]["verification"] == "match"
    assert shown["correction"]["changed"] == ["name"]
    assert shown["correction"]["old_name"] == TYPO
    with app.app_context():
        person = Person.objects.get(id=mistyped["person_id"])
        assert person.name == citizen.name
        assert person.verification.state == "match"
        assert Employment.objects(person=person.id, name_mismatch=True).count() == 0
        alerts = Alert.objects(person=person.id)
        assert alerts.count() == 2
        assert {(a.state, a.resolution) for a in alerts} == {("closed", "corrected")}
    staff = client.get(
        f"/api/v1/venues/{second.id}/employments",
        headers=login(client, second_operator),
    ).get_json()["items"]
    assert [item["verification"] for item in staff] == ["match"]
    open_alerts = client.get("/api/v1/alerts", headers=login(client, officer))
    assert open_alerts.get_json()["items"] == []


def test_a_correction_is_kept_in_the_history_and_audited(
    client, app, officer, mistyped, authority
):
    person_id = mistyped["person_id"]
    _correct(client, officer, person_id, name="张三丰")

    history = client.get(
        f"/api/v1/people/{person_id}/corrections", headers=login(client, officer)
    )

    assert history.status_code == 200
    [item] = history.get_json()["items"]
    assert item["reason"] == REASON
    assert item["by_name"] == "officer 测试"
    assert item["old_name"] == TYPO and item["changed"] == ["name"]
    assert item["verification"] == "mismatch"
    with app.app_context():
        entry = AuditEntry.objects.get(action="person.corrected")
        assert entry.actor_account == str(officer.account.id)
        assert entry.actor_role == "officer"
        assert entry.subject_person == person_id
        assert entry.purpose == REASON
        assert entry.details == {"fields": ["name"], "verification": "mismatch"}
        assert TYPO not in str(entry.details) and "张三丰" not in str(entry.details)
        read = AuditEntry.objects(action="person.read", subject_person=person_id)
        assert read.count() == 1


def test_a_still_wrong_name_stays_a_mismatch_with_its_alert(
    client, app, officer, mistyped, authority
):
    answer = _correct(client, officer, mistyped["person_id"], name="张三丰")

    assert answer.status_code == 201
    assert answer.get_json()["person"]["verification"]["state"] == "mismatch"
    with app.app_context():
        assert Alert.objects(state="open").count() >= 1
        assert Alert.objects(state="closed").count() == 0


def test_correcting_the_id_number(client, app, venue, operator, officer, authority):
    citizen = CITIZENS[301]
    typed = next_id_number()
    registered = _register(client, operator, venue, citizen, id_number=typed)
    assert registered["verification"] == "not_found"

    answer = _correct(
        client, officer, registered["person_id"], id_number=citizen.id_number
    )

    assert answer.status_code == 201, answer.get_json()
    shown = answer.get_json()
    assert shown["person"]["verification"]["state"] == "match"
    assert shown["person"]["id_number_masked"] == (
        citizen.id_number[:4] + "*" * 10 + citizen.id_number[-4:]
    )
    assert shown["correction"]["old_id_number_masked"] == (
        typed[:4] + "*" * 10 + typed[-4:]
    )
    assert citizen.id_number not in answer.get_data(as_text=True)
    with app.app_context():
        person = Person.objects.get(id=registered["person_id"])
        number = keyring().decrypt(person.id_number_encrypted, ID_CONTEXT)
        assert number == citizen.id_number
        assert person.id_number_index == keyring().blind_index(number, "id_number")
        stored = Person._get_collection().find_one({"_id": person.id})
        assert typed not in str(stored) and citizen.id_number not in str(stored)
        assert Alert.objects(state="open").count() == 0


def test_while_the_authority_is_down_the_correction_is_kept_pending(
    client, app, officer, mistyped, authority
):
    authority.set_mode(down=True)

    answer = _correct(client, officer, mistyped["person_id"], name=CITIZENS[300].name)

    assert answer.status_code == 201
    assert answer.get_json()["person"]["verification"]["state"] == "pending"
    with app.app_context():
        person = Person.objects.get(id=mistyped["person_id"])
        assert person.name == CITIZENS[300].name
        assert person.verification.next_check_at is not None
        assert Alert.objects(state="open").count() == 1


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"name": "  "}, "name", "corrections.name_required"),
        ({"name": TYPO}, "name", "corrections.unchanged"),
        ({}, "name", "corrections.nothing_given"),
        ({"id_number": "11010519900517001"}, "id_number", "id_number.format"),
        ({"id_number": "110105199005170010"}, "id_number", "id_number.checksum"),
        ({"id_number": "999999199005170017"}, "id_number", "id_number.region"),
        ({"name": "a" * 51}, "name", "name.length"),
        ({"reason": "错"}, "reason", "corrections.reason_length"),
        ({"reason": " " * 10}, "reason", "corrections.reason_length"),
        ({"reason": "x" * 201}, "reason", "corrections.reason_length"),
        ({"reason": None}, "reason", "reason.null"),
        ({"reason": "电话13800138000核对"}, "reason", "corrections.reason_sensitive"),
        ({"nickname": "小张"}, "nickname", "nickname.unknown"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    client, app, officer, mistyped, body, field, code
):
    answer = _correct(client, officer, mistyped["person_id"], **body)

    assert answer.status_code == 422, answer.get_json()
    assert code in _codes(answer, field)
    with app.app_context():
        assert Person.objects.get(id=mistyped["person_id"]).name == TYPO
        assert AuditEntry.objects(action="person.corrected").count() == 0


def test_a_missing_reason_is_refused(client, officer, mistyped):
    answer = client.post(
        f"/api/v1/people/{mistyped['person_id']}/corrections",
        json={"name": "张三丰"},
        headers=login(client, officer),
    )

    assert answer.status_code == 422
    assert _codes(answer, "reason") == ["reason.required"]


def test_messages_are_chinese_by_default_and_english_on_request(
    client, officer, mistyped
):
    zh = _correct(client, officer, mistyped["person_id"], name=" ")
    en = client.post(
        f"/api/v1/people/{mistyped['person_id']}/corrections",
        json={"reason": REASON, "name": " "},
        headers={**login(client, officer), "Accept-Language": "en"},
    )

    assert zh.get_json()["errors"]["name"][0]["message"] == "更正后的姓名不能为空"
    assert "name" in en.get_json()["errors"]["name"][0]["message"]


def test_the_same_id_number_twice_is_refused(client, officer, mistyped):
    citizen = CITIZENS[300]
    answer = _correct(
        client, officer, mistyped["person_id"], id_number=citizen.id_number
    )

    assert answer.status_code == 422
    assert _codes(answer, "id_number") == ["corrections.unchanged"]


def test_another_persons_id_number_is_refused_without_saying_whose(
    client, app, venue, operator, officer, mistyped, authority
):
    other = CITIZENS[302]
    _register(client, operator, venue, other)

    answer = _correct(client, officer, mistyped["person_id"], id_number=other.id_number)

    assert answer.status_code == 422
    assert _codes(answer, "id_number") == ["corrections.id_number_taken"]
    assert other.name not in answer.get_data(as_text=True)
    with app.app_context():
        assert Person.objects.get(id=mistyped["person_id"]).name == TYPO


def test_all_problems_are_answered_at_once(client, officer, mistyped):
    answer = _correct(client, officer, mistyped["person_id"], name=" ", id_number="123")

    assert answer.status_code == 422
    assert set(answer.get_json()["errors"]) == {"name", "id_number"}


# An officer elsewhere does not learn the record exists; other roles are refused.
@pytest.mark.parametrize(
    ("role", "status"),
    [("officer_elsewhere", 404), ("operator", 403), ("area_admin", 403)],
)
def test_only_the_areas_officers_may_correct(
    client, app, district, operator, mistyped, role, status
):
    staff = {
        "officer_elsewhere": lambda: make_staff(app, "officer", district.other_zone),
        "operator": lambda: operator,
        "area_admin": lambda: make_staff(app, "area_admin", district.zone),
    }[role]()
    person_id = mistyped["person_id"]

    post = _correct(client, staff, person_id, name=CITIZENS[300].name)
    get = client.get(
        f"/api/v1/people/{person_id}/corrections", headers=login(client, staff)
    )

    assert post.status_code == status
    assert get.status_code == status
    with app.app_context():
        assert Person.objects.get(id=person_id).name == TYPO


def test_a_resent_correction_is_made_once(client, app, officer, mistyped, authority):
    headers = {**login(client, officer), "Idempotency-Key": "correction-0001"}
    body = {"reason": REASON, "name": CITIZENS[300].name}
    url = f"/api/v1/people/{mistyped['person_id']}/corrections"

    first = client.post(url, json=body, headers=headers)
    second = client.post(url, json=body, headers=headers)

    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    with app.app_context():
        person = Person.objects.get(id=mistyped["person_id"])
        assert len(person.corrections) == 1

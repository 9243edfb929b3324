"""A worker scans a venue's code, logs in by SMS and registers themself."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from datetime import date, timedelta

from anju.accounts.models import Account
from anju.accounts.service import phone_index
from anju.audit.models import AuditEntry
from anju.audit.service import verify
from anju.common.idnumber import parse_id_number
from anju.identity.client import Verdict
from anju.patrol.models import Alert
from anju.people import service as people
from anju.people.models import Person
from anju.privacy.consent import CURRENT_VERSION
from anju.venues.models import Employment
from tests.api.employment_helpers import code_token, make_venue, self_body
from tests.factories import CITIZENS, login, login_resident, make_staff


def _url(app, venue, version=None):
    return f"/api/v1/venue-codes/{code_token(app, venue, version)}/registrations"


def _register(client, app, venue, citizen, headers=None, **changes):
    headers = headers or login_resident(client, app, citizen.phone)
    return client.post(
        _url(app, venue), json=self_body(citizen, **changes), headers=headers
    )


def test_consent_is_shown_in_the_language_asked_for(client):
    zh = client.get("/api/v1/consent/current").get_json()
    en = client.get(
        "/api/v1/consent/current", headers={"Accept-Language": "en"}
    ).get_json()

    assert zh["version"] == en["version"] == CURRENT_VERSION
    assert "身份证号" in zh["text"] and "保存" in zh["retention"]
    assert "ID number" in en["text"] and en["purpose"] != zh["purpose"]


def test_worker_registers_and_is_checked_at_once(client, app, venue, authority):
    citizen = CITIZENS[40]

    answer = _register(client, app, venue, citizen)

    assert answer.status_code == 201, answer.get_json()
    mine = answer.get_json()
    assert mine["verification"] == "match"
    assert mine["channel"] == "self_scan" and mine["state"] == "active"
    assert mine["venue"] == {
        "id": str(venue.id),
        "name": "东村五金店",
        "area_name": "东村",
    }
    assert citizen.id_number not in answer.get_data(as_text=True)
    with app.app_context():
        employment = Employment.objects.get()
        person = Person.objects.get(id=employment.person)
        account = Account.objects.get(person=person.id)
        assert employment.consent.version == CURRENT_VERSION
        assert employment.consent.accepted_at is not None
        assert employment.registered_by == str(account.id)
        assert person.channel == "self_scan" and person.phone_masked
        assert person.verification.state == "match"
        assert f"venue:{venue.id}" in person.scope_keys
        # One audit entry for the whole registration, carrying the answer.
        entries = list(AuditEntry.objects(subject_person=str(person.id)))
        assert [e.action for e in entries] == ["employment.create"]
        assert entries[0].details["verification"] == "match"
        assert entries[0].details["self"] is True
        assert verify(settings=app.config["ANJU"]).ok


def test_the_person_is_then_my_own_record(client, app, venue, authority):
    citizen = CITIZENS[41]
    headers = login_resident(client, app, citizen.phone)
    _register(client, app, venue, citizen, headers)

    me = client.get("/api/v1/me/person", headers=headers)
    mine = client.get("/api/v1/me/employments", headers=headers).get_json()

    assert me.status_code == 200 and me.get_json()["name"] == citizen.name
    assert [item["venue"]["name"] for item in mine["items"]] == ["东村五金店"]
    assert mine["items"][0]["verification"] == "match"


def test_registering_again_answers_the_existing_record(client, app, venue, authority):
    citizen = CITIZENS[42]
    headers = login_resident(client, app, citizen.phone)

    first = _register(client, app, venue, citizen, headers)
    again = _register(client, app, venue, citizen, headers, job="收银员")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.get_json()["job"] == "理货员"
    with app.app_context():
        assert Employment.objects.count() == 1
        assert Person.objects.count() == 1


def test_concurrent_double_submits_make_one_record(client, app, venue, authority):
    citizen = CITIZENS[43]
    headers = login_resident(client, app, citizen.phone)
    start = threading.Barrier(2)
    statuses: list[int] = []

    def submit() -> None:
        own = app.test_client()
        start.wait()
        answer = own.post(_url(app, venue), json=self_body(citizen), headers=headers)
        statuses.append(answer.status_code)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 201]
    with app.app_context():
        assert Employment.objects.count() == 1
        assert Person.objects.count() == 1


def test_an_offline_resend_with_its_key_is_answered_once(client, app, venue, authority):
    citizen = CITIZENS[44]
    headers = {
        **login_resident(client, app, citizen.phone),
        "Idempotency-Key": "outbox-entry-0001",
    }

    first = client.post(_url(app, venue), json=self_body(citizen), headers=headers)
    replay = client.post(_url(app, venue), json=self_body(citizen), headers=headers)

    assert first.status_code == replay.status_code == 201
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert replay.get_json() == first.get_json()


def test_every_problem_of_the_form_comes_back_at_once(client, app, venue):
    citizen = CITIZENS[45]
    bad_number = citizen.id_number[:-1] + ("0" if citizen.id_number[-1] != "0" else "1")

    answer = _register(
        client,
        app,
        venue,
        citizen,
        id_number=bad_number,
        job=" ",
        start_date=(date.today() + timedelta(days=2)).isoformat(),
        emergency_contact_phone="12345",
        consent_version="",
    )

    assert answer.status_code == 422
    errors = answer.get_json()["errors"]
    assert errors["id_number"][0]["code"] == "id_number.checksum"
    assert errors["job"][0]["code"] == "job.required"
    assert errors["start_date"][0]["code"] == "start_date.future"
    assert errors["emergency_contact_phone"][0]["code"].startswith("phone.")
    assert errors["emergency_contact_name"][0]["code"] == (
        "emergency_contact_name.required"
    )
    assert errors["consent_version"][0]["code"] == "consent.required"
    with app.app_context():
        assert Person.objects.count() == 0 and Employment.objects.count() == 0


def test_an_outdated_consent_is_refused_in_english(client, app, venue):
    citizen = CITIZENS[46]
    headers = {
        **login_resident(client, app, citizen.phone),
        "Accept-Language": "en",
    }

    answer = _register(
        client, app, venue, citizen, headers, consent_version="2020-01-01"
    )

    assert answer.status_code == 422
    error = answer.get_json()["errors"]["consent_version"][0]
    assert error["code"] == "consent.outdated"
    assert "accept it again" in error["message"]


def test_an_emergency_contact_is_kept_masked(client, app, venue, authority):
    citizen = CITIZENS[47]

    answer = _register(
        client,
        app,
        venue,
        citizen,
        emergency_contact_name="李四",
        emergency_contact_phone="13912345678",
    )

    assert answer.status_code == 201
    with app.app_context():
        employment = Employment.objects.get()
        assert employment.emergency_contact_name == "李四"
        assert employment.emergency_contact_phone_masked == "139****5678"
        assert "13912345678" not in employment.emergency_contact_phone_encrypted


def test_a_replaced_code_names_whom_to_ask(client, app, venue):
    citizen = CITIZENS[48]
    headers = login_resident(client, app, citizen.phone)
    old = _url(app, venue)
    with app.app_context():
        venue.update(set__code_version=2)

    answer = client.post(old, json=self_body(citizen), headers=headers)

    assert answer.status_code == 410
    assert answer.get_json()["code"] == "codes.replaced"
    assert answer.get_json()["contact"]


def test_a_forged_code_is_not_found(client, app, venue):
    citizen = CITIZENS[49]
    headers = login_resident(client, app, citizen.phone)
    token = code_token(app, venue)
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")

    answer = client.post(
        f"/api/v1/venue-codes/{forged}/registrations",
        json=self_body(citizen),
        headers=headers,
    )

    assert answer.status_code == 404
    assert answer.get_json()["code"] == "codes.invalid"


def test_a_venue_not_yet_approved_takes_no_registrations(client, app, district):
    pending = make_venue(app, district.village, status="pending_approval")
    citizen = CITIZENS[50]

    answer = _register(client, app, pending, citizen)

    assert answer.status_code == 409
    with app.app_context():
        assert Person.objects.count() == 0


def test_a_name_not_matching_the_number_raises_an_alert(client, app, venue, authority):
    citizen = CITIZENS[51]

    answer = _register(client, app, venue, citizen, name="冒名者")

    assert answer.status_code == 201
    assert answer.get_json()["verification"] == "mismatch"
    with app.app_context():
        alert = Alert.objects.get()
        assert alert.kind == "id_mismatch"
        assert f"area:{venue.area}" in alert.scope_keys


def test_the_record_is_kept_when_the_authority_is_down(client, app, venue, authority):
    authority.set_mode(down=True)
    citizen = CITIZENS[52]

    answer = _register(client, app, venue, citizen)

    assert answer.status_code == 201
    assert answer.get_json()["verification"] == "pending"
    with app.app_context():
        person = Person.objects.get()
        assert person.verification.state == "pending"
        assert person.verification.next_check_at is not None


def test_anothers_id_number_is_refused(client, app, district, venue, authority):
    citizen = CITIZENS[53]
    officer = make_staff(app, "officer", district.zone)
    registered = client.post(
        "/api/v1/people",
        json={
            "name": citizen.name,
            "id_number": citizen.id_number,
            "phone": citizen.phone,
            "area_id": str(district.village.id),
        },
        headers=login(client, officer),
    )
    assert registered.status_code == 201
    someone_else = "13700001111"

    answer = _register(
        client, app, venue, citizen, login_resident(client, app, someone_else)
    )

    assert answer.status_code == 422
    assert answer.get_json()["errors"]["id_number"][0]["code"] == (
        "employments.identity_taken"
    )
    with app.app_context():
        assert Employment.objects.count() == 0
        assert Account.objects(person__ne=None).count() == 0


def test_staff_tokens_cannot_register_without_self(client, app, venue):
    answer = client.post(_url(app, venue), json=self_body(CITIZENS[54]))

    assert answer.status_code == 401


def test_a_mistyped_id_number_is_corrected_by_registering_again(
    client, app, venue, authority
):
    citizen, stranger = CITIZENS[40], CITIZENS[41]
    headers = login_resident(client, app, citizen.phone)

    mistyped = _register(
        client, app, venue, citizen, headers=headers, id_number=stranger.id_number
    )
    corrected = _register(client, app, venue, citizen, headers=headers)

    assert mistyped.get_json()["verification"] == "mismatch"
    assert corrected.status_code == 201
    assert corrected.get_json()["verification"] == "match"
    mine = client.get("/api/v1/me/employments", headers=headers).get_json()["items"]
    assert [(e["id"], e["state"]) for e in mine] == [
        (corrected.get_json()["id"], "active")
    ]
    with app.app_context():
        first = Employment.objects(id=mistyped.get_json()["id"]).first()
        assert (first.state, str(first.superseded_by)) == (
            "ended",
            corrected.get_json()["id"],
        )
        assert Employment.objects(state="active").count() == 1
        assert AuditEntry.objects(action="employment.superseded").count() == 1
        assert verify().ok


def test_a_matched_identity_is_not_replaced_by_another_self_scan(
    client, app, venue, authority
):
    citizen, stranger = CITIZENS[40], CITIZENS[41]
    headers = login_resident(client, app, citizen.phone)

    first = _register(client, app, venue, citizen, headers=headers)
    second = _register(
        client, app, venue, citizen, headers=headers, id_number=stranger.id_number
    )

    assert first.get_json()["verification"] == "match"
    assert second.status_code == 201
    with app.app_context():
        assert Employment.objects(state="active").count() == 2
        assert not Employment.objects(superseded_by__exists=True).count()
        account = Account.objects(phone_index=phone_index(citizen.phone)).first()
        kept = Employment.objects(id=first.get_json()["id"]).first()
        assert account.person == kept.person


# --- the ID check is asked alongside the writes, never instead of them


def _unsaved_person(citizen):
    return people.new_person(
        citizen.name, parse_id_number(citizen.id_number), None, [], "self_scan", None
    )


def test_an_answer_already_back_goes_in_with_the_insert(app, authority):
    citizen = CITIZENS[60]

    with app.app_context():
        person = _unsaved_person(citizen)
        check = people.start_check(citizen.name, citizen.id_number, person.id)
        assert check is not None
        check.result(timeout=10)
        put = people.answer_if_back(check, person)
        person.save(force_insert=True)

        assert put is True
        stored = Person.objects.get(id=person.id)
        assert stored.verification.state == "match"
        assert stored.verification.attempts == 1
        assert stored.verification.reference


def test_an_answer_on_its_way_is_not_waited_for_before_the_store(app, authority):
    authority.set_mode(delay_ms=600)
    citizen = CITIZENS[61]

    with app.app_context():
        person = _unsaved_person(citizen)
        check = people.start_check(citizen.name, citizen.id_number, person.id)
        put = people.answer_if_back(check, person)
        person.save(force_insert=True)
        assert Person.objects.get(id=person.id).verification.state == "pending"

        state = people.record_check(person, people.check_answer(check), audit=False)

        assert put is False
        assert state == "match"
        assert Person.objects.get(id=person.id).verification.state == "match"


def test_a_slow_authority_still_answers_the_registration(client, app, venue, authority):
    authority.set_mode(delay_ms=400)
    citizen = CITIZENS[62]

    answer = _register(client, app, venue, citizen, name="冒名者")

    assert answer.status_code == 201
    assert answer.get_json()["verification"] == "mismatch"
    with app.app_context():
        assert Person.objects.get().verification.state == "mismatch"
        assert Alert.objects.get().kind == "id_mismatch"


def test_a_check_that_failed_outright_counts_as_unavailable(app):
    failed: Future = Future()
    failed.set_exception(ConnectionError("refused"))

    with app.app_context():
        answer = people.check_answer(failed)

    assert answer.verdict is Verdict.UNAVAILABLE

"""Check-in and check-out through the HTTP API: the states, the two keys,
capacity (also under concurrency), scope, room codes and every bad input."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from anju.audit.models import AuditEntry
from anju.housing.models import Room, Tenancy
from anju.patrol.models import Alert
from anju.privacy.consent import CURRENT_VERSION
from tests.factories import (
    CITIZENS,
    login,
    login_resident,
    make_staff,
)
from tests.housing.steps import API, add_lock, check_in, make_house, period


def _codes(answer) -> list[str]:
    body = answer.get_json()
    return [e["code"] for errors in body.get("errors", {}).values() for e in errors]


def _occupants(app, room_id: str) -> int:
    with app.app_context():
        return Room.objects(id=room_id).first().occupants


# --- properties and rooms


def test_landlord_sees_rooms_occupancy_and_pending(client, house, landlord, app):
    headers = login(client, landlord)
    check_in(client, headers, house.rooms["102"], CITIZENS[0])
    lock, _ = add_lock(app, house.rooms["102"])  # never connected: offline

    listed = client.get(f"{API}/properties", headers=headers).get_json()["items"]
    assert [p["id"] for p in listed] == [house.id]
    summary = listed[0]
    assert summary["rooms"] == 2
    assert summary["capacity"] == 3
    assert summary["occupied_beds"] == 1
    assert summary["pending_checkins"] == 1  # verified, not yet authorized
    assert summary["area_name"] == "东村"
    assert summary["locks_offline"] == 1

    detail = client.get(f"{API}/properties/{house.id}", headers=headers).get_json()
    rooms = {room["number"]: room for room in detail["rooms"]}
    assert rooms["102"]["occupants"] == 1 and rooms["102"]["capacity"] == 2
    assert rooms["101"]["lock"] is None and rooms["101"]["code_version"] == 1
    assert rooms["102"]["lock"]["serial"] == lock.serial
    assert rooms["102"]["lock"]["online"] is False


def test_another_landlords_room_is_not_found(client, app, house, officer, district):
    other = make_staff(app, "operator")
    make_house(client, officer, other, district.village, rooms=(("201", 1),))
    headers = login(client, other)

    room = house.rooms["101"]
    assert client.get(f"{API}/rooms/{room}", headers=headers).status_code == 404
    assert (
        client.get(f"{API}/properties/{house.id}", headers=headers).status_code == 404
    )
    answer = check_in(client, headers, room, CITIZENS[1])
    assert answer.status_code == 404
    assert _occupants(app, room) == 0


def test_resident_may_not_manage_rooms(client, app, house):
    headers = login_resident(client, app, CITIZENS[2].phone)
    answer = check_in(client, headers, house.rooms["101"], CITIZENS[2])
    assert answer.status_code == 403


def test_room_number_and_capacity_are_checked(client, house, landlord):
    headers = login(client, landlord)
    url = f"{API}/properties/{house.id}/rooms"

    taken = client.post(url, json={"number": "101", "capacity": 1}, headers=headers)
    assert taken.status_code == 422 and _codes(taken) == ["rooms.number_taken"]
    zero = client.post(url, json={"number": "103", "capacity": 0}, headers=headers)
    assert zero.status_code == 422 and _codes(zero) == ["capacity.range"]


def test_property_in_an_area_outside_scope_is_refused(client, officer, district):
    answer = client.post(
        f"{API}/properties",
        json={"name": "外区出租屋", "area_id": str(district.other_village.id)},
        headers=login(client, officer),
    )
    assert answer.status_code == 422
    assert _codes(answer) == ["people.area_outside_scope"]


# --- check-in by the landlord


def test_landlord_checks_a_tenant_in_and_the_identity_matches(
    client, app, house, landlord
):
    citizen = CITIZENS[3]
    answer = check_in(client, login(client, landlord), house.rooms["101"], citizen)

    assert answer.status_code == 201, answer.get_json()
    tenancy = answer.get_json()
    assert tenancy["state"] == "verified"
    assert tenancy["verification"]["state"] == "match"
    assert tenancy["key"] == {
        "state": "none",
        "credential_id": None,
        "enrollment_until": None,
    }
    assert tenancy["channel"] == "landlord"
    assert tenancy["room_number"] == "101"
    assert citizen.id_number not in answer.get_data(as_text=True)
    assert citizen.phone not in answer.get_data(as_text=True)
    assert _occupants(app, house.rooms["101"]) == 1
    with app.app_context():
        assert AuditEntry.objects(
            action="tenancy.create", resource_id=tenancy["id"]
        ).count()


def test_a_mismatch_is_rejected_and_frees_the_bed(client, app, house, landlord):
    citizen = CITIZENS[4]
    answer = check_in(
        client, login(client, landlord), house.rooms["101"], citizen, name="冒名者"
    )

    assert answer.status_code == 201
    tenancy = answer.get_json()
    assert tenancy["state"] == "rejected"
    assert tenancy["ended_reason"] == "verification.mismatch"
    assert _occupants(app, house.rooms["101"]) == 0
    with app.app_context():
        assert Alert.objects(kind="id_mismatch").count() == 1

    # Only a match may be authorized: "two keys to one door".
    add_lock(app, house.rooms["101"])
    refused = client.post(
        f"{API}/tenancies/{tenancy['id']}/authorize",
        json={},
        headers=login(client, landlord),
    )
    assert refused.status_code == 409


def test_authority_down_leaves_it_verifying_until_the_retry(
    client, app, house, landlord, authority, settings
):
    from anju.housing.service import housing_upkeep
    from anju.people.models import Person
    from anju.people.service import verify_pending

    authority.set_mode(down=True)
    headers = login(client, landlord)
    answer = check_in(client, headers, house.rooms["101"], CITIZENS[5])
    tenancy = answer.get_json()
    assert tenancy["state"] == "verifying"

    add_lock(app, house.rooms["101"])
    early = client.post(
        f"{API}/tenancies/{tenancy['id']}/authorize", json={}, headers=headers
    )
    assert early.status_code == 409
    assert early.get_json()["detail"]

    authority.set_mode(down=False)
    with app.app_context():
        Person.objects(id=tenancy["person_id"]).update_one(
            set__verification__next_check_at=Person.objects(id=tenancy["person_id"])
            .first()
            .created_at
        )
        assert verify_pending(settings) == 1
        assert housing_upkeep(settings) == 1
    again = client.get(f"{API}/tenancies/{tenancy['id']}", headers=headers)
    assert again.get_json()["state"] == "verified"


# --- capacity


def test_a_full_room_answers_409(client, app, house, landlord):
    headers = login(client, landlord)
    assert check_in(client, headers, house.rooms["101"], CITIZENS[6]).status_code == 201

    full = check_in(client, headers, house.rooms["101"], CITIZENS[7])
    assert full.status_code == 409
    assert full.get_json()["type"].endswith("conflict")
    assert "1" in full.get_json()["detail"]
    assert _occupants(app, house.rooms["101"]) == 1
    with app.app_context():
        assert Tenancy.objects(room=house.rooms["101"]).count() == 1


def test_two_check_ins_for_the_last_bed_cannot_both_win(client, app, house, landlord):
    headers = login(client, landlord)
    room = house.rooms["102"]  # two beds
    assert check_in(client, headers, room, CITIZENS[8]).status_code == 201

    tenants = CITIZENS[9:15]
    answers: list[int] = []
    start = threading.Barrier(len(tenants))

    def attempt(citizen):
        own = app.test_client()
        start.wait()
        answers.append(check_in(own, headers, room, citizen).status_code)

    threads = [threading.Thread(target=attempt, args=(c,)) for c in tenants]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [201] + [409] * (len(tenants) - 1)
    assert _occupants(app, room) == 2
    with app.app_context():
        holding = Tenancy.objects(room=room, holds_bed=True).count()
    assert holding == 2


def test_only_an_officer_may_exceed_capacity_and_it_raises_an_alert(
    client, app, house, landlord, officer
):
    room = house.rooms["101"]
    assert (
        check_in(client, login(client, landlord), room, CITIZENS[15]).status_code == 201
    )
    reason = "家属临时探亲同住一周"

    refused = check_in(
        client, login(client, landlord), room, CITIZENS[16], override_reason=reason
    )
    assert refused.status_code == 403
    allowed = check_in(
        client, login(client, officer), room, CITIZENS[16], override_reason=reason
    )
    assert allowed.status_code == 201, allowed.get_json()

    assert _occupants(app, room) == 2
    with app.app_context():
        alert = Alert.objects(kind="room_over_capacity").first()
        assert alert is not None and alert.resource_id == room
        entry = AuditEntry.objects(action="tenancy.capacity_override").first()
        assert entry is not None and entry.purpose == reason

    rows = client.get(
        f"{API}/occupancy?over_capacity=true", headers=login(client, officer)
    ).get_json()["items"]
    assert [(r["room_id"], r["occupants"], r["over_capacity"]) for r in rows] == [
        (room, 2, True)
    ]


def test_occupancy_per_room_in_the_officers_jurisdiction(
    client, app, house, landlord, officer, district
):
    check_in(client, login(client, landlord), house.rooms["102"], CITIZENS[17])
    headers = login(client, officer)

    answer = client.get(
        f"{API}/occupancy?area_id={district.village.id}", headers=headers
    ).get_json()
    rows = {row["number"]: row for row in answer["items"]}
    assert rows["102"]["occupants"] == 1 and rows["102"]["capacity"] == 2
    assert rows["101"]["occupants"] == 0 and not rows["101"]["over_capacity"]
    outside = client.get(
        f"{API}/occupancy?area_id={district.other_village.id}", headers=headers
    )
    assert outside.get_json()["items"] == []


# --- keys and check-out


def test_authorize_waits_for_the_lock_and_check_out_revokes(
    client, app, house, landlord
):
    from anju.locks.models import Credential

    headers = login(client, landlord)
    room = house.rooms["101"]
    lock, _ = add_lock(app, room)
    tenancy = check_in(client, headers, room, CITIZENS[18]).get_json()

    answer = client.post(
        f"{API}/tenancies/{tenancy['id']}/authorize", json={}, headers=headers
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["state"] == "authorized"
    assert answer.get_json()["key"]["state"] == "waiting_for_lock"
    with app.app_context():
        credential = Credential.objects(tenancy=tenancy["id"]).get()
        assert credential.lock == lock.id and credential.state == "issued"

    out = client.post(
        f"{API}/tenancies/{tenancy['id']}/check-out", json={}, headers=headers
    )
    assert out.status_code == 200
    assert out.get_json()["state"] == "checked_out"
    assert out.get_json()["key"]["state"] == "revoked"
    assert _occupants(app, room) == 0
    with app.app_context():
        assert Credential.objects(tenancy=tenancy["id"]).get().state == "revoked"

    again = client.post(
        f"{API}/tenancies/{tenancy['id']}/check-out", json={}, headers=headers
    )
    assert again.status_code == 409
    assert again.get_json()["detail"] in (
        "该租住记录已结束",
        "This tenancy has already ended",
    )
    assert _occupants(app, room) == 0


def test_a_room_without_a_lock_cannot_be_authorized(client, house, landlord):
    headers = login(client, landlord)
    tenancy = check_in(client, headers, house.rooms["101"], CITIZENS[19]).get_json()
    answer = client.post(
        f"{API}/tenancies/{tenancy['id']}/authorize", json={}, headers=headers
    )
    assert answer.status_code == 409


def test_the_enrolled_finger_checks_the_tenant_in(client, app, house, landlord):
    from anju.locks.models import Credential
    from anju.locks.signals import credential_enrolled

    headers = login(client, landlord)
    room = house.rooms["101"]
    add_lock(app, room)
    tenancy = check_in(client, headers, room, CITIZENS[20]).get_json()
    client.post(f"{API}/tenancies/{tenancy['id']}/authorize", json={}, headers=headers)
    enrolling = client.post(
        f"{API}/tenancies/{tenancy['id']}/enrollment", json={}, headers=headers
    )
    assert enrolling.status_code == 200, enrolling.get_json()

    with app.app_context():
        credential = Credential.objects(tenancy=tenancy["id"]).get()
        credential_enrolled.send(credential)
    after = client.get(f"{API}/tenancies/{tenancy['id']}", headers=headers).get_json()
    assert after["state"] == "checked_in"


def test_a_person_checked_in_elsewhere_is_warned_about(client, app, house, landlord):
    headers = login(client, landlord)
    add_lock(app, house.rooms["101"])
    citizen = CITIZENS[21]
    first = check_in(client, headers, house.rooms["101"], citizen).get_json()
    client.post(f"{API}/tenancies/{first['id']}/authorize", json={}, headers=headers)

    second = check_in(client, headers, house.rooms["102"], citizen)
    assert second.status_code == 201
    assert [w["code"] for w in second.get_json()["warnings"]] == ["tenancies.elsewhere"]
    assert first["id"] not in second.get_data(as_text=True)


def test_the_gates_of_a_closed_community_open_too(client, app, officer, landlord):
    from anju.areas.service import create_area

    with app.app_context():
        from anju.areas.models import Area

        zone = Area.objects(id=officer.account.grants[0].scope_id).first()
        community = create_area(
            None, {"name": "阳光花园", "kind": "community", "parent_id": str(zone.id)}
        )
        building = create_area(
            None, {"name": "1幢", "kind": "building", "parent_id": str(community.id)}
        )
    house = make_house(client, officer, landlord, building, rooms=(("301", 1),))
    gate, _ = add_lock(app, None, kind="gate", area_id=str(community.id))
    add_lock(app, house.rooms["301"])
    headers = login(client, landlord)

    tenancy = check_in(client, headers, house.rooms["301"], CITIZENS[22]).get_json()
    answer = client.post(
        f"{API}/tenancies/{tenancy['id']}/authorize", json={}, headers=headers
    ).get_json()
    assert answer["gate_keys"] == [
        {"lock_id": str(gate.id), "state": "waiting_for_lock"}
    ]


# --- the tenant's side: the room's code


def _code_token(client, headers, room_id) -> str:
    answer = client.post(f"{API}/rooms/{room_id}/code-version", headers=headers)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()["url"].rsplit("/r/", 1)[1]


def test_tenant_scans_the_room_code_and_the_landlord_approves(
    client, app, house, landlord
):
    landlord_headers = login(client, landlord)
    token = _code_token(client, landlord_headers, house.rooms["102"])

    public = client.get(f"{API}/room-codes/{token}")
    assert public.status_code == 200
    assert public.get_json()["room"]["number"] == "102"
    assert public.get_json()["room"]["property_name"] == "东村1号出租屋"

    citizen = CITIZENS[23]
    tenant = login_resident(client, app, citizen.phone)
    asked = client.post(
        f"{API}/room-codes/{token}/tenancies",
        json={
            "name": citizen.name,
            "id_number": citizen.id_number,
            "consent_version": CURRENT_VERSION,
            **period(),
        },
        headers=tenant,
    )
    assert asked.status_code == 201, asked.get_json()
    assert asked.get_json()["state"] == "requested"
    assert asked.get_json()["channel"] == "room_code"
    assert _occupants(app, house.rooms["102"]) == 0

    mine = client.get(f"{API}/me/tenancies", headers=tenant).get_json()["items"]
    assert [t["id"] for t in mine] == [asked.get_json()["id"]]
    assert mine[0]["room"]["number"] == "102"
    assert mine[0]["property"]["name"] == "东村1号出租屋"

    pending = client.get(
        f"{API}/tenancies?state=requested", headers=landlord_headers
    ).get_json()["items"]
    assert [t["id"] for t in pending] == [asked.get_json()["id"]]
    approved = client.post(
        f"{API}/tenancies/{asked.get_json()['id']}/approve",
        json={},
        headers=landlord_headers,
    )
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["state"] == "verified"
    assert _occupants(app, house.rooms["102"]) == 1


def test_a_replaced_or_forged_room_code(client, house, landlord):
    headers = login(client, landlord)
    old = _code_token(client, headers, house.rooms["101"])
    new = _code_token(client, headers, house.rooms["101"])

    assert client.get(f"{API}/room-codes/{new}").status_code == 200
    replaced = client.get(f"{API}/room-codes/{old}")
    assert replaced.status_code == 410
    forged = client.get(f"{API}/room-codes/{new[:-2]}xx")
    assert forged.status_code == 404


def test_room_code_images(client, house, landlord):
    headers = login(client, landlord)
    room = house.rooms["101"]

    png = client.get(f"{API}/rooms/{room}/code.png", headers=headers)
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    svg = client.get(f"{API}/rooms/{room}/code.svg", headers=headers)
    assert svg.status_code == 200 and b"<svg" in svg.data
    pdf = client.get(f"{API}/rooms/{room}/poster.pdf", headers=headers)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert client.get(f"{API}/rooms/{room}/code.png").status_code == 401


def test_tenant_asks_to_check_out_and_the_landlord_confirms(
    client, app, house, landlord
):
    citizen = CITIZENS[24]
    landlord_headers = login(client, landlord)
    token = _code_token(client, landlord_headers, house.rooms["101"])
    tenant = login_resident(client, app, citizen.phone)
    tenancy = client.post(
        f"{API}/room-codes/{token}/tenancies",
        json={
            "name": citizen.name,
            "id_number": citizen.id_number,
            "consent_version": CURRENT_VERSION,
            **period(),
        },
        headers=tenant,
    ).get_json()
    client.post(
        f"{API}/tenancies/{tenancy['id']}/approve", json={}, headers=landlord_headers
    )

    stranger = login_resident(client, app, CITIZENS[25].phone)
    url = f"{API}/me/tenancies/{tenancy['id']}/check-out"
    assert client.post(url, headers=stranger).status_code == 404
    asked = client.post(url, headers=tenant)
    assert asked.status_code == 200 and asked.get_json()["checkout_requested"]
    assert asked.get_json()["state"] == "verified"

    confirmed = client.post(
        f"{API}/tenancies/{tenancy['id']}/check-out", json={}, headers=landlord_headers
    )
    assert confirmed.get_json()["state"] == "checked_out"
    assert client.post(url, headers=tenant).status_code == 409


def test_a_resident_registers_only_themself(client, app, house, landlord):
    token = _code_token(client, login(client, landlord), house.rooms["101"])
    # Someone else's ID number, already on record with their phone.
    check_in(client, login(client, landlord), house.rooms["102"], CITIZENS[26])
    tenant = login_resident(client, app, CITIZENS[27].phone)

    answer = client.post(
        f"{API}/room-codes/{token}/tenancies",
        json={
            "name": CITIZENS[26].name,
            "id_number": CITIZENS[26].id_number,
            "consent_version": CURRENT_VERSION,
            **period(),
        },
        headers=tenant,
    )
    assert answer.status_code == 422
    assert _codes(answer) == ["tenancies.not_you"]


# --- bad input


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"end_date": (date.today() - timedelta(days=1)).isoformat()}, None),
        ({"id_number": "110105199005171231"}, "id_number"),
        ({"name": ""}, "name"),
        ({"start_date": "2026-02-30"}, "start_date.type"),
        ({"share_code": "ABCD-1234"}, "tenancies.identity_or_code"),
        ({"colour": "blue"}, "colour.unknown"),
        ({"override_reason": "x"}, "override_reason.length"),
    ],
)
def test_bad_check_in_input_is_422(client, app, house, landlord, change, code):
    body = {
        "name": CITIZENS[28].name,
        "id_number": CITIZENS[28].id_number,
        **period(),
        **change,
    }
    answer = client.post(
        f"{API}/rooms/{house.rooms['101']}/tenancies",
        json=body,
        headers=login(client, landlord),
    )
    assert answer.status_code == 422, answer.get_json()
    if code:
        assert any(c.startswith(code) for c in _codes(answer)), _codes(answer)
    assert _occupants(app, house.rooms["101"]) == 0


def test_end_before_start_and_missing_identity(client, house, landlord):
    headers = login(client, landlord)
    url = f"{API}/rooms/{house.rooms['101']}/tenancies"
    today = date.today()

    reversed_period = client.post(
        url,
        json={
            "name": CITIZENS[29].name,
            "id_number": CITIZENS[29].id_number,
            "start_date": (today + timedelta(days=5)).isoformat(),
            "end_date": (today + timedelta(days=1)).isoformat(),
        },
        headers=headers,
    )
    assert _codes(reversed_period) == ["tenancies.end_before_start"]
    nobody = client.post(url, json=period(), headers=headers)
    assert _codes(nobody) == ["tenancies.identity_required"]


def test_a_known_number_under_another_name_and_a_duplicate(client, house, landlord):
    headers = login(client, landlord)
    citizen = CITIZENS[30]
    assert check_in(client, headers, house.rooms["102"], citizen).status_code == 201

    other_name = check_in(client, headers, house.rooms["101"], citizen, name="张冒名")
    assert other_name.status_code == 422
    assert _codes(other_name) == ["tenancies.name_mismatch"]
    twice = check_in(client, headers, house.rooms["102"], citizen)
    assert twice.status_code == 409


def test_looks_at_tenants_are_audited(client, app, house, landlord):
    headers = login(client, landlord)
    tenancy = check_in(client, headers, house.rooms["101"], CITIZENS[31]).get_json()

    client.get(f"{API}/tenancies", headers=headers)
    client.get(f"{API}/tenancies/{tenancy['id']}", headers=headers)
    client.get(f"{API}/rooms/{house.rooms['101']}", headers=headers)
    with app.app_context():
        actions = sorted(
            e.action
            for e in AuditEntry.objects(
                subject_person=tenancy["person_id"], action__startswith="tenancy."
            )
        )
    assert actions.count("tenancy.list") == 2
    assert actions.count("tenancy.read") == 1


def test_polling_a_check_in_shows_no_tenant_and_is_not_a_look(
    client, app, house, landlord
):
    headers = login(client, landlord)
    tenancy = check_in(client, headers, house.rooms["101"], CITIZENS[31]).get_json()

    polls = [
        client.get(f"{API}/tenancies/{tenancy['id']}/progress", headers=headers)
        for _ in range(3)
    ]

    assert {answer.status_code for answer in polls} == {200}
    assert polls[-1].get_json() == {
        "id": tenancy["id"],
        "state": "verified",
        "key": {"state": "none", "credential_id": None, "enrollment_until": None},
    }
    with app.app_context():
        looks = AuditEntry.objects(
            subject_person=tenancy["person_id"], action="tenancy.read"
        ).count()
    assert looks == 0


def test_check_in_with_the_tenants_share_code(client, app, house, landlord):
    citizen = CITIZENS[32]
    headers = login(client, landlord)
    # The tenant is on record (with this phone) from an earlier stay.
    earlier = check_in(client, headers, house.rooms["101"], citizen).get_json()
    client.post(f"{API}/tenancies/{earlier['id']}/check-out", json={}, headers=headers)
    tenant = login_resident(client, app, citizen.phone)
    made = client.post(
        f"{API}/me/share-codes", json={"purpose": "tenancy"}, headers=tenant
    )
    assert made.status_code == 201, made.get_json()

    room = house.rooms["102"]
    wrong = client.post(
        f"{API}/rooms/{room}/tenancies",
        json={"share_code": "2345-6789-A", **period()},
        headers=headers,
    )
    assert wrong.status_code == 422 and _codes(wrong) == ["share_codes.invalid"]
    assert _occupants(app, room) == 0

    answer = client.post(
        f"{API}/rooms/{room}/tenancies",
        json={"share_code": made.get_json()["code"], **period()},
        headers=headers,
    )
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["channel"] == "share_code"
    assert answer.get_json()["state"] == "verified"
    assert answer.get_json()["person_id"] == earlier["person_id"]
    assert _occupants(app, room) == 1


def test_room_code_request_needs_the_current_consent(client, app, house, landlord):
    token = _code_token(client, login(client, landlord), house.rooms["101"])
    tenant = login_resident(client, app, CITIZENS[33].phone)
    url = f"{API}/room-codes/{token}/tenancies"

    both = client.post(
        url,
        json={"name": CITIZENS[33].name, "id_number": "12345", **period()},
        headers=tenant,
    )
    assert both.status_code == 422
    assert set(both.get_json()["errors"]) == {"id_number", "consent_version"}
    outdated = client.post(
        url,
        json={
            "name": CITIZENS[33].name,
            "id_number": CITIZENS[33].id_number,
            "consent_version": "2020-01-01",
            **period(),
        },
        headers=tenant,
    )
    assert _codes(outdated) == ["consent.outdated"]
    with app.app_context():
        assert Tenancy.objects.count() == 0


def test_reject_frees_the_bed_only_before_a_key_is_issued(client, app, house, landlord):
    headers = login(client, landlord)
    add_lock(app, house.rooms["102"])
    first = check_in(client, headers, house.rooms["102"], CITIZENS[34]).get_json()
    second = check_in(client, headers, house.rooms["102"], CITIZENS[35]).get_json()
    assert _occupants(app, house.rooms["102"]) == 2

    early = client.post(
        f"{API}/tenancies/{first['id']}/enrollment", json={}, headers=headers
    )
    assert early.status_code == 409
    rejected = client.post(
        f"{API}/tenancies/{first['id']}/reject",
        json={"reason": "租客改变主意"},
        headers=headers,
    )
    assert rejected.status_code == 200
    assert rejected.get_json()["state"] == "rejected"
    assert rejected.get_json()["ended_reason"] == "租客改变主意"
    assert _occupants(app, house.rooms["102"]) == 1

    client.post(f"{API}/tenancies/{second['id']}/authorize", json={}, headers=headers)
    late = client.post(
        f"{API}/tenancies/{second['id']}/reject", json={}, headers=headers
    )
    assert late.status_code == 409
    again = client.post(
        f"{API}/tenancies/{first['id']}/reject", json={}, headers=headers
    )
    assert again.status_code == 409
    assert _occupants(app, house.rooms["102"]) == 1


def test_a_tenancy_past_its_last_day_is_checked_out_by_the_worker(
    client, app, house, landlord, settings
):
    from anju.housing.service import housing_upkeep
    from anju.locks.models import Credential

    headers = login(client, landlord)
    add_lock(app, house.rooms["101"])
    tenancy = check_in(client, headers, house.rooms["101"], CITIZENS[36]).get_json()
    client.post(f"{API}/tenancies/{tenancy['id']}/authorize", json={}, headers=headers)

    with app.app_context():
        assert housing_upkeep(settings) == 0
        last_week = date.today() - timedelta(days=7)
        Tenancy.objects(id=tenancy["id"]).update_one(
            set__start_date=last_week - timedelta(days=30), set__end_date=last_week
        )
        assert housing_upkeep(settings) == 1
        ended = Tenancy.objects(id=tenancy["id"]).get()
        assert (ended.state, ended.ended_reason) == ("checked_out", "period_over")
        assert Credential.objects(tenancy=tenancy["id"]).get().state == "revoked"
    assert _occupants(app, house.rooms["101"]) == 0

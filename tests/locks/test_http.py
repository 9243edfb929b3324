"""The lock endpoints: registration by system administrators, lists and
events within scope, the public key."""

from __future__ import annotations

import uuid

import pytest

from anju.common.i18n import translate
from anju.locks import credentials
from anju.locks.models import Lock, LockEvent
from anju.locks.mosquitto import password_matches
from tests.factories import login, make_staff
from tests.locks.conftest import Place


@pytest.fixture
def sysadmin(app, client):
    return login(client, make_staff(app, "sysadmin"))


def _register(client, headers, **body):
    return client.post("/api/v1/locks", json=body, headers=headers)


def test_a_sysadmin_registers_a_room_lock_and_sees_its_password_once(
    app, client, place: Place, sysadmin
):
    answer = _register(
        client, sysadmin, serial="HTTP-ROOM-1", kind="room", room_id=place.room_id
    )

    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    stored = Lock.objects(serial="HTTP-ROOM-1").get()
    assert body["lock"]["room_id"] == place.room_id
    assert body["lock"]["area_id"] == place.area_id
    assert body["lock"]["online"] is False and body["lock"]["pending_commands"] == 0
    assert stored.mqtt_password_hash.startswith("$7$101$")
    assert password_matches(body["mqtt_password"], stored.mqtt_password_hash)
    assert body["mqtt_password"] not in str(stored.to_mongo())
    assert f"property:{place.property_id}" in stored.scope_keys

    from anju.housing.models import Room

    assert Room.objects(id=place.room_id).get().lock == stored.id

    listed = client.get("/api/v1/locks", headers=sysadmin).get_json()
    assert [item["serial"] for item in listed["items"]] == ["HTTP-ROOM-1"]
    assert "mqtt_password" not in str(listed)


def test_a_repeated_serial_and_bad_input_are_refused_by_field(
    client, place: Place, sysadmin
):
    assert (
        _register(
            client, sysadmin, serial="HTTP-1", kind="gate", area_id=place.area_id
        ).status_code
        == 201
    )

    again = _register(
        client, sysadmin, serial="HTTP-1", kind="gate", area_id=place.area_id
    )
    assert again.status_code == 409
    assert again.get_json()["detail"] == translate("locks.serial_taken", "zh")

    for body, field in [
        ({"serial": "a/b#", "kind": "gate", "area_id": place.area_id}, "serial"),
        ({"serial": "HTTP-2", "kind": "room"}, "room_id"),
        ({"serial": "HTTP-3", "kind": "gate"}, "area_id"),
        ({"serial": "HTTP-4", "kind": "gate", "area_id": "0" * 24}, "area_id"),
        ({"serial": "HTTP-5", "kind": "door", "area_id": place.area_id}, "kind"),
    ]:
        answer = _register(client, sysadmin, **body)
        assert answer.status_code == 422, (body, answer.get_json())
        assert field in answer.get_json()["errors"], answer.get_json()


def test_locks_and_events_are_seen_within_scope_only(
    app, client, place: Place, sysadmin
):
    mine = _register(
        client, sysadmin, serial="HTTP-MINE", kind="room", room_id=place.room_id
    ).get_json()["lock"]
    _register(
        client,
        sysadmin,
        serial="HTTP-ELSE",
        kind="gate",
        area_id=place.other_area_id,
    )
    stored = Lock.objects(serial="HTTP-MINE").get()
    from datetime import UTC, datetime

    LockEvent(
        lock=stored.id,
        kind="tamper",
        event_id=uuid.uuid4().hex,
        at=datetime.now(UTC),
        received_at=datetime.now(UTC),
        scope_keys=stored.scope_keys,
    ).save()

    from anju.areas.models import Area

    village = Area.objects(id=place.area_id).get()
    officer = login(client, make_staff(app, "officer", village))
    outsider = login(
        client,
        make_staff(app, "officer", Area.objects(id=place.other_area_id).get()),
    )

    seen = client.get("/api/v1/locks?kind=room", headers=officer).get_json()
    assert [item["serial"] for item in seen["items"]] == ["HTTP-MINE"]
    assert (
        client.get("/api/v1/locks?online=true", headers=officer).get_json()["items"]
        == []
    )

    events = client.get(f"/api/v1/locks/{mine['id']}/events", headers=officer)
    assert events.status_code == 200
    assert [item["kind"] for item in events.get_json()["items"]] == ["tamper"]
    assert (
        client.get(f"/api/v1/locks/{mine['id']}/events", headers=outsider).status_code
        == 404
    )
    theirs = client.get("/api/v1/locks", headers=outsider).get_json()["items"]
    assert [item["serial"] for item in theirs] == ["HTTP-ELSE"]
    assert (
        _register(
            client, officer, serial="HTTP-X", kind="gate", area_id=place.area_id
        ).status_code
        == 403
    )


def test_the_public_key_verifies_credentials(app, client, sysadmin, settings):
    answer = client.get("/api/v1/locks/public-key", headers=sysadmin).get_json()

    assert answer["epoch"] == settings.lock_key_epoch
    assert answer["algorithm"] == "EdDSA"
    key = credentials.load_public_key(answer["public_key_pem"])
    from datetime import UTC, datetime, timedelta

    token = credentials.sign_credential(
        settings,
        serial="X-1",
        credential_id="c",
        kind="gate",
        not_before=datetime.now(UTC),
        expires_at=datetime.now(UTC) + timedelta(days=1),
        epoch=1,
    )
    assert credentials.verify(token, key, credentials.CREDENTIAL_TYPE)["cid"] == "c"


def test_a_new_password_replaces_the_old_one(client, place: Place, sysadmin):
    first = _register(
        client, sysadmin, serial="HTTP-PW", kind="gate", area_id=place.area_id
    ).get_json()

    second = client.post(
        f"/api/v1/locks/{first['lock']['id']}/password", headers=sysadmin
    )

    assert second.status_code == 200
    stored = Lock.objects(serial="HTTP-PW").get().mqtt_password_hash
    assert password_matches(second.get_json()["mqtt_password"], stored)
    assert not password_matches(first["mqtt_password"], stored)

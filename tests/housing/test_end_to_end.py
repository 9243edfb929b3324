"""One lock, end to end: the landlord checks a tenant in, the simulated lock
receives the credential over the real broker, the finger enrolls, an unlock
reaches the server, the landlord checks the tenant out and the lock refuses
the finger."""

from __future__ import annotations

from anju.locks.models import LockEvent
from anju.locks.simulator import eventually, new_finger
from tests.factories import CITIZENS, login, login_resident
from tests.housing.steps import API, add_lock, check_in


def test_check_in_to_check_out(client, app, house, landlord, gateway, lock_simulator):
    room = house.rooms["101"]
    lock, _ = add_lock(app, room)
    door = lock_simulator(lock.serial)
    headers = login(client, landlord)
    citizen = CITIZENS[40]

    tenancy = check_in(client, headers, room, citizen).get_json()
    assert tenancy["state"] == "verified"
    url = f"{API}/tenancies/{tenancy['id']}"
    authorized = client.post(f"{url}/authorize", json={}, headers=headers).get_json()
    assert authorized["state"] == "authorized"
    credential_id = authorized["key"]["credential_id"]

    def key_state() -> str:
        return client.get(url, headers=headers).get_json()["key"]["state"]

    assert door.wait(lambda: credential_id in door.credentials)
    assert eventually(lambda: key_state() == "delivered")

    assert client.post(f"{url}/enrollment", json={}, headers=headers).status_code == 200
    assert door.wait(lambda: door.enrolling is not None)
    # The tenant is told to go to the door while the lock takes their finger.
    tenant = login_resident(client, app, citizen.phone)
    waiting = client.get(f"{API}/me/tenancies", headers=tenant).get_json()["items"]
    assert waiting[0]["key"]["enrollment_until"] is not None
    finger = new_finger()
    assert isinstance(door.enroll_finger(finger), int)

    def state() -> str:
        return client.get(url, headers=headers).get_json()["state"]

    assert eventually(lambda: state() == "checked_in")
    assert key_state() == "enrolled"
    mine = client.get(f"{API}/me/tenancies", headers=tenant).get_json()["items"]
    assert [(t["state"], t["key"]["state"]) for t in mine] == [
        ("checked_in", "enrolled")
    ]

    assert door.touch(finger) == "unlock_ok"

    def unlocks() -> int:
        with app.app_context():
            return LockEvent.objects(lock=lock.id, kind="unlock_ok").count()

    assert eventually(lambda: unlocks() == 1)

    out = client.post(f"{url}/check-out", json={}, headers=headers)
    assert out.status_code == 200 and out.get_json()["state"] == "checked_out"
    assert door.wait(lambda: credential_id in door.revoked)
    assert door.touch(finger) == "revoked"
    assert unlocks() == 1


def test_broker_down_at_authorization_shows_waiting_for_the_lock(
    client, app, house, landlord, gateway, lock_simulator, broker
):
    room = house.rooms["102"]
    lock, _ = add_lock(app, room)
    door = lock_simulator(lock.serial)
    headers = login(client, landlord)
    tenancy = check_in(client, headers, room, CITIZENS[41]).get_json()
    url = f"{API}/tenancies/{tenancy['id']}"

    broker.stop()
    answer = client.post(f"{url}/authorize", json={}, headers=headers)
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["key"]["state"] == "waiting_for_lock"
    credential_id = answer.get_json()["key"]["credential_id"]
    assert credential_id not in door.credentials

    broker.start()
    assert door.wait(lambda: credential_id in door.credentials, timeout=30)

    def key_state() -> str:
        return client.get(url, headers=headers).get_json()["key"]["state"]

    assert eventually(lambda: key_state() == "delivered", timeout=30)

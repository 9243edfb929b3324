"""The gateway over the real broker: delivery, acknowledgement, retry, the
broker going away during an authorization, and the locks' events."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from anju.locks import service, topics
from anju.locks.models import Credential, Lock, LockEvent
from anju.locks.signals import credential_enrolled
from anju.locks.simulator import SimulatedLock, eventually, new_finger
from anju.patrol.models import Alert
from tests.locks.conftest import authorize, fresh, register


def _publish(door: SimulatedLock, payload: dict) -> None:
    door.transport.client.publish(
        topics.EVENTS.format(serial=door.serial), json.dumps(payload), qos=1
    ).wait_for_publish(5)


def test_a_credential_is_delivered_acknowledged_and_leaves_the_outbox(
    app, place, gateway, lock_simulator
):
    lock = register(app, place, "GW-DELIVER")
    door = lock_simulator("GW-DELIVER")

    credential = authorize(app, lock)
    assert credential.state == "issued" and len(credential.outbox) == 1

    assert door.wait(lambda: str(credential.id) in door.credentials)
    assert eventually(lambda: fresh(credential).delivery == "acknowledged")
    stored = fresh(credential)
    assert stored.state == "delivered"
    assert stored.outbox == []
    assert door.applied == [str(credential.id)]
    with app.app_context():
        health = service.lock_health([str(lock.id)])[str(lock.id)]
    assert health.online is True and health.pending_commands == 0


def test_an_unacknowledged_command_is_sent_again_and_applied_once(
    app, place, gateway, lock_simulator
):
    lock = register(app, place, "GW-RETRY")
    door = lock_simulator("GW-RETRY")
    lost: list[dict] = []
    take = door.receive

    def lose_the_first(command: dict) -> None:
        if command.get("type") == "credential" and not lost:
            lost.append(command)  # as if the lock's answer never came back
            return
        take(command)

    door.receive = lose_the_first

    credential = authorize(app, lock)

    assert eventually(lambda: fresh(credential).delivery == "acknowledged")
    assert lost, "the first delivery reached the lock"
    assert door.applied == [str(credential.id)]
    assert gateway.counts["sent"] >= 2


def test_a_credential_authorized_while_the_broker_is_down_arrives_once_it_returns(
    app, place, broker, gateway, lock_simulator
):
    lock = register(app, place, "GW-OUTAGE")
    door = lock_simulator("GW-OUTAGE")
    broker.stop()
    assert eventually(lambda: not gateway.connected.is_set())

    credential = authorize(app, lock)  # the landlord's action succeeds

    stored = fresh(credential)
    assert stored.delivery == "pending" and len(stored.outbox) == 1
    assert door.credentials == {}

    broker.start()

    assert door.wait(lambda: str(credential.id) in door.credentials, timeout=30)
    assert eventually(lambda: fresh(credential).delivery == "acknowledged", 30)
    # Exactly once in effect: one credential, taken once, nothing left to send.
    assert door.applied == [str(credential.id)]
    assert list(door.credentials) == [str(credential.id)]
    assert fresh(credential).outbox == []
    assert door.transport.connections >= 2


def test_enrollment_unlock_revocation_and_the_revoked_finger(
    app, place, gateway, lock_simulator
):
    lock = register(app, place, "GW-FLOW")
    door = lock_simulator("GW-FLOW")
    heard: list[Credential] = []

    def hear(sender: Credential, **_: object) -> None:
        heard.append(sender)

    credential_enrolled.connect(hear)
    try:
        credential = authorize(app, lock)
        assert eventually(lambda: fresh(credential).state == "delivered")

        with app.app_context():
            service.start_enrollment(str(credential.id), actor=None)
        assert door.wait(lambda: door.enrolling is not None)
        finger = new_finger()
        slot = door.enroll_finger(finger)

        assert eventually(lambda: fresh(credential).state == "enrolled")
        assert fresh(credential).slot == slot
        assert eventually(lambda: heard)  # sent just after the write
        assert [item.id for item in heard] == [credential.id]
    finally:
        credential_enrolled.disconnect(hear)

    assert door.touch(finger) == "unlock_ok"
    assert eventually(lambda: LockEvent.objects(kind="unlock_ok").count() == 1)
    event = LockEvent.objects(kind="unlock_ok").get()
    assert event.credential == credential.id and event.details["slot"] == slot

    with app.app_context():
        assert (
            service.revoke(str(credential.tenancy), reason="check-out", actor=None) == 1
        )
        assert service.revoke(str(credential.tenancy), reason="again", actor=None) == 0

    assert door.wait(lambda: str(credential.id) in door.revoked)
    assert door.touch(finger) == "revoked"
    assert eventually(
        lambda: Alert.objects(kind="lock_revoked_credential").count() == 1
    )
    alert = Alert.objects(kind="lock_revoked_credential").get()
    assert alert.resource_id == str(lock.id)
    assert alert.person == credential.person
    assert set(lock.scope_keys) == set(alert.scope_keys)


def test_a_lock_that_reconnects_is_resynchronized(
    app, place, broker, gateway, lock_simulator
):
    lock = register(app, place, "GW-RESYNC")
    door = lock_simulator("GW-RESYNC")
    kept = authorize(app, lock, tenancy=None)
    gone = authorize(app, lock)
    assert door.wait(lambda: len(door.credentials) == 2)

    # The lock loses everything (a reset) while the broker is away, and a
    # revocation happens meanwhile.
    broker.stop()
    door.credentials.clear()
    door.done_commands.clear()
    with app.app_context():
        service.revoke(str(gone.tenancy), reason="check-out", actor=None)
    broker.start()

    assert door.wait(lambda: str(kept.id) in door.credentials, timeout=30)
    assert door.wait(lambda: str(gone.id) in door.revoked, timeout=30)
    assert str(gone.id) not in door.credentials or str(gone.id) in door.revoked


def test_an_event_for_a_credential_the_lock_was_never_given_is_refused(
    app, place, gateway, lock_simulator
):
    lock = register(app, place, "GW-MINE")
    other = register(app, place, "GW-OTHER", kind="gate")
    door = lock_simulator("GW-MINE")
    theirs = authorize(app, other)

    _publish(
        door,
        {"id": uuid.uuid4().hex, "type": "unlock_ok", "credential": str(theirs.id)},
    )
    _publish(
        door,
        {"id": uuid.uuid4().hex, "type": "enrolled", "credential": "0" * 24, "slot": 3},
    )
    _publish(door, {"id": uuid.uuid4().hex, "type": "tamper"})  # a later, good one

    assert eventually(lambda: LockEvent.objects(kind="tamper").count() == 1)
    assert eventually(lambda: gateway.counts["refused"] >= 2)
    assert LockEvent.objects(kind__in=["unlock_ok", "enrolled"]).count() == 0
    assert fresh(theirs).state == "issued" and fresh(theirs).slot is None
    assert Lock.objects(id=lock.id).get().online


def test_a_battery_reported_after_a_state_in_one_batch_is_the_one_kept(app, place):
    # The gateway writes a batch's online states at its end; a newer battery
    # level from an event in the same batch must survive that write.
    from anju.locks.gateway import Gateway

    lock = register(app, place, "GW-BATTERY")
    state = {"online": True, "session": "s1", "battery": 90}
    low = {"id": uuid.uuid4().hex, "type": "low_battery", "battery": 7}
    low["at"] = datetime.now(UTC).isoformat()

    with app.app_context():
        Gateway(app).handle_many(
            [
                (topics.STATE.format(serial=lock.serial), json.dumps(state).encode()),
                (topics.EVENTS.format(serial=lock.serial), json.dumps(low).encode()),
            ]
        )
        stored = Lock.objects(id=lock.id).get()

    assert stored.battery == 7
    assert stored.online


def test_tamper_low_battery_and_a_burst_of_failed_unlocks_reach_the_officers(
    app, place, gateway, lock_simulator
):
    lock = register(app, place, "GW-ALERTS")
    door = lock_simulator("GW-ALERTS")

    door.tamper()
    door.low_battery(7)
    for _ in range(service.FAILED_BURST):
        assert door.touch(new_finger()) == "unknown_finger"

    # The gateway stores events in batches: each effect is waited for on its
    # own rather than assumed to follow another's.
    assert eventually(lambda: Alert.objects(kind="lock_failed_unlocks").count() == 1)
    assert eventually(
        lambda: Alert.objects(kind="lock_tamper", resource_id=str(lock.id)).count() == 1
    )
    assert eventually(lambda: Lock.objects(id=lock.id).get().battery == 7)
    assert eventually(
        lambda: (
            LockEvent.objects(lock=lock.id, kind="unlock_failed").count()
            == service.FAILED_BURST
        )
    )

    # More failures while the alert is open add no second alert.
    door.touch(new_finger())
    assert eventually(
        lambda: (
            LockEvent.objects(kind="unlock_failed").count() == service.FAILED_BURST + 1
        )
    )
    assert Alert.objects(kind="lock_failed_unlocks").count() == 1


def test_a_repeated_event_is_stored_once(app, place, gateway, lock_simulator):
    register(app, place, "GW-REPEAT")
    door = lock_simulator("GW-REPEAT")
    event = {"id": uuid.uuid4().hex, "type": "tamper"}

    _publish(door, event)
    _publish(door, event)
    _publish(door, {"id": uuid.uuid4().hex, "type": "low_battery", "battery": 20})

    assert eventually(lambda: LockEvent.objects(kind="low_battery").count() == 1)
    assert LockEvent.objects(kind="tamper").count() == 1


def test_a_lock_offline_for_over_a_day_raises_an_alert(
    app, place, settings, gateway, lock_simulator
):
    lock = register(app, place, "GW-AWAY")
    door = lock_simulator("GW-AWAY")
    assert eventually(lambda: Lock.objects(id=lock.id).get().online)

    door.transport.stop()
    assert eventually(lambda: not Lock.objects(id=lock.id).get().online)
    with app.app_context():
        assert service.check_offline(settings) == 0  # offline for a moment only

        Lock.objects(id=lock.id).update_one(
            set__offline_since=datetime.now(UTC) - timedelta(hours=25)
        )
        assert service.check_offline(settings) == 1
        assert service.check_offline(settings) == 0  # one open alert per lock

    assert Alert.objects(kind="lock_offline").get().resource_id == str(lock.id)
    assert LockEvent.objects(lock=lock.id, kind="offline").count() == 1


def test_credentials_past_their_end_are_marked_expired(app, place, settings):
    lock = register(app, place, "GW-EXPIRY")
    credential = authorize(app, lock, days=1)
    Credential.objects(id=credential.id).update_one(
        set__expires_at=datetime.now(UTC) - timedelta(minutes=1)
    )

    with app.app_context():
        assert service.expire_credentials(settings) == 1

    assert fresh(credential).state == "expired"

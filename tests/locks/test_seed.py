"""The demo district gets a lock on every room's door and gates for the
closed communities."""

from __future__ import annotations

from anju import seed
from anju.housing.models import Room
from anju.locks.models import Lock


def test_every_seeded_room_has_a_lock_and_each_community_two_gates(app):
    with app.app_context():
        areas = seed._tree()
        seed._rooms(areas, None)
        made = seed._locks(areas)
        again = seed._locks(areas)

    rooms = Room.objects().count()
    assert made == rooms + 2 * len(seed.COMMUNITIES)
    assert again == 0
    assert Room.objects(lock=None).count() == 0
    room = Room.objects().first()
    lock = Lock.objects(id=room.lock).get()
    assert lock.kind == "room" and lock.room == room.id
    assert set(room.scope_keys) == set(lock.scope_keys)
    gates = Lock.objects(kind="gate")
    assert {gate.area for gate in gates} == {
        areas[name].id for name in seed.COMMUNITIES
    }

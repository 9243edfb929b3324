"""A simulated lock: behaves like the real ones, over the real broker.

It holds only the server's public key and its key epoch. It verifies every
credential and revocation list itself, against its own clock, keeps them,
enrolls and matches simulated fingers (a finger is a random token the caller
holds; only "slot N for credential C" ever leaves the lock) and reports what
happens. It refuses a bad signature, another lock's credential, an expired or
not-yet-valid one, a revoked one and one of an older key epoch.

Transports: :class:`LockClient` gives one lock its own MQTT client with a last
will (as a real lock has); :class:`Fleet` runs many locks over one client
subscribed with a wildcard (benchmarks: 1,400 locks in one process). Both
reconnect by themselves after a broker restart, publish their state and ask
the server for a resync.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from anju.locks import credentials, topics

Publish = Callable[[str, dict[str, Any]], None]

# Why the lock said no.
BAD_SIGNATURE = "bad_signature"
WRONG_LOCK = "wrong_lock"
EXPIRED = "expired"
NOT_YET_VALID = "not_yet_valid"
REVOKED = "revoked"
OLD_EPOCH = "old_epoch"
UNKNOWN_CREDENTIAL = "unknown_credential"
UNKNOWN_FINGER = "unknown_finger"
NOT_ENROLLING = "not_enrolling"


def eventually(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll ``predicate`` until it is truthy (returned) or the time is up
    (its last value returned: the caller asserts on it)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def new_finger() -> str:
    """A simulated fingerprint: only the test and the lock ever see it."""
    return secrets.token_hex(16)


@dataclass
class Held:
    credential_id: str
    token: str
    claims: dict[str, Any]


@dataclass
class SimulatedLock:
    serial: str
    public_key: Ed25519PublicKey
    epoch: int = 1
    clock_offset: timedelta = timedelta(0)
    battery: int = 90
    credentials: dict[str, Held] = field(default_factory=dict)
    revoked: set[str] = field(default_factory=set)
    revocation_seq: int = 0
    slots: dict[int, tuple[str, str]] = field(
        default_factory=dict
    )  # slot: (cid, finger)
    enrolling: tuple[str, datetime] | None = None
    done_commands: set[str] = field(default_factory=set)
    applied: list[str] = field(default_factory=list)  # credential ids, each time taken
    refusals: list[tuple[str, str]] = field(default_factory=list)  # (what, reason)
    syncs: int = 0  # resyncs received from the server
    reported: list[dict[str, Any]] = field(default_factory=list)
    publish: Publish | None = None
    transport: Any = None  # the LockClient or Fleet carrying it, if any
    changed: threading.Condition = field(default_factory=threading.Condition)

    # --- clock and reports -------------------------------------------------

    def now(self) -> datetime:
        return datetime.now(UTC) + self.clock_offset

    def report(self, kind: str, **fields: Any) -> dict[str, Any]:
        event = {"id": uuid.uuid4().hex, "type": kind, "at": self.now().isoformat()}
        event.update({key: value for key, value in fields.items() if value is not None})
        self.reported.append(event)
        if self.publish is not None:
            self.publish(topics.EVENTS.format(serial=self.serial), event)
        return event

    def wait(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self.changed:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(min(left, 0.1))
        return True

    def _notify(self) -> None:
        with self.changed:
            self.changed.notify_all()

    # --- verification --------------------------------------------------------

    def check_credential(self, token: str) -> tuple[dict[str, Any] | None, str | None]:
        """(claims, None) for a credential this lock may hold, else (None, why)."""
        try:
            claims = credentials.verify(
                token, self.public_key, credentials.CREDENTIAL_TYPE
            )
        except jwt.InvalidTokenError:
            return None, BAD_SIGNATURE
        if claims.get("lock") != self.serial:
            return None, WRONG_LOCK
        if int(claims.get("epoch", 0)) < self.epoch:
            return None, OLD_EPOCH
        if claims.get("cid") in self.revoked:
            return None, REVOKED
        if int(claims["exp"]) <= self.now().timestamp():
            return None, EXPIRED
        return claims, None

    def valid_now(self, held: Held) -> str | None:
        """Why the held credential does not open the door now, or None."""
        moment = self.now().timestamp()
        if held.credential_id in self.revoked:
            return REVOKED
        if int(held.claims.get("epoch", 0)) < self.epoch:
            return OLD_EPOCH
        if int(held.claims["nbf"]) > moment:
            return NOT_YET_VALID
        if int(held.claims["exp"]) <= moment:
            return EXPIRED
        return None

    def take_credential(self, token: str) -> str | None:
        """Keep a credential (again: a repeat changes nothing); why not, or None."""
        claims, reason = self.check_credential(token)
        if claims is None:
            self.refusals.append(("credential", reason or ""))
            return reason
        cid = str(claims["cid"])
        if cid not in self.credentials:
            self.applied.append(cid)
        self.credentials[cid] = Held(cid, token, claims)
        return None

    def take_revocations(self, token: str) -> str | None:
        try:
            claims = credentials.verify(
                token, self.public_key, credentials.REVOCATIONS_TYPE
            )
        except jwt.InvalidTokenError:
            self.refusals.append(("revocations", BAD_SIGNATURE))
            return BAD_SIGNATURE
        if claims.get("lock") != self.serial:
            self.refusals.append(("revocations", WRONG_LOCK))
            return WRONG_LOCK
        if int(claims.get("epoch", 0)) < self.epoch:
            self.refusals.append(("revocations", OLD_EPOCH))
            return OLD_EPOCH
        # A list names what is revoked and not yet expired. Revocation is never
        # undone, so every list adds to what the lock knows: an older list
        # arriving late, or a newer one that missed something, changes nothing.
        self.revocation_seq = max(self.revocation_seq, int(claims["seq"]))
        self.revoked |= set(claims.get("revoked", []))
        if self.enrolling and self.enrolling[0] in self.revoked:
            self.enrolling = None
        return None

    # --- commands from the server ------------------------------------------

    def receive(self, command: dict[str, Any]) -> None:
        command_id = str(command.get("id") or "")
        kind = command.get("type")
        if command_id and command_id in self.done_commands:
            self._ack(command_id, None)  # a repeat: acknowledged, not applied again
            return

        reason: str | None = None
        if kind == "credential":
            reason = self.take_credential(str(command.get("token", "")))
        elif kind == "revocations":
            reason = self.take_revocations(str(command.get("token", "")))
        elif kind == "enroll":
            reason = self.start_enrollment(str(command.get("credential", "")), command)
        elif kind == "sync":
            self.syncs += 1
            for token in command.get("credentials", []):
                self.take_credential(str(token))
            if command.get("revocations"):
                self.take_revocations(str(command["revocations"]))
        else:
            reason = "unknown_command"

        if command_id:
            self.done_commands.add(command_id)
            if kind != "sync":
                self._ack(command_id, reason)
        self._notify()

    def _ack(self, command_id: str, reason: str | None) -> None:
        self.report("ack", command=command_id, ok=reason is None, reason=reason)

    def start_enrollment(
        self, credential_id: str, command: dict[str, Any]
    ) -> str | None:
        held = self.credentials.get(credential_id)
        if held is None:
            return UNKNOWN_CREDENTIAL
        reason = self.valid_now(held)
        if reason is not None:
            return reason
        until = self.now() + timedelta(minutes=5)
        try:
            asked = datetime.fromisoformat(str(command.get("until")))
            until = min(until, asked)
        except ValueError:
            pass
        self.enrolling = (credential_id, until)
        return None

    # --- at the door ---------------------------------------------------------

    def enroll_finger(self, finger: str) -> int | str:
        """Place a finger while enrolling: its slot, or why not."""
        if self.enrolling is None or self.enrolling[1] <= self.now():
            self.enrolling = None
            return NOT_ENROLLING
        credential_id = self.enrolling[0]
        reason = self.valid_now(self.credentials[credential_id])
        if reason is not None:
            return reason

        slot = next(n for n in range(1, 10_000) if n not in self.slots)
        self.slots[slot] = (credential_id, finger)
        self.enrolling = None
        self.report("enrolled", credential=credential_id, slot=slot)
        self._notify()
        return slot

    def touch(self, finger: str) -> str:
        """A finger on the reader: "unlock_ok" or why the door stays shut."""
        match = next(
            (
                (slot, cid)
                for slot, (cid, known) in self.slots.items()
                if known == finger
            ),
            None,
        )
        if match is None:
            self.report("unlock_failed", reason=UNKNOWN_FINGER)
            return UNKNOWN_FINGER
        slot, credential_id = match
        reason = self.valid_now(self.credentials[credential_id])
        if reason is not None:
            self.report(
                "unlock_failed", credential=credential_id, slot=slot, reason=reason
            )
            return reason
        self.report("unlock_ok", credential=credential_id, slot=slot)
        return "unlock_ok"

    def tamper(self) -> None:
        self.report("tamper")

    def low_battery(self, level: int = 10) -> None:
        self.battery = level
        self.report("low_battery", battery=level)

    def state(self, online: bool, session: str) -> dict[str, Any]:
        return {
            "online": online,
            "session": session,
            "at": self.now().isoformat(),
            "battery": self.battery,
        }


def _client(client_id: str, user: str | None, password: str | None) -> mqtt.Client:
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2,
        client_id=client_id,
        clean_session=True,
        protocol=mqtt.MQTTv311,
    )
    if user:
        client.username_pw_set(user, password)
    client.reconnect_delay_set(min_delay=1, max_delay=4)
    client.max_inflight_messages_set(1000)
    return client


def _encode(payload: dict[str, Any]) -> str:
    return json.dumps(payload, separators=(",", ":"))


# A lock asks for a resync on connecting, again every few seconds until the
# server answers, a bounded number of times.
RESYNC_RETRY_SECONDS = 2.0
RESYNC_TRIES = 15


class LockClient:
    """One lock with its own MQTT connection and last will, like a real one."""

    def __init__(self, lock: SimulatedLock, url: str, password: str | None = None):
        self.lock = lock
        self.url = url
        self.session = uuid.uuid4().hex
        self.connected = threading.Event()
        self.connections = 0
        self.stopped = False
        host, port, _, _ = topics.broker_address(url)
        self.address = (host, port)
        self.client = _client(
            f"lock-{lock.serial}-{self.session[:6]}", lock.serial, password
        )
        self.client.will_set(
            topics.STATE.format(serial=lock.serial),
            _encode({"online": False, "session": self.session}),
            qos=1,
            retain=True,
        )
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        lock.publish = self._publish
        lock.transport = self

    def start(self, wait: float = 10.0) -> LockClient:
        self.client.connect_async(*self.address, keepalive=5)
        self.client.loop_start()
        if wait and not self.connected.wait(wait):
            raise RuntimeError("the simulated lock could not reach the broker")
        return self

    def stop(self) -> None:
        """A clean shutdown: offline state, then disconnect."""
        self.stopped = True
        if self.connected.is_set():
            self.client.publish(
                topics.STATE.format(serial=self.lock.serial),
                _encode(self.lock.state(False, self.session)),
                qos=1,
                retain=True,
            ).wait_for_publish(2)
        self.client.disconnect()
        self.client.loop_stop()

    def _publish(self, topic: str, payload: dict[str, Any]) -> None:
        self.client.publish(topic, _encode(payload), qos=1)

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            return
        serial = self.lock.serial
        client.subscribe(topics.COMMANDS.format(serial=serial), qos=1)
        client.publish(
            topics.STATE.format(serial=serial),
            _encode(self.lock.state(True, self.session)),
            qos=1,
            retain=True,
        )
        self.connections += 1
        self.connected.set()
        self._ask_for_resync(self.connections, self.lock.syncs, RESYNC_TRIES)

    def _ask_for_resync(self, connection: int, syncs: int, tries: int) -> None:
        """Ask for this lock's credentials and revocations until a resync comes,
        as lock firmware does: a request sent while the gateway is not yet
        subscribed (just after a broker restart) is lost."""
        answered = self.lock.syncs > syncs
        if answered or not tries or connection != self.connections or self.stopped:
            return

        self.lock.report("resync")
        retry = threading.Timer(
            RESYNC_RETRY_SECONDS, self._ask_for_resync, (connection, syncs, tries - 1)
        )
        retry.daemon = True
        retry.start()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        try:
            command = json.loads(message.payload)
        except ValueError:
            return
        if isinstance(command, dict):
            self.lock.receive(command)


class Fleet:
    """Many simulated locks over one MQTT client (a wildcard subscription).
    Without a per-lock last will, it publishes each lock's state itself."""

    def __init__(
        self,
        locks: Iterable[SimulatedLock],
        url: str,
        user: str | None = None,
        password: str | None = None,
        resync_on_connect: bool = True,
    ):
        self.locks = {lock.serial: lock for lock in locks}
        self.session = uuid.uuid4().hex
        self.resync_on_connect = resync_on_connect
        self.connected = threading.Event()
        self.received = 0
        host, port, _, _ = topics.broker_address(url)
        self.address = (host, port)
        self.client = _client(f"lock-fleet-{self.session[:8]}", user, password)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = lambda *args: self.connected.clear()
        self.client.on_message = self._on_message
        for lock in self.locks.values():
            lock.publish = self._publish

    def start(self, wait: float = 20.0) -> Fleet:
        self.client.connect_async(*self.address, keepalive=30)
        self.client.loop_start()
        if wait and not self.connected.wait(wait):
            raise RuntimeError("the lock fleet could not reach the broker")
        return self

    def stop(self) -> None:
        for lock in self.locks.values():
            self.client.publish(
                topics.STATE.format(serial=lock.serial),
                _encode(lock.state(False, self.session)),
                qos=1,
                retain=True,
            )
        time.sleep(0.5)
        self.client.disconnect()
        self.client.loop_stop()

    def _publish(self, topic: str, payload: dict[str, Any]) -> None:
        self.client.publish(topic, _encode(payload), qos=1)

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            return
        client.subscribe(topics.ALL_COMMANDS, qos=1)
        for lock in self.locks.values():
            client.publish(
                topics.STATE.format(serial=lock.serial),
                _encode(lock.state(True, self.session)),
                qos=1,
                retain=True,
            )
            if self.resync_on_connect:
                lock.report("resync")
        self.connected.set()

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        parts = topics.split(message.topic)
        lock = self.locks.get(parts[0]) if parts else None
        if lock is None:
            return
        try:
            command = json.loads(message.payload)
        except ValueError:
            return
        if isinstance(command, dict):
            self.received += 1
            lock.receive(command)


# The embedded broker ``scripts/run`` starts (``--mqtt-port``, default 1883).
DEV_BROKER = "mqtt://127.0.0.1:1883"


def _serials(count: int, settings: Any) -> list[str]:
    """The first ``count`` registered locks' serials (the configured database,
    else the embedded one of scripts/run on 27018), or made-up ones."""
    from anju.devstack import local_database_uri

    uri = local_database_uri(settings)
    if uri:
        from anju import db
        from anju.locks.models import Lock

        db.connect(settings, uri)
        found = [lock.serial for lock in Lock.objects().only("serial").limit(count)]
        if found:
            return found
    return [f"SIM-{number:05d}" for number in range(1, count + 1)]


def main(argv: list[str] | None = None) -> None:
    """``scripts/lock-sim --locks N``: N simulated locks on the configured
    broker (ANJU_MQTT_URL; the embedded one of scripts/run by default), for
    the first N registered locks. A tenant's finger is enrolled by itself a
    moment after the lock enters enrollment (as a tenant at the door would)."""
    import argparse
    import logging

    from anju.config import load_settings

    parser = argparse.ArgumentParser(description="Simulated Anju locks")
    parser.add_argument("--locks", type=int, default=1)
    parser.add_argument("--url", help="mqtt://host:port (default: ANJU_MQTT_URL)")
    parser.add_argument("--serial", action="append", help="a lock's serial (repeat)")
    parser.add_argument(
        "--own-clients",
        action="store_true",
        help="one MQTT client per lock with its last will (default: one shared)",
    )
    parser.add_argument("--password", help="the lock's MQTT password (one lock)")
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    settings = load_settings()
    url = options.url or settings.mqtt_url or DEV_BROKER
    public_key = credentials.load_public_key(credentials.public_key_pem(settings))
    serials = options.serial or _serials(options.locks, settings)
    locks = [
        SimulatedLock(
            serial=serial, public_key=public_key, epoch=settings.lock_key_epoch
        )
        for serial in serials
    ]
    fingers: dict[str, str] = {}

    def enroll_when_asked(lock: SimulatedLock) -> None:
        take = lock.receive

        def receive(command: dict[str, Any]) -> None:
            take(command)
            if command.get("type") == "enroll" and lock.enrolling:
                finger = new_finger()
                threading.Timer(2.0, lambda: _enroll(lock, finger, fingers)).start()

        lock.receive = receive  # type: ignore[method-assign]

    for lock in locks:
        enroll_when_asked(lock)

    if options.own_clients or len(locks) == 1:
        transports: list[Any] = [
            LockClient(lock, url, options.password) for lock in locks
        ]
        for transport in transports:
            transport.start(wait=0)
    else:
        transports = [Fleet(locks, url).start(wait=0)]
    print(f"{len(locks)} simulated locks on {url}; Ctrl-C stops them", flush=True)

    try:
        while True:
            time.sleep(10)
            held = sum(len(lock.credentials) for lock in locks)
            revoked = sum(len(lock.revoked) for lock in locks)
            print(
                f"credentials {held}, revoked {revoked}, fingers {len(fingers)}",
                flush=True,
            )
    except KeyboardInterrupt:
        pass
    finally:
        for transport in transports:
            transport.stop()


def _enroll(lock: SimulatedLock, finger: str, fingers: dict[str, str]) -> None:
    slot = lock.enroll_finger(finger)
    if isinstance(slot, int):
        fingers[f"{lock.serial}:{slot}"] = finger
        print(
            f"{lock.serial}: finger enrolled in slot {slot}; it opens the door",
            flush=True,
        )
        threading.Timer(
            3.0, lambda: print(f"{lock.serial}: {lock.touch(finger)}")
        ).start()


if __name__ == "__main__":
    main()

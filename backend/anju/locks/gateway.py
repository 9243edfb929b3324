"""The lock gateway: runs in the worker, between the outbox and the broker.

Two threads beside paho's network thread: the dispatcher sends the due
commands of the outbox (QoS 1) and schedules each one's next attempt with a
doubling back-off until the lock acknowledges it; the ingester handles what
the locks publish (events, acknowledgements, resync requests, online state).
Both run in an app context; paho's callbacks only queue messages.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import paho.mqtt.client as mqtt
from bson import ObjectId
from flask import Flask
from mongoengine.errors import NotUniqueError
from pymongo import UpdateOne
from pymongo.errors import BulkWriteError

from anju.config import Settings
from anju.locks import service, topics
from anju.locks.models import LIVE_STATES, Command, Credential, Lock, LockEvent

logger = logging.getLogger(__name__)

BATCH = 200  # messages handled, and plain events stored, together
BACKLOG = 50  # unread messages above which retries wait
DISPATCH_FIELDS = (
    "id",
    "serial",
    "state",
    "delivery",
    "token",
    "expires_at",
    "enrollment_until",
    "outbox",
)
# Events without side effects beyond the lock's battery: stored in batches.
PLAIN_EVENTS = ("unlock_ok", "low_battery")
STORED_EVENTS = ("unlock_ok", "unlock_failed", "enrolled", "tamper", "low_battery")
LAST_SEEN_EVERY = timedelta(seconds=30)


def _now() -> datetime:
    return datetime.now(UTC)


def _parse_time(value: Any, default: datetime) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return default
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Gateway:
    def __init__(self, app: Flask, settings: Settings | None = None) -> None:
        self.app = app
        self.settings: Settings = settings or app.config["ANJU"]
        self.inbox: queue.Queue[tuple[str, bytes]] = queue.Queue()
        self.connected = threading.Event()
        self.stopping = threading.Event()
        self.wake = threading.Event()
        self.threads: list[threading.Thread] = []
        self.locks: dict[str, Lock] = {}
        self.given: dict[tuple[str, str], ObjectId] = {}
        self.seen_now: set[ObjectId] = set()
        self.online_now: dict[ObjectId, int | None] = {}
        self.acks: list[tuple[Lock, str, bool]] = []
        self.connections = 0
        self.seen: dict[str, datetime] = {}
        self.counts = {
            "sent": 0,
            "acked": 0,
            "events": 0,
            "refused": 0,
            "unknown_lock": 0,
        }
        self.processing = 0
        self.client = self._client()

    # --- connection ------------------------------------------------------

    def _client(self) -> mqtt.Client:
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=f"{self.settings.mqtt_client_id}-{uuid.uuid4().hex[:8]}",
            clean_session=True,
            protocol=mqtt.MQTTv311,
        )
        _, _, user, password = topics.broker_address(self.settings.mqtt_url)
        if user:
            client.username_pw_set(user, password)
        client.reconnect_delay_set(min_delay=1, max_delay=5)
        client.max_inflight_messages_set(200)
        client.max_queued_messages_set(0)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def start(self) -> Gateway:
        host, port, _, _ = topics.broker_address(self.settings.mqtt_url)
        self.client.connect_async(host, port, keepalive=30)
        self.client.loop_start()
        for name, target in (("dispatch", self._dispatch), ("ingest", self._ingest)):
            thread = threading.Thread(
                target=target, name=f"gateway-{name}", daemon=True
            )
            thread.start()
            self.threads.append(thread)
        logger.info("gateway started", extra={"port": port})
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        self.client.disconnect()
        self.client.loop_stop()
        for thread in self.threads:
            thread.join(10)
        self.threads.clear()
        logger.info("gateway stopped")

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            logger.warning(
                "gateway refused by broker", extra={"reason": str(reason_code)}
            )
            return
        client.subscribe([(topics.ALL_EVENTS, 1), (topics.ALL_STATES, 1)])
        self.connected.set()
        self.connections += 1
        if self.connections > 1:
            self.inbox.put(("", b"reconnected"))  # resend what waits for an ack
        logger.info("gateway connected")

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        logger.warning("gateway disconnected", extra={"reason": str(reason_code)})

    def _on_message(self, client, userdata, message: mqtt.MQTTMessage) -> None:
        self.inbox.put((message.topic, bytes(message.payload)))

    # --- the outbox ------------------------------------------------------

    def _dispatch(self) -> None:
        with self.app.app_context():
            while not self.stopping.is_set():
                try:
                    sent = self.deliver_due()
                except Exception:
                    logger.exception("gateway dispatch failed")
                    sent = 0
                if not sent:
                    self.wake.wait(self.settings.lock_outbox_poll_seconds)
                    self.wake.clear()

    def deliver_due(self, limit: int = 100) -> int:
        """Publish every due command once; returns how many were published."""
        if not self.connected.is_set():
            return 0

        now = _now()
        # Behind on reading what the locks said: a retry now would likely
        # repeat a command whose acknowledgement is waiting in our own inbox,
        # and add one more acknowledgement to read. First sends still go.
        behind = self.inbox.qsize() > BACKLOG
        wanted: dict[str, Any] = {"next_at": {"$lte": now}}
        if behind:
            wanted["attempts"] = 0
        due = (
            Credential.objects(__raw__={"outbox": {"$elemMatch": wanted}})
            .only(*DISPATCH_FIELDS)
            .limit(limit)
        )
        sent = 0
        writes: list[UpdateOne] = []
        try:
            for credential in due:
                for command in list(credential.outbox):
                    if _aware(command.next_at) > now:
                        continue
                    if command.attempts and behind:
                        continue  # its acknowledgement may be in our backlog
                    if not self.connected.is_set():
                        return sent
                    sent += self._deliver(credential, command, now, writes)
        finally:
            # Few round trips for the batch's next attempts (in runs of 50: a
            # long bulk can outlast the socket timeout on the embedded database).
            for start in range(0, len(writes), 50):
                Credential._get_collection().bulk_write(
                    writes[start : start + 50], ordered=False
                )
        return sent

    def _deliver(
        self,
        credential: Credential,
        command: Command,
        now: datetime,
        writes: list[UpdateOne],
    ) -> int:
        payload = self._payload(credential, command, now)
        if payload is None:  # no longer worth sending: drop it
            Credential.objects(id=credential.id).update_one(pull__outbox__id=command.id)
            return 0

        info = self.client.publish(
            topics.COMMANDS.format(serial=credential.serial),
            json.dumps(payload, separators=(",", ":")),
            qos=1,
        )
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            return 0

        wait = min(
            self.settings.lock_retry_seconds * (2**command.attempts),
            self.settings.lock_retry_max_seconds,
        )
        changes: dict[str, Any] = {
            "outbox.$.next_at": now + timedelta(seconds=wait),
            "outbox.$.sent_at": now,
        }
        if command.kind == "issue" and credential.delivery == "pending":
            changes["delivery"] = "sent"
        # Matched on the command: an acknowledgement that came first wins.
        writes.append(
            UpdateOne(
                {"_id": credential.id, "outbox.id": command.id},
                {"$set": changes, "$inc": {"outbox.$.attempts": 1}},
            )
        )
        self.counts["sent"] += 1
        return 1

    def _payload(
        self, credential: Credential, command: Command, now: datetime
    ) -> dict[str, Any] | None:
        if _aware(credential.expires_at) <= now:
            return None  # the lock refuses it by its own clock now; nothing to say
        live = credential.state in LIVE_STATES
        if command.kind == "issue":
            if not live:
                return None
            return {
                "id": command.id,
                "type": "credential",
                "credential": str(credential.id),
                "token": credential.token,
            }
        if command.kind == "enroll":
            until = credential.enrollment_until
            if not live or until is None or _aware(until) <= now:
                return None
            return {
                "id": command.id,
                "type": "enroll",
                "credential": str(credential.id),
                "until": _aware(until).isoformat(),
            }
        lock = self._lock(credential.serial)
        if lock is None:
            return None
        return {
            "id": command.id,
            "type": "revocations",
            "token": service.revocation_token(self.settings, lock, now),
        }

    # --- what the locks publish -------------------------------------------

    def _ingest(self) -> None:
        with self.app.app_context():
            while not self.stopping.is_set():
                try:
                    batch = [self.inbox.get(timeout=0.5)]
                except queue.Empty:
                    continue
                while len(batch) < BATCH:
                    try:
                        batch.append(self.inbox.get_nowait())
                    except queue.Empty:
                        break
                self.processing += len(batch)
                try:
                    self.handle_many(batch)
                except Exception:  # the database was slow or away: not fatal
                    logger.exception("gateway could not store a batch")
                finally:
                    self.processing -= len(batch)

    def handle_many(self, batch: list[tuple[str, bytes]]) -> None:
        """Handle messages in order; plain events (unlocks, battery) are
        stored together at the end of the batch."""
        plain: list[dict[str, Any]] = []
        for topic, payload in batch:
            try:
                self.handle(topic, payload, plain)
            except Exception:
                logger.exception("gateway could not handle a message")
        # A failure below loses nothing for good: an acknowledgement not
        # taken means the command goes again and is acknowledged again.
        acks, self.acks = self.acks, []
        try:
            if plain:
                self._store_many(plain)
        finally:
            try:
                if acks:
                    self.counts["acked"] += service.acknowledge_many(acks)
            finally:
                self._flush_seen()

    def _store_many(self, documents: list[dict[str, Any]]) -> None:
        try:
            LockEvent._get_collection().insert_many(documents, ordered=False)
            stored = len(documents)
        except BulkWriteError as error:  # repeats of events already stored
            stored = error.details.get("nInserted", 0)
        self.counts["events"] += stored

    def idle(self) -> bool:
        return self.inbox.empty() and not self.processing

    def handle(
        self, topic: str, payload: bytes, plain: list[dict[str, Any]] | None = None
    ) -> None:
        if not topic:
            self._resend_unacknowledged()
            return

        parts = topics.split(topic)
        if parts is None:
            return
        serial, leaf = parts
        lock = self._lock(serial)
        if lock is None:
            logger.warning("message from an unknown lock refused")
            self.counts["unknown_lock"] += 1
            return
        try:
            message = json.loads(payload or b"{}")
        except ValueError:
            logger.warning("malformed lock message", extra={"lock": serial})
            return
        if not isinstance(message, dict):
            return

        if leaf == "state":
            self._state(lock, message, plain)
        elif leaf == "events":
            self._event(lock, message, plain)

    def _lock(self, serial: str) -> Lock | None:
        lock = self.locks.get(serial)
        if lock is None:
            lock = Lock.objects(serial=serial).first()
            if lock is not None:
                self.locks[serial] = lock
        return lock

    def _resend_unacknowledged(self) -> None:
        """After a reconnect, what waits for an acknowledgement goes again now
        rather than at its back-off time (the locks dedup)."""
        _all_due({"outbox.0": {"$exists": True}}, _now())
        self.wake.set()

    def _seen(self, lock: Lock, now: datetime, **changes: Any) -> None:
        """The lock was heard from: ``last_seen_at`` at most every 30 s per
        lock, written for the whole batch at once; other changes now."""
        if changes:
            Lock.objects(id=lock.id).update_one(set__last_seen_at=now, **changes)
            self.seen[lock.serial] = now
            if "set__battery" in changes and self.online_now.get(lock.id) is not None:
                # A state earlier in this batch waits to be written with its
                # own, older level: it must not put that level back.
                self.online_now[lock.id] = changes["set__battery"]
            return
        last = self.seen.get(lock.serial)
        if last is None or now - last > LAST_SEEN_EVERY:
            self.seen_now.add(lock.id)
            self.seen[lock.serial] = now

    def _flush_seen(self) -> None:
        levels: dict[int | None, list[ObjectId]] = {}
        for lock_id, level in self.online_now.items():
            levels.setdefault(level, []).append(lock_id)
        self.online_now.clear()
        for level, ids in levels.items():
            changes: dict[str, Any] = {"online": True, "last_seen_at": _now()}
            if level is not None:
                changes["battery"] = level
            for start in range(0, len(ids), 100):
                Lock._get_collection().update_many(
                    {"_id": {"$in": ids[start : start + 100]}},
                    {"$set": changes, "$unset": {"offline_since": ""}},
                )
        seen, self.seen_now = list(self.seen_now), set()
        for start in range(0, len(seen), 100):
            Lock._get_collection().update_many(
                {"_id": {"$in": seen[start : start + 100]}},
                {"$set": {"last_seen_at": _now()}},
            )

    def _state(
        self,
        lock: Lock,
        message: dict[str, Any],
        plain: list[dict[str, Any]] | None = None,
    ) -> None:
        online = bool(message.get("online"))
        now = _now()
        battery = message.get("battery")
        if online and plain is not None:
            # Written for the whole batch at once (grouped by battery level).
            self.online_now[lock.id] = battery if isinstance(battery, int) else None
        elif online:
            changes: dict[str, Any] = {
                "set__online": True,
                "unset__offline_since": True,
            }
            if isinstance(battery, int):
                changes["set__battery"] = battery
            self._seen(lock, now, **changes)
        else:
            self.online_now.pop(lock.id, None)
            Lock.objects(id=lock.id, online__ne=False).update_one(
                set__online=False, set__offline_since=now
            )

        session = str(message.get("session") or "")[:64]
        if not session:
            return
        event = LockEvent(
            lock=lock.id,
            kind="online" if online else "offline",
            event_id=f"state-{session}-{online}",
            at=now,
            received_at=now,
            scope_keys=list(lock.scope_keys),
        )
        if plain is not None:
            plain.append(event.to_mongo())
        else:
            self._store(lock, event.kind, None, now, event.event_id, {})

    def _given(self, lock: Lock, credential_id: str) -> ObjectId | None:
        """The credential's id if this lock was given it (remembered: a
        credential never moves to another lock)."""
        key = (lock.serial, credential_id)
        if key in self.given:
            return self.given[key]
        credential = service.credential_of(lock, credential_id)
        if credential is None:
            return None
        self.given[key] = credential.id
        return credential.id

    def _event(
        self,
        lock: Lock,
        message: dict[str, Any],
        plain: list[dict[str, Any]] | None = None,
    ) -> None:
        kind = message.get("type")
        now = _now()
        at = _parse_time(message.get("at"), now)

        if kind == "ack":
            self._seen(lock, now)
            ack = (
                lock,
                str(message.get("command") or ""),
                message.get("ok") is not False,
            )
            if plain is not None:
                self.acks.append(ack)  # acknowledged together after the batch
            elif service.acknowledge(*ack):
                self.counts["acked"] += 1
            return
        if kind == "resync":
            self._seen(lock, now)
            self.resync(lock, now)
            return
        if kind not in STORED_EVENTS:
            logger.warning("unknown lock event", extra={"lock": lock.serial})
            return

        if plain is not None and kind in PLAIN_EVENTS:
            self._plain(lock, kind, message, at, now, plain)
            return

        credential = None
        if message.get("credential"):
            credential = service.credential_of(lock, str(message["credential"]))
            if credential is None:
                logger.warning(
                    "event for a credential this lock was never given refused",
                    extra={"lock": lock.serial, "kind": kind},
                )
                self.counts["refused"] += 1
                return
        elif kind in ("unlock_ok", "enrolled"):
            logger.warning(
                "lock event without its credential refused",
                extra={"lock": lock.serial, "kind": kind},
            )
            self.counts["refused"] += 1
            return

        details = _details(message)
        event_id = str(message.get("id") or uuid.uuid4().hex)[:64]
        if not self._store(lock, kind, credential, at, event_id, details):
            return  # a repeated delivery of an event already handled

        self.counts["events"] += 1
        battery = message.get("battery")
        if isinstance(battery, int):
            self._seen(lock, now, set__battery=battery)
        else:
            self._seen(lock, now)

        if kind == "enrolled" and credential is not None:
            slot = message.get("slot")
            if isinstance(slot, int):
                service.mark_enrolled(lock, credential, slot)
        elif kind == "tamper":
            service.raise_alert("lock_tamper", lock)
        elif kind == "unlock_failed":
            if message.get("reason") == "revoked" and credential is not None:
                service.raise_alert(
                    "lock_revoked_credential", lock, person=credential.person
                )
            if service.failed_burst(lock, now):
                service.raise_alert("lock_failed_unlocks", lock)

    def _plain(
        self,
        lock: Lock,
        kind: str,
        message: dict[str, Any],
        at: datetime,
        now: datetime,
        plain: list[dict[str, Any]],
    ) -> None:
        credential_id = None
        if message.get("credential"):
            credential_id = self._given(lock, str(message["credential"]))
            if credential_id is None:
                logger.warning(
                    "event for a credential this lock was never given refused",
                    extra={"lock": lock.serial, "kind": kind},
                )
                self.counts["refused"] += 1
                return
        elif kind == "unlock_ok":
            self.counts["refused"] += 1
            return

        details = _details(message)
        plain.append(
            LockEvent(
                lock=lock.id,
                kind=kind,
                credential=credential_id,
                event_id=str(message.get("id") or uuid.uuid4().hex)[:64],
                at=at,
                received_at=now,
                details=details,
                scope_keys=list(lock.scope_keys),
            ).to_mongo()
        )
        battery = message.get("battery")
        if isinstance(battery, int):
            self._seen(lock, now, set__battery=battery)
        else:
            self._seen(lock, now)

    def _store(
        self,
        lock: Lock,
        kind: str,
        credential: Credential | None,
        at: datetime,
        event_id: str,
        details: dict[str, Any],
    ) -> bool:
        try:
            LockEvent(
                lock=lock.id,
                kind=kind,
                credential=credential.id if credential else None,
                event_id=event_id,
                at=at,
                received_at=_now(),
                details=details,
                scope_keys=list(lock.scope_keys),
            ).save(force_insert=True)
        except NotUniqueError:
            return False
        return True

    def resync(self, lock: Lock, now: datetime) -> None:
        """The lock's live credentials and its current revocation list, at once;
        its unacknowledged commands go again too."""
        live = Credential.objects(
            lock=lock.id, state__in=LIVE_STATES, expires_at__gt=now
        ).only("id", "token")
        payload = {
            "id": uuid.uuid4().hex,
            "type": "sync",
            "credentials": [item.token for item in live],
            "revocations": service.revocation_token(self.settings, lock, now),
        }
        self.client.publish(
            topics.COMMANDS.format(serial=lock.serial),
            json.dumps(payload, separators=(",", ":")),
            qos=1,
        )
        _all_due({"lock": lock.id, "outbox.0": {"$exists": True}}, now)
        self.wake.set()


def _details(message: dict[str, Any]) -> dict[str, Any]:
    return {
        key: message[key]
        for key in ("slot", "reason", "battery")
        if isinstance(message.get(key), (int, str))
    }


def _all_due(query: dict[str, Any], now: datetime) -> None:
    Credential._get_collection().update_many(
        query, {"$set": {"outbox.$[].next_at": now}}
    )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def run(app: Flask) -> Gateway:
    """Start a gateway for the worker."""
    return Gateway(app).start()

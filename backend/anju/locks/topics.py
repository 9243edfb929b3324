"""The MQTT topics and message shapes shared by the gateway and the locks.

Per lock (``<serial>`` is also its Mosquitto user name):

- ``anju/locks/<serial>/commands`` — server → lock, QoS 1. JSON
  ``{"id", "type": "credential"|"revocations"|"enroll"|"sync", ...}``.
- ``anju/locks/<serial>/events`` — lock → server, QoS 1. JSON
  ``{"id", "type", "at", "credential"?, "command"?, "slot"?, "reason"?,
  "battery"?}``; ``type`` is an event kind, ``ack`` (naming ``command``) or
  ``resync`` (the lock asks for its live credentials and revocation list).
- ``anju/locks/<serial>/state`` — lock → server, retained, QoS 1, with the last
  will ``{"online": false, "session"}``; ``{"online": true, "session", "at",
  "battery"}`` when the lock connects.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

ROOT = "anju/locks"
COMMANDS = ROOT + "/{serial}/commands"
EVENTS = ROOT + "/{serial}/events"
STATE = ROOT + "/{serial}/state"
ALL_EVENTS = ROOT + "/+/events"
ALL_STATES = ROOT + "/+/state"
ALL_COMMANDS = ROOT + "/+/commands"


def split(topic: str) -> tuple[str, str] | None:
    """(serial, leaf) of a lock topic, or None."""
    parts = topic.split("/")
    if len(parts) != 4 or "/".join(parts[:2]) != ROOT:
        return None
    return parts[2], parts[3]


def broker_address(url: str) -> tuple[str, int, str | None, str | None]:
    """host, port, user, password of ``mqtt://user:password@host:port``."""
    parts = urlsplit(url or "mqtt://127.0.0.1:1883")
    user = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    return parts.hostname or "127.0.0.1", parts.port or 1883, user, password

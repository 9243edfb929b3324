"""Locks and gates, their credentials, events and the command outbox.

The outbox lives inside the Credential document (``Credential.outbox``): a
change to a credential and the command that tells the lock about it are one
single-document write, the only atomic write the embedded database promises.
See docs/locks.md.
"""

from __future__ import annotations

import mongoengine as me

from anju.db import Document

LOCK_KINDS = ("room", "gate")
CREDENTIAL_KINDS = ("tenant", "gate")
CREDENTIAL_STATES = ("issued", "delivered", "enrolled", "revoked", "expired")
LIVE_STATES = ("issued", "delivered", "enrolled")
DELIVERY_STATES = ("pending", "sent", "acknowledged")
COMMAND_KINDS = ("issue", "revoke", "enroll")
EVENT_KINDS = (
    "unlock_ok",
    "unlock_failed",
    "enrolled",
    "tamper",
    "low_battery",
    "online",
    "offline",
    "ack",
)
EVENT_RETENTION_DAYS = 180


class Lock(Document):
    serial = me.StringField(required=True, unique=True, max_length=40)
    kind = me.StringField(required=True, choices=LOCK_KINDS)
    room = me.ObjectIdField()
    area = me.ObjectIdField(required=True)
    property = me.ObjectIdField()
    scope_keys = me.ListField(me.StringField())
    online = me.BooleanField(default=False)
    last_seen_at = me.DateTimeField()
    offline_since = me.DateTimeField()
    battery = me.IntField()
    # Mosquitto's PBKDF2-SHA512 form ("$7$..."); the password itself is shown once.
    mqtt_password_hash = me.StringField(required=True)
    key_epoch = me.IntField(required=True, default=1)
    created_at = me.DateTimeField(required=True)

    meta = {
        "collection": "locks",
        "indexes": ["scope_keys", "room", "area", ("online", "last_seen_at")],
    }


class Command(me.EmbeddedDocument):
    """One command waiting for the lock's acknowledgement."""

    id = me.StringField(required=True)  # uuid4 hex; the lock dedups on it
    kind = me.StringField(required=True, choices=COMMAND_KINDS)
    created_at = me.DateTimeField(required=True)
    next_at = me.DateTimeField(required=True)
    attempts = me.IntField(default=0)
    sent_at = me.DateTimeField()


class Credential(Document):
    lock = me.ObjectIdField(required=True)
    serial = me.StringField(required=True)  # the lock's, for the topic
    tenancy = me.ObjectIdField(required=True)
    person = me.ObjectIdField(required=True)
    kind = me.StringField(required=True, choices=CREDENTIAL_KINDS)
    not_before = me.DateTimeField(required=True)
    expires_at = me.DateTimeField(required=True)
    epoch = me.IntField(required=True)
    token = me.StringField(required=True)  # the signed JWS the lock receives
    state = me.StringField(choices=CREDENTIAL_STATES, default="issued")
    slot = me.IntField()
    delivery = me.StringField(choices=DELIVERY_STATES, default="pending")
    outbox = me.EmbeddedDocumentListField(Command)
    enrollment_until = me.DateTimeField()
    revoked_at = me.DateTimeField()
    revoke_reason = me.StringField(max_length=200)
    scope_keys = me.ListField(me.StringField())
    created_at = me.DateTimeField(required=True)
    updated_at = me.DateTimeField(required=True)

    meta = {
        "collection": "lock_credentials",
        "indexes": [
            {"fields": ["tenancy", "lock"], "unique": True},
            ("lock", "state"),
            "outbox.next_at",
            "outbox.id",  # acknowledgements find their command by its id
            "scope_keys",
            ("state", "expires_at"),
        ],
    }


class LockEvent(Document):
    lock = me.ObjectIdField(required=True)
    kind = me.StringField(required=True, choices=EVENT_KINDS)
    credential = me.ObjectIdField()
    # The lock's own id for the event: a repeated delivery is stored once.
    event_id = me.StringField(required=True)
    at = me.DateTimeField(required=True)
    received_at = me.DateTimeField(required=True)
    details = me.DictField()
    scope_keys = me.ListField(me.StringField())

    meta = {
        "collection": "lock_events",
        "indexes": [
            {"fields": ["lock", "event_id"], "unique": True},
            ("lock", "kind", "-at"),
            {
                "fields": ["received_at"],
                "expireAfterSeconds": EVENT_RETENTION_DAYS * 86400,
            },
        ],
    }

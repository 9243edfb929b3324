"""Tier-1 work items. Alerts are raised by other domains for the officers of
the area they concern (an ID mismatch, later lock tampering and the like)."""

from __future__ import annotations

import mongoengine as me

from anju.db import Document

ALERT_KINDS = (
    "id_mismatch",
    "id_not_found",
    "lock_failed_unlocks",
    "lock_tamper",
    "lock_revoked_credential",
    "lock_offline",
    "room_over_capacity",
)

# Why an alert was closed without an officer closing it by hand.
ALERT_RESOLUTIONS = ("corrected",)


class Alert(Document):
    kind = me.StringField(required=True, choices=ALERT_KINDS)
    person = me.ObjectIdField()
    resource_type = me.StringField()
    resource_id = me.StringField()
    scope_keys = me.ListField(me.StringField())
    state = me.StringField(choices=("open", "closed"), default="open")
    created_at = me.DateTimeField(required=True)
    closed_at = me.DateTimeField()
    resolution = me.StringField(choices=ALERT_RESOLUTIONS)

    meta = {
        "collection": "alerts",
        "indexes": ["scope_keys", ("state", "-created_at"), "person"],
    }

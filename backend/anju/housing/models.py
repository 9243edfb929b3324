"""Rented housing: a landlord's properties, their rooms and the tenancies of
the people living in them."""

from __future__ import annotations

import mongoengine as me

from anju.db import Document

TENANCY_STATES = (
    "requested",  # the tenant asked through the room's code; the landlord decides
    "verifying",  # a bed is held; the ID authority's answer is awaited
    "verified",  # the identity matched; the landlord may authorize
    "authorized",  # credentials issued to the lock (and gates)
    "checked_in",  # the tenant enrolled a fingerprint at the door
    "checked_out",
    "rejected",
)
# States in which a tenancy may still change; the others have ended.
OPEN_STATES = ("requested", "verifying", "verified", "authorized", "checked_in")
ENDED_STATES = ("checked_out", "rejected")
TENANCY_CHANNELS = ("landlord", "share_code", "room_code")


class Property(Document):
    name = me.StringField(required=True, max_length=100)
    address = me.StringField(max_length=200)
    area = me.ObjectIdField(required=True)
    landlord = me.ObjectIdField()  # the landlord's account
    scope_keys = me.ListField(me.StringField())
    created_at = me.DateTimeField(required=True)

    meta = {"collection": "properties", "indexes": ["area", "landlord", "scope_keys"]}


class Room(Document):
    """A rented room. ``occupants`` counts the tenancies holding a bed; it is
    changed only by conditional ``$inc`` so that two check-ins racing for the
    last bed cannot both win."""

    property = me.ObjectIdField(required=True)
    number = me.StringField(required=True, max_length=20)
    floor = me.IntField()
    capacity = me.IntField(min_value=1, default=1)
    occupants = me.IntField(default=0)
    lock = me.ObjectIdField()
    code_version = me.IntField(default=1)
    scope_keys = me.ListField(me.StringField())
    created_at = me.DateTimeField()

    meta = {
        "collection": "rooms",
        "indexes": [{"fields": ["property", "number"], "unique": True}, "scope_keys"],
    }


class TenancyWarning(me.EmbeddedDocument):
    """Something the landlord should know but that does not stop the check-in
    (the person is checked into another room)."""

    code = me.StringField(required=True)
    detail = me.StringField()


class TenantConsent(me.EmbeddedDocument):
    """The tenant's consent, given when they asked through the room's code."""

    version = me.StringField(required=True)
    accepted_at = me.DateTimeField(required=True)


class Tenancy(Document):
    """A person living in a room for a period.

    ``scope_keys`` are the property's keys (its area and ancestors,
    ``property:<id>``) and ``person:<id>``: the landlord, the area's officers
    and the tenant reach it. ``holds_bed`` is true while the tenancy counts in
    the room's ``occupants``; it is flipped by conditional updates, so a bed is
    released exactly once. ``active_key`` (``<person>:<room>``) is set while
    the tenancy is open: one open tenancy per person and room.
    """

    room = me.ObjectIdField(required=True)
    property = me.ObjectIdField(required=True)
    person = me.ObjectIdField(required=True)
    start_date = me.DateField(required=True)
    end_date = me.DateField(required=True)
    state = me.StringField(required=True, choices=TENANCY_STATES)
    channel = me.StringField(required=True, choices=TENANCY_CHANNELS)
    holds_bed = me.BooleanField(default=False)
    active_key = me.StringField()
    warnings = me.EmbeddedDocumentListField(TenancyWarning)
    consent = me.EmbeddedDocumentField(TenantConsent)
    over_capacity_reason = me.StringField(max_length=200)
    checkout_requested_at = me.DateTimeField()
    ended_reason = me.StringField()
    registered_by = me.StringField()  # account id; None for the tenant's own request
    scope_keys = me.ListField(me.StringField())
    created_at = me.DateTimeField(required=True)
    updated_at = me.DateTimeField()
    ended_at = me.DateTimeField()

    meta = {
        "collection": "tenancies",
        "indexes": [
            {"fields": ["active_key"], "unique": True, "sparse": True},
            ("room", "state"),
            ("person", "state"),
            ("property", "state"),
            ("state", "end_date"),
            "scope_keys",
        ],
    }

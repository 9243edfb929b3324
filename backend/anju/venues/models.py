"""Venues: every workplace with a code on its wall (stalls, warehouses,
restaurants, construction sites, workshops)."""

from __future__ import annotations

import mongoengine as me

from anju.db import Document

VENUE_KINDS = (
    "stall_shop",
    "warehouse_logistics",
    "catering_entertainment",
    "construction_site",
    "workshop",
    "other",
)
VENUE_STATES = ("pending_approval", "active", "closed")


class Venue(Document):
    name = me.StringField(required=True, max_length=100)
    kind = me.StringField(required=True, choices=VENUE_KINDS)
    area = me.ObjectIdField(required=True)
    address = me.StringField(max_length=200)
    operator = me.ObjectIdField()  # the operator's account
    expected_headcount = me.IntField(min_value=0, default=0)
    status = me.StringField(choices=VENUE_STATES, default="active")
    code_version = me.IntField(default=1)
    scope_keys = me.ListField(me.StringField())
    created_at = me.DateTimeField(required=True)

    meta = {
        "collection": "venues",
        "indexes": ["area", "operator", "scope_keys", ("area", "name")],
    }


EMPLOYMENT_KINDS = ("staff", "business_contact")
EMPLOYMENT_STATES = ("active", "ended", "left_without_notice")
EMPLOYMENT_CHANNELS = ("self_scan", "operator", "area_admin", "officer", "import")


class Consent(me.EmbeddedDocument):
    """The worker's separate consent to processing sensitive personal data."""

    version = me.StringField(required=True)
    accepted_at = me.DateTimeField(required=True)


class Employment(Document):
    """A person working at (or, as a business contact, dealing with) a venue.

    ``scope_keys`` are the venue's area keys, ``venue:<id>`` and
    ``person:<id>``: the operator, the area's admins and officers and the
    worker themself reach it. ``active_key`` is ``<person>:<venue>`` while the
    employment is active and unset afterwards, so a unique sparse index allows
    one active employment per person and venue.
    """

    person = me.ObjectIdField(required=True)
    venue = me.ObjectIdField(required=True)
    kind = me.StringField(choices=EMPLOYMENT_KINDS, default="staff")
    job = me.StringField(max_length=50)
    start_date = me.DateField()
    end_date = me.DateField()
    state = me.StringField(choices=EMPLOYMENT_STATES, default="active")
    channel = me.StringField(required=True, choices=EMPLOYMENT_CHANNELS)
    registered_by = me.StringField()  # account id; the worker's own for a self scan
    consent = me.EmbeddedDocumentField(Consent)
    # Set when the name given here differs from the (checked) name already on
    # record for this ID number: this registration counts as a mismatch.
    name_mismatch = me.BooleanField(default=False)
    emergency_contact_name = me.StringField(max_length=50)
    emergency_contact_phone_encrypted = me.StringField()
    emergency_contact_phone_masked = me.StringField()
    via_share_code = me.BooleanField(default=False)
    # The worker's own correction of this self scan (a mistyped ID number).
    superseded_by = me.ObjectIdField()
    import_batch = me.ObjectIdField()
    active_key = me.StringField()
    scope_keys = me.ListField(me.StringField())
    created_at = me.DateTimeField(required=True)
    updated_at = me.DateTimeField()

    meta = {
        "collection": "employments",
        "indexes": [
            {"fields": ["active_key"], "unique": True, "sparse": True},
            "person",
            ("venue", "state"),
            "scope_keys",
        ],
    }

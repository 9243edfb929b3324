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

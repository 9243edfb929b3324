"""Rented housing: a landlord's properties and their rooms."""

from __future__ import annotations

import mongoengine as me

from anju.db import Document


class Property(Document):
    name = me.StringField(required=True, max_length=100)
    address = me.StringField(max_length=200)
    area = me.ObjectIdField(required=True)
    landlord = me.ObjectIdField()  # the landlord's account
    scope_keys = me.ListField(me.StringField())
    created_at = me.DateTimeField(required=True)

    meta = {"collection": "properties", "indexes": ["area", "landlord", "scope_keys"]}


class Room(Document):
    property = me.ObjectIdField(required=True)
    number = me.StringField(required=True, max_length=20)
    floor = me.IntField()
    capacity = me.IntField(min_value=1, default=1)
    lock = me.ObjectIdField()
    scope_keys = me.ListField(me.StringField())

    meta = {
        "collection": "rooms",
        "indexes": [{"fields": ["property", "number"], "unique": True}, "scope_keys"],
    }

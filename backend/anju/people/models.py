"""Person: one per real person, found by the blind index of their ID number."""

from __future__ import annotations

import mongoengine as me

from anju.db import Document

VERIFICATION_STATES = ("pending", "match", "mismatch", "not_found")
CHANNELS = ("self_scan", "operator", "area_admin", "officer", "import")


class Verification(me.EmbeddedDocument):
    """The ID authority's answer (人证一致), or that it is still awaited."""

    state = me.StringField(choices=VERIFICATION_STATES, default="pending")
    reference = me.StringField()
    checked_at = me.DateTimeField()
    attempts = me.IntField(default=0)
    next_check_at = me.DateTimeField()


class Correction(me.EmbeddedDocument):
    """An officer's correction of the record: who, when, why and what changed.
    The old name is kept; of the old ID number only its masked form (the
    audit trail and the officer need no more, and key rotation does not walk
    this list)."""

    id = me.ObjectIdField(required=True)
    at = me.DateTimeField(required=True)
    by_account = me.StringField(required=True)
    by_name = me.StringField()
    reason = me.StringField(required=True, max_length=200)
    changed = me.ListField(me.StringField(choices=("name", "id_number")))
    old_name = me.StringField()
    old_id_number_masked = me.StringField()
    # The ID authority's answer right after the correction (pending when it
    # was unavailable; the worker's retries then update the person only).
    verification = me.StringField(choices=VERIFICATION_STATES)


class Person(Document):
    name = me.StringField(required=True, max_length=50)
    id_number_encrypted = me.StringField(required=True)
    id_number_index = me.StringField(required=True)
    id_number_masked = me.StringField(required=True)
    phone_encrypted = me.StringField()
    phone_index = me.StringField()
    phone_masked = me.StringField()

    # Derived from the ID number.
    birth_date = me.DateField(required=True)
    gender = me.StringField(choices=("male", "female"), required=True)
    region_code = me.StringField(required=True)
    region_name = me.StringField()

    verification = me.EmbeddedDocumentField(Verification, default=Verification)
    scope_keys = me.ListField(me.StringField())
    channel = me.StringField(choices=CHANNELS)
    created_by = me.StringField()
    created_at = me.DateTimeField(required=True)
    updated_at = me.DateTimeField()
    corrections = me.EmbeddedDocumentListField(Correction)

    meta = {
        "collection": "people",
        "indexes": [
            {"fields": ["id_number_index"], "unique": True},
            "phone_index",
            "name",
            "scope_keys",
            ("verification.state", "verification.next_check_at"),
        ],
    }


SHARE_PURPOSES = ("employment", "tenancy")


class ShareCodeUse(me.EmbeddedDocument):
    """Who entered a share code, where and when (shown to the person)."""

    used_at = me.DateTimeField(required=True)
    by_account = me.StringField()
    by_name = me.StringField()
    place_name = me.StringField()


class ShareCode(Document):
    """A short code a person gives an employer or landlord so they can be
    registered without their ID number being typed. Only an HMAC of the code
    is stored (``code_hash``); ``hint`` is its last three characters."""

    person = me.ObjectIdField(required=True)
    account = me.ObjectIdField(required=True)
    purpose = me.StringField(required=True, choices=SHARE_PURPOSES)
    code_hash = me.StringField(required=True)
    hint = me.StringField()
    created_at = me.DateTimeField(required=True)
    expires_at = me.DateTimeField(required=True)
    withdrawn_at = me.DateTimeField()
    uses = me.EmbeddedDocumentListField(ShareCodeUse)
    scope_keys = me.ListField(me.StringField())

    meta = {
        "collection": "share_codes",
        "indexes": [
            {"fields": ["code_hash"], "unique": True},
            ("person", "-created_at"),
        ],
    }

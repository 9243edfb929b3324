"""The audit trail's documents: entries, the high-water mark, checkpoints.

Entries are written once by :func:`anju.audit.service.record` and never
changed; only :func:`anju.audit.service.purge_expired` removes the oldest ones,
after moving a signed checkpoint past them. See ``docs/audit.md``.
"""

from __future__ import annotations

import mongoengine as me

from anju.db import Document

OUTCOMES = ("ok", "denied", "failed")


class AuditEntry(Document):
    """One recorded action, linked to the entry before it by ``prev_hash``."""

    seq = me.IntField(required=True, min_value=1)
    at = me.DateTimeField(required=True)
    actor_account = me.StringField()
    actor_role = me.StringField()
    # The organisation's name as the person sees it, never a staff phone.
    actor_org = me.StringField()
    action = me.StringField(required=True)
    resource_type = me.StringField(required=True)
    resource_id = me.StringField()
    subject_person = me.StringField()
    purpose = me.StringField()
    request_id = me.StringField()
    ip = me.StringField()
    outcome = me.StringField(required=True, choices=OUTCOMES)
    details = me.DictField()
    prev_hash = me.StringField(required=True)
    hash = me.StringField(required=True)

    meta = {
        "collection": "audit",
        "indexes": [
            # The unique sequence is what keeps the chain from forking.
            {"fields": ["seq"], "unique": True},
            # A person's access history, newest first; seq breaks ties.
            {"fields": ["subject_person", "-at", "-seq"]},
            # Retention walks forwards along seq: no index on `at` alone.
        ],
    }


class AuditCounter(Document):
    """The highest sequence ever appended (``_id`` "audit"), raised after each
    insert: it lets verify notice entries removed from the end of the chain."""

    id = me.StringField(primary_key=True)
    seq = me.IntField(required=True, default=0)
    # Made anew with the document: lets a writer trust the head it remembers.
    epoch = me.StringField()

    meta = {"collection": "audit_counters"}


class AuditCheckpoint(Document):
    """The last entry a purge removed: the chain now starts after ``seq`` and
    its first entry must link to ``hash``. Signed with a server key."""

    seq = me.IntField(required=True, min_value=1)
    hash = me.StringField(required=True)
    at = me.DateTimeField(required=True)
    purged_at = me.DateTimeField(required=True)
    purged = me.IntField(required=True, min_value=0)
    signature = me.StringField(required=True)

    meta = {
        "collection": "audit_checkpoints",
        "indexes": [{"fields": ["-seq"], "unique": True}],
    }

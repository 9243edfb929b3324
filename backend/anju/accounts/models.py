"""Accounts, their grants, login sessions and one-time codes."""

from __future__ import annotations

import mongoengine as me

from anju.db import Document

ROLES = ("resident", "operator", "area_admin", "officer", "sysadmin")
STAFF_ROLES = ("operator", "area_admin", "officer", "sysadmin")
MFA_ROLES = ("officer", "sysadmin")
SCOPE_KINDS = ("area", "venue", "property")


class Grant(me.EmbeddedDocument):
    """A role, and what it reaches: an area (tiers 1 and 2), a venue or a
    property (tier 3), or nothing (resident, sysadmin)."""

    role = me.StringField(required=True, choices=ROLES)
    scope_kind = me.StringField(choices=SCOPE_KINDS)
    scope_id = me.ObjectIdField()
    scope_name = me.StringField()


class RevokedSession(me.EmbeddedDocument):
    """A login session ended early, kept on its account until the last access
    token it could have been given has expired."""

    session = me.ObjectIdField(required=True)
    until = me.DateTimeField(required=True)


class Account(Document):
    # The phone is stored encrypted beside a blind index, like an ID number.
    phone_index = me.StringField(required=True)
    phone_encrypted = me.StringField(required=True)
    display_name = me.StringField(max_length=60)
    organization = me.StringField(max_length=100)
    password_hash = me.StringField()
    grants = me.EmbeddedDocumentListField(Grant)
    person = me.ObjectIdField()

    totp_secret_encrypted = me.StringField()
    totp_enabled = me.BooleanField(default=False)
    totp_last_step = me.IntField(default=0)
    recovery_code_hashes = me.ListField(me.StringField())

    disabled = me.BooleanField(default=False)
    # Bumped by a password change, disabling or a change of grants: every
    # access token carries the version it was made under.
    token_version = me.IntField(default=1)
    # Sessions ended by logout or refresh-token reuse whose access tokens may
    # still be live: each request reads the account anyway, so it finds them
    # here instead of reading the session. Short, as old entries are dropped.
    revoked_sessions = me.EmbeddedDocumentListField(RevokedSession)
    failed_logins = me.IntField(default=0)
    locked_until = me.DateTimeField()
    created_at = me.DateTimeField(required=True)
    updated_at = me.DateTimeField()

    meta = {
        "collection": "accounts",
        "indexes": [
            {"fields": ["phone_index"], "unique": True},
            "grants.scope_id",
            # No index on ``person``: nothing looks an account up by it (the
            # link is written by ``_id``), and each index makes every write of
            # an account dearer.
        ],
    }

    @property
    def roles(self) -> list[str]:
        return sorted({grant.role for grant in self.grants})


class LoginSession(Document):
    """A refresh-token family: one login on one device."""

    account = me.ObjectIdField(required=True)
    created_at = me.DateTimeField(required=True)
    expires_at = me.DateTimeField(required=True)
    revoked_at = me.DateTimeField()
    revoked_reason = me.StringField()
    user_agent = me.StringField(max_length=200)

    meta = {
        "collection": "login_sessions",
        "indexes": ["account", {"fields": ["expires_at"], "expireAfterSeconds": 86400}],
    }


class RefreshToken(Document):
    """One refresh token, stored as its hash; used once, then replaced."""

    token_hash = me.StringField(required=True)
    session = me.ObjectIdField(required=True)
    issued_at = me.DateTimeField(required=True)
    used_at = me.DateTimeField()

    meta = {
        "collection": "refresh_tokens",
        "indexes": [{"fields": ["token_hash"], "unique": True}, "session"],
    }


class SmsCode(Document):
    """A one-time login code, stored as a hash, keyed by the phone's index."""

    phone_index = me.StringField(required=True)
    purpose = me.StringField(required=True)
    code_hash = me.StringField(required=True)
    attempts = me.IntField(default=0)
    created_at = me.DateTimeField(required=True)
    expires_at = me.DateTimeField(required=True)
    used_at = me.DateTimeField()

    meta = {
        "collection": "sms_codes",
        "indexes": [
            ("phone_index", "purpose", "-created_at"),
            {"fields": ["expires_at"], "expireAfterSeconds": 3600},
        ],
    }


class SmsMessage(Document):
    """The local SMS provider's outbox (dev and test): what would be sent."""

    phone_index = me.StringField(required=True)
    text = me.StringField(required=True)
    created_at = me.DateTimeField(required=True)

    meta = {
        "collection": "sms_outbox",
        "indexes": [("phone_index", "-created_at")],
    }

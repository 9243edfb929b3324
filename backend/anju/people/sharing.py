"""Share codes: a worker or tenant makes a short code (9 characters, 30 days,
one purpose) that an employer or landlord enters to register them without
typing their ID number. The person sees every use (who, where, when) and can
withdraw the code at any time.

Only an HMAC of the code is stored, keyed with the server's token secret, as
for SMS codes: a copy of the database does not give usable codes. Guessing is
bounded by the alphabet (31 characters, no 0/O, 1/I/L), by the 30 days and by
a per-account rate limit on redemptions.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from datetime import UTC, datetime, timedelta

from bson import ObjectId
from flask import current_app

from anju.accounts.authz import Actor
from anju.audit.service import record
from anju.common import ratelimit
from anju.common.errors import Conflict, NotFound, field_error
from anju.common.schemas import object_id_or_404
from anju.people.models import SHARE_PURPOSES, Person, ShareCode, ShareCodeUse
from anju.people.service import audit_actor
from anju.venues import employment_messages  # noqa: F401  (registers the texts)

logger = logging.getLogger(__name__)

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 9
VALID_FOR = timedelta(days=30)
LIVE_MAX = 5
REDEEM_LIMIT = ratelimit.Limit("share-code-redeem-account-hour", 30, 3600)
_SEPARATORS = re.compile(r"[\s\-_.]+")


def _now() -> datetime:
    return datetime.now(UTC)


def _code_hash(code: str) -> str:
    secret = current_app.config["ANJU"].token_secret.encode()
    return hmac.new(secret, f"share-code:{code}".encode(), hashlib.sha256).hexdigest()


def normalize(code: str) -> str | None:
    """The 9 characters of a code typed with or without dashes and in any
    case; None when it cannot be one."""
    compact = _SEPARATORS.sub("", code or "").upper()
    if len(compact) != LENGTH or any(ch not in ALPHABET for ch in compact):
        return None
    return compact


def grouped(code: str) -> str:
    """``7KQ4MXP2D`` as shown: ``7KQ-4MX-P2D``."""
    return "-".join(code[i : i + 3] for i in range(0, LENGTH, 3))


def state_of(share: ShareCode, now: datetime | None = None) -> str:
    if share.withdrawn_at:
        return "withdrawn"
    if share.expires_at <= (now or _now()):
        return "expired"
    return "active"


def create(actor: Actor, purpose: str) -> tuple[ShareCode, str]:
    """A new code for the caller's own person record; answers the record and
    the code (grouped), which is shown this once and never stored."""
    if purpose not in SHARE_PURPOSES:
        raise field_error("purpose", "field.choice")
    if not actor.person_id:
        raise Conflict("share_codes.no_person")
    now = _now()
    person_id = ObjectId(actor.person_id)
    live = ShareCode.objects(
        person=person_id, withdrawn_at=None, expires_at__gt=now
    ).count()
    if live >= LIVE_MAX:
        raise Conflict("share_codes.too_many")

    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    share = ShareCode(
        person=person_id,
        account=ObjectId(actor.account_id),
        purpose=purpose,
        code_hash=_code_hash(code),
        hint=code[-3:],
        created_at=now,
        expires_at=now + VALID_FOR,
        scope_keys=[f"person:{actor.person_id}"],
    )
    share.save(force_insert=True)

    record(
        "share_code.create",
        actor=audit_actor(actor, "self"),
        resource_type="share_code",
        resource_id=str(share.id),
        subject_person=actor.person_id,
        details={"purpose": purpose, "self": True},
    )
    return share, grouped(code)


def own_codes(actor: Actor) -> list[ShareCode]:
    if not actor.person_id:
        return []
    found = ShareCode.objects(person=ObjectId(actor.person_id))
    return list(found.order_by("-created_at").limit(50))


def withdraw(actor: Actor, share_id: str) -> ShareCode:
    """The caller's own code, withdrawn (again is harmless); 404 for another's."""
    if not actor.person_id:
        raise NotFound()
    query = ShareCode.objects(
        id=object_id_or_404(share_id), person=ObjectId(actor.person_id)
    )
    share = query.first()
    if share is None:
        raise NotFound()

    if share.withdrawn_at is None:
        query.filter(withdrawn_at=None).update_one(set__withdrawn_at=_now())
        record(
            "share_code.withdraw",
            actor=audit_actor(actor, "self"),
            resource_type="share_code",
            resource_id=str(share.id),
            subject_person=actor.person_id,
            details={"self": True},
        )
        share.reload()
    return share


def redeem(code: str, purpose: str, actor: Actor, place_name: str) -> Person:
    """The person a live code of this purpose belongs to, with the use recorded
    on the code (``actor``'s display name or organization, ``place_name``, now)
    and in the audit trail. A 422 on ``share_code`` for an unknown, expired or
    withdrawn code (``share_codes.invalid``) or one made for another purpose
    (``share_codes.wrong_purpose``); 429 past 30 tries an hour per account."""
    ratelimit.hit(REDEEM_LIMIT, actor.account_id)
    compact = normalize(code)
    now = _now()
    share = None
    if compact is not None:
        share = ShareCode.objects(code_hash=_code_hash(compact)).first()
    if share is None or state_of(share, now) != "active":
        logger.info("share code refused", extra={"account_id": actor.account_id})
        raise field_error("share_code", "share_codes.invalid")
    if share.purpose != purpose:
        raise field_error("share_code", "share_codes.wrong_purpose")

    person = Person.objects(id=share.person).first()
    if person is None:
        raise field_error("share_code", "share_codes.invalid")

    use = ShareCodeUse(
        used_at=now,
        by_account=actor.account_id,
        by_name=actor.organization or actor.display_name,
        place_name=place_name,
    )
    ShareCode.objects(id=share.id).update_one(push__uses=use)
    record(
        "share_code.use",
        actor=audit_actor(actor, "people.create"),
        resource_type="share_code",
        resource_id=str(share.id),
        subject_person=str(person.id),
        details={"purpose": purpose},
    )
    return person

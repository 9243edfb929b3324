"""Access and refresh tokens.

Access tokens are short JWTs (HS256, the algorithm fixed here and never taken
from a token's header) with issuer, audience, expiry, not-before, issued-at, id
and type checked. Every request also reads the account, once: its token version
and the sessions recently revoked on it make logout, a password change,
disabling or a change of grants take effect on the very next request. Refresh
tokens are opaque, stored hashed, rotate on every use, and a reused one revokes
its whole family.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from bson import ObjectId
from bson.errors import InvalidId
from flask import current_app, g, request

from anju.accounts.authz import Actor, ActorGrant
from anju.accounts.models import MFA_ROLES, Account, LoginSession, RefreshToken
from anju.common.errors import Unauthenticated

logger = logging.getLogger(__name__)

ALGORITHM = "HS256"
ISSUER = "anju"
AUDIENCE = "anju-api"
LEEWAY_SECONDS = 5
MAX_ACCESS_TOKEN_MINUTES = 15
# A refresh that read its session just before a revocation may still make an
# access token a moment after it; revocations are kept this much longer for it.
REVOCATION_MARGIN = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    expires_in: int
    refresh_token: str
    session_id: str


def _secret() -> str:
    return current_app.config["ANJU"].token_secret


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_access_token(account: Account, session_id: str) -> tuple[str, int]:
    settings = current_app.config["ANJU"]
    now = datetime.now(UTC)
    # Never over 15 minutes, however configured: so long a revocation is kept.
    lifetime = min(settings.access_token_minutes, MAX_ACCESS_TOKEN_MINUTES) * 60
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(account.id),
        "sid": session_id,
        "typ": "access",
        "ver": account.token_version,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(seconds=lifetime),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, _secret(), algorithm=ALGORITHM), lifetime


def start_session(account: Account, user_agent: str = "") -> IssuedTokens:
    settings = current_app.config["ANJU"]
    now = datetime.now(UTC)
    session = LoginSession(
        account=account.id,
        created_at=now,
        expires_at=now + timedelta(days=settings.refresh_token_days),
        user_agent=user_agent[:200],
    ).save()
    return _issue(account, session)


def _issue(account: Account, session: LoginSession) -> IssuedTokens:
    refresh = f"{session.id}.{secrets.token_urlsafe(32)}"
    RefreshToken(
        token_hash=_hash(refresh),
        session=session.id,
        issued_at=datetime.now(UTC),
    ).save()

    access, lifetime = make_access_token(account, str(session.id))
    return IssuedTokens(access, lifetime, refresh, str(session.id))


def revoke_session(session_id: ObjectId | str, reason: str) -> None:
    """End a login session at once: refresh reads the session, but a request
    reads only the account, so the revocation is written on both.

    The session is written first: if the second write fails, refresh is still
    refused and the access tokens already out end within 15 minutes. The
    account is written even when the session was revoked before, so a retried
    logout after such a failure still lands."""
    now = datetime.now(UTC)
    session = LoginSession.objects(id=session_id).only("account").first()
    if session is None:
        return

    LoginSession.objects(id=session.id, revoked_at=None).update_one(
        set__revoked_at=now, set__revoked_reason=reason
    )
    _remember_revocation(session.account, session.id, now)


def _remember_revocation(
    account_id: ObjectId, session_id: ObjectId, now: datetime
) -> None:
    """Add the session to the account's ``revoked_sessions`` and drop, in the
    same write, the entries that have run out and any older one for it.

    An entry runs out when the last access token its session could have been
    given has expired (plus the decoder's leeway and the margin for a refresh
    in flight). After that no token naming the session can pass the expiry
    check, so forgetting it reopens nothing, and the list holds only what was
    revoked in the last quarter of an hour."""
    # The longest lifetime any setting allows, not the current one: a token
    # made before the setting was lowered lives as long as it was made to.
    lifetime = timedelta(minutes=MAX_ACCESS_TOKEN_MINUTES, seconds=LEEWAY_SECONDS)
    until = now + lifetime + REVOCATION_MARGIN
    kept = {
        "$filter": {
            "input": {"$ifNull": ["$revoked_sessions", []]},
            "as": "entry",
            "cond": {
                "$and": [
                    {"$gt": ["$$entry.until", now]},
                    {"$ne": ["$$entry.session", session_id]},
                ]
            },
        }
    }
    entry = {"session": session_id, "until": until}

    Account.objects(id=account_id).update_one(
        __raw__=[{"$set": {"revoked_sessions": {"$concatArrays": [kept, [entry]]}}}]
    )


def rotate(refresh_token: str) -> tuple[Account, IssuedTokens]:
    """Use a refresh token once; reusing an old one revokes the whole family."""
    now = datetime.now(UTC)
    stored = RefreshToken.objects(token_hash=_hash(refresh_token or "")).first()
    if stored is None:
        raise Unauthenticated("auth.session_over")

    claimed = RefreshToken.objects(id=stored.id, used_at=None).update_one(
        set__used_at=now
    )
    if not claimed:
        revoke_session(stored.session, "refresh token reused")
        logger.warning(
            "refresh token reused", extra={"session_id": str(stored.session)}
        )
        raise Unauthenticated("auth.session_over")

    session = LoginSession.objects(id=stored.session).first()
    if session is None or session.revoked_at or session.expires_at <= now:
        raise Unauthenticated("auth.session_over")

    account = Account.objects(id=session.account).first()
    if account is None or account.disabled:
        raise Unauthenticated("auth.session_over")
    return account, _issue(account, session)


def decode_access_token(token: str) -> dict:
    try:
        claims = jwt.decode(
            token,
            _secret(),
            algorithms=[ALGORITHM],
            audience=AUDIENCE,
            issuer=ISSUER,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "nbf", "iat", "iss", "aud", "sub", "jti"]},
        )
    except jwt.PyJWTError:
        raise Unauthenticated("auth.invalid_token") from None

    if claims.get("typ") != "access":
        raise Unauthenticated("auth.invalid_token")
    return claims


def actor_for(account: Account, session_id: str) -> Actor:
    grants = []
    for grant in account.grants:
        keys: tuple[str, ...] = ()
        if grant.scope_kind == "area" and grant.scope_id:
            keys = (f"area:{grant.scope_id}",)
        elif grant.scope_kind in ("venue", "property") and grant.scope_id:
            keys = (f"{grant.scope_kind}:{grant.scope_id}",)
        grants.append(
            ActorGrant(
                role=grant.role,
                scope_kind=grant.scope_kind,
                scope_id=str(grant.scope_id) if grant.scope_id else None,
                scope_name=grant.scope_name,
                keys=keys,
            )
        )

    return Actor(
        account_id=str(account.id),
        session_id=session_id,
        grants=tuple(grants),
        person_id=str(account.person) if account.person else None,
        display_name=account.display_name,
        organization=account.organization,
        mfa_pending=(
            any(grant.role in MFA_ROLES for grant in account.grants)
            and not account.totp_enabled
        ),
    )


def authenticate_request() -> Actor:
    """The caller of this request, from its bearer token, checked against the
    account as it is now: one read, on the path of every request."""
    if g.get("actor") is not None:
        return g.actor

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthenticated("auth.required")

    claims = decode_access_token(token.strip())
    try:
        account_id, session_id = ObjectId(claims["sub"]), ObjectId(claims["sid"])
    except (InvalidId, KeyError, TypeError):
        raise Unauthenticated("auth.invalid_token") from None

    account = Account.by_id(account_id)
    if account is None or account.disabled or account.token_version != claims["ver"]:
        raise Unauthenticated("auth.session_over")
    # Only our signature puts this sid beside this sub, and only for a session
    # of that account, so the session need not be read to check that it is
    # the account's: a revoked one is listed on the account itself.
    if _is_revoked(account, session_id):
        raise Unauthenticated("auth.session_over")

    g.actor = actor_for(account, str(session_id))
    g.account_id = str(account.id)
    g.account = account
    return g.actor


def _is_revoked(account: Account, session_id: ObjectId) -> bool:
    now = datetime.now(UTC)
    return any(
        entry.session == session_id and entry.until > now
        for entry in account.revoked_sessions
    )


def current_account() -> Account:
    """The caller's account as authentication read it for this request (one
    read per request; what the request itself changes is not reflected)."""
    account = g.get("account")
    if account is None:
        raise Unauthenticated("auth.required")
    return account

"""Logging in and out, one-time SMS codes, the TOTP second factor, lockout.

Staff log in with phone and password (argon2id) and, for officers and system
administrators, a TOTP code; residents log in with a one-time SMS code. Every
login, success or failure, is audited; repeated failures lock the account with
a growing back-off.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
import segno
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, request

from anju.accounts.models import MFA_ROLES, Account, Grant, SmsCode, SmsMessage
from anju.accounts.tokens import IssuedTokens, revoke_session, rotate, start_session
from anju.audit.service import AuditActor, record
from anju.common import ratelimit
from anju.common.crypto import keyring
from anju.common.errors import (
    Conflict,
    RateLimited,
    Unauthenticated,
    field_error,
)
from anju.common.phone import normalize_phone
from anju.people.models import Person

logger = logging.getLogger(__name__)

# argon2id with RFC 9106's second recommended option: 3 passes over 64 MiB with
# 2 lanes. scripts/bench measures a verify (0.4-0.6 s on this shared 2-core
# machine under load); 8 concurrent logins need 512 MiB.
HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=2)
# A hash made once to spend the same time on an unknown phone as on a known one.
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))

SMS_CODE_TTL = timedelta(minutes=5)
SMS_CODE_TRIES = 5
LOCK_AFTER = 5
LOCK_BASE_SECONDS = 60
LOCK_MAX_SECONDS = 3600

SMS_PER_PHONE_MINUTE = ratelimit.Limit("sms-phone-minute", 1, 60)
SMS_PER_PHONE_HOUR = ratelimit.Limit("sms-phone-hour", 5, 3600)
SMS_PER_IP_HOUR = ratelimit.Limit("sms-ip-hour", 30, 3600)
LOGIN_PER_IP_MINUTE = ratelimit.Limit("login-ip-minute", 30, 60)


class MfaRequired(Unauthenticated):
    """The password was right; the second factor is missing."""

    kind = "mfa-required"


@dataclass(frozen=True)
class LoginResult:
    tokens: IssuedTokens
    account: Account
    mfa_enrolment_required: bool


def phone_index(phone: str) -> str:
    return keyring().blind_index(phone, "phone")


def encrypt_phone(phone: str) -> str:
    return keyring().encrypt(phone, "phone")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def _audit(action: str, account: Account | None, outcome: str, **details) -> None:
    actor = None
    if account is not None:
        actor = AuditActor(
            str(account.id), ",".join(account.roles), account.organization
        )
    record(
        action,
        actor=actor,
        resource_type="account",
        resource_id=str(account.id) if account else None,
        outcome=outcome,
        details=details or None,
    )


def find_account(phone: str) -> Account | None:
    return Account.objects(phone_index=phone_index(phone)).first()


def create_account(
    phone: str,
    grants: list[Grant],
    password: str | None = None,
    display_name: str | None = None,
    organization: str | None = None,
) -> Account:
    phone = normalize_phone(phone)
    if find_account(phone) is not None:
        raise Conflict("account.exists")

    now = datetime.now(UTC)
    return Account(
        phone_index=phone_index(phone),
        phone_encrypted=encrypt_phone(phone),
        display_name=display_name,
        organization=organization,
        password_hash=hash_password(password) if password else None,
        grants=grants,
        created_at=now,
        updated_at=now,
    ).save()


# --- staff: phone and password, then TOTP where the role needs it


def _locked_for(account: Account) -> int:
    # The connection is tz-aware (anju.db.connect): stored times come back in UTC.
    if not account.locked_until:
        return 0
    remaining = account.locked_until - datetime.now(UTC)
    return max(0, int(remaining.total_seconds()))


def _fail(account: Account, reason: str) -> None:
    failures = account.failed_logins + 1
    update = {"set__failed_logins": failures}
    if failures >= LOCK_AFTER:
        seconds = min(
            LOCK_BASE_SECONDS * 2 ** (failures - LOCK_AFTER), LOCK_MAX_SECONDS
        )
        update["set__locked_until"] = datetime.now(UTC) + timedelta(seconds=seconds)
    Account.objects(id=account.id).update_one(**update)
    _audit("auth.login_failed", account, "failed", reason=reason)


def needs_mfa(account: Account) -> bool:
    return any(role in MFA_ROLES for role in account.roles)


def login_with_password(
    phone: str,
    password: str,
    totp_code: str | None = None,
    recovery_code: str | None = None,
) -> LoginResult:
    ratelimit.hit(LOGIN_PER_IP_MINUTE, ratelimit.client_address())
    account = find_account(phone)

    if account is None or not account.password_hash:
        # Spend the same time as a real check so phones cannot be probed.
        _verify_password(_DUMMY_HASH, password)
        _audit("auth.login_failed", None, "failed", reason="unknown account")
        raise Unauthenticated("auth.bad_credentials")

    locked = _locked_for(account)
    if locked:
        _audit("auth.login_failed", account, "failed", reason="locked")
        raise RateLimited(locked, "auth.locked")
    if not _verify_password(account.password_hash, password):
        _fail(account, "password")
        raise Unauthenticated("auth.bad_credentials")
    if account.disabled:
        _audit("auth.login_failed", account, "failed", reason="disabled")
        raise Unauthenticated("auth.disabled")

    enrolment_required = False
    if needs_mfa(account):
        if account.totp_enabled:
            _check_second_factor(account, totp_code, recovery_code)
        else:
            enrolment_required = True

    if HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    Account.objects(id=account.id).update_one(
        set__failed_logins=0,
        unset__locked_until=True,
        set__password_hash=account.password_hash,
    )
    tokens = start_session(account, request.user_agent.string)
    _audit("auth.login", account, "ok", method="password")
    return LoginResult(tokens, account, enrolment_required)


def _verify_password(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _check_second_factor(
    account: Account, totp_code: str | None, recovery_code: str | None
) -> None:
    if recovery_code:
        digest = _recovery_hash(account, recovery_code)
        used = Account.objects(id=account.id, recovery_code_hashes=digest).update_one(
            pull__recovery_code_hashes=digest
        )
        if not used:
            _fail(account, "recovery code")
            raise Unauthenticated("auth.bad_second_factor")
        return

    if not totp_code:
        raise MfaRequired("auth.mfa_required")
    step = _totp_step(account, totp_code)
    if step is None:
        _fail(account, "totp")
        raise Unauthenticated("auth.bad_second_factor")
    # A code is good once: refuse a replay of the same or an older step.
    claimed = Account.objects(id=account.id, totp_last_step__lt=step).update_one(
        set__totp_last_step=step
    )
    if not claimed:
        _fail(account, "totp replay")
        raise Unauthenticated("auth.bad_second_factor")


def _totp_step(account: Account, code: str) -> int | None:
    secret = keyring().decrypt(account.totp_secret_encrypted, "totp")
    totp = pyotp.TOTP(secret)
    now = datetime.now(UTC)
    for offset in (0, -1, 1):
        moment = now + timedelta(seconds=30 * offset)
        if hmac.compare_digest(totp.at(moment), code.strip()):
            return totp.timecode(moment)
    return None


def _recovery_hash(account: Account, code: str) -> str:
    normalized = code.strip().replace("-", "").lower()
    return hashlib.sha256(f"{account.id}:{normalized}".encode()).hexdigest()


def begin_totp_enrolment(account: Account) -> dict[str, str]:
    if account.totp_enabled:
        raise Conflict("auth.totp_already_enabled")

    secret = pyotp.random_base32()
    Account.objects(id=account.id).update_one(
        set__totp_secret_encrypted=keyring().encrypt(secret, "totp")
    )
    label = account.display_name or "staff"
    uri = pyotp.TOTP(secret).provisioning_uri(name=label, issuer_name="Anju 安居")
    svg = io.BytesIO()
    segno.make(uri, error="m").save(svg, kind="svg", scale=4, border=2)
    return {"secret": secret, "otpauth_uri": uri, "qr_svg": svg.getvalue().decode()}


def confirm_totp_enrolment(account: Account, code: str) -> list[str]:
    if account.totp_enabled:
        raise Conflict("auth.totp_already_enabled")
    if not account.totp_secret_encrypted:
        raise Conflict("auth.totp_not_started")

    step = _totp_step(account, code)
    if step is None:
        raise field_error("code", "auth.bad_second_factor")

    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(10)]
    Account.objects(id=account.id).update_one(
        set__totp_enabled=True,
        set__totp_last_step=step,
        set__recovery_code_hashes=[_recovery_hash(account, c) for c in codes],
    )
    _audit("auth.totp_enabled", account, "ok")
    return codes


# --- residents: phone and a one-time SMS code


def send_sms_code(phone: str, purpose: str = "login") -> int:
    index = phone_index(phone)
    ratelimit.hit(SMS_PER_PHONE_MINUTE, index)
    ratelimit.hit(SMS_PER_PHONE_HOUR, index)
    ratelimit.hit(SMS_PER_IP_HOUR, ratelimit.client_address())

    code = f"{secrets.randbelow(10**6):06d}"
    now = datetime.now(UTC)
    SmsCode.objects(phone_index=index, purpose=purpose, used_at=None).update(
        set__used_at=now
    )
    SmsCode(
        phone_index=index,
        purpose=purpose,
        code_hash=_code_hash(index, code),
        created_at=now,
        expires_at=now + SMS_CODE_TTL,
    ).save()
    _deliver_sms(
        index, f"【安居】您的验证码是 {code}，5 分钟内有效。请勿告诉他人。", code
    )
    return int(SMS_CODE_TTL.total_seconds())


def _code_hash(index: str, code: str) -> str:
    secret = current_app.config["ANJU"].token_secret.encode()
    return hmac.new(secret, f"{index}:{code}".encode(), hashlib.sha256).hexdigest()


def _deliver_sms(index: str, text: str, code: str) -> None:
    """The provider adapter: in dev and test, a local outbox tests can read."""
    settings = current_app.config["ANJU"]
    SmsMessage(phone_index=index, text=text, created_at=datetime.now(UTC)).save()
    if settings.env == "dev":
        # Dev only, so a person trying Anju locally can log in. The redaction
        # filter would hide a phone, and the code is not one.
        logger.info("dev sms code %s", code, extra={"sms_dev_only": True})


def check_sms_code(phone: str, code: str, purpose: str = "login") -> None:
    index = phone_index(phone)
    now = datetime.now(UTC)
    current = (
        SmsCode.objects(phone_index=index, purpose=purpose, used_at=None)
        .order_by("-created_at")
        .first()
    )
    if current is None or current.expires_at <= now:
        raise field_error("code", "auth.sms_code_expired")

    attempts = SmsCode.objects(id=current.id, attempts__lt=SMS_CODE_TRIES).update_one(
        inc__attempts=1
    )
    if not attempts:
        raise field_error("code", "auth.sms_code_exhausted")
    if not hmac.compare_digest(current.code_hash, _code_hash(index, code.strip())):
        raise field_error("code", "auth.sms_code_wrong")

    SmsCode.objects(id=current.id).update_one(set__used_at=now)


def login_with_sms(phone: str, code: str) -> LoginResult:
    check_sms_code(phone, code)
    account = find_account(phone)

    if account is None:
        account = create_account(phone, [Grant(role="resident")])
    elif "resident" not in account.roles:
        # A staff member logging in by SMS acts as a resident only.
        account.grants.append(Grant(role="resident"))
        Account.objects(id=account.id).update_one(push__grants=Grant(role="resident"))
    if account.disabled:
        raise Unauthenticated("auth.disabled")

    _link_person(account, phone)
    tokens = start_session(account, request.user_agent.string)
    _audit("auth.login", account, "ok", method="sms")
    return LoginResult(tokens, account, False)


def _link_person(account: Account, phone: str) -> None:
    """A resident's account reaches the person record with the same phone."""
    if account.person:
        return
    person = Person.objects(phone_index=phone_index(phone)).only("id").first()
    if person is not None:
        Account.objects(id=account.id).update_one(set__person=person.id)
        account.person = person.id


# --- sessions


def refresh(refresh_token: str) -> IssuedTokens:
    _, tokens = rotate(refresh_token)
    return tokens


def logout(session_id: str) -> None:
    revoke_session(session_id, "logout")


def change_password(account: Account, current: str, new: str) -> None:
    if not account.password_hash or not _verify_password(
        account.password_hash, current
    ):
        raise field_error("current_password", "auth.bad_credentials")
    if len(new) < 10:
        raise field_error("new_password", "auth.password_too_short")

    Account.objects(id=account.id).update_one(
        set__password_hash=hash_password(new),
        inc__token_version=1,
        set__updated_at=datetime.now(UTC),
    )
    _audit("auth.password_changed", account, "ok")

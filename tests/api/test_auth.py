"""Logging in and out, tokens, lockout, limits and the second factor."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
import pyotp
import pytest

from anju.accounts.models import Account
from tests.factories import (
    PASSWORD,
    login,
    login_resident,
    make_staff,
    next_phone,
    sms_code,
)


def _claims(headers):
    token = headers["Authorization"].split()[1]
    return jwt.decode(token, options={"verify_signature": False})


def test_staff_login_and_me(client, app, district):
    admin = make_staff(app, "area_admin", district.zone)

    headers = login(client, admin)
    me = client.get("/api/v1/me", headers=headers).get_json()

    assert me["roles"] == ["area_admin"]
    assert me["grants"][0]["scope_name"] == "城中村片区"
    assert me["phone_masked"] == admin.phone[:3] + "****" + admin.phone[-4:]
    claims = _claims(headers)
    assert claims["exp"] - claims["iat"] <= 15 * 60
    assert claims["typ"] == "access" and claims["aud"] == "anju-api"


def test_wrong_password_is_401_without_saying_which_part(client, app, district):
    admin = make_staff(app, "area_admin", district.zone)

    wrong = client.post(
        "/api/v1/auth/tokens/password",
        json={"phone": admin.phone, "password": "not it at all"},
    )
    unknown = client.post(
        "/api/v1/auth/tokens/password",
        json={"phone": next_phone(), "password": "not it at all"},
    )

    assert wrong.status_code == unknown.status_code == 401
    assert wrong.get_json()["detail"] == unknown.get_json()["detail"]


def test_repeated_failures_lock_with_back_off(client, app, district):
    admin = make_staff(app, "area_admin", district.zone)
    body = {"phone": admin.phone, "password": "wrong password"}

    for _ in range(5):
        client.post("/api/v1/auth/tokens/password", json=body)
    locked = client.post(
        "/api/v1/auth/tokens/password",
        json={"phone": admin.phone, "password": PASSWORD},
    )

    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 60


def test_officer_needs_the_second_factor(client, app, district):
    officer = make_staff(app, "officer", district.zone)
    body = {"phone": officer.phone, "password": officer.password}

    missing = client.post("/api/v1/auth/tokens/password", json=body)
    wrong = client.post(
        "/api/v1/auth/tokens/password", json={**body, "totp_code": "000000"}
    )
    right = client.post(
        "/api/v1/auth/tokens/password", json={**body, "totp_code": officer.totp()}
    )
    replayed = client.post(
        "/api/v1/auth/tokens/password", json={**body, "totp_code": officer.totp()}
    )

    assert missing.status_code == 401
    assert missing.get_json()["type"].endswith("/mfa-required")
    assert wrong.status_code == 401
    assert right.status_code == 200
    assert replayed.status_code == 401


def test_totp_enrolment_then_recovery_code(client, app, district):
    officer = make_staff(app, "officer", district.zone, mfa=False)
    body = {"phone": officer.phone, "password": officer.password}

    first = client.post("/api/v1/auth/tokens/password", json=body).get_json()
    headers = {"Authorization": f"Bearer {first['access_token']}"}
    before = client.get("/api/v1/people", headers=headers)
    started = client.post("/api/v1/me/totp", headers=headers).get_json()
    code = pyotp.TOTP(started["secret"]).now()
    confirmed = client.post(
        "/api/v1/me/totp/confirm", json={"code": code}, headers=headers
    ).get_json()
    recovery = client.post(
        "/api/v1/auth/tokens/password",
        json={**body, "recovery_code": confirmed["recovery_codes"][0]},
    )
    reused = client.post(
        "/api/v1/auth/tokens/password",
        json={**body, "recovery_code": confirmed["recovery_codes"][0]},
    )

    assert first["mfa_enrolment_required"] is True
    assert before.status_code == 403
    assert started["qr_svg"].startswith("<?xml") or "<svg" in started["qr_svg"]
    assert len(confirmed["recovery_codes"]) == 10
    assert recovery.status_code == 200
    assert reused.status_code == 401


def test_resident_sms_login(client, app):
    phone = next_phone()

    headers = login_resident(client, app, phone)
    me = client.get("/api/v1/me", headers=headers).get_json()

    assert me["roles"] == ["resident"]


def test_sms_code_wrong_five_times_is_used_up(client, app):
    phone = next_phone()
    client.post("/api/v1/auth/sms-codes", json={"phone": phone})
    code = sms_code(app, phone)
    wrong = "000000" if code != "000000" else "111111"

    answers = [
        client.post("/api/v1/auth/tokens/sms", json={"phone": phone, "code": wrong})
        for _ in range(5)
    ]
    last = client.post("/api/v1/auth/tokens/sms", json={"phone": phone, "code": code})

    assert all(a.status_code == 422 for a in answers)
    assert answers[0].get_json()["errors"]["code"][0]["code"] == "auth.sms_code_wrong"
    assert last.status_code == 422
    assert last.get_json()["errors"]["code"][0]["code"] == "auth.sms_code_exhausted"


def test_sms_code_expires(client, app):
    from anju.accounts.models import SmsCode

    phone = next_phone()
    client.post("/api/v1/auth/sms-codes", json={"phone": phone})
    SmsCode.objects.update(set__expires_at=datetime.now(UTC) - timedelta(seconds=1))

    answer = client.post(
        "/api/v1/auth/tokens/sms", json={"phone": phone, "code": sms_code(app, phone)}
    )

    assert answer.status_code == 422
    assert answer.get_json()["errors"]["code"][0]["code"] == "auth.sms_code_expired"


def test_sms_requests_are_limited_per_phone(client):
    phone = next_phone()

    first = client.post("/api/v1/auth/sms-codes", json={"phone": phone})
    second = client.post("/api/v1/auth/sms-codes", json={"phone": phone})

    assert first.status_code == 202
    assert second.status_code == 429
    assert 0 < int(second.headers["Retry-After"]) <= 60
    assert second.mimetype == "application/problem+json"


def test_bad_phone_is_named(client):
    answer = client.post("/api/v1/auth/sms-codes", json={"phone": "12345"})

    assert answer.status_code == 422
    assert answer.get_json()["errors"]["phone"][0]["code"].startswith("phone.")


def test_refresh_rotates_and_reuse_kills_the_family(client, app, district):
    admin = make_staff(app, "area_admin", district.zone)
    headers = login(client, admin)
    old_refresh = client.get_cookie("anju_refresh", path="/api/v1/auth").value

    rotated = client.post("/api/v1/auth/refresh")
    client.set_cookie("anju_refresh", old_refresh, path="/api/v1/auth")
    reuse = client.post("/api/v1/auth/refresh")
    new_token = {"Authorization": f"Bearer {rotated.get_json()['access_token']}"}

    assert rotated.status_code == 200
    assert reuse.status_code == 401
    assert client.get("/api/v1/me", headers=new_token).status_code == 401
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_logout_takes_effect_on_the_next_request(client, app, district):
    admin = make_staff(app, "area_admin", district.zone)
    headers = login(client, admin)

    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.post("/api/v1/auth/refresh").status_code == 401


def test_password_change_disabling_and_new_grants_end_sessions(client, app, district):
    admin = make_staff(app, "area_admin", district.zone)
    sysadmin = make_staff(app, "sysadmin")
    admin_headers = login(client, admin)
    sys_headers = login(client, sysadmin)

    changed = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "another long password"},
        headers=admin_headers,
    )
    after_change = client.get("/api/v1/me", headers=admin_headers)
    admin.password = "another long password"
    fresh = login(client, admin)
    regranted = client.patch(
        f"/api/v1/accounts/{admin.account.id}",
        json={
            "grants": [
                {
                    "role": "area_admin",
                    "scope_kind": "area",
                    "scope_id": str(district.other_zone.id),
                }
            ]
        },
        headers=sys_headers,
    )
    after_grant = client.get("/api/v1/me", headers=fresh)

    assert changed.status_code == 204
    assert after_change.status_code == 401
    assert regranted.status_code == 200
    assert after_grant.status_code == 401
    assert login(client, admin)


def _forge(claims, key="x" * 40, algorithm="HS256", headers=None):
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


@pytest.mark.parametrize(
    "mutate",
    [
        "alg_none",
        "wrong_key",
        "tampered",
        "expired",
        "wrong_audience",
        "refresh_type",
        "not_yet_valid",
    ],
)
def test_forged_and_misused_tokens_are_401(client, app, district, settings, mutate):
    admin = make_staff(app, "area_admin", district.zone)
    good = _claims(login(client, admin))
    secret = settings.token_secret
    now = datetime.now(UTC)

    token = {
        "alg_none": lambda: _forge(good, key=None, algorithm="none"),
        "wrong_key": lambda: _forge(good),
        "tampered": lambda: _tamper(_forge(good, key=secret)),
        "expired": lambda: _forge(
            {**good, "exp": int(time.time()) - 60, "iat": int(time.time()) - 960},
            key=secret,
        ),
        "wrong_audience": lambda: _forge({**good, "aud": "elsewhere"}, key=secret),
        "refresh_type": lambda: _forge({**good, "typ": "refresh"}, key=secret),
        "not_yet_valid": lambda: _forge(
            {**good, "nbf": int((now + timedelta(minutes=5)).timestamp())}, key=secret
        ),
    }[mutate]()

    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 401
    assert answer.mimetype == "application/problem+json"


def _tamper(token: str) -> str:
    import base64
    import json

    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "0" * 24
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    return f"{header}.{forged.decode()}.{signature}"


def test_hs384_with_the_right_secret_is_refused(client, app, district, settings):
    admin = make_staff(app, "area_admin", district.zone)
    good = _claims(login(client, admin))

    token = _forge(good, key=settings.token_secret, algorithm="HS384")
    answer = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 401


def test_disabled_account_cannot_log_in(client, app, district):
    admin = make_staff(app, "area_admin", district.zone)
    with app.app_context():
        Account.objects(id=admin.account.id).update_one(set__disabled=True)

    answer = client.post(
        "/api/v1/auth/tokens/password",
        json={"phone": admin.phone, "password": PASSWORD},
    )

    assert answer.status_code == 401

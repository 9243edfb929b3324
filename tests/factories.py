"""Factories for the documents tests need, made through the services."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

import pyotp
from flask import Flask
from flask.testing import FlaskClient

from anju.accounts.models import Account, Grant
from anju.accounts.service import create_account
from anju.areas.models import Area
from anju.areas.service import create_area
from anju.common.crypto import keyring
from anju.common.idnumber import make_id_number
from anju.db import Document
from anju.identity.population import synthetic_population
from anju.seed import POPULATION_SEED

PASSWORD = "correct horse battery"
# People the ID authority simulator knows (tests/conftest.py starts it with the
# same seed and size), so their checks match.
CITIZENS = synthetic_population(POPULATION_SEED, 500)
_phones = itertools.count(13800000001)
_sequence = itertools.count(101)


def next_phone() -> str:
    return str(next(_phones))


def next_id_number(region: str = "110105", born: date = date(1990, 5, 17)) -> str:
    return make_id_number(region, born, next(_sequence))


@dataclass
class District:
    district: Area
    zone: Area
    village: Area
    other_zone: Area
    other_village: Area


def make_district(app: Flask) -> District:
    with app.app_context():
        district = create_area(None, {"name": "安居区", "kind": "district"})
        zone = create_area(
            None,
            {
                "name": "城中村片区",
                "kind": "zone",
                "zone_kind": "open_village",
                "parent_id": str(district.id),
            },
        )
        village = create_area(
            None, {"name": "东村", "kind": "village", "parent_id": str(zone.id)}
        )
        other_zone = create_area(
            None,
            {
                "name": "商贸城",
                "kind": "zone",
                "zone_kind": "market",
                "parent_id": str(district.id),
            },
        )
        other_village = create_area(
            None,
            {"name": "一区", "kind": "market_section", "parent_id": str(other_zone.id)},
        )
    return District(district, zone, village, other_zone, other_village)


@dataclass
class Staff:
    account: Account
    phone: str
    password: str
    totp_secret: str | None = None
    # A TOTP code is good once: a second login within its 30 s step is refused,
    # so tests reuse the first login's headers.
    headers: dict[str, str] | None = None

    def totp(self) -> str:
        return pyotp.TOTP(self.totp_secret).now()


def make_staff(
    app: Flask,
    role: str,
    scope: Area | Document | None = None,
    scope_kind: str = "area",
    mfa: bool = True,
) -> Staff:
    phone = next_phone()
    grant = Grant(role=role)
    if scope is not None:
        grant = Grant(
            role=role, scope_kind=scope_kind, scope_id=scope.id, scope_name=scope.name
        )

    with app.app_context():
        account = create_account(
            phone, [grant], password=PASSWORD, display_name=f"{role} 测试"
        )
        secret = None
        if mfa and role in ("officer", "sysadmin"):
            secret = pyotp.random_base32()
            account.update(
                set__totp_secret_encrypted=keyring().encrypt(secret, "totp"),
                set__totp_enabled=True,
            )
    return Staff(account, phone, PASSWORD, secret)


def login(client: FlaskClient, staff: Staff) -> dict[str, str]:
    if staff.headers and staff.totp_secret:
        return staff.headers
    body = {"phone": staff.phone, "password": staff.password}
    if staff.totp_secret:
        body["totp_code"] = staff.totp()
    answer = client.post("/api/v1/auth/tokens/password", json=body)
    assert answer.status_code == 200, answer.get_json()
    staff.headers = {"Authorization": f"Bearer {answer.get_json()['access_token']}"}
    return staff.headers


def sms_code(app: Flask, phone: str) -> str:
    """The last code the outbox SMS provider 'sent' to a phone."""
    from anju.accounts.models import SmsMessage

    with app.app_context():
        index = keyring().blind_index(phone, "phone")
        message = SmsMessage.objects(phone_index=index).order_by("-created_at").first()
    return "".join(ch for ch in message.text if ch.isdigit())[:6]


def login_resident(client: FlaskClient, app: Flask, phone: str) -> dict[str, str]:
    assert (
        client.post("/api/v1/auth/sms-codes", json={"phone": phone}).status_code == 202
    )
    answer = client.post(
        "/api/v1/auth/tokens/sms", json={"phone": phone, "code": sms_code(app, phone)}
    )
    assert answer.status_code == 200, answer.get_json()
    return {"Authorization": f"Bearer {answer.get_json()['access_token']}"}

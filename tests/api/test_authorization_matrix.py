"""Every operation of the API document, called anonymously and as each role:
each answer must be the one the route's declared permission implies.

Records inside and outside scope are covered per domain (test_people.py); here
the path ids name records that do not exist, so a permitted caller gets 404 or
a validation answer, never 401, 403 or 500."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from bson import ObjectId

from anju.accounts.authz import ROLE_PERMISSIONS
from anju.venues.models import Venue
from tests.factories import login, login_resident, make_district, make_staff, next_phone

ROLES = ("anonymous", "resident", "operator", "area_admin", "officer", "sysadmin")


def _operations(app) -> list[tuple[str, str, object]]:
    """(method, path, declared permission) for every documented operation."""
    document = app.test_client().get("/api/openapi.json").get_json()
    adapter = app.url_map.bind("localhost")
    found = []

    for path, item in document["paths"].items():
        concrete = re.sub(r"\{[^}]+\}", str(ObjectId()), path)
        for method in item:
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            endpoint, _ = adapter.match(concrete, method=method.upper())
            view = app.view_functions[endpoint]
            handler = getattr(view.view_class, method)
            assert hasattr(handler, "_permission"), (
                f"{method.upper()} {path} declares no permission (requires/public)"
            )
            found.append((method.upper(), concrete, handler._permission))
    return found


@pytest.fixture
def callers(app, client):
    district = make_district(app)
    stall = Venue(
        name="一号铺",
        kind="stall_shop",
        area=district.village.id,
        created_at=datetime.now(UTC),
    ).save()
    operator = make_staff(app, "operator", stall, scope_kind="venue")
    return {
        "anonymous": {},
        "resident": login_resident(client, app, next_phone()),
        "operator": login(client, operator),
        "area_admin": login(client, make_staff(app, "area_admin", district.zone)),
        "officer": login(client, make_staff(app, "officer", district.zone)),
        "sysadmin": login(client, make_staff(app, "sysadmin")),
    }


def _expected(role: str, permission: str | None) -> str:
    if permission is None:
        return "public"
    if role == "anonymous":
        return "401"
    return "allowed" if permission in ROLE_PERMISSIONS[role] else "403"


def test_every_operation_answers_as_its_permission_says(app, client, callers):
    operations = _operations(app)
    assert len(operations) >= 15
    failures = []

    for method, path, permission in operations:
        if path.endswith("/auth/logout"):
            continue  # ends the session the next checks use; see test_auth.py
        for role in ROLES:
            answer = client.open(path, method=method, json={}, headers=callers[role])
            expected = _expected(role, permission)
            status = answer.status_code
            ok = {
                "401": status == 401,
                "403": status == 403,
                "allowed": status not in (401, 403) and status < 500,
                "public": status not in (401, 403) and status < 500,
            }[expected]
            # Answers are JSON, or a file to download (codes, posters,
            # templates, reports).
            download = answer.headers.get("Content-Disposition", "").startswith(
                "attachment"
            )
            if not ok or not (
                download
                or answer.mimetype in ("application/json", "application/problem+json")
            ):
                failures.append(
                    f"{role:<10} {method} {path}: {status}, want {expected}"
                )

    assert not failures, "\n".join(failures)


def test_refused_authorization_is_audited(client, callers):
    from anju.audit.models import AuditEntry

    client.get("/api/v1/accounts", headers=callers["officer"])

    denied = AuditEntry.objects(action="authz.denied").first()
    assert denied is not None
    assert denied.outcome == "denied"
    assert denied.resource_id == "accounts.manage"

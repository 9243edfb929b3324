"""Revoked sessions are listed on their account, so a request reads only the
account: logout and refresh-token reuse still act on the very next request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from bson import ObjectId
from mongoengine.context_managers import query_counter

from anju.accounts.models import Account, LoginSession
from anju.accounts.tokens import authenticate_request
from tests.factories import login, make_staff


def _session_id(headers: dict[str, str]) -> ObjectId:
    token = headers["Authorization"].split()[1]
    return ObjectId(jwt.decode(token, options={"verify_signature": False})["sid"])


def _revoked(app, account_id) -> list[ObjectId]:
    with app.app_context():
        account = Account.objects(id=account_id).get()
    return [entry.session for entry in account.revoked_sessions]


def test_a_request_reads_the_account_and_nothing_else(client, app, district):
    admin = make_staff(app, "area_admin", district.zone)
    headers = login(client, admin)

    with app.test_request_context(headers=headers), query_counter() as reads:
        actor = authenticate_request()

        assert reads == 1
    assert actor.account_id == str(admin.account.id)


def test_logout_is_kept_on_the_account_not_read_from_the_session(client, app, district):
    admin = make_staff(app, "area_admin", district.zone)
    headers = login(client, admin)
    session_id = _session_id(headers)

    assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
    # Even with the session's own mark undone, the account's list refuses it.
    with app.app_context():
        LoginSession.objects(id=session_id).update_one(unset__revoked_at=True)
    answer = client.get("/api/v1/me", headers=headers)

    assert answer.status_code == 401
    assert answer.get_json()["code"] == "auth.session_over"
    assert _revoked(app, admin.account.id) == [session_id]


def test_a_session_gone_from_the_database_still_authenticates(client, app, district):
    admin = make_staff(app, "area_admin", district.zone)
    kept = login(client, admin)
    admin.headers = None
    ended = login(client, admin)

    with app.app_context():
        LoginSession.objects(id=_session_id(kept)).delete()
    client.post("/api/v1/auth/logout", headers=ended)

    assert client.get("/api/v1/me", headers=kept).status_code == 200
    assert client.get("/api/v1/me", headers=ended).status_code == 401


def test_run_out_revocations_are_dropped_by_the_next_one(client, app, district):
    admin = make_staff(app, "area_admin", district.zone)
    sessions = []
    for _ in range(3):
        admin.headers = None
        sessions.append(login(client, admin))
    first, second, third = (_session_id(headers) for headers in sessions)

    client.post("/api/v1/auth/logout", headers=sessions[0])
    client.post("/api/v1/auth/logout", headers=sessions[1])
    with app.app_context():
        Account.objects(
            id=admin.account.id, revoked_sessions__session=first
        ).update_one(
            set__revoked_sessions__S__until=datetime.now(UTC) - timedelta(seconds=1)
        )
    client.post("/api/v1/auth/logout", headers=sessions[2])

    assert _revoked(app, admin.account.id) == [second, third]
    with app.app_context():
        until = Account.objects(id=admin.account.id).get().revoked_sessions[-1].until
    assert timedelta(minutes=15) < until - datetime.now(UTC) < timedelta(minutes=17)


def test_refresh_token_reuse_revokes_the_session_on_the_account(client, app, district):
    admin = make_staff(app, "area_admin", district.zone)
    headers = login(client, admin)
    old_refresh = client.get_cookie("anju_refresh", path="/api/v1/auth").value

    rotated = client.post("/api/v1/auth/refresh")
    new_refresh = client.get_cookie("anju_refresh", path="/api/v1/auth").value
    client.set_cookie("anju_refresh", old_refresh, path="/api/v1/auth")
    reuse = client.post("/api/v1/auth/refresh")
    new_headers = {"Authorization": f"Bearer {rotated.get_json()['access_token']}"}
    client.set_cookie("anju_refresh", new_refresh, path="/api/v1/auth")

    assert reuse.status_code == 401
    assert _revoked(app, admin.account.id) == [_session_id(headers)]
    assert client.get("/api/v1/me", headers=new_headers).status_code == 401
    assert client.post("/api/v1/auth/refresh").status_code == 401

"""Venue codes: the public lookup, forged, altered, other-kind and replaced
codes, re-issuing, and the PNG, SVG and PDF downloads."""

from __future__ import annotations

import pytest
from bson import ObjectId

import qr.tokens as tokens
from anju.audit.models import AuditEntry
from anju.common import ratelimit
from anju.venues.models import Venue
from tests.factories import login, make_staff

API = "/api/v1"


@pytest.fixture
def admin(app, district):
    return make_staff(app, "area_admin", district.zone)


@pytest.fixture
def venue(client, admin, district):
    answer = client.post(
        f"{API}/venues",
        json={
            "name": "东村快餐",
            "kind": "catering_entertainment",
            "area_id": str(district.village.id),
            "address": "东村3号",
        },
        headers=login(client, admin),
    )
    assert answer.status_code == 201
    return answer.get_json()


def _token(settings, venue_id, version=1, kind="venue"):
    return tokens.sign(kind, venue_id, version, settings.code_signing_key)


def test_current_code_names_the_venue(client, settings, venue):
    answer = client.get(f"{API}/venue-codes/{_token(settings, venue['id'])}")

    assert answer.status_code == 200, answer.get_json()
    found = answer.get_json()
    assert found["venue"] == {
        "id": venue["id"],
        "name": "东村快餐",
        "kind": "catering_entertainment",
        "area_name": "东村",
        "address": "东村3号",
    }
    assert found["code_number"] == venue["code_number"]


def _altered(token: str) -> str:
    middle = len(token) // 2
    swapped = "A" if token[middle] != "A" else "B"
    return token[:middle] + swapped + token[middle + 1 :]


@pytest.mark.parametrize(
    "make",
    [
        lambda s, v: tokens.sign("venue", v, 1, "not-the-server-key"),  # forged
        lambda s, v: _altered(_token(s, v)),  # altered
        lambda s, v: _token(s, v, kind="room"),  # another kind
        lambda s, v: _token(s, str(ObjectId())),  # no such venue
        lambda s, v: "short",
        lambda s, v: "!" * 36,
    ],
    ids=["forged", "altered", "room", "unknown", "short", "garbage"],
)
def test_bad_codes_are_invalid(client, settings, venue, make):
    token = make(settings, venue["id"])

    answer = client.get(f"{API}/venue-codes/{token}", headers={"Accept-Language": "en"})

    assert answer.status_code == 404
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.get_json()["code"] == "codes.invalid"
    assert "not valid" in answer.get_json()["detail"]


def test_reissued_code_replaces_the_old_one(app, client, settings, admin, venue):
    old = _token(settings, venue["id"])

    answer = client.post(
        f"{API}/venues/{venue['id']}/code", headers=login(client, admin)
    )

    assert answer.status_code == 200
    assert answer.get_json()["code_version"] == 2
    assert answer.get_json()["code_number"].endswith("-2")
    replaced = client.get(f"{API}/venue-codes/{old}")
    assert replaced.status_code == 410
    problem = replaced.get_json()
    assert problem["code"] == "codes.replaced"
    assert problem["contact"] == "东村"  # no operator: the area's office
    assert "东村" in problem["detail"]
    new = client.get(f"{API}/venue-codes/{_token(settings, venue['id'], 2)}")
    assert new.status_code == 200
    future = client.get(f"{API}/venue-codes/{_token(settings, venue['id'], 3)}")
    assert future.status_code == 404
    with app.app_context():
        assert Venue.objects(id=venue["id"]).first().code_version == 2
        assert AuditEntry.objects(action="venue.code_reissue").count() == 1


def test_replaced_code_names_the_operator(client, settings, app, district):
    operator = make_staff(app, "operator")
    headers = login(client, operator)
    venue = client.post(
        f"{API}/venues",
        json={
            "name": "小作坊",
            "kind": "workshop",
            "area_id": str(district.village.id),
        },
        headers=headers,
    ).get_json()
    old = _token(settings, venue["id"])
    client.post(f"{API}/venues/{venue['id']}/code", headers=headers)

    answer = client.get(f"{API}/venue-codes/{old}", headers={"Accept-Language": "en"})

    assert answer.status_code == 410
    assert answer.get_json()["contact"] == "operator 测试"
    assert "operator 测试" in answer.get_json()["detail"]


def test_unapproved_or_closed_venue_is_not_active(client, settings, app, district):
    operator = make_staff(app, "operator")
    headers = login(client, operator)
    venue = client.post(
        f"{API}/venues",
        json={"name": "新店", "kind": "other", "area_id": str(district.village.id)},
        headers=headers,
    ).get_json()

    answer = client.get(f"{API}/venue-codes/{_token(settings, venue['id'])}")

    assert answer.status_code == 409
    assert answer.get_json()["detail"] == "该场所尚未启用或已关闭，暂不能登记"


def test_downloads(client, admin, venue):
    headers = login(client, admin)
    base = f"{API}/venues/{venue['id']}"

    png = client.get(f"{base}/code.png", headers=headers)
    svg = client.get(f"{base}/code.svg", headers=headers)
    pdf = client.get(f"{base}/poster.pdf?size=A4", headers=headers)

    assert png.status_code == 200 and png.data.startswith(b"\x89PNG")
    assert "attachment" in png.headers["Content-Disposition"]
    assert svg.status_code == 200 and b"<svg" in svg.data
    assert svg.mimetype == "image/svg+xml"
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.data.count(b"/Type /Page\n") == 1
    bad_size = client.get(f"{base}/poster.pdf?size=A3", headers=headers)
    assert bad_size.status_code == 422 and "size" in bad_size.get_json()["errors"]


def test_resident_cannot_download(client, app, venue):
    from tests.factories import login_resident, next_phone

    headers = login_resident(client, app, next_phone())

    answer = client.get(f"{API}/venues/{venue['id']}/code.png", headers=headers)

    assert answer.status_code == 403


def test_posters_for_an_area(client, admin, district):
    headers = login(client, admin)
    client.post(
        f"{API}/venues/bulk",
        json={
            "area_id": str(district.village.id),
            "kind": "stall_shop",
            "prefix": "B-",
            "first": 1,
            "last": 12,
        },
        headers=headers,
    )

    answer = client.get(
        f"{API}/venues/posters.pdf?area_id={district.village.id}", headers=headers
    )

    assert answer.status_code == 200
    assert answer.mimetype == "application/pdf"
    assert answer.data.count(b"/Type /Page\n") == 12
    empty = client.get(
        f"{API}/venues/posters.pdf?area_id={district.other_village.id}",
        headers=headers,
    )
    assert empty.status_code == 422 and "area_id" in empty.get_json()["errors"]


def test_cli_prints_an_areas_posters_and_one_venue(
    app, client, admin, district, venue, settings, tmp_path, monkeypatch, capsys
):
    import qr.__main__ as cli

    client.post(
        f"{API}/venues/bulk",
        json={
            "area_id": str(district.village.id),
            "kind": "stall_shop",
            "prefix": "C-",
            "first": 1,
            "last": 5,
        },
        headers=login(client, admin),
    )
    monkeypatch.setattr(cli, "_app", lambda database=True: app)
    many, one = tmp_path / "stalls.pdf", tmp_path / "one.pdf"

    assert cli.main(["posters", "--area", "东村", "--out", str(many)]) == 0
    assert (
        cli.main(["poster", "venue", venue["id"], "--size", "A4", "--out", str(one)])
        == 0
    )

    assert many.read_bytes().count(b"/Type /Page\n") == 6  # 5 stalls and the venue
    assert "6 pages for 东村" in capsys.readouterr().out
    assert one.read_bytes().startswith(b"%PDF")
    assert cli.main(["token", "venue", venue["id"]]) == 0
    token = capsys.readouterr().out.split()[0]
    assert tokens.verify(token, settings.code_signing_key).object_id == venue["id"]
    assert (
        cli.main(["token", "--check", token[:-1] + ("A" if token[-1] != "A" else "B")])
        == 1
    )
    assert cli.main(["posters", "--area", "一区", "--out", str(many)]) == 1


# --- the public lookups are limited per client address


def _lookup(client, path, address):
    return client.get(f"{API}/{path}", environ_base={"REMOTE_ADDR": address})


def test_code_lookups_are_limited_per_address(client, settings, venue, monkeypatch):
    # A small limit with an hour's window, so the test neither makes 600
    # requests nor crosses a window's end.
    monkeypatch.setattr(
        ratelimit,
        "CODE_LOOKUP_PER_IP_MINUTE",
        ratelimit.Limit("code-lookup-test", 3, 3600),
    )
    token = _token(settings, venue["id"])

    answers = [
        _lookup(client, f"venue-codes/{token}", "10.1.0.7"),
        _lookup(client, "venue-codes/short", "10.1.0.7"),  # refused codes count
        _lookup(client, "room-codes/short", "10.1.0.7"),  # one budget for both
        _lookup(client, f"venue-codes/{token}", "10.1.0.7"),
        _lookup(client, "room-codes/short", "10.1.0.7"),
    ]
    elsewhere = _lookup(client, f"venue-codes/{token}", "10.1.0.8")

    assert [a.status_code for a in answers] == [200, 404, 404, 429, 429]
    limited = answers[3]
    assert limited.mimetype == "application/problem+json"
    assert 0 < int(limited.headers["Retry-After"]) <= 3600
    assert limited.get_json()["detail"].startswith("操作太频繁")
    assert elsewhere.status_code == 200


def test_the_real_limit_lets_a_crowd_behind_one_address_scan(client, settings, venue):
    token = _token(settings, venue["id"])

    statuses = {
        _lookup(client, f"venue-codes/{token}", "10.2.0.1").status_code
        for _ in range(60)
    }

    assert statuses == {200}
    assert ratelimit.CODE_LOOKUP_PER_IP_MINUTE.count >= 600

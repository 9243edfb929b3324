"""Venues: creation by each tier, scope, approval, bulk stalls, bad input,
registered counts and coverage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bson import ObjectId

from anju.accounts.models import Account
from anju.audit.models import AuditEntry
from anju.venues.models import Employment, Venue
from tests.factories import login, make_staff

API = "/api/v1"


@pytest.fixture
def admin(app, district):
    return make_staff(app, "area_admin", district.zone)


@pytest.fixture
def officer(app, district):
    return make_staff(app, "officer", district.district)


@pytest.fixture
def operator(app):
    return make_staff(app, "operator")


def _create(client, headers, area, **extra):
    body = {"name": "老王五金店", "kind": "stall_shop", "area_id": str(area.id)}
    return client.post(f"{API}/venues", json={**body, **extra}, headers=headers)


def _employ(app, venue_id, state="active"):
    with app.app_context():
        venue = Venue.objects(id=venue_id).first()
        Employment(
            person=ObjectId(),
            venue=venue.id,
            channel="operator",
            state=state,
            scope_keys=venue.scope_keys,
            created_at=datetime.now(UTC),
        ).save()


def test_admin_creates_an_active_venue_in_their_area(app, client, admin, district):
    headers = login(client, admin)

    answer = _create(
        client, headers, district.village, address="东村1号", expected_headcount=5
    )

    assert answer.status_code == 201, answer.get_json()
    venue = answer.get_json()
    assert venue["status"] == "active"
    assert venue["area_name"] == "东村"
    assert venue["operator_id"] is None
    assert venue["code_version"] == 1
    assert venue["code_number"] == f"V-{venue['id'][-6:].upper()}-1"
    assert venue["registered_count"] == 0
    with app.app_context():
        stored = Venue.objects(id=venue["id"]).first()
        assert f"area:{district.zone.id}" in stored.scope_keys
        assert f"venue:{venue['id']}" in stored.scope_keys
        assert AuditEntry.objects(
            action="venue.create", resource_id=venue["id"]
        ).count()


def test_operator_venue_waits_for_approval_and_is_theirs(
    app, client, operator, admin, district
):
    headers = login(client, operator)

    venue = _create(client, headers, district.village).get_json()

    assert venue["status"] == "pending_approval"
    assert venue["operator_id"] == str(operator.account.id)
    assert venue["operator_name"] == "operator 测试"
    # The operator reaches it at once, with the same login.
    listed = client.get(f"{API}/venues", headers=headers).get_json()
    assert [v["id"] for v in listed["items"]] == [venue["id"]]
    with app.app_context():
        account = Account.objects(id=operator.account.id).first()
        assert any(
            g.scope_kind == "venue" and str(g.scope_id) == venue["id"]
            for g in account.grants
        )

    # An area admin sees it waiting and approves it.
    admin_headers = login(client, admin)
    waiting = client.get(
        f"{API}/venues?status=pending_approval", headers=admin_headers
    ).get_json()
    assert [v["id"] for v in waiting["items"]] == [venue["id"]]
    approved = client.post(f"{API}/venues/{venue['id']}/approve", headers=admin_headers)
    assert approved.status_code == 200
    assert approved.get_json()["status"] == "active"
    again = client.post(f"{API}/venues/{venue['id']}/approve", headers=admin_headers)
    assert again.status_code == 409
    with app.app_context():
        assert AuditEntry.objects(action="venue.approve").count() == 1


def test_operator_cannot_approve(client, operator, district):
    headers = login(client, operator)
    venue = _create(client, headers, district.village).get_json()

    answer = client.post(f"{API}/venues/{venue['id']}/approve", headers=headers)

    assert answer.status_code == 403


def test_outside_scope_is_not_found(client, app, admin, district):
    other_admin = make_staff(app, "area_admin", district.other_zone)
    venue = _create(client, login(client, other_admin), district.other_village)
    venue_id = venue.get_json()["id"]

    headers = login(client, admin)

    assert client.get(f"{API}/venues/{venue_id}", headers=headers).status_code == 404
    assert client.get(f"{API}/venues", headers=headers).get_json()["items"] == []
    outside = _create(client, headers, district.other_village)
    assert outside.status_code == 422
    assert outside.get_json()["errors"]["area_id"][0]["code"] == (
        "venues.area_outside_scope"
    )


@pytest.mark.parametrize(
    ("extra", "field", "code"),
    [
        ({"kind": "casino"}, "kind", "kind.choice"),
        ({"name": "长" * 101}, "name", "name.length"),
        ({"expected_headcount": -1}, "expected_headcount", "expected_headcount.range"),
        ({"area_id": str(ObjectId())}, "area_id", "venues.area_not_found"),
        ({"area_id": "nope"}, "area_id", "area_id.type"),
    ],
)
def test_bad_input_names_the_field(client, admin, district, extra, field, code):
    headers = {**login(client, admin), "Accept-Language": "en"}

    answer = _create(client, headers, district.village, **extra)

    assert answer.status_code == 422, answer.get_json()
    errors = answer.get_json()["errors"]
    assert list(errors) == [field]
    assert errors[field][0]["code"] == code
    assert errors[field][0]["message"]


def test_bad_input_in_chinese(client, admin, district):
    answer = _create(
        client, login(client, admin), district.village, area_id=str(ObjectId())
    )

    assert answer.get_json()["errors"]["area_id"][0]["message"] == "所选区域不存在"


def test_patch_and_close(client, app, admin, district):
    headers = login(client, admin)
    venue = _create(client, headers, district.village).get_json()

    answer = client.patch(
        f"{API}/venues/{venue['id']}",
        json={"name": "王记五金", "expected_headcount": 3, "status": "closed"},
        headers=headers,
    )

    assert answer.status_code == 200, answer.get_json()
    changed = answer.get_json()
    assert (changed["name"], changed["expected_headcount"], changed["status"]) == (
        "王记五金",
        3,
        "closed",
    )
    negative = client.patch(
        f"{API}/venues/{venue['id']}", json={"expected_headcount": -2}, headers=headers
    )
    assert negative.status_code == 422
    with app.app_context():
        assert Venue.objects(id=venue["id"]).first().expected_headcount == 3


def test_renaming_renames_the_operators_grant(client, app, operator, district):
    headers = login(client, operator)
    venue = _create(client, headers, district.village).get_json()

    client.patch(f"{API}/venues/{venue['id']}", json={"name": "新名"}, headers=headers)

    with app.app_context():
        account = Account.objects(id=operator.account.id).first()
        names = [g.scope_name for g in account.grants if g.scope_kind == "venue"]
        assert names == ["新名"]


def test_operator_cannot_reopen_a_closed_venue(client, operator, district):
    headers = login(client, operator)
    venue = _create(client, headers, district.village).get_json()
    path = f"{API}/venues/{venue['id']}"
    assert (
        client.patch(path, json={"status": "closed"}, headers=headers).status_code
        == 200
    )

    answer = client.patch(path, json={"status": "active"}, headers=headers)

    assert answer.status_code == 422
    assert answer.get_json()["errors"]["status"][0]["code"] == (
        "venues.approve_required"
    )


def test_bulk_stalls(client, app, admin, district, operator):
    headers = login(client, admin)
    body = {
        "area_id": str(district.zone.id),
        "kind": "stall_shop",
        "prefix": "A-",
        "first": 1,
        "last": 300,
        "expected_headcount": 2,
    }

    answer = client.post(f"{API}/venues/bulk", json=body, headers=headers)

    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["created"] == 300
    with app.app_context():
        names = sorted(Venue.objects(area=district.zone.id).distinct("name"))
        assert names[0] == "A-001" and names[-1] == "A-300" and len(names) == 300
        assert Venue.objects(code_version=1, status="active").count() == 300
    again = client.post(f"{API}/venues/bulk", json=body, headers=headers)
    assert again.get_json()["created"] == 0 and again.get_json()["skipped"] == 300

    backwards = client.post(
        f"{API}/venues/bulk", json={**body, "first": 5, "last": 4}, headers=headers
    )
    assert backwards.status_code == 422
    assert "last" in backwards.get_json()["errors"]
    refused = client.post(
        f"{API}/venues/bulk", json=body, headers=login(client, operator)
    )
    assert refused.status_code == 403


def test_list_filters_and_registered_counts(client, app, admin, district):
    headers = login(client, admin)
    shop = _create(client, headers, district.village, name="东村小卖部").get_json()
    site = _create(
        client, headers, district.village, name="东村工地", kind="construction_site"
    ).get_json()
    _employ(app, shop["id"])
    _employ(app, shop["id"])
    _employ(app, shop["id"], state="ended")
    _employ(app, site["id"])

    everything = client.get(f"{API}/venues", headers=headers).get_json()["items"]
    counts = {v["id"]: v["registered_count"] for v in everything}
    assert counts == {shop["id"]: 2, site["id"]: 1}

    by_kind = client.get(f"{API}/venues?kind=construction_site", headers=headers)
    assert [v["id"] for v in by_kind.get_json()["items"]] == [site["id"]]
    by_name = client.get(f"{API}/venues?q=小卖", headers=headers)
    assert [v["id"] for v in by_name.get_json()["items"]] == [shop["id"]]
    by_area = client.get(
        f"{API}/venues?area_id={district.other_village.id}", headers=headers
    )
    assert by_area.get_json()["items"] == []
    page = client.get(f"{API}/venues?limit=1", headers=headers).get_json()
    assert page["items"][0]["id"] == site["id"] and page["next_cursor"]
    rest = client.get(
        f"{API}/venues?limit=1&cursor={page['next_cursor']}", headers=headers
    ).get_json()
    assert rest["items"][0]["id"] == shop["id"] and rest["next_cursor"] is None
    bad = client.get(f"{API}/venues?kind=casino", headers=headers)
    assert bad.status_code == 422 and "kind" in bad.get_json()["errors"]


def test_coverage_per_child_area_and_venue(client, app, officer, admin, district):
    admin_headers = login(client, admin)
    shop = _create(
        client, admin_headers, district.village, expected_headcount=4
    ).get_json()
    _employ(app, shop["id"])
    other_admin = make_staff(app, "area_admin", district.other_zone)
    market = _create(
        client,
        login(client, other_admin),
        district.other_village,
        name="一区001",
        expected_headcount=2,
    ).get_json()
    _employ(app, market["id"])
    _employ(app, market["id"])

    answer = client.get(f"{API}/coverage/venues", headers=login(client, officer))

    assert answer.status_code == 200, answer.get_json()
    report = answer.get_json()
    assert report["area_id"] == str(district.district.id)
    rows = {r["area_name"]: r for r in report["items"]}
    assert rows["城中村片区"]["venues"] == 1
    assert rows["城中村片区"]["expected_headcount"] == 4
    assert rows["城中村片区"]["registered"] == 1
    assert rows["商贸城"]["registered"] == 2
    assert report["total"]["registered"] == 3
    assert report["total"]["expected_headcount"] == 6
    assert report["venues"][0]["id"] == shop["id"]  # the biggest shortfall first

    # An area admin sees their own zone only; another zone is not found.
    own = client.get(f"{API}/coverage/venues", headers=admin_headers).get_json()
    assert own["area_id"] == str(district.zone.id)
    assert own["total"]["registered"] == 1
    outside = client.get(
        f"{API}/coverage/venues?area_id={district.other_zone.id}", headers=admin_headers
    )
    assert outside.status_code == 404


def test_operators_have_no_coverage(client, operator):
    answer = client.get(f"{API}/coverage/venues", headers=login(client, operator))

    assert answer.status_code == 403


def test_create_is_idempotent(client, app, admin, district):
    headers = {**login(client, admin), "Idempotency-Key": "venue-create-0001"}

    first = _create(client, headers, district.village)
    second = _create(client, headers, district.village)

    assert first.status_code == second.status_code == 201
    assert first.get_json()["id"] == second.get_json()["id"]
    with app.app_context():
        assert Venue.objects.count() == 1


def test_operator_grant_is_audited_and_keeps_the_login(client, app, operator, district):
    headers = login(client, operator)

    venue = _create(client, headers, district.village).get_json()

    assert client.get(f"{API}/venues/{venue['id']}", headers=headers).status_code == 200
    with app.app_context():
        added = AuditEntry.objects(action="account.grant_add").first()
        assert added.resource_id == str(operator.account.id)
        assert added.details["venue"] == venue["id"]

"""The jurisdiction tree, managed by system administrators."""

from __future__ import annotations

import pytest

from tests.factories import login, make_district, make_staff


@pytest.fixture
def sysadmin_headers(app, client):
    return login(client, make_staff(app, "sysadmin"))


def _add(client, headers, **body):
    return client.post("/api/v1/areas", json=body, headers=headers)


def test_tree_is_built_under_its_parents(client, sysadmin_headers):
    district = _add(client, sysadmin_headers, name="新区", kind="district").get_json()
    zone = _add(
        client,
        sysadmin_headers,
        name="新村片区",
        kind="zone",
        zone_kind="open_village",
        parent_id=district["id"],
    ).get_json()
    village = _add(
        client, sysadmin_headers, name="新村", kind="village", parent_id=zone["id"]
    ).get_json()

    tree = client.get("/api/v1/areas", headers=sysadmin_headers).get_json()

    assert [(a["name"], a["depth"]) for a in tree] == [
        ("新区", 0),
        ("新村片区", 1),
        ("新村", 2),
    ]
    assert village["parent_id"] == zone["id"]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"name": "片区", "kind": "zone"}, "kind", "areas.kind_not_allowed"),
        ({"name": "楼", "kind": "building"}, "kind", "areas.kind_not_allowed"),
        ({"name": "x", "kind": "planet"}, "kind", "kind.choice"),
    ],
)
def test_misplaced_kinds_are_named(client, sysadmin_headers, body, field, code):
    answer = _add(client, sysadmin_headers, **body)

    assert answer.status_code == 422
    assert answer.get_json()["errors"][field][0]["code"] == code


def test_duplicate_names_under_one_parent_conflict(app, client, sysadmin_headers):
    district = make_district(app)

    duplicate = _add(
        client,
        sysadmin_headers,
        name="东村",
        kind="village",
        parent_id=str(district.zone.id),
    )
    renamed = client.patch(
        f"/api/v1/areas/{district.zone.id}",
        json={"name": "商贸城"},
        headers=sysadmin_headers,
    )
    fine = client.patch(
        f"/api/v1/areas/{district.village.id}",
        json={"name": "东村（新）"},
        headers=sysadmin_headers,
    )

    assert duplicate.status_code == 409
    assert renamed.status_code == 409
    assert fine.get_json()["name"] == "东村（新）"

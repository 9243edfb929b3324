"""What someone who copies the database finds: no ID number, no full phone
number, no token, in any collection (the audit log included)."""

from __future__ import annotations

import re

from bson import json_util

from anju.db import get_db
from tests.factories import CITIZENS, login, login_resident, make_district, make_staff

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def test_a_raw_scan_finds_no_id_number_phone_or_token(app, client, authority):
    district = make_district(app)
    officer = make_staff(app, "officer", district.zone)
    headers = login(client, officer)
    secrets = {officer.phone, headers["Authorization"].split()[1]}

    for citizen in CITIZENS[20:25]:
        body = {
            "name": citizen.name,
            "id_number": citizen.id_number,
            "phone": citizen.phone,
            "area_id": str(district.village.id),
        }
        person = client.post("/api/v1/people", json=body, headers=headers).get_json()
        client.post(
            f"/api/v1/people/{person['id']}/reveal",
            json={"purpose": "数据安全测试"},
            headers=headers,
        )
        client.post(
            "/api/v1/people/search", json={"phone": citizen.phone}, headers=headers
        )
        secrets.update({citizen.id_number, citizen.phone})
    resident = login_resident(client, app, CITIZENS[20].phone)
    secrets.add(resident["Authorization"].split()[1])
    secrets.add(client.get_cookie("anju_refresh", path="/api/v1/auth").value)

    database = get_db()
    scanned = 0
    for name in database.list_collection_names():
        for document in database[name].find():
            text = json_util.dumps(document, ensure_ascii=False)
            scanned += 1
            assert not ID_NUMBER.search(text), (name, ID_NUMBER.search(text).group())
            assert not PHONE.search(text), (name, PHONE.search(text).group())
            for secret in secrets:
                assert secret not in text, (name, "a known secret is stored")
    assert scanned > 20

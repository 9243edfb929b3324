"""Rotating the ID-number encryption key while records stay readable."""

from __future__ import annotations

import base64
import os
from dataclasses import replace

from anju.common.crypto import init_keyring, keyring
from anju.db import get_db
from anju.people.rotation import rotate_keys
from tests.factories import CITIZENS, login, make_district, make_staff


def test_rotation_re_encrypts_everything_and_records_stay_readable(
    app, client, settings, authority
):
    district = make_district(app)
    officer = make_staff(app, "officer", district.zone)
    headers = login(client, officer)
    ids = []
    for citizen in CITIZENS[30:34]:
        body = {
            "name": citizen.name,
            "id_number": citizen.id_number,
            "phone": citizen.phone,
            "area_id": str(district.village.id),
        }
        ids.append(client.post("/api/v1/people", json=body, headers=headers).get_json())
    old_kid = keyring().current_kid
    new_key = base64.b64encode(os.urandom(32)).decode()
    rotated = replace(
        settings, id_encryption_keys=f"k9:{new_key},{settings.id_encryption_keys}"
    )

    try:
        report = rotate_keys(init_keyring(rotated))
        people = list(get_db().people.find())
        revealed = client.post(
            f"/api/v1/people/{ids[0]['id']}/reveal",
            json={"purpose": "密钥轮换核对"},
            headers=headers,
        )
        again = rotate_keys(keyring())
    finally:
        init_keyring(settings)

    assert old_kid != "k9"
    assert report.rewritten >= 8 and report.remaining_old == 0
    assert all(p["id_number_encrypted"].startswith("k9.") for p in people)
    assert all(p["phone_encrypted"].startswith("k9.") for p in people)
    assert revealed.get_json()["id_number"] == CITIZENS[30].id_number
    assert again.rewritten == 0

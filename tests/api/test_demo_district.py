"""The demo that scripts/run seeds keeps the README's promises: the demo
officer sees the demo stall's staff, with how each came in, and once the
worker has run the ID checks, the alert for the mistyped name."""

from __future__ import annotations

import re

from anju import seed
from anju.people.service import verify_pending
from tests.factories import Staff, login


def _officer(accounts: list[seed.DemoAccount]) -> Staff:
    line = next(account for account in accounts if "officer" in account.label)
    secret = re.search(r"TOTP secret (\S+)", line.login)
    assert secret is not None, line.login
    return Staff(
        account=None,  # type: ignore[arg-type]  # logged in by phone only
        phone=line.phone,
        password=seed.DEMO_PASSWORD,
        totp_secret=secret.group(1),
    )


def test_the_demo_officer_sees_the_demo_stalls_staff_and_the_mismatch(
    app, client, settings
):
    with app.app_context():
        accounts = seed.seed(scale=20)
        while verify_pending(settings):
            pass

    headers = login(client, _officer(accounts))
    staff = client.get("/api/v1/employments?state=active&limit=100", headers=headers)
    alerts = client.get("/api/v1/alerts", headers=headers)

    assert staff.status_code == 200, staff.get_json()
    items = staff.get_json()["items"]
    assert {item["venue_name"] for item in items} == {"服装区001号铺"}
    assert {item["channel"] for item in items} == {"self_scan", "operator", "import"}
    assert [item["verification"] for item in items].count("mismatch") == 1
    assert alerts.status_code == 200, alerts.get_json()
    assert [alert["kind"] for alert in alerts.get_json()["items"]] == ["id_mismatch"]

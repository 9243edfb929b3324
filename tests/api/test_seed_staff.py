"""The demo operator's stall starts with staff come in by every channel and
in every state, and one worker whose name was mistyped: once the worker's ID
check has run, the officer has the alert and the record to correct. The demo
officer's own account sees them, as the README promises."""

from __future__ import annotations

import re

from anju import seed
from anju.accounts.models import Account
from anju.accounts.service import phone_index
from anju.areas.models import Area
from anju.patrol.models import Alert
from anju.people.service import verify_pending
from anju.venues.models import Employment, Venue
from tests.factories import Staff, login, make_staff

PEOPLE = 12


def _seed_staff(app):
    with app.app_context():
        areas = seed._tree()
        seed._staff(areas)
        operator = Account.objects(phone_index=phone_index("13900000004")).first()
        seed._stalls(areas, operator.id)
        seed._rooms(areas, operator.id)
        seed._grant_operator(operator)
        seed._people(areas, PEOPLE)
        made = seed._employments(operator, PEOPLE)
        again = seed._employments(operator, PEOPLE)
        operator.reload()
        granted = [g.scope_id for g in operator.grants if g.scope_kind == "venue"]
        venue = Venue.objects(id__in=granted).get()
        zone = Area.objects(id=venue.area).first()
        while zone.kind != "zone":
            zone = Area.objects(id=zone.parent).first()
    return made, again, venue, zone


def test_the_demo_stall_has_staff_of_every_channel_and_state(app, client):
    made, again, venue, _ = _seed_staff(app)
    operator = make_staff(app, "operator", venue, scope_kind="venue")

    answer = client.get(
        f"/api/v1/venues/{venue.id}/employments?limit=50",
        headers=login(client, operator),
    )

    assert made == len(seed.DEMO_STAFF) + 1
    assert again == 0  # running the seed again adds nothing
    assert answer.status_code == 200, answer.get_json()
    channels = {employment["channel"] for employment in answer.get_json()["items"]}
    assert {"self_scan", "operator", "import"} <= channels
    with app.app_context():
        states = set(Employment.objects(venue=venue.id).distinct("state"))
    assert states == {"active", "ended", "left_without_notice"}


def test_the_mistyped_worker_reaches_the_officers_corrections(app, client, settings):
    *_, zone = _seed_staff(app)
    officer = make_staff(app, "officer", zone)

    with app.app_context():
        verify_pending(settings)
        alerts = list(Alert.objects(kind="id_mismatch"))
    queue = client.get(
        "/api/v1/people?verification=mismatch", headers=login(client, officer)
    )

    assert len(alerts) == 1
    assert queue.status_code == 200, queue.get_json()
    queued = queue.get_json()["items"]
    assert [person["id"] for person in queued] == [str(alerts[0].person)]


def _demo_officer(accounts: list[seed.DemoAccount]) -> Staff:
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

    headers = login(client, _demo_officer(accounts))
    staff = client.get("/api/v1/employments?state=active&limit=100", headers=headers)
    alerts = client.get("/api/v1/alerts", headers=headers)

    assert staff.status_code == 200, staff.get_json()
    items = staff.get_json()["items"]
    assert {item["venue_name"] for item in items} == {"服装区001号铺"}
    assert {item["channel"] for item in items} == {"self_scan", "operator", "import"}
    assert [item["verification"] for item in items].count("mismatch") == 1
    assert alerts.status_code == 200, alerts.get_json()
    assert [alert["kind"] for alert in alerts.get_json()["items"]] == ["id_mismatch"]

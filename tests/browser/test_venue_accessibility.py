"""axe-core on the one-code screens that need a venue: the scan page, a
venue's page, adding staff, importing, and the officer's corrections: no serious
or critical violation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.steps import log_in_with_password
from tests.browser.test_accessibility import _violations
from tests.browser.test_venue_screens import make_venue
from tests.factories import CITIZENS, login, make_district, make_staff

pytestmark = pytest.mark.browser
INJECTS_SCRIPTS = True


def test_venue_screens_pass_axe(page, app, client):
    district = make_district(app)
    operator = make_staff(app, "operator", district.zone)
    area_admin = make_staff(app, "area_admin", district.zone)
    venue_id, token = make_venue(app, client, operator, area_admin, district.village)

    page.goto(f"/v/{token}")
    expect(page.get_by_test_id("scan-login")).to_be_visible()
    problems = {"scan": _violations(page)}

    log_in_with_password(page, operator)
    expect(page).to_have_url(re.compile(r"/operator/venues$"))
    for path in (
        f"/operator/venues/{venue_id}",
        f"/operator/venues/{venue_id}/staff/new",
        f"/operator/venues/{venue_id}/import",
    ):
        page.goto(path)
        expect(page.get_by_test_id("nav-title")).to_be_visible()
        page.wait_for_load_state("networkidle")
        problems[path] = _violations(page)

    assert {path: found for path, found in problems.items() if found} == {}


def test_correction_screens_pass_axe(page, app, client):
    district = make_district(app)
    operator = make_staff(app, "operator", district.zone)
    area_admin = make_staff(app, "area_admin", district.zone)
    officer = make_staff(app, "officer", district.zone)
    venue_id, _ = make_venue(app, client, operator, area_admin, district.village)
    citizen = CITIZENS[330]
    registered = client.post(
        f"/api/v1/venues/{venue_id}/employments",
        json={
            "name": "王晓名",
            "id_number": citizen.id_number,
            "job": "理货员",
            "start_date": "2024-03-01",
        },
        headers=login(client, operator),
    ).get_json()
    assert registered.get("verification") == "mismatch", registered
    problems = {}

    log_in_with_password(page, officer)
    expect(page).to_have_url(re.compile(r"/officer/work$"))
    page.goto("/officer/corrections")
    expect(page.get_by_test_id("corrections-queue-item")).to_have_count(1)
    problems["queue"] = _violations(page)
    page.goto(f"/officer/people/{registered['person_id']}")
    expect(page.get_by_test_id("correction-history-empty")).to_be_visible()
    problems["person"] = _violations(page)
    page.get_by_test_id("person-correct").click()
    expect(page.get_by_test_id("correction-form")).to_be_visible()
    problems["form"] = _violations(page)

    assert {screen: found for screen, found in problems.items() if found} == {}

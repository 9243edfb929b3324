"""axe-core on every screen a role reaches: no serious or critical violation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from anju.config import REPO_ROOT
from tests.browser.steps import log_in_with_password
from tests.factories import make_district, make_staff

pytestmark = pytest.mark.browser
INJECTS_SCRIPTS = True

AXE = REPO_ROOT / "pwa" / "node_modules" / "axe-core" / "axe.min.js"

SCREENS = {
    "officer": [
        "/officer/work",
        "/officer/dashboard",
        "/officer/people/new",
        "/officer/occupancy",
        "/officer/lock-alerts",
        "/officer/employments",
        "/me",
        "/me/settings",
        "/pending",
    ],
    "area_admin": ["/area/coverage", "/area/venues/bulk", "/area/venues/new", "/me"],
    "operator": [
        "/operator/venues",
        "/operator/venues/new",
        "/operator/properties",
        "/operator/tenancies",
        "/me",
    ],
    "sysadmin": ["/sysadmin/accounts", "/sysadmin/areas", "/sysadmin/devices"],
}


def _violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']}))"
        ".violations.filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return found


def test_login_screen(page):
    page.goto("/login")
    expect(page.get_by_test_id("login-form")).to_be_visible()

    assert _violations(page) == []


@pytest.mark.parametrize("role", sorted(SCREENS))
def test_each_screen_of_a_role(page, app, role):
    district = make_district(app)
    staff = make_staff(app, role, None if role == "sysadmin" else district.zone)
    log_in_with_password(page, staff)
    expect(page).to_have_url(re.compile(re.escape(SCREENS[role][0]) + "$"))

    problems = {}
    for path in SCREENS[role]:
        page.goto(path)
        expect(page.get_by_test_id("nav-title")).to_be_visible()
        page.wait_for_load_state("networkidle")
        found = _violations(page)
        if found:
            problems[path] = found

    assert problems == {}


def test_housing_screens(page, app, client, authority):
    """A landlord's property, room, check-in and tenancy pages, and a tenant's
    room-code page and "my room and key", with real records on them."""
    from tests.browser.test_housing import (
        add_lock,
        check_in_by_api,
        make_house,
        room_token,
    )
    from tests.factories import CITIZENS, sms_code

    house = make_house(app, client)
    add_lock(app, house, "101")
    citizen = CITIZENS[320]
    tenancy = check_in_by_api(client, house, "101", citizen)
    room = house.rooms["101"]

    log_in_with_password(page, house.landlord)
    expect(page).to_have_url(re.compile(r"/operator/venues$"))
    problems = {}
    for path in (
        f"/operator/properties/{house.id}",
        f"/operator/rooms/{room}",
        f"/operator/rooms/{house.rooms['102']}/check-in",
        f"/operator/tenancies/{tenancy['id']}",
    ):
        page.goto(path)
        expect(page.get_by_test_id("nav-title")).to_be_visible()
        page.wait_for_load_state("networkidle")
        found = _violations(page)
        if found:
            problems[path] = found

    page.context.clear_cookies()
    page.goto(f"/r/{room_token(app, house, '102')}")
    expect(page.get_by_test_id("room-code-login")).to_be_visible()
    found = _violations(page)
    if found:
        problems["/r/ (login)"] = found
    page.get_by_test_id("room-code-phone").fill(citizen.phone)
    page.get_by_test_id("room-code-send-code").click()
    expect(page.get_by_test_id("room-code-send-code")).to_be_disabled()
    page.get_by_test_id("room-code-sms-code").fill(sms_code(app, citizen.phone))
    page.get_by_test_id("room-code-login-submit").click()
    expect(page.get_by_test_id("room-code-form")).to_be_visible()
    page.wait_for_load_state("networkidle")
    found = _violations(page)
    if found:
        problems["/r/ (form)"] = found

    page.goto("/resident/room")
    expect(page.get_by_test_id("my-room")).to_be_visible()
    found = _violations(page)
    if found:
        problems["/resident/room"] = found

    assert problems == {}

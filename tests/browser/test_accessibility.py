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
        "/me",
        "/me/settings",
        "/pending",
    ],
    "area_admin": ["/area/coverage", "/me"],
    "operator": ["/operator/venues", "/operator/properties", "/me"],
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

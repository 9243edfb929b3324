"""A form sent while offline is kept, shown as waiting, and sent once when the
connection returns: exactly one record on the server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from anju.people.models import Person
from tests.browser.steps import log_in_with_password
from tests.factories import CITIZENS, make_district, make_staff

pytestmark = pytest.mark.browser


def test_entry_sent_offline_is_recorded_once_when_back_online(page, app, authority):
    district = make_district(app)
    officer = make_staff(app, "officer", district.zone)
    citizen = CITIZENS[40]
    log_in_with_password(page, officer)
    expect(page).to_have_url(re.compile(r"/officer/work$"))

    page.get_by_test_id("officer-add-person-link").click()
    expect(page.get_by_test_id("add-person-form")).to_be_visible()
    expect(page.get_by_test_id("add-person-area").locator("option")).not_to_have_count(
        0
    )
    page.get_by_test_id("add-person-name").fill(citizen.name)
    page.get_by_test_id("add-person-id-number").fill(citizen.id_number)
    page.get_by_test_id("add-person-phone").fill(citizen.phone)

    page.context.set_offline(True)
    page.get_by_test_id("add-person-submit").click()
    expect(page.get_by_test_id("offline-banner")).to_be_visible()
    expect(page.get_by_test_id("tab-pending-badge")).to_be_visible()
    assert Person.objects.count() == 0

    page.context.set_offline(False)
    for _ in range(80):
        if Person.objects.count():
            break
        page.wait_for_timeout(250)
    expect(page.get_by_test_id("tab-pending-badge")).to_have_count(0, timeout=10_000)
    page.wait_for_timeout(1500)  # a second send, if any, would have landed by now

    assert Person.objects.count() == 1
    assert Person.objects.first().name == citizen.name


def test_invalid_entry_shows_the_reason_next_to_the_field(page, app):
    district = make_district(app)
    officer = make_staff(app, "officer", district.zone)
    log_in_with_password(page, officer)
    expect(page).to_have_url(re.compile(r"/officer/work$"))

    page.get_by_test_id("officer-add-person-link").click()
    expect(page.get_by_test_id("add-person-area").locator("option")).not_to_have_count(
        0
    )
    page.get_by_test_id("add-person-name").fill("张三")
    page.get_by_test_id("add-person-id-number").fill("110105194912310021")
    page.get_by_test_id("add-person-submit").click()

    expect(page.get_by_text("身份证号码校验位不正确")).to_be_visible()
    assert Person.objects.count() == 0

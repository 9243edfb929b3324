"""A phone-sized Chromium logs in as each role, reaches its home, and logging
out leaves nothing behind."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.steps import log_in_with_password
from tests.factories import make_district, make_staff, next_phone, sms_code

pytestmark = pytest.mark.browser

HOME = {
    "operator": "/operator/venues",
    "area_admin": "/area/coverage",
    "officer": "/officer/work",
    "sysadmin": "/sysadmin/accounts",
}


@pytest.mark.parametrize("role", ["operator", "area_admin", "officer", "sysadmin"])
def test_staff_log_in_and_reach_their_home(page, app, role):
    district = make_district(app)
    scope = None if role == "sysadmin" else district.zone
    staff = make_staff(app, role, scope)

    log_in_with_password(page, staff)

    expect(page).to_have_url(re.compile(re.escape(HOME[role]) + "$"))
    expect(page.get_by_test_id("nav-title")).to_be_visible()


def test_resident_logs_in_by_sms_and_returns_where_they_were(page, app):
    phone = next_phone()

    page.goto("/me/access-history")
    expect(page).to_have_url(re.compile(r"/login\?redirect="))
    page.get_by_test_id("login-mode-sms").click()
    page.get_by_test_id("login-phone").fill(phone)
    page.get_by_test_id("login-send-code").click()
    expect(page.get_by_test_id("login-send-code")).to_be_disabled()
    page.get_by_test_id("login-code").fill(sms_code(app, phone))
    page.get_by_test_id("login-submit").click()

    # The path itself, not the login page's ?redirect=/me/access-history.
    expect(page).to_have_url(re.compile(r"^[^?]*/me/access-history$"))
    expect(
        page.get_by_test_id(re.compile(r"^access-history-(list|empty)$"))
    ).to_be_visible()
    page.goto("/resident")
    # No display name yet: a plain greeting, not one with a dangling comma.
    expect(page.get_by_test_id("greeting")).to_have_text("你好")
    page.goto("/resident")
    # No display name yet: a plain greeting, not one with a dangling comma.
    expect(page.get_by_test_id("greeting")).to_have_text("你好")


def test_wrong_password_is_shown_in_chinese(page, app):
    staff = make_staff(app, "sysadmin")
    staff.password = "not the password"
    staff.totp_secret = None

    log_in_with_password(page, staff)

    expect(page.get_by_text("手机号或密码不正确")).to_be_visible()


def test_logout_clears_what_the_app_kept(page, app):
    district = make_district(app)
    staff = make_staff(app, "area_admin", district.zone)
    log_in_with_password(page, staff)
    expect(page).to_have_url(re.compile(r"/area/coverage$"))

    page.goto("/me")
    page.get_by_test_id("logout").click()
    # The app asks first only when unsent forms would be lost; none here.
    expect(page.get_by_test_id("logout-confirm-ok")).to_be_hidden()

    expect(page).to_have_url(re.compile(r"/login"))
    page.goto("/area/coverage")
    expect(page).to_have_url(re.compile(r"/login\?redirect="))
    stored = page.evaluate(
        "async () => ({session: sessionStorage.length,"
        " databases: (await indexedDB.databases()).length})"
    )
    assert stored == {"session": 0, "databases": 0}


def test_an_english_phone_starts_in_english_and_keeps_a_choice(
    browser, live_server, app
):
    # English is not in the first screen's bundle: it is fetched before the
    # app mounts, so an English phone never sees the Chinese screen first.
    context = browser.new_context(
        viewport={"width": 375, "height": 667}, base_url=live_server, locale="en-GB"
    )
    page = context.new_page()
    english = []
    page.on(
        "response",
        lambda answer: (
            english.append(answer.url) if "/assets/en-" in answer.url else None
        ),
    )

    page.goto("/login")
    expect(page.get_by_test_id("nav-title")).to_have_text("Log in")
    assert english, "the English messages came from their own chunk"

    page.get_by_test_id("locale-switch").click()
    expect(page.get_by_test_id("nav-title")).to_have_text("登录")
    page.reload()
    expect(page.get_by_test_id("nav-title")).to_have_text("登录")
    context.close()

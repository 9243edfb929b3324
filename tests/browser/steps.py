"""What a person does in the app, as steps browser tests share."""

from __future__ import annotations

from playwright.sync_api import expect


def log_in_with_password(page, staff) -> None:
    """Phone and password, then the TOTP code when the role needs one."""
    page.goto("/login")
    page.get_by_test_id("login-mode-password").click()
    page.get_by_test_id("login-phone").fill(staff.phone)
    page.get_by_test_id("login-password").fill(staff.password)
    page.get_by_test_id("login-submit").click()
    if staff.totp_secret:
        totp = page.get_by_test_id("login-totp")
        expect(totp).to_be_visible()
        totp.fill(staff.totp())
        page.get_by_test_id("login-submit").click()

"""One code in a phone-sized Chromium: a worker scans a venue's code and
registers; the operator and the officer see the record with its channel; an
operator's mismatching entry alerts the officer; a bulk import with its error
report; posters; replaced and forged codes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from anju.common.idnumber import make_id_number
from anju.patrol.models import Alert
from anju.venues.models import Employment, Venue
from tests.browser.conftest import PHONE
from tests.browser.steps import log_in_with_password
from tests.factories import (
    CITIZENS,
    login,
    make_district,
    make_staff,
    next_phone,
    sms_code,
)

pytestmark = pytest.mark.browser


# --- set-up through the API ----------------------------------------------


def make_venue(app, client, operator, area_admin, area, name="张记水果摊"):
    """An operator's venue, approved by the area admin: (id, token)."""
    from anju.venues import service as venues

    answer = client.post(
        "/api/v1/venues",
        json={
            "name": name,
            "kind": "stall_shop",
            "area_id": str(area.id),
            "address": "东村路 8 号",
            "expected_headcount": 5,
        },
        headers=login(client, operator),
    )
    assert answer.status_code == 201, answer.get_json()
    venue_id = answer.get_json()["id"]
    approved = client.post(
        f"/api/v1/venues/{venue_id}/approve", headers=login(client, area_admin)
    )
    assert approved.status_code == 200, approved.get_json()
    with app.app_context():
        token = venues.token_for(Venue.objects.get(id=venue_id))
    return venue_id, token


@pytest.fixture
def pages(browser, live_server) -> Iterator:
    """More phones: one browser context each (another person's session)."""
    contexts = []

    def open_page():
        context = browser.new_context(
            viewport=PHONE,
            base_url=live_server,
            locale="zh-CN",
            is_mobile=True,
            has_touch=True,
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def wait_until(page, condition, tries=80):
    for _ in range(tries):
        if condition():
            return True
        page.wait_for_timeout(250)
    return condition()


# --- steps -----------------------------------------------------------------


def verify_phone_by_sms(page, app, phone):
    page.get_by_test_id("scan-phone").fill(phone)
    page.get_by_test_id("scan-send-code").click()
    expect(page.get_by_test_id("scan-send-code")).to_be_disabled()
    page.get_by_test_id("scan-sms-code").fill(sms_code(app, phone))
    page.get_by_test_id("scan-login-submit").click()


def scan_a_new_venue(page, app, client) -> str:
    """A new district's approved venue, its code opened on the phone and the
    phone verified: the registration form is next. The venue's id."""
    district = make_district(app)
    operator = make_staff(app, "operator", district.zone)
    area_admin = make_staff(app, "area_admin", district.zone)
    venue_id, token = make_venue(app, client, operator, area_admin, district.village)

    page.goto(f"/v/{token}")
    verify_phone_by_sms(page, app, next_phone())
    return venue_id


def fill_registration(page, name, id_number, job="理货员"):
    expect(page.get_by_test_id("scan-form")).to_be_visible()
    page.get_by_test_id("scan-name").fill(name)
    page.get_by_test_id("scan-id-number").fill(id_number)
    page.get_by_test_id("scan-job").fill(job)
    page.get_by_test_id("scan-next").click()


def consent_and_submit(page):
    expect(page.get_by_test_id("scan-consent-purpose")).to_be_visible()
    expect(page.get_by_test_id("scan-submit")).to_be_disabled()
    page.get_by_test_id("scan-consent-agree").check()
    page.get_by_test_id("scan-submit").click()


def staff_row(page, name):
    return page.get_by_test_id("staff-item").filter(has_text=name)


# --- tests -----------------------------------------------------------------


def test_worker_scans_registers_and_operator_and_officer_see_the_channel(
    page, pages, app, client
):
    district = make_district(app)
    operator = make_staff(app, "operator", district.zone)
    area_admin = make_staff(app, "area_admin", district.zone)
    officer = make_staff(app, "officer", district.zone)
    venue_id, token = make_venue(app, client, operator, area_admin, district.village)
    citizen = CITIZENS[60]

    # The worker scans: the venue's name and area first, then the SMS check.
    page.goto(f"/v/{token}")
    expect(page.get_by_test_id("scan-venue-name")).to_have_text("张记水果摊")
    expect(page.get_by_test_id("scan-venue-area")).to_contain_text("东村")
    verify_phone_by_sms(page, app, next_phone())
    fill_registration(page, citizen.name, citizen.id_number)
    consent_and_submit(page)

    result = page.get_by_test_id("scan-result")
    expect(result).to_have_attribute("data-verification", "match", timeout=15_000)
    expect(page.get_by_test_id("scan-result-title")).to_have_text("登记成功")
    with app.app_context():
        stored = Employment.objects.get(venue=venue_id)
        assert stored.channel == "self_scan"
        assert stored.consent is not None and stored.consent.version

    # Scanning again shows the record, not a second registration.
    page.goto(f"/v/{token}")
    expect(page.get_by_test_id("scan-existing")).to_be_visible()
    with app.app_context():
        assert Employment.objects(venue=venue_id).count() == 1

    # The operator sees the worker, masked, tagged 扫码自助.
    operator_page = pages()
    log_in_with_password(operator_page, operator)
    expect(operator_page).to_have_url(re.compile(r"/operator/venues$"))
    operator_page.get_by_test_id("venue-item").filter(has_text="张记水果摊").click()
    row = staff_row(operator_page, citizen.name)
    expect(row).to_be_visible()
    expect(row.get_by_test_id("tag-channel")).to_have_attribute(
        "data-value", "self_scan"
    )
    expect(row.get_by_test_id("tag-channel")).to_have_text("扫码自助")
    expect(row.get_by_test_id("staff-id-number")).not_to_contain_text(citizen.id_number)

    # The officer sees it too (below); then the worker leaves without notice.
    employment_id = row.get_attribute("data-id")
    operator_page.get_by_test_id(f"staff-left-{employment_id}").click()
    operator_page.get_by_test_id("venue-confirm-ok").click()
    expect(staff_row(operator_page, citizen.name)).to_have_count(0)
    operator_page.get_by_test_id("staff-filter-left_without_notice").click()
    expect(staff_row(operator_page, citizen.name)).to_be_visible()
    with app.app_context():
        assert Employment.objects.get(id=employment_id).state == "left_without_notice"

    # The officer finds the record, with its channel, in the jurisdiction list.
    officer_page = pages()
    log_in_with_password(officer_page, officer)
    expect(officer_page).to_have_url(re.compile(r"/officer/work$"))
    officer_page.get_by_test_id("officer-employments-link").click()
    officer_page.get_by_test_id("filter-state").select_option("")
    row = staff_row(officer_page, citizen.name)
    expect(row).to_be_visible()
    expect(row.get_by_test_id("tag-channel")).to_have_attribute(
        "data-value", "self_scan"
    )
    expect(row.get_by_test_id("staff-venue")).to_contain_text("张记水果摊")


def test_a_mistyped_id_number_is_caught_before_the_consent_step(page, app, client):
    venue_id = scan_a_new_venue(page, app, client)
    fill_registration(page, "张三", "110105194912310021")

    expect(page.get_by_test_id("scan-form")).to_be_visible()
    expect(page.get_by_text("身份证号码校验位不正确")).to_be_visible()
    expect(page.get_by_test_id("scan-consent")).to_have_count(0)
    expect(page.get_by_test_id("scan-name")).to_have_value("张三")

    page.get_by_test_id("scan-id-number").fill("11010519491231002x")
    page.get_by_test_id("scan-next").click()
    expect(page.get_by_test_id("scan-consent-purpose")).to_be_visible()
    with app.app_context():
        assert Employment.objects(venue=venue_id).count() == 0


def test_what_only_the_server_knows_is_shown_next_to_its_field(page, app, client):
    venue_id = scan_a_new_venue(page, app, client)
    # Well formed, but no region was ever coded 999999: the phone cannot tell.
    unknown_region = make_id_number("999999", date(1990, 1, 1), 123)

    fill_registration(page, "张三", unknown_region)
    consent_and_submit(page)

    expect(page.get_by_test_id("scan-form")).to_be_visible()
    expect(page.get_by_text("身份证号码前6位不是有效的地区代码")).to_be_visible()
    expect(page.get_by_test_id("scan-name")).to_have_value("张三")
    with app.app_context():
        assert Employment.objects(venue=venue_id).count() == 0


def test_self_registration_mismatch_says_so_and_alerts_the_officer(page, app, client):
    scan_a_new_venue(page, app, client)
    citizen = CITIZENS[61]

    fill_registration(page, "冒用者", citizen.id_number)
    consent_and_submit(page)

    expect(page.get_by_test_id("scan-result")).to_have_attribute(
        "data-verification", "mismatch", timeout=15_000
    )
    expect(page.get_by_test_id("scan-result-title")).to_have_text(
        "姓名与身份证号不一致，请核对"
    )
    expect(page.get_by_test_id("scan-correct")).to_be_visible()
    with app.app_context():
        assert Alert.objects(kind="id_mismatch").count() == 1


def test_a_slow_id_check_shows_checking(page, app, client, authority):
    venue_id = scan_a_new_venue(page, app, client)
    citizen = CITIZENS[65]

    fill_registration(page, citizen.name, citizen.id_number)
    authority.set_mode(down=True)
    consent_and_submit(page)

    expect(page.get_by_test_id("scan-result")).to_have_attribute(
        "data-verification", "pending", timeout=15_000
    )
    expect(page.get_by_test_id("scan-result-title")).to_have_text("核验中")
    with app.app_context():
        assert Employment.objects(venue=venue_id).count() == 1


def test_operator_adding_a_mismatching_name_sees_it_and_the_officer_is_alerted(
    page, pages, app, client
):
    district = make_district(app)
    operator = make_staff(app, "operator", district.zone)
    area_admin = make_staff(app, "area_admin", district.zone)
    officer = make_staff(app, "officer", district.zone)
    venue_id, _ = make_venue(app, client, operator, area_admin, district.village)
    citizen = CITIZENS[62]

    log_in_with_password(page, operator)
    expect(page).to_have_url(re.compile(r"/operator/venues$"))
    page.get_by_test_id("venue-item").filter(has_text="张记水果摊").click()
    page.get_by_test_id("staff-add-link").click()
    page.get_by_test_id("staff-name-input").fill("李假名")
    page.get_by_test_id("staff-job-input").fill("搬运工")

    # Typos are named on the phone, and nothing is sent.
    mistyped = citizen.id_number[:17] + ("0" if citizen.id_number[17] != "0" else "1")
    page.get_by_test_id("staff-id-number-input").fill(mistyped)
    page.get_by_test_id("staff-phone-input").fill("1234567")
    page.get_by_test_id("staff-submit").click()
    expect(page.get_by_test_id("staff-form")).to_contain_text("身份证号码校验位不正确")
    expect(page.get_by_test_id("staff-form")).to_contain_text(
        "请填写11位中国大陆手机号码"
    )
    page.get_by_test_id("staff-phone-input").fill("")
    page.get_by_test_id("staff-id-number-input").fill(citizen.id_number)
    page.get_by_test_id("staff-submit").click()

    expect(page.get_by_test_id("staff-add-mismatch")).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("staff-add-mismatch")).to_contain_text(
        "姓名与身份证号不一致"
    )
    with app.app_context():
        stored = Employment.objects.get(venue=venue_id)
        assert stored.channel == "operator"
        assert Alert.objects(kind="id_mismatch").count() == 1

    officer_page = pages()
    log_in_with_password(officer_page, officer)
    expect(officer_page).to_have_url(re.compile(r"/officer/work$"))
    officer_page.goto("/officer/employments")
    alert = officer_page.get_by_test_id("alert-item")
    expect(alert).to_have_count(1)
    expect(alert).to_have_attribute("data-kind", "id_mismatch")
    officer_page.get_by_test_id("alerts-show-mismatches").click()
    row = staff_row(officer_page, "李假名")
    expect(row.get_by_test_id("tag-verification")).to_have_attribute(
        "data-value", "mismatch"
    )
    expect(row.get_by_test_id("tag-channel")).to_have_text("经营者")

    # The alert opens the record it is about, ready for a correction.
    alert.click()
    expect(officer_page.get_by_test_id("person-name")).to_contain_text("李假名")
    expect(officer_page.get_by_test_id("person-correct")).to_be_visible()


def test_bulk_import_of_good_and_bad_rows_with_its_report(page, app, client):
    district = make_district(app)
    operator = make_staff(app, "operator", district.zone)
    area_admin = make_staff(app, "area_admin", district.zone)
    venue_id, _ = make_venue(app, client, operator, area_admin, district.village)
    good = [CITIZENS[70], CITIZENS[71]]
    lines = ["姓名,身份证号,手机号,岗位,入职日期,类别"]
    lines += [f"{c.name},{c.id_number},{c.phone},理货员,2024-03-01,员工" for c in good]
    lines.append("王错号,110105194912310021,13800009999,收银员,2024-03-01,员工")
    sheet = {
        "name": "staff.csv",
        "mimeType": "text/csv",
        "buffer": ("\n".join(lines) + "\n").encode("utf-8"),
    }

    log_in_with_password(page, operator)
    expect(page).to_have_url(re.compile(r"/operator/venues$"))
    page.goto(f"/operator/venues/{venue_id}/import")
    expect(page.get_by_test_id("import-form")).to_be_visible()

    page.get_by_test_id("import-file").set_input_files(sheet)
    page.get_by_test_id("import-submit").click()
    result = page.get_by_test_id("import-result")
    expect(result).to_have_attribute("data-state", "done", timeout=30_000)
    expect(page.get_by_test_id("import-imported")).to_contain_text("2")
    expect(page.get_by_test_id("import-invalid")).to_contain_text("1")
    rows = page.get_by_test_id("import-report-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("身份证号")
    expect(rows.first).not_to_contain_text("110105194912310021")

    with page.expect_download() as download:
        page.get_by_test_id("import-report-download").click()
    report = Path(download.value.path()).read_text("utf-8-sig")
    assert "身份证号" in report and "110105194912310021" not in report
    with app.app_context():
        assert Employment.objects(venue=venue_id, channel="import").count() == 2

    # The same file again adds nobody.
    page.get_by_test_id("import-file").set_input_files(sheet)
    page.get_by_test_id("import-submit").click()
    expect(page.get_by_test_id("import-duplicates")).to_contain_text(
        "2", timeout=30_000
    )
    expect(page.get_by_test_id("import-imported")).to_contain_text("0")
    with app.app_context():
        assert Employment.objects(venue=venue_id).count() == 2


def test_poster_and_code_downloads_and_a_replaced_code(page, pages, app, client):
    district = make_district(app)
    operator = make_staff(app, "operator", district.zone)
    area_admin = make_staff(app, "area_admin", district.zone)
    venue_id, token = make_venue(app, client, operator, area_admin, district.village)

    log_in_with_password(page, operator)
    expect(page).to_have_url(re.compile(r"/operator/venues$"))
    page.goto(f"/operator/venues/{venue_id}")

    with page.expect_download() as download:
        page.get_by_test_id("venue-download-a5").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    assert download.value.suggested_filename.endswith(".pdf")

    with page.expect_download() as download:
        page.get_by_test_id("venue-download-png").click()
    assert Path(download.value.path()).read_bytes().startswith(b"\x89PNG")

    # Re-issue the code: the printed one now says it was replaced.
    old_number = page.get_by_test_id("venue-code-number").inner_text()
    page.get_by_test_id("venue-reissue").click()
    page.get_by_test_id("venue-confirm-ok").click()
    expect(page.get_by_test_id("venue-code-number")).not_to_have_text(old_number)
    with app.app_context():
        assert Venue.objects.get(id=venue_id).code_version == 2

    worker = pages()
    worker.goto(f"/v/{token}")
    expect(worker.get_by_test_id("scan-replaced")).to_contain_text("此二维码已更换")
    expect(worker.get_by_test_id("scan-form")).to_have_count(0)

    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    worker.goto(f"/v/{forged}")
    expect(worker.get_by_test_id("scan-invalid")).to_be_visible()


def test_operator_creates_a_venue_the_area_admin_approves_and_prints(page, pages, app):
    district = make_district(app)
    operator = make_staff(app, "operator", district.zone)
    area_admin = make_staff(app, "area_admin", district.zone)

    log_in_with_password(page, operator)
    expect(page).to_have_url(re.compile(r"/operator/venues$"))
    page.get_by_test_id("venue-create-link").click()
    page.get_by_test_id("venue-name").fill("李记餐馆")
    page.get_by_test_id("venue-kind").select_option("catering_entertainment")
    page.get_by_test_id("venue-area").select_option(str(district.village.id))
    page.get_by_test_id("venue-expected").fill("6")
    page.get_by_test_id("venue-submit").click()
    expect(page.get_by_test_id("venue-pending-note")).to_be_visible()
    expect(page.get_by_test_id("tag-status")).to_have_attribute(
        "data-value", "pending_approval"
    )
    with app.app_context():
        venue = Venue.objects.get(name="李记餐馆")
        assert venue.status == "pending_approval"
        assert venue.expected_headcount == 6
        venue_id = str(venue.id)

    admin_page = pages()
    log_in_with_password(admin_page, area_admin)
    expect(admin_page).to_have_url(re.compile(r"/area/coverage$"))
    pending = admin_page.get_by_test_id("coverage-pending-item").filter(
        has_text="李记餐馆"
    )
    expect(pending).to_be_visible()
    admin_page.get_by_test_id(f"approve-{venue_id}").click()
    expect(pending).to_have_count(0)
    with app.app_context():
        assert Venue.objects.get(id=venue_id).status == "active"

    with admin_page.expect_download() as download:
        admin_page.get_by_test_id("coverage-posters").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")


def test_the_officer_sees_coverage_approves_and_creates_a_venue(page, app, client):
    district = make_district(app)
    operator = make_staff(app, "operator", district.zone)
    area_admin = make_staff(app, "area_admin", district.zone)
    officer = make_staff(app, "officer", district.zone)
    make_venue(app, client, operator, area_admin, district.village, name="张记水果摊")
    waiting = client.post(
        "/api/v1/venues",
        json={
            "name": "李记餐馆",
            "kind": "catering_entertainment",
            "area_id": str(district.village.id),
            "expected_headcount": 6,
        },
        headers=login(client, operator),
    )
    assert waiting.status_code == 201, waiting.get_json()
    waiting_id = waiting.get_json()["id"]

    log_in_with_password(page, officer)
    expect(page).to_have_url(re.compile(r"/officer/work$"))
    page.get_by_test_id("officer-venues-link").click()
    expect(page).to_have_url(re.compile(r"/officer/venues$"))
    expect(page.get_by_test_id("coverage-total")).to_contain_text("0 / 11")
    expect(page.get_by_test_id("coverage-venue-item")).to_have_count(2)
    page.get_by_test_id(f"approve-{waiting_id}").click()
    expect(page.get_by_test_id("coverage-pending-item")).to_have_count(0)

    page.get_by_test_id("area-venue-create-link").click()
    page.get_by_test_id("venue-name").fill("王记五金")
    page.get_by_test_id("venue-area").select_option(str(district.village.id))
    page.get_by_test_id("venue-expected").fill("2")
    page.get_by_test_id("venue-submit").click()
    expect(page).to_have_url(re.compile(r"/officer/venues/[0-9a-f]{24}$"))
    with app.app_context():
        assert Venue.objects.get(id=waiting_id).status == "active"
        assert Venue.objects.get(name="王记五金").status == "active"


def test_a_forged_code_in_english(page):
    page.goto("/v/" + "A" * 36)
    expect(page.get_by_test_id("scan-invalid")).to_contain_text("二维码无效")
    page.get_by_test_id("locale-switch").click()
    expect(page.get_by_test_id("scan-invalid")).to_contain_text(
        "This code is not valid"
    )


def test_share_code_registers_a_worker_who_sees_the_use_and_withdraws_it(
    page, pages, app, client
):
    district = make_district(app)
    operator = make_staff(app, "operator", district.zone)
    area_admin = make_staff(app, "area_admin", district.zone)
    _, token = make_venue(app, client, operator, area_admin, district.village)
    other_id, _ = make_venue(
        app, client, operator, area_admin, district.village, name="王记干货"
    )
    citizen = CITIZENS[64]

    # The worker registers once by scanning, then makes a share code.
    page.goto(f"/v/{token}")
    verify_phone_by_sms(page, app, next_phone())
    fill_registration(page, citizen.name, citizen.id_number)
    consent_and_submit(page)
    expect(page.get_by_test_id("scan-result")).to_have_attribute(
        "data-verification", "match", timeout=15_000
    )
    page.goto("/me/share-codes")
    page.get_by_test_id("share-make").click()
    made = page.get_by_test_id("share-code").first
    expect(made).to_have_attribute("data-state", "active")
    value = made.get_by_test_id("share-code-value")
    expect(value).to_have_text(re.compile(r"^[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}$"))
    code = value.inner_text()

    # The operator of another venue registers them with it.
    operator_page = pages()
    log_in_with_password(operator_page, operator)
    expect(operator_page).to_have_url(re.compile(r"/operator/venues$"))
    operator_page.goto(f"/operator/venues/{other_id}/staff/new")
    operator_page.get_by_test_id("staff-mode-share").click()
    operator_page.get_by_test_id("staff-share-code-input").fill(code)
    operator_page.get_by_test_id("staff-job-input").fill("送货员")
    operator_page.get_by_test_id("staff-submit").click()
    expect(operator_page.get_by_test_id("staff-add-result")).to_be_visible(
        timeout=15_000
    )
    expect(operator_page.get_by_test_id("staff-name")).to_have_text(citizen.name)
    with app.app_context():
        assert Employment.objects(venue=other_id).count() == 1

    # The worker sees who used it, and withdraws it.
    page.reload()
    used = page.get_by_test_id("share-code").first
    expect(used.get_by_test_id("share-code-use")).to_contain_text("王记干货")
    used.get_by_test_id("share-withdraw").click()
    page.get_by_test_id("share-withdraw-confirm-ok").click()
    expect(page.get_by_test_id("share-code").first).to_have_attribute(
        "data-state", "withdrawn"
    )


def test_registration_sent_offline_is_kept_and_recorded_once(page, app, client):
    district = make_district(app)
    operator = make_staff(app, "operator", district.zone)
    area_admin = make_staff(app, "area_admin", district.zone)
    venue_id, token = make_venue(app, client, operator, area_admin, district.village)
    citizen = CITIZENS[63]

    page.goto(f"/v/{token}")
    verify_phone_by_sms(page, app, next_phone())
    fill_registration(page, citizen.name, citizen.id_number)
    expect(page.get_by_test_id("scan-consent-purpose")).to_be_visible()
    page.get_by_test_id("scan-consent-agree").check()

    page.context.set_offline(True)
    page.get_by_test_id("scan-submit").click()
    expect(page.get_by_test_id("scan-queued")).to_be_visible()
    with app.app_context():
        assert Employment.objects(venue=venue_id).count() == 0

    page.context.set_offline(False)
    with app.app_context():
        assert wait_until(page, lambda: Employment.objects(venue=venue_id).count())
        page.wait_for_timeout(1500)  # a second send, if any, would have landed
        assert Employment.objects(venue=venue_id).count() == 1

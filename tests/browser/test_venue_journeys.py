"""More of one code in a phone-sized Chromium: an area admin creates a
market's stalls in bulk and prints their posters; an operator ends one
employment and marks a worker gone without notice; a validate-only import
before the real one; the officer's exact search by name, phone and ID number.

Each journey goes through the screens and then reads the stored records."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from anju.common.idnumber import check_character
from anju.people.models import Person
from anju.venues.employments import today
from anju.venues.models import Employment, Venue
from tests.browser.steps import log_in_with_password
from tests.browser.test_venue_screens import make_venue, pages, staff_row
from tests.factories import CITIZENS, login, make_district, make_staff

pytestmark = pytest.mark.browser

__all__ = ["pages"]  # the fixture, shared with test_venue_screens

PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def register_staff(client, operator, venue_id, citizen, start="2024-03-01"):
    """An operator's registration through the API: the employment's id."""
    answer = client.post(
        f"/api/v1/venues/{venue_id}/employments",
        json={
            "name": citizen.name,
            "id_number": citizen.id_number,
            "phone": citizen.phone,
            "job": "理货员",
            "start_date": start,
        },
        headers=login(client, operator),
    )
    assert answer.status_code in (200, 201), answer.get_json()
    return answer.get_json()["id"]


def near_miss_id_number(number: str) -> str:
    """Another valid ID number, one digit of the sequence away."""
    body = number[:16] + str((int(number[16]) + 2) % 10)
    return body + check_character(body)


def near_miss_phone(phone: str) -> str:
    return phone[:-1] + str((int(phone[-1]) + 1) % 10)


# --- 1. a market's stalls -------------------------------------------------


def test_area_admin_creates_a_run_of_stalls_and_prints_their_posters(page, app, client):
    district = make_district(app)
    area_admin = make_staff(app, "area_admin", district.other_zone)
    market = district.other_village
    earlier = client.post(
        "/api/v1/venues",
        json={"name": "一区旧货铺", "kind": "stall_shop", "area_id": str(market.id)},
        headers=login(client, area_admin),
    )
    assert earlier.status_code == 201, earlier.get_json()

    log_in_with_password(page, area_admin)
    expect(page).to_have_url(re.compile(r"/area/coverage$"))
    page.get_by_test_id("area-venues-bulk-link").click()
    expect(page.get_by_test_id("bulk-form")).to_be_visible()
    page.get_by_test_id("bulk-area").select_option(str(market.id))
    page.get_by_test_id("bulk-prefix").fill("A-")
    page.get_by_test_id("bulk-first").fill("1")
    page.get_by_test_id("bulk-last").fill("12")
    page.get_by_test_id("bulk-expected").fill("3")
    expect(page.get_by_test_id("bulk-preview")).to_have_text(
        "将创建 A-001 至 A-012，共 12 个"
    )
    page.get_by_test_id("bulk-submit").click()

    result = page.get_by_test_id("bulk-result")
    expect(result).to_contain_text("已创建 12 个场所")
    with app.app_context():
        stalls = [v for v in Venue.objects(area=market.id) if v.name != "一区旧货铺"]
        assert sorted(v.name for v in stalls) == [f"A-{n:03d}" for n in range(1, 13)]
        assert {v.status for v in stalls} == {"active"}
        assert {v.expected_headcount for v in stalls} == {3}

    # The posters of these twelve, not of the older stall in the same area,
    # in the size chosen.
    page.get_by_test_id("bulk-poster-size-A4").check()
    with (
        page.expect_response(re.compile(r"/api/v1/venues/posters\.pdf")) as answer,
        page.expect_download() as download,
    ):
        page.get_by_test_id("bulk-posters").click()
    assert "size=A4" in answer.value.url
    assert answer.value.status == 200
    assert answer.value.headers["content-type"].startswith("application/pdf")
    pdf = Path(download.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(PAGE_OBJECT.findall(pdf)) == 12
    assert download.value.suggested_filename.endswith("A4.pdf")

    # The same run again creates nothing, and says why.
    page.get_by_test_id("bulk-submit").click()
    expect(result).to_contain_text("已创建 0 个场所")
    expect(result).to_contain_text("12 个已存在")
    with app.app_context():
        assert Venue.objects(area=market.id).count() == 13


# --- 2. ending an employment; leaving without notice ----------------------


def test_operator_ends_one_employment_and_marks_another_left(page, pages, app, client):
    district = make_district(app)
    operator = make_staff(app, "operator", district.zone)
    area_admin = make_staff(app, "area_admin", district.zone)
    officer = make_staff(app, "officer", district.zone)
    venue_id, _ = make_venue(app, client, operator, area_admin, district.village)
    leaving, vanished = CITIZENS[80], CITIZENS[81]
    ending_id = register_staff(client, operator, venue_id, leaving)
    left_id = register_staff(client, operator, venue_id, vanished)
    last_day = today() - timedelta(days=3)

    log_in_with_password(page, operator)
    expect(page).to_have_url(re.compile(r"/operator/venues$"))
    page.get_by_test_id("venue-item").filter(has_text="张记水果摊").click()
    expect(staff_row(page, leaving.name)).to_be_visible()

    # Ending asks for the last day (today unless changed), then sends it.
    page.get_by_test_id(f"staff-end-{ending_id}").click()
    end_date = page.get_by_test_id("staff-end-date")
    phone_today = page.evaluate("new Date().toLocaleDateString('sv')")
    expect(end_date).to_have_value(phone_today)
    end_date.fill(last_day.isoformat())
    page.get_by_test_id("staff-end-confirm").click()
    expect(staff_row(page, leaving.name)).to_have_count(0)

    # Leaving without notice asks first, in plain words.
    page.get_by_test_id(f"staff-left-{left_id}").click()
    expect(page.get_by_test_id("venue-confirm")).to_contain_text(vanished.name)
    page.get_by_test_id("venue-confirm-ok").click()
    expect(staff_row(page, vanished.name)).to_have_count(0)
    expect(page.get_by_test_id("staff-empty")).to_be_visible()

    page.get_by_test_id("staff-filter-all").click()
    ended_row = staff_row(page, leaving.name)
    left_row = staff_row(page, vanished.name)
    expect(ended_row.get_by_test_id("tag-state")).to_have_attribute(
        "data-value", "ended"
    )
    expect(ended_row.get_by_test_id("tag-state")).to_have_text("已离职")
    expect(ended_row).to_contain_text(last_day.isoformat())
    expect(left_row.get_by_test_id("tag-state")).to_have_attribute(
        "data-value", "left_without_notice"
    )
    expect(left_row.get_by_test_id("tag-state")).to_have_text("不辞而别")
    expect(page.get_by_test_id("venue-headcount")).to_have_text(
        re.compile("已登记 0 / 应登记 5")
    )

    with app.app_context():
        ended = Employment.objects.get(id=ending_id)
        left = Employment.objects.get(id=left_id)
        assert (ended.state, ended.end_date) == ("ended", last_day)
        assert left.state == "left_without_notice"
        assert left.end_date == today()
        assert ended.active_key is None and left.active_key is None

    # The officer filters the jurisdiction by state.
    officer_page = pages()
    log_in_with_password(officer_page, officer)
    expect(officer_page).to_have_url(re.compile(r"/officer/work$"))
    officer_page.goto("/officer/employments")
    expect(officer_page.get_by_test_id("employment-empty")).to_be_visible()
    officer_page.get_by_test_id("filter-state").select_option("ended")
    expect(staff_row(officer_page, leaving.name)).to_be_visible()
    expect(staff_row(officer_page, vanished.name)).to_have_count(0)
    officer_page.get_by_test_id("filter-state").select_option("left_without_notice")
    expect(staff_row(officer_page, vanished.name)).to_be_visible()
    expect(staff_row(officer_page, leaving.name)).to_have_count(0)


def test_an_end_date_before_the_start_is_refused_in_chinese(page, app, client):
    district = make_district(app)
    operator = make_staff(app, "operator", district.zone)
    area_admin = make_staff(app, "area_admin", district.zone)
    venue_id, _ = make_venue(app, client, operator, area_admin, district.village)
    worker = CITIZENS[82]
    employment_id = register_staff(client, operator, venue_id, worker)

    log_in_with_password(page, operator)
    expect(page).to_have_url(re.compile(r"/operator/venues$"))
    page.goto(f"/operator/venues/{venue_id}")
    page.get_by_test_id(f"staff-end-{employment_id}").click()
    page.get_by_test_id("staff-end-date").fill("2024-01-31")
    page.get_by_test_id("staff-end-confirm").click()

    expect(page.get_by_test_id("staff-end-form")).to_contain_text(
        "离职日期不能早于入职日期"
    )
    expect(page.get_by_test_id("staff-end-date")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(staff_row(page, worker.name)).to_be_visible()
    with app.app_context():
        assert Employment.objects.get(id=employment_id).state == "active"


# --- 3. check first, then import ------------------------------------------


def test_a_validate_only_import_stores_nothing_then_the_real_one_the_good_rows(
    page, app, client
):
    district = make_district(app)
    operator = make_staff(app, "operator", district.zone)
    area_admin = make_staff(app, "area_admin", district.zone)
    venue_id, _ = make_venue(app, client, operator, area_admin, district.village)
    good = [CITIZENS[90], CITIZENS[91], CITIZENS[92]]
    lines = ["姓名,身份证号,手机号,岗位,入职日期,类别"]
    lines += [f"{c.name},{c.id_number},{c.phone},理货员,2024-03-01,员工" for c in good]
    lines.append("王错号,110105194912310021,13800009999,收银员,2024-03-01,员工")
    lines.append(f"赵未来,{CITIZENS[93].id_number},,收银员,2999-01-01,员工")
    sheet = {
        "name": "staff.csv",
        "mimeType": "text/csv",
        "buffer": ("\n".join(lines) + "\n").encode("utf-8"),
    }
    with app.app_context():
        people_before = Person.objects.count()

    log_in_with_password(page, operator)
    expect(page).to_have_url(re.compile(r"/operator/venues$"))
    page.goto(f"/operator/venues/{venue_id}")
    page.get_by_test_id("staff-import-link").click()
    expect(page.get_by_test_id("import-form")).to_be_visible()

    page.get_by_test_id("import-file").set_input_files(sheet)
    page.get_by_test_id("import-validate-only").check()
    expect(page.get_by_test_id("import-submit")).to_have_text("上传并检查")
    page.get_by_test_id("import-submit").click()

    result = page.get_by_test_id("import-result")
    expect(result).to_have_attribute("data-state", "done", timeout=30_000)
    expect(result.get_by_role("heading").first).to_have_text("检查结果")
    expect(page.get_by_test_id("import-imported")).to_contain_text("可导入")
    expect(page.get_by_test_id("import-imported")).to_contain_text("3")
    expect(page.get_by_test_id("import-invalid")).to_contain_text("2")
    rows = page.get_by_test_id("import-report-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("身份证号")
    expect(rows.nth(1)).to_contain_text("入职日期")
    expect(page.get_by_test_id("import-checked-note")).to_be_visible()
    with app.app_context():
        assert Employment.objects(venue=venue_id).count() == 0
        assert Person.objects.count() == people_before

    # Now for real, the same file: exactly the good rows.
    page.get_by_test_id("import-run").click()
    expect(result).to_have_attribute("data-state", "done", timeout=30_000)
    expect(result.get_by_role("heading").first).to_have_text("导入结果")
    expect(page.get_by_test_id("import-imported")).to_contain_text("已导入")
    expect(page.get_by_test_id("import-imported")).to_contain_text("3")
    expect(page.get_by_test_id("import-invalid")).to_contain_text("2")
    expect(page.get_by_test_id("import-run")).to_have_count(0)
    with app.app_context():
        stored = Employment.objects(venue=venue_id)
        names = Person.objects(id__in=[e.person for e in stored]).scalar("name")
        assert sorted(names) == sorted(c.name for c in good)
        assert {e.channel for e in stored} == {"import"}
        assert Person.objects.count() == people_before + 3


# --- 4. the officer's exact search ----------------------------------------


def test_officer_finds_a_worker_by_name_phone_and_id_number_only_exactly(
    page, app, client
):
    district = make_district(app)
    operator = make_staff(app, "operator", district.zone)
    area_admin = make_staff(app, "area_admin", district.zone)
    officer = make_staff(app, "officer", district.zone)
    venue_id, _ = make_venue(app, client, operator, area_admin, district.village)
    worker, other = CITIZENS[95], CITIZENS[96]
    register_staff(client, operator, venue_id, worker)
    register_staff(client, operator, venue_id, other)
    masked = worker.id_number[:4] + "*" * 10 + worker.id_number[-4:]

    log_in_with_password(page, officer)
    expect(page).to_have_url(re.compile(r"/officer/work$"))
    page.goto("/officer/employments")
    form = {
        "name": page.get_by_test_id("search-name"),
        "phone": page.get_by_test_id("search-phone"),
        "id_number": page.get_by_test_id("search-id-number"),
    }

    def search(field, value):
        for each in form.values():
            each.fill("")
        form[field].fill(value)
        page.get_by_test_id("search-submit").click()

    for field, value in (
        ("name", worker.name),
        ("phone", worker.phone),
        ("id_number", worker.id_number),
    ):
        search(field, value)
        found = page.get_by_test_id("search-result")
        expect(found).to_have_count(1)
        expect(found).to_contain_text(worker.name)
        expect(found).to_contain_text(masked)
        expect(found).not_to_contain_text(other.name)
        assert worker.id_number not in page.inner_text("body")

    # One digit off: nobody, and the screen says so.
    for field, value in (
        ("phone", near_miss_phone(worker.phone)),
        ("id_number", near_miss_id_number(worker.id_number)),
    ):
        search(field, value)
        expect(page.get_by_test_id("search-result")).to_have_count(0)
        expect(page.get_by_test_id("search-none")).to_have_text("没有查到")

    # A mistyped check character is not a search: the field says why.
    wrong = worker.id_number[:17] + ("0" if worker.id_number[17] != "0" else "1")
    search("id_number", wrong)
    expect(form["id_number"]).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("people-search")).to_contain_text(
        "身份证号码校验位不正确"
    )
    expect(page.get_by_test_id("search-results")).to_have_count(0)

    # A result opens the person's record, where the officer can correct it.
    search("name", worker.name)
    page.get_by_test_id("search-result").click()
    expect(page).to_have_url(re.compile(r"/officer/people/[0-9a-f]{24}$"))
    expect(page.get_by_test_id("person-name")).to_contain_text(worker.name)
    expect(page.get_by_test_id("person-correct")).to_be_visible()

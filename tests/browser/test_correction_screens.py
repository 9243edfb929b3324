"""Tier 1 corrections in a phone-sized Chromium: an officer opens the record
of a worker registered under a mistyped name, corrects the name, and sees the
identity verified and the correction in the record's history."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from anju.common.idnumber import parse_id_number
from anju.patrol.models import Alert
from anju.people.models import Person
from anju.people.service import new_person
from tests.api.employment_helpers import make_venue, staff_body
from tests.browser.steps import log_in_with_password
from tests.factories import CITIZENS, login, make_district, make_staff

pytestmark = pytest.mark.browser

TYPO = "王晓名"


def test_an_officer_corrects_a_mistyped_name(page, app, client, authority):
    district = make_district(app)
    venue = make_venue(app, district.village)
    operator = make_staff(app, "operator", venue, scope_kind="venue")
    officer = make_staff(app, "officer", district.zone)
    citizen = CITIZENS[310]
    registered = client.post(
        f"/api/v1/venues/{venue.id}/employments",
        json=staff_body(citizen, name=TYPO),
        headers=login(client, operator),
    ).get_json()
    assert registered["verification"] == "mismatch"

    log_in_with_password(page, officer)
    page.get_by_test_id("officer-corrections-link").click()
    queued = page.get_by_test_id("corrections-queue-item").filter(has_text=TYPO)
    expect(queued).to_have_count(1)
    queued.click()

    expect(page.get_by_test_id("person-name")).to_contain_text(TYPO)
    expect(page.get_by_test_id("person-verification")).to_contain_text("人证不一致")
    expect(page.get_by_test_id("correction-history-empty")).to_be_visible()
    page.get_by_test_id("person-correct").click()
    form = page.get_by_test_id("correction-form")
    expect(form).to_be_visible()
    page.get_by_test_id("correction-reason").fill("1")
    page.get_by_test_id("correction-submit").click()
    expect(form).to_contain_text("更正原因应为2至200个字")
    page.get_by_test_id("correction-name").fill(citizen.name)
    page.get_by_test_id("correction-reason").fill(
        "本人持身份证到警务室核对，姓名录入错误"
    )
    page.get_by_test_id("correction-submit").click()

    expect(form).to_be_hidden()
    expect(page.get_by_test_id("person-verification")).to_contain_text("已核验")
    expect(page.get_by_test_id("person-name")).to_contain_text(citizen.name)
    history = page.get_by_test_id("correction-item")
    expect(history).to_have_count(1)
    expect(history).to_contain_text(f"姓名（原：{TYPO}）")
    expect(history).to_contain_text("已核验")
    with app.app_context():
        person = Person.objects.get(id=registered["person_id"])
        assert person.name == citizen.name
        assert person.verification.state == "match"
        assert Alert.objects(person=person.id, state="open").count() == 0

    # The record stays corrected when the officer comes back to it.
    page.reload()
    expect(page.get_by_test_id("person-verification")).to_contain_text("已核验")
    expect(page.get_by_test_id("correction-item")).to_have_count(1)


def test_the_queue_goes_on_past_its_first_page(page, app):
    district = make_district(app)
    venue = make_venue(app, district.village)
    officer = make_staff(app, "officer", district.zone)
    with app.app_context():
        for citizen in CITIZENS[320:373]:
            person = new_person(
                citizen.name,
                parse_id_number(citizen.id_number),
                None,
                list(venue.scope_keys),
                "operator",
                None,
            )
            person.verification.state = "mismatch"
            person.save(force_insert=True)

    log_in_with_password(page, officer)
    page.get_by_test_id("officer-corrections-link").click()
    queued = page.get_by_test_id("corrections-queue-item")
    expect(queued).to_have_count(50)
    page.get_by_test_id("corrections-more").click()

    expect(queued).to_have_count(53)
    expect(page.get_by_test_id("corrections-more")).to_have_count(0)

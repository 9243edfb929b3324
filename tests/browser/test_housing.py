"""One lock at phone size: the landlord checks a tenant in through the screens,
authorizes the key and (with the real broker, gateway and a simulated lock) sees
it reach the door, opens enrollment and checks the tenant out; a full room is
refused plainly; a tenant's room-code request is approved; the tenant sees their
room and key and asks to check out."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from anju.housing.models import Room, Tenancy
from tests.browser.conftest import PHONE
from tests.browser.steps import log_in_with_password
from tests.factories import (
    CITIZENS,
    Staff,
    login,
    make_district,
    make_staff,
    sms_code,
)

pytestmark = pytest.mark.browser

API = "/api/v1"
TENANCY_URL = re.compile(r"/operator/tenancies/[0-9a-f]{24}$")
_serials = itertools.count(1)


@dataclass
class House:
    """A landlord's property with rooms by number, made through the API."""

    landlord: Staff
    officer: Staff
    id: str
    area_id: str
    zone: object = None
    rooms: dict[str, str] = field(default_factory=dict)


def make_house(app, client, rooms=(("101", 1), ("102", 2))) -> House:
    district = make_district(app)
    officer = make_staff(app, "officer", district.zone)
    landlord = make_staff(app, "operator")
    answer = client.post(
        f"{API}/properties",
        json={
            "name": "东村3号出租屋",
            "address": "东村3号",
            "area_id": str(district.village.id),
            "landlord_phone": landlord.phone,
        },
        headers=login(client, officer),
    )
    assert answer.status_code == 201, answer.get_json()
    house = House(
        landlord,
        officer,
        answer.get_json()["id"],
        str(district.village.id),
        district.zone,
    )

    for number, capacity in rooms:
        room = client.post(
            f"{API}/properties/{house.id}/rooms",
            json={"number": number, "floor": 1, "capacity": capacity},
            headers=login(client, landlord),
        )
        assert room.status_code == 201, room.get_json()
        house.rooms[number] = room.get_json()["id"]
    return house


def add_lock(app, house: House, number: str) -> str:
    """Register the room's lock as the device administrator would; its serial."""
    from anju.locks.service import register_lock

    serial = f"UI-ROOM-{next(_serials):05d}"
    room_id = house.rooms[number]
    with app.app_context():
        room = Room.objects(id=room_id).first()
        register_lock(
            serial=serial,
            kind="room",
            area_id=house.area_id,
            room_id=room_id,
            property_id=house.id,
            scope_keys=list(room.scope_keys),
        )
    return serial


def period(days: int = 180) -> dict[str, str]:
    today = date.today()
    return {
        "start_date": today.isoformat(),
        "end_date": (today + timedelta(days=days)).isoformat(),
    }


def check_in_by_api(client, house: House, number: str, citizen) -> dict:
    answer = client.post(
        f"{API}/rooms/{house.rooms[number]}/tenancies",
        json={
            "name": citizen.name,
            "id_number": citizen.id_number,
            "phone": citizen.phone,  # the tenant's SMS login finds their record by it
            **period(),
        },
        headers=login(client, house.landlord),
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def room_token(app, house: House, number: str) -> str:
    from anju.housing.properties import room_code_url

    with app.app_context():
        room = Room.objects(id=house.rooms[number]).first()
        return room_code_url(room).rsplit("/r/", 1)[1]


def tenancy_of(app, tenancy_id: str) -> Tenancy:
    with app.app_context():
        return Tenancy.objects(id=tenancy_id).first()


def another_phone(browser, live_server):
    """A second person's phone: a browser context of its own."""
    context = browser.new_context(
        viewport=PHONE,
        base_url=live_server,
        locale="zh-CN",
        is_mobile=True,
        has_touch=True,
        service_workers="allow",
    )
    return context.new_page()


# --- what the landlord does


def open_room(page, house: House, number: str) -> None:
    """From the landlord's home to the room, by tapping."""
    log_in_with_password(page, house.landlord)
    expect(page).to_have_url(re.compile(r"/operator/venues$"))
    page.get_by_test_id("tab-operator-properties").click()
    page.get_by_test_id(f"property-{house.id}").click()
    page.get_by_test_id(f"room-{number}").click()
    expect(page.get_by_test_id("room-details")).to_be_visible()


def check_in_by_details(page, citizen) -> None:
    page.get_by_test_id("room-check-in").click()
    page.get_by_test_id("checkin-name").fill(citizen.name)
    page.get_by_test_id("checkin-id-number").fill(citizen.id_number)
    page.get_by_test_id("checkin-phone").fill(citizen.phone)
    page.get_by_test_id("checkin-submit").click()
    expect(page).to_have_url(TENANCY_URL)


def authorize(page) -> None:
    expect(page.get_by_test_id("tenancy-state")).to_have_attribute(
        "data-state", "verified"
    )
    page.get_by_test_id("tenancy-authorize").click()
    page.get_by_test_id("tenancy-confirm-ok").click()


def test_landlord_checks_in_by_details_and_the_key_waits_for_the_lock(
    page, app, client, authority
):
    from anju.locks.models import Credential

    house = make_house(app, client)
    add_lock(app, house, "101")
    citizen = CITIZENS[301]

    open_room(page, house, "101")
    expect(page.get_by_test_id("room-occupancy")).to_have_text(re.compile("0/1"))
    expect(
        page.get_by_test_id("room-lock").get_by_test_id("lock-status")
    ).to_have_attribute("data-state", "offline")
    check_in_by_details(page, citizen)

    expect(page.get_by_test_id("tenancy-steps")).to_be_visible()
    expect(page.get_by_test_id("tenancy-verification")).to_have_attribute(
        "data-state", "match"
    )
    authorize(page)

    key = page.get_by_test_id("tenancy-key")
    expect(key).to_have_attribute("data-state", "waiting_for_lock")
    expect(key).to_have_text("等待门锁接收")
    expect(page.get_by_test_id("tenancy-waiting-lock")).to_be_visible()
    tenancy_id = page.url.rsplit("/", 1)[1]
    stored = tenancy_of(app, tenancy_id)
    assert stored.state == "authorized"
    assert stored.channel == "landlord"
    with app.app_context():
        assert Credential.objects(tenancy=tenancy_id).get().state == "issued"
        assert Room.objects(id=house.rooms["101"]).first().occupants == 1


def test_the_key_reaches_the_door_the_finger_enrolls_and_check_out_revokes(
    page, app, client, authority, gateway, lock_simulator
):
    from anju.locks.simulator import new_finger

    house = make_house(app, client)
    serial = add_lock(app, house, "101")
    door = lock_simulator(serial)
    citizen = CITIZENS[302]

    open_room(page, house, "101")
    check_in_by_details(page, citizen)
    authorize(page)

    key = page.get_by_test_id("tenancy-key")
    expect(key).to_have_attribute("data-state", "delivered", timeout=20_000)
    expect(key).to_have_text("已下发")
    tenancy_id = page.url.rsplit("/", 1)[1]
    credential_id = _credential_id(app, tenancy_id)
    assert credential_id in door.credentials

    page.get_by_test_id("tenancy-enroll").click()
    assert door.wait(lambda: door.enrolling is not None)
    finger = new_finger()
    assert isinstance(door.enroll_finger(finger), int)

    expect(page.get_by_test_id("tenancy-state")).to_have_attribute(
        "data-state", "checked_in", timeout=20_000
    )
    expect(page.get_by_test_id("tenancy-step-checkedIn")).to_have_attribute(
        "data-done", "true"
    )
    assert door.touch(finger) == "unlock_ok"

    page.get_by_test_id("tenancy-check-out").click()
    page.get_by_test_id("tenancy-confirm-ok").click()
    expect(page.get_by_test_id("tenancy-checked-out")).to_be_visible()
    expect(page.get_by_test_id("tenancy-key")).to_have_attribute(
        "data-state", "revoked"
    )
    assert tenancy_of(app, tenancy_id).state == "checked_out"
    assert door.wait(lambda: credential_id in door.revoked)
    assert door.touch(finger) == "revoked"


def _credential_id(app, tenancy_id: str) -> str:
    from anju.locks.models import Credential

    with app.app_context():
        return str(Credential.objects(tenancy=tenancy_id).get().id)


def test_a_full_room_says_so_and_refuses_another_tenant(page, app, client, authority):
    house = make_house(app, client)
    first = check_in_by_api(client, house, "101", CITIZENS[303])
    assert first["state"] == "verified"

    open_room(page, house, "101")
    expect(page.get_by_test_id("room-full")).to_contain_text("已住满")
    expect(page.get_by_test_id("room-check-in")).to_have_count(0)

    # Straight to the form (a bookmark, a stale page): the server says no.
    page.goto(f"/operator/rooms/{house.rooms['101']}/check-in")
    expect(page.get_by_test_id("checkin-room-full")).to_be_visible()
    citizen = CITIZENS[304]
    page.get_by_test_id("checkin-name").fill(citizen.name)
    page.get_by_test_id("checkin-id-number").fill(citizen.id_number)
    page.get_by_test_id("checkin-submit").click()

    expect(page.get_by_test_id("checkin-refused-title")).to_have_text("房间已住满")
    expect(page).to_have_url(re.compile(r"/check-in$"))
    with app.app_context():
        assert Tenancy.objects(room=house.rooms["101"]).count() == 1
        assert Room.objects(id=house.rooms["101"]).first().occupants == 1


def test_a_check_in_sent_offline_is_recorded_once_when_back_online(
    page, app, client, authority
):
    house = make_house(app, client)
    citizen = CITIZENS[309]
    open_room(page, house, "102")
    page.get_by_test_id("room-check-in").click()
    page.get_by_test_id("checkin-name").fill(citizen.name)
    page.get_by_test_id("checkin-id-number").fill(citizen.id_number)

    page.context.set_offline(True)
    page.get_by_test_id("checkin-submit").click()
    expect(page.get_by_test_id("tab-pending-badge")).to_be_visible()
    with app.app_context():
        assert Tenancy.objects(room=house.rooms["102"]).count() == 0

    page.context.set_offline(False)
    expect(page.get_by_test_id("tab-pending-badge")).to_have_count(0, timeout=40_000)
    page.wait_for_timeout(1500)  # a second send, if any, would have landed by now
    with app.app_context():
        stored = Tenancy.objects(room=house.rooms["102"])
        assert stored.count() == 1
        assert stored.first().state == "verified"
        assert Room.objects(id=house.rooms["102"]).first().occupants == 1


def test_a_replaced_room_code_says_so(page, app, client):
    house = make_house(app, client)
    old = room_token(app, house, "101")
    open_room(page, house, "101")
    expect(page.get_by_test_id("room-code-image")).to_be_visible()

    page.get_by_test_id("room-code-reissue").click()
    page.get_by_test_id("room-reissue-confirm-ok").click()
    expect(page.get_by_test_id("toast")).to_contain_text("已更换")
    with app.app_context():
        assert Room.objects(id=house.rooms["101"]).first().code_version == 2

    page.goto(f"/r/{old}")
    expect(page.get_by_test_id("room-code-replaced")).to_contain_text("已更换")
    page.goto(f"/r/{room_token(app, house, '101')}")
    expect(page.get_by_test_id("room-code-room")).to_contain_text("101")


# --- what the tenant does


def log_in_inline(page, app, phone: str) -> None:
    page.get_by_test_id("room-code-phone").fill(phone)
    page.get_by_test_id("room-code-send-code").click()
    expect(page.get_by_test_id("room-code-send-code")).to_be_disabled()
    page.get_by_test_id("room-code-sms-code").fill(sms_code(app, phone))
    page.get_by_test_id("room-code-login-submit").click()


def test_a_tenant_scans_the_room_code_and_the_landlord_approves(
    page, app, client, authority, browser, live_server
):
    house = make_house(app, client)
    token = room_token(app, house, "102")
    citizen = CITIZENS[305]

    page.goto(f"/r/{token}")
    expect(page.get_by_test_id("room-code-property")).to_contain_text("东村3号出租屋")
    expect(page.get_by_test_id("room-code-room")).to_contain_text("102")
    page.get_by_test_id("locale-switch").click()
    expect(page.get_by_test_id("nav-title")).to_have_text("Room registration")
    page.get_by_test_id("locale-switch").click()
    expect(page.get_by_test_id("nav-title")).to_have_text("房间登记")

    log_in_inline(page, app, citizen.phone)
    expect(page.get_by_test_id("room-code-form")).to_be_visible()
    page.get_by_test_id("room-code-name").fill(citizen.name)
    page.get_by_test_id("room-code-id-number").fill(citizen.id_number)
    page.get_by_test_id("room-code-submit").click()
    expect(page.get_by_test_id("room-code-consent-error")).to_be_visible()
    page.get_by_test_id("room-code-consent-agree").check()
    page.get_by_test_id("room-code-submit").click()

    expect(page.get_by_test_id("room-code-waiting")).to_contain_text("等待房东确认")
    with app.app_context():
        asked = Tenancy.objects(room=house.rooms["102"]).get()
    assert asked.state == "requested" and asked.channel == "room_code"

    landlord = another_phone(browser, live_server)
    try:
        log_in_with_password(landlord, house.landlord)
        expect(landlord).to_have_url(re.compile(r"/operator/venues$"))
        landlord.get_by_test_id("tab-operator-properties").click()
        expect(landlord.get_by_test_id("property-pending")).to_be_visible()
        landlord.get_by_test_id("tenancies-link").click()
        landlord.get_by_test_id("tenancies-item").click()
        expect(landlord.get_by_test_id("tenancy-details")).to_contain_text(citizen.name)
        landlord.get_by_test_id("tenancy-approve").click()
        expect(landlord.get_by_test_id("tenancy-state")).to_have_attribute(
            "data-state", "verified"
        )
    finally:
        landlord.context.close()
    assert tenancy_of(app, str(asked.id)).state == "verified"

    page.get_by_test_id("room-code-my-room").click()
    expect(page).to_have_url(re.compile(r"^[^?]*/resident/room$"))
    mine = page.get_by_test_id("my-room")
    expect(mine).to_have_attribute("data-state", "verified")
    expect(page.get_by_test_id("my-room-next")).to_contain_text("等待房东授权门锁")


def test_my_room_and_key_and_a_check_out_the_landlord_confirms(
    page, app, client, authority, browser, live_server
):
    house = make_house(app, client)
    add_lock(app, house, "102")
    citizen = CITIZENS[306]
    tenancy = check_in_by_api(client, house, "102", citizen)
    authorized = client.post(
        f"{API}/tenancies/{tenancy['id']}/authorize",
        json={},
        headers=login(client, house.landlord),
    )
    assert authorized.status_code == 200, authorized.get_json()

    page.goto("/resident/room")
    expect(page).to_have_url(re.compile(r"/login\?redirect="))
    page.get_by_test_id("login-mode-sms").click()
    page.get_by_test_id("login-phone").fill(citizen.phone)
    page.get_by_test_id("login-send-code").click()
    expect(page.get_by_test_id("login-send-code")).to_be_disabled()
    page.get_by_test_id("login-code").fill(sms_code(app, citizen.phone))
    page.get_by_test_id("login-submit").click()
    expect(page).to_have_url(re.compile(r"^[^?]*/resident/room$"))

    expect(page.get_by_test_id("my-room-room")).to_contain_text("东村3号出租屋")
    expect(page.get_by_test_id("my-room-room")).to_contain_text("102")
    expect(page.get_by_test_id("my-room-key")).to_have_text("等待门锁接收")
    expect(page.get_by_test_id("my-room-next")).to_have_attribute(
        "data-step", "waiting_for_lock"
    )

    page.get_by_test_id("my-room-check-out").click()
    page.get_by_test_id("my-room-confirm-ok").click()
    expect(page.get_by_test_id("my-room-next")).to_contain_text("已申请退租")
    assert tenancy_of(app, tenancy["id"]).checkout_requested_at is not None
    assert tenancy_of(app, tenancy["id"]).state == "authorized"

    landlord = another_phone(browser, live_server)
    try:
        log_in_with_password(landlord, house.landlord)
        expect(landlord).to_have_url(re.compile(r"/operator/venues$"))
        landlord.goto("/operator/tenancies")
        landlord.get_by_test_id("tenancies-filter-checkout").click()
        landlord.get_by_test_id("tenancies-item").click()
        expect(landlord.get_by_test_id("tenancy-checkout-requested")).to_be_visible()
        landlord.get_by_test_id("tenancy-check-out").click()
        landlord.get_by_test_id("tenancy-confirm-ok").click()
        expect(landlord.get_by_test_id("tenancy-checked-out")).to_be_visible()
    finally:
        landlord.context.close()
    assert tenancy_of(app, tenancy["id"]).state == "checked_out"

    page.get_by_test_id("my-room-refresh").click()
    expect(page.get_by_test_id("my-room-history")).to_contain_text("已退租")
    expect(page.get_by_test_id("my-room")).to_have_count(0)


# --- officers and the device administrator


def test_the_officer_sees_occupancy_and_the_over_capacity_alert(
    page, app, client, authority
):
    house = make_house(app, client)
    headers = login(client, house.officer)
    for citizen in (CITIZENS[307], CITIZENS[308]):
        answer = client.post(
            f"{API}/rooms/{house.rooms['101']}/tenancies",
            json={
                "name": citizen.name,
                "id_number": citizen.id_number,
                "override_reason": "临时安置两人一周",
                **period(),
            },
            headers=headers,
        )
        assert answer.status_code == 201, answer.get_json()

    # A TOTP code is good once: the browser logs in as a colleague.
    officer = make_staff(app, "officer", house.zone)
    log_in_with_password(page, officer)
    expect(page).to_have_url(re.compile(r"/officer/work$"))
    page.get_by_test_id("officer-occupancy-link").click()

    rows = page.get_by_test_id("occupancy-row")
    expect(rows).to_have_count(2)
    over = page.locator('[data-testid="occupancy-row"][data-over="true"]')
    expect(over).to_have_count(1)
    expect(over).to_contain_text("101")
    expect(over).to_contain_text("超员")
    page.get_by_test_id("occupancy-over-only").check()
    expect(rows).to_have_count(1)

    page.goto("/officer/work")
    page.get_by_test_id("officer-lock-alerts-link").click()
    alert = page.locator('[data-testid="lock-alert"][data-kind="room_over_capacity"]')
    expect(alert.first).to_contain_text("房间超员")


def test_the_device_administrator_registers_a_lock_and_sees_it(page, app, client):
    from anju.locks.models import Lock

    house = make_house(app, client)
    sysadmin = make_staff(app, "sysadmin")
    log_in_with_password(page, sysadmin)
    expect(page).to_have_url(re.compile(r"/sysadmin/accounts$"))
    page.get_by_test_id("tab-sysadmin-devices").click()

    page.get_by_test_id("lock-serial").fill("UI-DOOR-0101")
    page.get_by_test_id("lock-room-id").fill(house.rooms["101"])
    page.get_by_test_id("lock-register").click()

    password = page.get_by_test_id("lock-mqtt-password")
    expect(password).to_have_text(re.compile(r"\S{12,}"))
    row = page.locator('[data-testid="lock-row"][data-serial="UI-DOOR-0101"]')
    expect(row.get_by_test_id("lock-status")).to_have_attribute("data-state", "offline")
    with app.app_context():
        lock = Lock.objects(serial="UI-DOOR-0101").get()
        assert str(lock.room) == house.rooms["101"]
        assert Room.objects(id=house.rooms["101"]).first().lock == lock.id

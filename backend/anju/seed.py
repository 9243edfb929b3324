"""The demo district: what ``scripts/run`` shows a new user, and, with
``--scale``, the synthetic data the benchmarks use.

A market zone (a commercial city with a few hundred stalls), an open-village
zone (8 villages with rented rooms, about 1,400 in all) and a closed community,
with synthetic people drawn from the same population the ID authority simulator
holds, so their checks match. Running it again adds nothing.
"""

from __future__ import annotations

import logging
import random
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyotp
from bson import ObjectId

from anju.accounts.models import Account, Grant
from anju.accounts.service import create_account, phone_index
from anju.areas.models import Area
from anju.areas.service import create_area
from anju.common.crypto import keyring
from anju.common.idnumber import parse_id_number
from anju.housing.models import Property, Room
from anju.identity.population import synthetic_population
from anju.people.models import Person
from anju.people.service import new_person
from anju.venues.models import Venue

logger = logging.getLogger(__name__)

POPULATION_SEED = 7
DEMO_PASSWORD = "anju-demo-2026"  # noqa: S105 (printed demo login, dev only)
DISTRICT = "安居区"
VILLAGES = ("东村", "西村", "南村", "北村", "前进村", "新塘村", "石门村", "沙溪村")
MARKET_SECTIONS = ("服装区", "小商品区", "五金区", "食品区")
COMMUNITIES = ("阳光花园", "锦绣家园")
STALLS_PER_SECTION = 75
ROOMS_PER_VILLAGE = 175
DEMO_PEOPLE = 600


@dataclass
class DemoAccount:
    label: str
    phone: str
    login: str


def _area(name: str, kind: str, parent: Area | None, zone_kind: str | None = None):
    found = Area.objects(name=name, parent=parent.id if parent else None).first()
    if found:
        return found
    data = {"name": name, "kind": kind, "parent_id": str(parent.id) if parent else None}
    if zone_kind:
        data["zone_kind"] = zone_kind
    return create_area(None, data)


def _tree() -> dict[str, Area]:
    district = _area(DISTRICT, "district", None)
    market = _area("国际商贸城", "zone", district, "market")
    village_zone = _area("城中村片区", "zone", district, "open_village")
    closed = _area("封闭小区片区", "zone", district, "closed_community")

    areas = {
        "district": district,
        "market": market,
        "villages": village_zone,
        "closed": closed,
    }
    for name in MARKET_SECTIONS:
        areas[name] = _area(name, "market_section", market)
    for name in VILLAGES:
        village = _area(name, "village", village_zone)
        areas[name] = village
        for number in range(1, 4):
            _area(f"{name}{number}栋", "building", village)
    for name in COMMUNITIES:
        community = _area(name, "community", closed)
        areas[name] = community
        for number in range(1, 3):
            _area(f"{name}{number}幢", "building", community)
    return areas


def _stalls(areas: dict[str, Area], operator: ObjectId | None) -> int:
    """The market's stalls, each active with its first code, and two shops
    waiting for the area's approval (so the approval screen has something)."""
    if Venue.objects.count():
        return 0

    now = datetime.now(UTC)
    venues = []
    for section in MARKET_SECTIONS:
        area = areas[section]
        for number in range(1, STALLS_PER_SECTION + 1):
            venue_id = ObjectId()
            venues.append(
                Venue(
                    id=venue_id,
                    name=f"{section}{number:03d}号铺",
                    kind="stall_shop",
                    area=area.id,
                    address=f"国际商贸城{section}{number:03d}号",
                    operator=operator if number == 1 else None,
                    expected_headcount=random.randint(1, 4),  # noqa: S311 (demo data)
                    status="active",
                    code_version=1,
                    scope_keys=[*area.scope_keys(), f"venue:{venue_id}"],
                    created_at=now,
                ).to_mongo()
            )
    pending = (
        (VILLAGES[0], "东村小炒店", "catering_entertainment", 6),
        (VILLAGES[1], "西村服装加工坊", "workshop", 12),
    )
    for village, name, kind, headcount in pending:
        area = areas[village]
        venue_id = ObjectId()
        venues.append(
            Venue(
                id=venue_id,
                name=name,
                kind=kind,
                area=area.id,
                address=f"{village}1号",
                expected_headcount=headcount,
                status="pending_approval",
                code_version=1,
                scope_keys=[*area.scope_keys(), f"venue:{venue_id}"],
                created_at=now,
            ).to_mongo()
        )
    Venue._get_collection().insert_many(venues)
    return len(venues)


def _rooms(areas: dict[str, Area], landlord: ObjectId | None) -> int:
    if Room.objects.count():
        return 0

    now = datetime.now(UTC)
    made = 0
    for index, name in enumerate(VILLAGES):
        area = areas[name]
        rooms = []
        for house in range(1, ROOMS_PER_VILLAGE // 25 + 1):
            property_id = ObjectId()
            keys = [*area.scope_keys(), f"property:{property_id}"]
            Property(
                id=property_id,
                name=f"{name}{house}号出租屋",
                address=f"{name}{house}号",
                area=area.id,
                landlord=landlord if (index, house) == (0, 1) else None,
                scope_keys=keys,
                created_at=now,
            ).save(force_insert=True)
            for number in range(1, 26):
                rooms.append(
                    Room(
                        property=property_id,
                        number=f"{(number - 1) // 5 + 1}{(number - 1) % 5 + 1:02d}",
                        floor=(number - 1) // 5 + 1,
                        capacity=random.choice((1, 2, 2, 4)),  # noqa: S311 (demo data)
                        occupants=0,
                        code_version=1,
                        scope_keys=keys,
                        created_at=now,
                    ).to_mongo()
                )
        Room._get_collection().insert_many(rooms)
        made += len(rooms)
    return made


def _locks(areas: dict[str, Area]) -> int:
    """A lock on every seeded room's door and two gates per closed community.
    Their MQTT passwords are random and not kept: the embedded broker lets
    anyone in; `POST /locks/{id}/password` gives one for Mosquitto."""
    from flask import current_app
    from pymongo import UpdateOne

    from anju.locks.models import Lock
    from anju.locks.mosquitto import password_hash

    if Lock.objects.count():
        return 0

    now = datetime.now(UTC)
    epoch = current_app.config["ANJU"].lock_key_epoch
    hashed = password_hash(secrets.token_urlsafe(24))  # one unknown password
    properties = {house.id: house for house in Property.objects()}
    locks, links = [], []
    for number, room in enumerate(Room.objects().order_by("id"), start=1):
        house = properties[room.property]
        lock_id = ObjectId()
        locks.append(
            Lock(
                id=lock_id,
                serial=f"AJ-R{number:05d}",
                kind="room",
                room=room.id,
                area=house.area,
                property=house.id,
                scope_keys=list(room.scope_keys),
                mqtt_password_hash=hashed,
                key_epoch=epoch,
                created_at=now,
            ).to_mongo()
        )
        links.append(UpdateOne({"_id": room.id}, {"$set": {"lock": lock_id}}))
    for name in COMMUNITIES:
        community = areas[name]
        for gate in (1, 2):
            locks.append(
                Lock(
                    serial=f"AJ-G{COMMUNITIES.index(name) + 1:02d}{gate}",
                    kind="gate",
                    area=community.id,
                    scope_keys=community.scope_keys(),
                    mqtt_password_hash=hashed,
                    key_epoch=epoch,
                    created_at=now,
                ).to_mongo()
            )
    # In chunks: one very large write can outlast the socket timeout on the
    # embedded database of a busy machine.
    for start in range(0, len(locks), 200):
        Lock._get_collection().insert_many(locks[start : start + 200])
    for start in range(0, len(links), 200):
        Room._get_collection().bulk_write(links[start : start + 200])
    return len(locks)


def _staff(areas: dict[str, Area]) -> list[DemoAccount]:
    plan = [
        ("系统管理员 sysadmin", "13900000001", "sysadmin", None, "安居区公安分局"),
        # The whole district: the demo's stalls (in the market) and rooms (in
        # the villages) are both in the officer's sight.
        (
            "社区民警 officer",
            "13900000002",
            "officer",
            areas["district"],
            "安居区派出所",
        ),
        (
            "市场管理 area admin",
            "13900000003",
            "area_admin",
            areas["market"],
            "商贸城管委会",
        ),
        ("商户/房东 operator", "13900000004", "operator", None, None),
    ]
    made = []
    for label, phone, role, area, organization in plan:
        account = Account.objects(phone_index=phone_index(phone)).first()
        secret = None
        grant = Grant(role=role)
        if area is not None:
            grant = Grant(
                role=role, scope_kind="area", scope_id=area.id, scope_name=area.name
            )
        held = {g.scope_id for g in account.grants} if account else set()
        if account is not None and area is not None and area.id not in held:
            # A demo database seeded under an older plan: the plan's scope.
            account.update(set__grants=[grant])
        if account is None:
            account = create_account(
                phone,
                [grant],
                password=DEMO_PASSWORD,
                display_name=label.split()[0],
                organization=organization,
            )
            if role in ("officer", "sysadmin"):
                secret = pyotp.random_base32()
                account.update(
                    set__totp_secret_encrypted=keyring().encrypt(secret, "totp"),
                    set__totp_enabled=True,
                )
        login = f"password {DEMO_PASSWORD}"
        if secret:
            login += f", TOTP secret {secret} (add it to an authenticator app)"
        made.append(DemoAccount(label, phone, login))
    return made


def _people(areas: dict[str, Area], count: int, batch: int = 1000) -> int:
    population = synthetic_population(POPULATION_SEED, count)
    places = [areas[name] for name in (*VILLAGES, *MARKET_SECTIONS, *COMMUNITIES)]
    existing = Person.objects.count()
    made = 0

    for start in range(existing, len(population), batch):
        documents = []
        for citizen in population[start : start + batch]:
            place = places[int(citizen.id_number[6:17]) % len(places)]
            person = new_person(
                citizen.name,
                parse_id_number(citizen.id_number),
                citizen.phone,
                place.scope_keys(),
                "officer",
                None,
            )
            documents.append(person.to_mongo())
        Person._get_collection().insert_many(documents, ordered=False)
        made += len(documents)
    return made


def seed(scale: int | None = None) -> list[DemoAccount]:
    random.seed(POPULATION_SEED)
    areas = _tree()
    staff = _staff(areas)

    operator = Account.objects(phone_index=phone_index("13900000004")).first()
    stalls = _stalls(areas, operator.id)
    rooms = _rooms(areas, operator.id)
    _locks(areas)
    _grant_operator(operator)
    people = _people(areas, scale or DEMO_PEOPLE)
    _tenancies(operator)
    staff_made = _employments(operator, scale or DEMO_PEOPLE)

    first = synthetic_population(POPULATION_SEED, 1)[0]
    resident = DemoAccount("居民 resident", first.phone, "SMS code (shown in this log)")
    logger.info(
        "seeded",
        extra={
            "stalls": stalls,
            "rooms": rooms,
            "people": people,
            "employments": staff_made,
        },
    )
    return [*staff, resident]


def _tenancies(landlord: Account) -> int:
    """Two tenants in the demo landlord's first rooms: the demo resident,
    checked in by the landlord and waiting for the ID check (the worker's
    check makes it "verified", ready to authorize), and a second person's
    request through the room's code, waiting for the landlord's approval."""
    from datetime import date, timedelta

    from anju.housing.models import Tenancy, TenantConsent
    from anju.privacy.consent import CURRENT_VERSION

    if Tenancy.objects.count():
        return 0
    house = Property.objects(landlord=landlord.id).first()
    rooms = list(Room.objects(property=house.id).order_by("number")[:2])
    tenants = synthetic_population(POPULATION_SEED, 2)

    now = datetime.now(UTC)
    today = date.today()
    made = 0
    for index, (room, citizen) in enumerate(zip(rooms, tenants, strict=True)):
        index_key = keyring().blind_index(citizen.id_number, "id_number")
        person = Person.objects(id_number_index=index_key).first()
        if person is None:
            continue
        requested = index == 1
        Person.objects(id=person.id).update_one(
            add_to_set__scope_keys=list(house.scope_keys)
        )
        Tenancy(
            room=room.id,
            property=house.id,
            person=person.id,
            start_date=today,
            end_date=today + timedelta(days=180),
            state="requested" if requested else "verifying",
            channel="room_code" if requested else "landlord",
            holds_bed=not requested,
            active_key=f"{person.id}:{room.id}",
            consent=TenantConsent(version=CURRENT_VERSION, accepted_at=now)
            if requested
            else None,
            registered_by=None if requested else str(landlord.id),
            scope_keys=sorted({*house.scope_keys, f"person:{person.id}"}),
            created_at=now,
            updated_at=now,
        ).save(force_insert=True)
        if not requested:
            Room.objects(id=room.id).update_one(inc__occupants=1)
        made += 1
    return made


# The demo operator's staff: (population index, channel, job, state). The
# first two people are the tenants of _tenancies.
DEMO_STAFF = [
    (2, "self_scan", "理货员", "active"),
    (3, "self_scan", "收银员", "active"),
    (4, "operator", "送货员", "active"),
    (5, "import", "搬运工", "active"),
    (6, "operator", "店员", "ended"),
    (7, "self_scan", "店员", "left_without_notice"),
]


def _employments(operator: Account, people_count: int) -> int:
    """Staff at the demo operator's stall, come in by each channel and
    in each state, and one more whose name the operator mistyped: a person
    first on record under the wrong name, whose check (by the worker) answers
    mismatch, so the officer has an alert and a record to correct."""
    from datetime import date, timedelta

    from anju.venues.models import Employment

    operator.reload()
    granted = [g.scope_id for g in operator.grants if g.scope_kind == "venue"]
    venue = Venue.objects(id__in=granted).first()
    if venue is None or Employment.objects(venue=venue.id).count():
        return 0
    population = synthetic_population(POPULATION_SEED, people_count + 1)
    now = datetime.now(UTC)
    today = date.today()

    def employ(person: Person, channel: str, job: str, state: str) -> Employment:
        active = state == "active"
        Person.objects(id=person.id).update_one(
            add_to_set__scope_keys=list(venue.scope_keys)
        )
        return Employment(
            person=person.id,
            venue=venue.id,
            job=job,
            start_date=today - timedelta(days=90),
            end_date=None if active else today - timedelta(days=7),
            state=state,
            channel=channel,
            registered_by=None if channel == "self_scan" else str(operator.id),
            active_key=f"{person.id}:{venue.id}" if active else None,
            scope_keys=sorted({*venue.scope_keys, f"person:{person.id}"}),
            created_at=now,
            updated_at=now,
        )

    made = []
    for index, channel, job, state in DEMO_STAFF:
        index_key = keyring().blind_index(population[index].id_number, "id_number")
        person = Person.objects(id_number_index=index_key).first()
        if person is not None:
            made.append(employ(person, channel, job, state))

    newcomer = population[people_count]
    mistyped = newcomer.name[:-1] + ("明" if newcomer.name[-1] != "明" else "亮")
    person = new_person(
        mistyped,
        parse_id_number(newcomer.id_number),
        newcomer.phone,
        list(venue.scope_keys),
        "operator",
        str(operator.id),
    )
    person.save(force_insert=True)
    made.append(employ(person, "operator", "厨师", "active"))

    Employment.objects.insert(made, load_bulk=False)
    return len(made)


def _grant_operator(operator: Account) -> None:
    if any(grant.scope_kind for grant in operator.grants):
        return
    venue = Venue.objects(operator=operator.id).first()
    house = Property.objects(landlord=operator.id).first()
    grants = [
        Grant(
            role="operator",
            scope_kind="venue",
            scope_id=venue.id,
            scope_name=venue.name,
        ),
        Grant(
            role="operator",
            scope_kind="property",
            scope_id=house.id,
            scope_name=house.name,
        ),
    ]
    Account.objects(id=operator.id).update_one(set__grants=grants)


def write_demo_accounts(accounts: list[DemoAccount], var_dir: Path) -> Path:
    path = var_dir / "demo-accounts.txt"
    if path.exists():
        return path  # TOTP secrets are only known the first time

    lines = ["Demo accounts (phone — how to log in):"]
    lines += [f"  {a.label:<22} {a.phone}  {a.login}" for a in accounts]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path

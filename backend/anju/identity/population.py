"""The synthetic population the ID authority simulator knows.

The simulator and the demo seed script both call :func:`synthetic_population`, so
every demo person is someone the simulator can match. The same seed gives the
same people (for the pinned Faker version), and a smaller size gives a prefix of
a larger one: ``synthetic_population(7, 50) == synthetic_population(7, 5000)[:50]``.

ID numbers are valid 18-character numbers (GB 11643, built by
:func:`anju.common.idnumber.make_id_number`) with a county-level region code, a
birth date between 1960 and 2006 and a sequence that agrees with the person's
gender; phone numbers are mainland mobile numbers.
"""

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from random import Random

from faker import Faker
from faker.providers.person.zh_CN import Provider as PersonProvider
from faker.providers.phone_number.zh_CN import Provider as PhoneProvider
from faker.providers.ssn.zh_CN import Provider as SsnProvider

from anju.common.idnumber import make_id_number

# XXX: birth dates come from a fixed range, not from Faker's ssn(), because ssn()
# counts ages back from today and the same seed would give other ID numbers
# tomorrow, losing the demo people the database already holds.
EARLIEST_BIRTH = date(1960, 1, 1)
LATEST_BIRTH = date(2006, 12, 31)
_BIRTH_SPAN = (LATEST_BIRTH - EARLIEST_BIRTH).days

# Faker supplies the zh_CN tables and the seeded generator. Its own methods draw
# digit by digit and rebuild the surname weights on every call, several times
# slower than drawing from the tables directly.
_SURNAMES = list(PersonProvider.last_names)
_SURNAME_WEIGHTS = list(itertools.accumulate(PersonProvider.last_names.values()))

# County-level codes only: a code ending in 00 names a province or a city.
_AREA_CODES = [code for code in SsnProvider.area_codes if not code.endswith("00")]

_PHONE_PREFIXES = [str(prefix) for prefix in PhoneProvider.phonenumber_prefixes]


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"


@dataclass(frozen=True, slots=True)
class Citizen:
    name: str
    id_number: str
    phone: str
    gender: Gender
    birth_date: date


def synthetic_population(seed: int, size: int) -> list[Citizen]:
    """Return ``size`` people with distinct ID and phone numbers, the same each call."""
    faker = Faker("zh_CN")
    faker.seed_instance(seed)
    random = faker.random
    citizens: list[Citizen] = []
    id_numbers: set[str] = set()
    phones: set[str] = set()

    while len(citizens) < size:
        citizen = _draw_citizen(random)
        if citizen.id_number in id_numbers or citizen.phone in phones:
            continue

        citizens.append(citizen)
        id_numbers.add(citizen.id_number)
        phones.add(citizen.phone)

    return citizens


def _draw_citizen(random: Random) -> Citizen:
    surname = random.choices(_SURNAMES, cum_weights=_SURNAME_WEIGHTS)[0]
    # The sequence number's last digit is even for women and odd for men.
    if random.random() < 0.5:
        gender = Gender.FEMALE
        given_name = random.choice(PersonProvider.first_names_female)
        sequence = random.randrange(0, 1000, 2)
    else:
        gender = Gender.MALE
        given_name = random.choice(PersonProvider.first_names_male)
        sequence = random.randrange(1, 1000, 2)

    birth_date = EARLIEST_BIRTH + timedelta(days=random.randint(0, _BIRTH_SPAN))
    area_code = random.choice(_AREA_CODES)
    phone = f"{random.choice(_PHONE_PREFIXES)}{random.randrange(10**8):08d}"

    return Citizen(
        name=surname + given_name,
        id_number=make_id_number(area_code, birth_date, sequence),
        phone=phone,
        gender=gender,
        birth_date=birth_date,
    )

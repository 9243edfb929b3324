"""Housing fixtures: a district, an officer, a landlord without a property
yet, and the landlord's property with two rooms (made through the API)."""

from __future__ import annotations

import pytest

from tests.factories import District, Staff, make_district, make_staff
from tests.housing.steps import House, make_house


@pytest.fixture
def district(app) -> District:
    return make_district(app)


@pytest.fixture
def officer(app, district) -> Staff:
    return make_staff(app, "officer", district.zone)


@pytest.fixture
def landlord(app) -> Staff:
    return make_staff(app, "operator")


@pytest.fixture
def house(client, officer, landlord, district) -> House:
    return make_house(client, officer, landlord, district.village)

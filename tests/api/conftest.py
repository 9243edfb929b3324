"""The district, venue and staff most API tests start from. A module that
needs another shape defines its own fixture of the same name."""

from __future__ import annotations

import pytest

from tests.api.employment_helpers import make_venue
from tests.factories import make_district, make_staff


@pytest.fixture
def district(app):
    return make_district(app)


@pytest.fixture
def venue(app, district):
    """An approved venue in the district's village."""
    return make_venue(app, district.village)


@pytest.fixture
def operator(app, venue):
    """The operator of ``venue`` (scoped to the venue alone)."""
    return make_staff(app, "operator", venue, scope_kind="venue")


@pytest.fixture
def officer(app, district):
    """An officer of the district's zone."""
    return make_staff(app, "officer", district.zone)

"""The demo landlord starts with a tenant to authorize and a request to
approve; the worker's ID check moves the first on to "verified"."""

from __future__ import annotations

from anju import seed
from anju.accounts.models import Account
from anju.accounts.service import phone_index
from anju.housing.models import Room, Tenancy
from anju.housing.service import housing_upkeep
from anju.people.service import verify_pending


def test_demo_tenancies_wait_for_the_landlord(app, settings):
    with app.app_context():
        # The steps of seed() that housing needs (the locks are tested apart).
        areas = seed._tree()
        seed._staff(areas)
        landlord = Account.objects(phone_index=phone_index("13900000004")).first()
        seed._stalls(areas, landlord.id)
        seed._rooms(areas, landlord.id)
        seed._grant_operator(landlord)
        seed._people(areas, 5)
        assert seed._tenancies(landlord) == 2
        assert seed._tenancies(landlord) == 0  # running again adds nothing

        tenancies = {t.state: t for t in Tenancy.objects()}
        assert set(tenancies) == {"verifying", "requested"}
        checked_in = tenancies["verifying"]
        assert Room.objects(id=checked_in.room).first().occupants == 1
        assert Room.objects(id=tenancies["requested"].room).first().occupants == 0

        verify_pending(settings)
        assert housing_upkeep(settings) >= 1
        checked_in.reload()
        assert checked_in.state == "verified"

"""People: supplementary entries, lists, exact search and revealing a number."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from anju.accounts.authz import current_actor, requires
from anju.common.errors import NotFound
from anju.common.idempotency import idempotent
from anju.people import corrections, schemas, service

URL_PREFIX = ""

blp = Blueprint("people", __name__, description="People and their identity checks")


@blp.route("/people")
class People(MethodView):
    @requires("people.read")
    @blp.arguments(schemas.PeopleQuery, location="query")
    @blp.response(200, schemas.PeoplePage)
    def get(self, query):
        """People within my scope, newest first (each look is audited)."""
        page, cursor = service.list_people(
            current_actor(),
            verification=query.get("verification"),
            cursor=query.get("cursor"),
            limit=query["limit"],
        )
        return {"items": page, "next_cursor": cursor}

    @requires("people.create")
    @idempotent
    @blp.arguments(schemas.PersonCreate)
    @blp.response(201, schemas.PersonView)
    def post(self, data):
        """Register a person in an area of mine (a supplementary entry); an ID
        number already known links to that person. The ID check follows."""
        return service.register_in_area(current_actor(), data).person


@blp.route("/people/search")
class PeopleSearch(MethodView):
    @requires("people.search")
    @blp.arguments(schemas.PersonSearch)
    @blp.response(200, schemas.PeoplePage)
    def post(self, data):
        """Exact search by name, phone or ID number (sent in the body, so it
        stays out of URLs and proxy logs)."""
        found = service.search_people(
            current_actor(),
            **{key: data.get(key) for key in ("name", "phone", "id_number")},
        )
        return {"items": found, "next_cursor": None}


@blp.route("/people/<string:person_id>")
class PersonItem(MethodView):
    @requires("people.read")
    @blp.response(200, schemas.PersonView)
    def get(self, person_id):
        """One person within my scope, masked."""
        return service.get_person(current_actor(), person_id)


@blp.route("/people/<string:person_id>/reveal")
class PersonReveal(MethodView):
    @requires("people.reveal")
    @blp.arguments(schemas.RevealRequest)
    @blp.response(200, schemas.RevealedNumber)
    def post(self, data, person_id):
        """The full ID number, for a stated purpose; rate-limited and audited."""
        number = service.reveal_id_number(current_actor(), person_id, data["purpose"])
        return {"id_number": number}


@blp.route("/people/<string:person_id>/corrections")
class PersonCorrections(MethodView):
    @requires("people.update")
    @blp.response(200, schemas.CorrectionList)
    def get(self, person_id):
        """The record's corrections, newest first (audited as a look)."""
        return {"items": corrections.list_corrections(current_actor(), person_id)}

    @requires("people.update")
    @idempotent
    @blp.arguments(schemas.CorrectionRequest)
    @blp.response(201, schemas.CorrectionResult)
    def post(self, data, person_id):
        """Correct the name and/or ID number, with a reason; the ID check is
        asked again and its answer returned. Audited."""
        corrected = corrections.correct_person(current_actor(), person_id, data)
        return {"correction": corrected.correction, "person": corrected.person}


@blp.route("/me/person")
class OwnPerson(MethodView):
    @requires("self")
    @blp.response(200, schemas.OwnPersonView)
    def get(self):
        """My own person record (my phone shown in full to me only)."""
        person = service.own_person(current_actor())
        if person is None:
            raise NotFound()
        return {
            **{name: getattr(person, name) for name in schemas.PersonView().fields},
            "phone": service.own_phone(person),
        }

"""Registration at a venue (self scan, by staff, by share code), employments,
their end, the consent shown before a self scan, and the worker's own share
codes."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from anju.accounts.authz import current_actor, public, requires
from anju.common.idempotency import idempotent
from anju.people import sharing
from anju.privacy import consent
from anju.venues import employment_lists as lists
from anju.venues import employment_schemas as schemas
from anju.venues import employments as service

URL_PREFIX = ""

blp = Blueprint("employments", __name__, description="Employments and share codes")

# A bad venue code answers as it does on GET /venue-codes/{token}.


@blp.route("/consent/current")
class CurrentConsent(MethodView):
    @public
    @blp.response(200, schemas.ConsentView)
    def get(self):
        """The consent to processing sensitive personal information shown
        before a self scan: version, purpose, retention and text, in the
        language asked for."""
        return consent.current_consent()


@blp.route("/venue-codes/<string:token>/registrations")
class Registrations(MethodView):
    @requires("self")
    @idempotent(reserve=False)
    @blp.arguments(schemas.SelfRegistration)
    @blp.response(201, schemas.MyEmployment)
    @blp.alt_response(
        200, schema=schemas.MyEmployment, description="Already registered"
    )
    def post(self, data, token):
        """Register myself at the venue whose code I scanned (logged in by SMS
        code; my account's phone is used). Stored first, then the ID check;
        already registered here answers 200 with that record."""
        registered = service.register_by_scan(current_actor(), token, data)
        return lists.own_view(registered), 201 if registered.created else 200


@blp.route("/me/employments")
class OwnEmployments(MethodView):
    @requires("self")
    @blp.response(200, schemas.MyEmployments)
    def get(self):
        """Where I am registered as working, newest first."""
        found = lists.own_employments(current_actor())
        return {"items": lists.own_views(found)}


@blp.route("/venues/<string:venue_id>/employments")
class VenueEmployments(MethodView):
    @requires("employments.read")
    @blp.arguments(schemas.VenueEmploymentsQuery, location="query")
    @blp.response(200, schemas.EmploymentPage)
    def get(self, query, venue_id):
        """A venue's staff and business contacts, newest first, masked (each
        person shown is audited)."""
        page, cursor = lists.venue_employments(
            current_actor(),
            venue_id,
            state=query.get("state"),
            cursor=query.get("cursor"),
            limit=query["limit"],
        )
        return {"items": lists.views(page), "next_cursor": cursor}

    @requires("employments.manage")
    @idempotent
    @blp.arguments(schemas.StaffRegistration)
    @blp.response(201, schemas.EmploymentView)
    @blp.alt_response(
        200, schema=schemas.EmploymentView, description="Already registered"
    )
    def post(self, data, venue_id):
        """Register a worker or business contact: name and ID number, or the
        worker's share code. A mismatch shows in ``verification`` at once."""
        registered = service.register_at_venue(current_actor(), venue_id, data)
        return lists.registered_view(registered), 201 if registered.created else 200


@blp.route("/employments")
class Employments(MethodView):
    @requires("employments.read")
    @blp.arguments(schemas.EmploymentsQuery, location="query")
    @blp.response(200, schemas.EmploymentPage)
    def get(self, query):
        """Every employment in my jurisdiction, with filters (each person
        shown is audited)."""
        page, cursor = lists.list_employments(
            current_actor(), query, query.get("cursor"), query["limit"]
        )
        return {"items": lists.views(page), "next_cursor": cursor}


@blp.route("/employments/<string:employment_id>/end")
class EndEmployment(MethodView):
    @requires("employments.manage")
    @blp.arguments(schemas.EndRequest)
    @blp.response(200, schemas.EmploymentView)
    def post(self, data, employment_id):
        """End an active employment (today unless ``end_date`` is given)."""
        ended = service.end_employment(
            current_actor(), employment_id, data.get("end_date")
        )
        return lists.employment_view(ended)


@blp.route("/employments/<string:employment_id>/left")
class LeftWithoutNotice(MethodView):
    @requires("employments.manage")
    @blp.response(200, schemas.EmploymentView)
    def post(self, employment_id):
        """Mark that the worker left without notice (ends it today)."""
        left = service.mark_left(current_actor(), employment_id)
        return lists.employment_view(left)


def _share_view(share, code: str | None = None) -> dict:
    return {
        "id": str(share.id),
        "code": code,
        "hint": share.hint,
        "purpose": share.purpose,
        "created_at": share.created_at,
        "expires_at": share.expires_at,
        "state": sharing.state_of(share),
        "uses": [
            {"used_at": u.used_at, "by_name": u.by_name, "place_name": u.place_name}
            for u in share.uses
        ],
    }


@blp.route("/me/share-codes")
class ShareCodes(MethodView):
    @requires("self")
    @blp.response(200, schemas.ShareCodeList)
    def get(self):
        """My share codes with their uses (the codes themselves are shown
        only when made)."""
        return {"items": [_share_view(s) for s in sharing.own_codes(current_actor())]}

    @requires("self")
    @idempotent
    @blp.arguments(schemas.ShareCodeCreate)
    @blp.response(201, schemas.ShareCodeView)
    def post(self, data):
        """Make a share code for one purpose (employment or tenancy), valid 30
        days: an employer or landlord enters it instead of my ID number."""
        share, code = sharing.create(current_actor(), data["purpose"])
        return _share_view(share, code)


@blp.route("/me/share-codes/<string:share_id>")
class ShareCodeItem(MethodView):
    @requires("self")
    @blp.response(200, schemas.ShareCodeView)
    def delete(self, share_id):
        """Withdraw one of my share codes: it can no longer be used."""
        return _share_view(sharing.withdraw(current_actor(), share_id))

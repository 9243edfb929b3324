"""Venues, their codes and posters, the public code lookup and coverage."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from anju.accounts.authz import current_actor, public, requires
from anju.common import ratelimit
from anju.common.idempotency import idempotent
from anju.venues import schemas, service

URL_PREFIX = ""

blp = Blueprint("venues", __name__, description="Venues, venue codes and employments")


def _download(file: service.CodeFile) -> Response:
    response = Response(file.content, mimetype=file.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/venues")
class Venues(MethodView):
    @requires("venues.read")
    @blp.arguments(schemas.VenueQuery, location="query")
    @blp.response(200, schemas.VenuePage)
    def get(self, query):
        """Venues within my scope, newest first, with registered counts."""
        items, cursor = service.list_venues(
            current_actor(),
            status=query.get("status"),
            kind=query.get("kind"),
            area_id=query.get("area_id"),
            q=query.get("q"),
            cursor=query.get("cursor"),
            limit=query["limit"],
        )
        return {"items": items, "next_cursor": cursor}

    @requires("venues.create")
    @idempotent
    @blp.arguments(schemas.VenueCreate)
    @blp.response(201, schemas.VenueView)
    def post(self, data):
        """A new venue: an operator's waits for approval, an admin's is active."""
        return service.view(service.create_venue(current_actor(), data))


@blp.route("/venues/bulk")
class VenuesBulk(MethodView):
    @requires("venues.approve")
    @idempotent
    @blp.arguments(schemas.BulkCreate)
    @blp.response(201, schemas.BulkCreated)
    def post(self, data):
        """A market's stalls at once (area admins and officers): prefix + number."""
        return service.bulk_create(current_actor(), data)


@blp.route("/venues/posters.pdf")
class VenuePosters(MethodView):
    @requires("venues.codes")
    @blp.arguments(schemas.PostersQuery, location="query")
    @blp.response(200, content_type="application/pdf")
    def get(self, query):
        """One PDF, a page per active venue in my scope (in an area if given)."""
        file = service.many_posters(
            current_actor(),
            query.get("area_id"),
            query["size"],
            prefix=query.get("prefix"),
        )
        return _download(file)


@blp.route("/venues/<string:venue_id>")
class VenueItem(MethodView):
    @requires("venues.read")
    @blp.response(200, schemas.VenueView)
    def get(self, venue_id):
        """One venue within my scope."""
        return service.view(service.get_venue("venues.read", venue_id))

    @requires("venues.create")
    @blp.arguments(schemas.VenueUpdate)
    @blp.response(200, schemas.VenueView)
    def patch(self, data, venue_id):
        """Change a venue's details, or close it."""
        return service.view(service.update_venue(current_actor(), venue_id, data))


@blp.route("/venues/<string:venue_id>/approve")
class VenueApprove(MethodView):
    @requires("venues.approve")
    @blp.response(200, schemas.VenueView)
    def post(self, venue_id):
        """Approve an operator's venue: its code starts to work."""
        return service.view(service.approve_venue(current_actor(), venue_id))


@blp.route("/venues/<string:venue_id>/code")
class VenueCode(MethodView):
    @requires("venues.codes")
    @blp.response(200, schemas.VenueView)
    def post(self, venue_id):
        """Re-issue the venue's code: the old printed one stops working."""
        return service.view(service.reissue_code(current_actor(), venue_id))


@blp.route("/venues/<string:venue_id>/code.png")
class VenueCodePng(MethodView):
    @requires("venues.codes")
    @blp.response(200, content_type="image/png")
    def get(self, venue_id):
        """The venue's current code as a PNG."""
        return _download(service.code_png(service.get_venue("venues.codes", venue_id)))


@blp.route("/venues/<string:venue_id>/code.svg")
class VenueCodeSvg(MethodView):
    @requires("venues.codes")
    @blp.response(200, content_type="image/svg+xml")
    def get(self, venue_id):
        """The venue's current code as an SVG (for print shops)."""
        return _download(service.code_svg(service.get_venue("venues.codes", venue_id)))


@blp.route("/venues/<string:venue_id>/poster.pdf")
class VenuePoster(MethodView):
    @requires("venues.codes")
    @blp.arguments(schemas.PosterQuery, location="query")
    @blp.response(200, content_type="application/pdf")
    def get(self, query, venue_id):
        """A printable poster (A5 or A4) with the venue's code."""
        venue = service.get_venue("venues.codes", venue_id)
        return _download(service.poster(venue, query["size"]))


@blp.route("/venue-codes/<string:token>")
class VenueCodeLookup(MethodView):
    @public
    @blp.response(200, schemas.CodeLookup)
    def get(self, token):
        """What a scanned code names (no login): the venue, so the worker
        knows where they are registering. Limited per client address."""
        ratelimit.hit_code_lookup()
        return service.lookup_code(token)


@blp.route("/coverage/venues")
class VenueCoverage(MethodView):
    @requires("coverage.read")
    @blp.arguments(schemas.CoverageQuery, location="query")
    @blp.response(200, schemas.Coverage)
    def get(self, query):
        """Registered against expected headcount, per child area and per venue."""
        return service.coverage(current_actor(), query.get("area_id"))

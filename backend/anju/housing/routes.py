"""Properties, rooms, room codes and tenancies (check-in and check-out)."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from anju.accounts.authz import current_actor, public, requires
from anju.common import ratelimit
from anju.common.idempotency import idempotent
from anju.housing import properties, schemas, service

URL_PREFIX = ""

blp = Blueprint("housing", __name__, description="Properties, rooms and tenancies")

CODE_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
}


# --- properties and rooms


@blp.route("/properties")
class Properties(MethodView):
    @requires("properties.read")
    @blp.arguments(schemas.PageQuery, location="query")
    @blp.response(200, schemas.PropertiesPage)
    def get(self, query):
        """My properties with their occupancy, pending check-ins and locks offline."""
        items, cursor = properties.list_properties(
            current_actor(), query.get("cursor"), query["limit"]
        )
        return {"items": items, "next_cursor": cursor}

    @requires("properties.manage")
    @idempotent
    @blp.arguments(schemas.PropertyCreate)
    @blp.response(201, schemas.PropertySummary)
    def post(self, data):
        """A property in an area of mine; the landlord named by the phone of
        their operator account reaches it from their next request."""
        return properties.property_summary(
            properties.create_property(current_actor(), data)
        )


@blp.route("/properties/<string:property_id>")
class PropertyItem(MethodView):
    @requires("properties.read")
    @blp.response(200, schemas.PropertyDetail)
    def get(self, property_id):
        """One property with its rooms, their occupancy and lock health."""
        return properties.get_property(current_actor(), property_id)


@blp.route("/properties/<string:property_id>/rooms")
class PropertyRooms(MethodView):
    @requires("properties.manage")
    @idempotent
    @blp.arguments(schemas.RoomCreate)
    @blp.response(201, schemas.RoomView)
    def post(self, data, property_id):
        """A room with its number, floor and capacity in beds."""
        return properties.room_view(
            properties.add_room(current_actor(), property_id, data)
        )


@blp.route("/rooms/<string:room_id>")
class RoomItem(MethodView):
    @requires("properties.read")
    @blp.response(200, schemas.RoomDetail)
    def get(self, room_id):
        """A room and its open tenancies (each look at a tenant is audited)."""
        return service.get_room(current_actor(), room_id)

    @requires("properties.manage")
    @blp.arguments(schemas.RoomChange)
    @blp.response(200, schemas.RoomView)
    def patch(self, data, room_id):
        """Change a room's number, floor or capacity (never below its occupants)."""
        return properties.room_view(
            properties.change_room(current_actor(), room_id, data)
        )


# --- room codes


def _code_route(kind: str, name: str) -> None:
    class RoomCode(MethodView):
        @requires("properties.manage")
        @blp.response(200, content_type=CODE_TYPES[kind])
        def get(self, room_id):
            body = properties.room_code(current_actor(), room_id, kind)
            answer = Response(body, mimetype=CODE_TYPES[kind])
            answer.headers["Cache-Control"] = "private, no-store"
            return answer

    RoomCode.__name__ = f"RoomCode{kind.title()}"
    RoomCode.get.__doc__ = f"The room's code as {name}."
    leaf = "poster" if kind == "pdf" else "code"
    blp.route(f"/rooms/<string:room_id>/{leaf}.{kind}")(RoomCode)


_code_route("png", "a PNG image")
_code_route("svg", "an SVG image")
_code_route("pdf", "a printable A5 poster")


@blp.route("/rooms/<string:room_id>/code-version")
class RoomCodeVersion(MethodView):
    @requires("properties.manage")
    @blp.response(200, schemas.CodeVersion)
    def post(self, room_id):
        """Re-issue the room's code: the printed old one answers "replaced"."""
        room = properties.reissue_room_code(current_actor(), room_id)
        return {
            "room_id": str(room.id),
            "code_version": room.code_version,
            "url": properties.room_code_url(room),
        }


@blp.route("/room-codes/<string:token>")
class RoomCodeLookup(MethodView):
    @public
    @blp.response(200, schemas.RoomCodeView)
    def get(self, token):
        """What a scanned room code names (404 not ours, 410 replaced).
        Limited per client address."""
        ratelimit.hit_code_lookup()
        return properties.room_code_view(token)


@blp.route("/room-codes/<string:token>/tenancies")
class RoomCodeTenancies(MethodView):
    @requires("self")
    @idempotent
    @blp.arguments(schemas.TenancyRequest)
    @blp.response(201, schemas.TenancyView)
    def post(self, data, token):
        """Ask to live in the room whose code I scanned; the landlord approves."""
        actor = current_actor()
        tenancy = service.request_tenancy(actor, token, data)
        return service.tenancy_view_for(actor, tenancy)


# --- tenancies


@blp.route("/rooms/<string:room_id>/tenancies")
class RoomTenancies(MethodView):
    @requires("tenancies.manage")
    @idempotent
    @blp.arguments(schemas.TenancyStart)
    @blp.response(201, schemas.TenancyView)
    def post(self, data, room_id):
        """Check a tenant in: their details or share code, then the ID check
        (409 when the room is full; an officer may override with a reason)."""
        actor = current_actor()
        tenancy = service.start_tenancy(actor, room_id, data)
        return service.tenancy_view_for(actor, tenancy)


@blp.route("/tenancies")
class Tenancies(MethodView):
    @requires("tenancies.read")
    @blp.arguments(schemas.TenanciesQuery, location="query")
    @blp.response(200, schemas.TenanciesPage)
    def get(self, query):
        """Tenancies within my scope, newest first (each look is audited)."""
        items, cursor = service.list_tenancies(
            current_actor(),
            state=query.get("state"),
            property_id=query.get("property_id"),
            cursor=query.get("cursor"),
            limit=query["limit"],
        )
        return {"items": items, "next_cursor": cursor}


@blp.route("/tenancies/<string:tenancy_id>")
class TenancyItem(MethodView):
    @requires("tenancies.read")
    @blp.response(200, schemas.TenancyView)
    def get(self, tenancy_id):
        """One tenancy within my scope, with its key's state."""
        return service.get_tenancy(current_actor(), tenancy_id)


@blp.route("/tenancies/<string:tenancy_id>/progress")
class TenancyProgress(MethodView):
    @requires("tenancies.read")
    @blp.response(200, schemas.TenancyProgress)
    def get(self, tenancy_id):
        """A tenancy's state and key only (no personal data, not audited):
        for a screen waiting for the lock."""
        return service.tenancy_progress(tenancy_id)


def _decision(path: str, schema, call, doc: str) -> None:
    class Decision(MethodView):
        @requires("tenancies.manage")
        @blp.arguments(schema)
        @blp.response(200, schemas.TenancyView)
        def post(self, data, tenancy_id):
            actor = current_actor()
            return service.tenancy_view_for(actor, call(actor, tenancy_id, data))

    Decision.__name__ = "Tenancy" + path.title().replace("-", "")
    Decision.post.__doc__ = doc
    blp.route(f"/tenancies/<string:tenancy_id>/{path}")(Decision)


class _Empty(schemas.InputSchema):
    pass


_decision(
    "approve",
    schemas.Approval,
    lambda actor, tid, data: service.approve(actor, tid, data.get("override_reason")),
    "Accept a tenant's request: the bed is taken and the ID check follows.",
)
_decision(
    "reject",
    schemas.Rejection,
    lambda actor, tid, data: service.reject(actor, tid, data.get("reason")),
    "Refuse a tenancy before any key was issued.",
)
_decision(
    "authorize",
    _Empty,
    lambda actor, tid, data: service.authorize(actor, tid),
    "Issue the tenant's key for the tenancy's period (only after a match); "
    "the key shows waiting_for_lock until the lock acknowledges.",
)
_decision(
    "enrollment",
    _Empty,
    lambda actor, tid, data: service.start_enrollment(actor, tid),
    "The room's lock waits a few minutes for this tenant's fingerprint.",
)
_decision(
    "check-out",
    _Empty,
    lambda actor, tid, data: service.check_out(actor, tid),
    "End the tenancy; its keys are revoked at once (409 if already ended).",
)


# --- the tenant


@blp.route("/me/tenancies")
class OwnTenancies(MethodView):
    @requires("self")
    @blp.response(200, schemas.OwnTenancies)
    def get(self):
        """My room and key."""
        return {"items": service.my_tenancies(current_actor())}


@blp.route("/me/tenancies/<string:tenancy_id>/check-out")
class OwnCheckOut(MethodView):
    @requires("self")
    @blp.response(200, schemas.TenancyView)
    def post(self, tenancy_id):
        """Ask to check out; the landlord confirms."""
        actor = current_actor()
        return service.tenancy_view_for(
            actor, service.request_check_out(actor, tenancy_id)
        )


# --- officers


@blp.route("/occupancy")
class Occupancy(MethodView):
    @requires("tenancies.read")
    @blp.arguments(schemas.OccupancyQuery, location="query")
    @blp.response(200, schemas.OccupancyPage)
    def get(self, query):
        """Beds taken per room in my jurisdiction (counts only)."""
        items, cursor = properties.occupancy(
            current_actor(),
            area_id=query.get("area_id"),
            over_capacity=query.get("over_capacity"),
            cursor=query.get("cursor"),
            limit=query["limit"],
        )
        return {"items": items, "next_cursor": cursor}

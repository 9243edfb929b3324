"""The jurisdiction tree."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from anju.accounts.authz import current_actor, requires
from anju.areas import service
from anju.areas.models import KINDS, ZONE_KINDS
from anju.common.i18n import register
from anju.common.schemas import InputSchema, ObjectIdString, OutputSchema

URL_PREFIX = "/areas"

blp = Blueprint("areas", __name__, description="District, zones, villages, buildings")

register(
    {
        "areas.parent_not_found": {
            "zh": "上级区域不存在",
            "en": "The parent area does not exist",
        },
        "areas.kind_not_allowed": {
            "zh": "该类型不能放在这一级",
            "en": "This kind of area cannot be placed here",
        },
        "areas.name_taken": {
            "zh": "同一上级下已有同名区域",
            "en": "An area with this name exists under the same parent",
        },
    }
)


class AreaCreate(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    zone_kind = fields.String(validate=validate.OneOf(ZONE_KINDS))
    parent_id = ObjectIdString()
    code = fields.String(validate=validate.Length(max=32))


class AreaRename(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class AreaView(OutputSchema):
    id = fields.String()
    name = fields.String()
    kind = fields.String()
    zone_kind = fields.String(allow_none=True)
    parent_id = fields.Function(lambda a: str(a.parent) if a.parent else None)
    depth = fields.Function(lambda a: len(a.ancestor_ids) - 1)
    code = fields.String(allow_none=True)


@blp.route("")
class Areas(MethodView):
    @requires("areas.read")
    @blp.response(200, AreaView(many=True))
    def get(self):
        """The whole tree, parents before children (no personal data)."""
        return service.area_tree()

    @requires("areas.manage")
    @blp.arguments(AreaCreate)
    @blp.response(201, AreaView)
    def post(self, data):
        """Add an area under a parent (a district has none)."""
        return service.create_area(current_actor(), data)


@blp.route("/<string:area_id>")
class AreaItem(MethodView):
    @requires("areas.manage")
    @blp.arguments(AreaRename)
    @blp.response(200, AreaView)
    def patch(self, data, area_id):
        """Rename an area."""
        return service.rename_area(current_actor(), area_id, data["name"])

"""Community police work: alerts (queues, inspections and penalties to come)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from anju.accounts.authz import current_actor, requires
from anju.common.schemas import OutputSchema, PageQuery
from anju.patrol import service

URL_PREFIX = ""

blp = Blueprint("patrol", __name__, description="Alerts for community police")


class AlertView(OutputSchema):
    id = fields.String()
    kind = fields.String()
    person = fields.String()
    state = fields.String()
    created_at = fields.DateTime()


class AlertPage(OutputSchema):
    items = fields.List(fields.Nested(AlertView))
    next_cursor = fields.String(allow_none=True)


@blp.route("/alerts")
class Alerts(MethodView):
    @requires("alerts.read")
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, AlertPage)
    def get(self, query):
        """Open alerts in my jurisdiction, newest first."""
        page, cursor = service.open_alerts(
            current_actor(), query.get("cursor"), query["limit"]
        )
        return {"items": page, "next_cursor": cursor}

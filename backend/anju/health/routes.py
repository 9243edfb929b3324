"""Liveness and readiness, and the API's own description of itself."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint as ApiBlueprint
from marshmallow import Schema, fields
from mongoengine.connection import ConnectionFailure
from pymongo.errors import PyMongoError

from anju import db
from anju.accounts.authz import public
from anju.app_version import VERSION
from anju.common.errors import Unavailable

URL_PREFIX = "/status"

blp = ApiBlueprint("status", __name__, description="Service status")
probes = Blueprint("probes", __name__)


class StatusSchema(Schema):
    status = fields.String(dump_only=True)
    version = fields.String(dump_only=True)


def _ping() -> None:
    try:
        db.get_db().command("ping")
    except (PyMongoError, ConnectionFailure) as error:
        raise Unavailable() from error


@probes.get("/healthz")
def healthz():
    """The process is alive; says nothing about its dependencies."""
    return jsonify(status="alive", version=VERSION)


@probes.get("/readyz")
def readyz():
    """The process can serve: the database answers."""
    _ping()
    return jsonify(status="ready", version=VERSION)


@blp.route("")
class Status(MethodView):
    @public
    @blp.response(200, StatusSchema)
    def get(self):
        """The API is up and its database answers."""
        _ping()
        return {"status": "ready", "version": VERSION}

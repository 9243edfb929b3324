"""Locks and gates: registration, health and events."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from anju.accounts.authz import current_actor, requires
from anju.locks import credentials, schemas, service

URL_PREFIX = ""

blp = Blueprint("locks", __name__, description="Locks, gates and their health")


@blp.route("/locks")
class Locks(MethodView):
    @requires("locks.read")
    @blp.arguments(schemas.LockQuery, location="query")
    @blp.response(200, schemas.LockPage)
    def get(self, query):
        """Locks and gates I reach (system administrators: all), with their
        health and how many commands wait for them."""
        page, cursor = service.list_locks(current_actor(), query)
        return {"items": page, "next_cursor": cursor}

    # Not @idempotent on purpose: a replayable answer would keep the lock's
    # password in the database. The serial is the natural key (a repeat is
    # 409 locks.serial_taken); a lost password is replaced with POST
    # /locks/{id}/password.
    @requires("devices.manage")
    @blp.arguments(schemas.LockCreate)
    @blp.response(201, schemas.LockRegistered)
    def post(self, data):
        """Register a room's lock or a community's gate. The answer holds the
        lock's MQTT password, shown this once (only its hash is kept)."""
        lock, password = service.register_from_request(current_actor(), data)
        return {"lock": service.with_health([lock])[0], "mqtt_password": password}


@blp.route("/locks/public-key")
class PublicKey(MethodView):
    @requires("devices.manage")
    @blp.response(200, schemas.PublicKeyView)
    def get(self):
        """The key locks verify credentials with (installed on each lock)."""
        settings = current_app.config["ANJU"]
        return {
            "public_key_pem": credentials.public_key_pem(settings),
            "epoch": settings.lock_key_epoch,
            "algorithm": credentials.ALGORITHM,
        }


@blp.route("/locks/<string:lock_id>/events")
class LockEvents(MethodView):
    @requires("locks.read")
    @blp.arguments(schemas.EventQuery, location="query")
    @blp.response(200, schemas.EventPage)
    def get(self, query, lock_id):
        """What a lock reported, newest first."""
        page, cursor = service.lock_events(current_actor(), lock_id, query)
        return {"items": page, "next_cursor": cursor}


@blp.route("/locks/<string:lock_id>/password")
class LockPassword(MethodView):
    @requires("devices.manage")
    @blp.response(200, schemas.LockRegistered)
    def post(self, lock_id):
        """A new MQTT password for the lock, shown this once (run `anju
        mosquitto-config` afterwards so Mosquitto knows it)."""
        lock, password = service.new_password(current_actor(), lock_id)
        return {"lock": service.with_health([lock])[0], "mqtt_password": password}

"""Request and answer shapes of the lock endpoints."""

from __future__ import annotations

from marshmallow import fields, validate

from anju.common.schemas import InputSchema, ObjectIdString, OutputSchema, PageQuery
from anju.locks.models import EVENT_KINDS, LOCK_KINDS


class LockCreate(InputSchema):
    serial = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,39}$"),
    )
    kind = fields.String(required=True, validate=validate.OneOf(LOCK_KINDS))
    room_id = ObjectIdString()
    # Required for a gate (its closed community); a room lock takes its
    # property's area when it is left out.
    area_id = ObjectIdString()


class LockQuery(PageQuery):
    kind = fields.String(validate=validate.OneOf(LOCK_KINDS))
    online = fields.Boolean()


class LockView(OutputSchema):
    id = fields.String()
    serial = fields.String()
    kind = fields.String()
    room_id = fields.Function(lambda lock: str(lock.room) if lock.room else None)
    property_id = fields.Function(
        lambda lock: str(lock.property) if lock.property else None
    )
    area_id = fields.Function(lambda lock: str(lock.area))
    online = fields.Boolean()
    last_seen_at = fields.DateTime(allow_none=True)
    battery = fields.Integer(allow_none=True)
    key_epoch = fields.Integer()
    pending_commands = fields.Integer()


class LockPage(OutputSchema):
    items = fields.List(fields.Nested(LockView))
    next_cursor = fields.String(allow_none=True)


class LockRegistered(OutputSchema):
    lock = fields.Nested(LockView)
    mqtt_password = fields.String()


class EventQuery(PageQuery):
    kind = fields.String(validate=validate.OneOf(EVENT_KINDS))


class EventView(OutputSchema):
    id = fields.String()
    kind = fields.String()
    credential_id = fields.Function(
        lambda event: str(event.credential) if event.credential else None
    )
    at = fields.DateTime()
    received_at = fields.DateTime()
    details = fields.Dict()


class EventPage(OutputSchema):
    items = fields.List(fields.Nested(EventView))
    next_cursor = fields.String(allow_none=True)


class PublicKeyView(OutputSchema):
    public_key_pem = fields.String()
    epoch = fields.Integer()
    algorithm = fields.String()

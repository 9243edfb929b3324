from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from anju.audit.service import looks_sensitive
from anju.common.schemas import InputSchema, ObjectIdString, OutputSchema, PageQuery
from anju.housing.models import TENANCY_STATES
from anju.people.schemas import VerificationView


def _no_personal_data(text: str) -> None:
    # Reasons are kept in the audit trail: no ID number or phone in them.
    if looks_sensitive(text):
        raise ValidationError("people.purpose_sensitive")


def _reason(**kwargs) -> fields.String:
    return fields.String(
        validate=[validate.Length(min=4, max=200), _no_personal_data], **kwargs
    )


# --- properties and rooms


class PropertyCreate(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    address = fields.String(validate=validate.Length(max=200))
    area_id = ObjectIdString(required=True)
    landlord_phone = fields.String(validate=validate.Length(min=1, max=20))


class RoomCreate(InputSchema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=20))
    floor = fields.Integer(validate=validate.Range(min=-5, max=200))
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=50))


class RoomChange(InputSchema):
    number = fields.String(validate=validate.Length(min=1, max=20))
    floor = fields.Integer(validate=validate.Range(min=-5, max=200), allow_none=True)
    capacity = fields.Integer(validate=validate.Range(min=1, max=50))


class LockSummary(OutputSchema):
    id = fields.String()
    serial = fields.String()
    online = fields.Boolean()
    last_seen_at = fields.DateTime(allow_none=True)
    battery = fields.Integer(allow_none=True)


class RoomView(OutputSchema):
    id = fields.String()
    property_id = fields.String()
    number = fields.String()
    floor = fields.Integer(allow_none=True)
    capacity = fields.Integer()
    occupants = fields.Integer()
    lock = fields.Nested(LockSummary, allow_none=True)
    code_version = fields.Integer()


class _PropertyFields(OutputSchema):
    id = fields.String()
    name = fields.String()
    address = fields.String(allow_none=True)
    area_id = fields.String()
    area_name = fields.String(allow_none=True)
    landlord_id = fields.String(allow_none=True)
    occupied_beds = fields.Integer()
    capacity = fields.Integer()
    pending_checkins = fields.Integer()
    locks_offline = fields.Integer()


class PropertySummary(_PropertyFields):
    rooms = fields.Integer()


class PropertyDetail(_PropertyFields):
    rooms = fields.List(fields.Nested(RoomView))


class PropertiesPage(OutputSchema):
    items = fields.List(fields.Nested(PropertySummary))
    next_cursor = fields.String(allow_none=True)


class CodeVersion(OutputSchema):
    room_id = fields.String()
    code_version = fields.Integer()
    url = fields.String()


class RoomCodeRoom(OutputSchema):
    id = fields.String()
    number = fields.String()
    property_name = fields.String()
    address = fields.String(allow_none=True)
    area_name = fields.String(allow_none=True)


class RoomCodeView(OutputSchema):
    room = fields.Nested(RoomCodeRoom)


# --- tenancies


class TenancyStart(InputSchema):
    """The tenant's details, or their share code; and the period."""

    name = fields.String(validate=validate.Length(min=1, max=50))
    id_number = fields.String(validate=validate.Length(min=1, max=40))
    phone = fields.String(validate=validate.Length(min=1, max=20))
    share_code = fields.String(validate=validate.Length(min=4, max=64))
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    override_reason = _reason()


class TenancyRequest(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    id_number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    # Checked against the current version by the service (consent.outdated).
    consent_version = fields.String(validate=validate.Length(max=20))


class Approval(InputSchema):
    override_reason = _reason()


class Rejection(InputSchema):
    reason = _reason()


class TenanciesQuery(PageQuery):
    state = fields.String(validate=validate.OneOf(TENANCY_STATES))
    property_id = ObjectIdString()


class KeyView(OutputSchema):
    state = fields.String()
    credential_id = fields.String(allow_none=True)
    # While set and in the future, the lock takes this key's finger.
    enrollment_until = fields.DateTime(allow_none=True)


class GateKeyView(OutputSchema):
    lock_id = fields.String()
    state = fields.String(allow_none=True)


class WarningView(OutputSchema):
    code = fields.String()
    detail = fields.String()


class TenancyProgress(OutputSchema):
    id = fields.String()
    state = fields.String()
    key = fields.Nested(KeyView)


class TenancyView(OutputSchema):
    id = fields.String()
    room_id = fields.String()
    room_number = fields.String()
    property_id = fields.String()
    property_name = fields.String()
    person_id = fields.String()
    name = fields.String()
    id_number_masked = fields.String()
    phone_masked = fields.String(allow_none=True)
    start_date = fields.Date()
    end_date = fields.Date()
    state = fields.String()
    verification = fields.Nested(VerificationView)
    key = fields.Nested(KeyView)
    gate_keys = fields.List(fields.Nested(GateKeyView))
    checkout_requested = fields.Boolean()
    warnings = fields.List(fields.Nested(WarningView))
    channel = fields.String()
    ended_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


class RoomDetail(RoomView):
    tenancies = fields.List(fields.Nested(TenancyView))


class TenanciesPage(OutputSchema):
    items = fields.List(fields.Nested(TenancyView))
    next_cursor = fields.String(allow_none=True)


class OwnRoom(OutputSchema):
    id = fields.String()
    number = fields.String()
    floor = fields.Integer(allow_none=True)


class OwnProperty(OutputSchema):
    id = fields.String()
    name = fields.String()
    address = fields.String(allow_none=True)
    area_name = fields.String(allow_none=True)


class OwnTenancy(TenancyView):
    room = fields.Nested(OwnRoom)
    property = fields.Nested(OwnProperty)


class OwnTenancies(OutputSchema):
    items = fields.List(fields.Nested(OwnTenancy))


class OccupancyQuery(PageQuery):
    area_id = ObjectIdString()
    over_capacity = fields.Boolean()


class OccupancyRow(OutputSchema):
    room_id = fields.String()
    property_id = fields.String()
    property_name = fields.String(allow_none=True)
    number = fields.String()
    capacity = fields.Integer()
    occupants = fields.Integer()
    over_capacity = fields.Boolean()


class OccupancyPage(OutputSchema):
    items = fields.List(fields.Nested(OccupancyRow))
    next_cursor = fields.String(allow_none=True)

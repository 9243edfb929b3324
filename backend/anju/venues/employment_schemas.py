"""Schemas of registration at venues, employments and share codes.

Identity and job fields are loose here (strings of a bounded length) and
checked in the service, so that every field's problem comes back at once."""

from __future__ import annotations

from marshmallow import fields, validate

from anju.common.schemas import InputSchema, ObjectIdString, OutputSchema
from anju.people.models import SHARE_PURPOSES, VERIFICATION_STATES
from anju.venues.models import EMPLOYMENT_CHANNELS, EMPLOYMENT_KINDS, EMPLOYMENT_STATES


def _text(max_length: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(max=max_length), **kwargs)


class _Job(InputSchema):
    job = _text(50)
    start_date = fields.Date()


class SelfRegistration(_Job):
    name = _text(50)
    id_number = _text(40)
    emergency_contact_name = _text(50, allow_none=True)
    emergency_contact_phone = _text(20, allow_none=True)
    consent_version = _text(40, allow_none=True)


class StaffRegistration(_Job):
    name = _text(50)
    id_number = _text(40)
    phone = _text(20, allow_none=True)
    share_code = _text(20)
    kind = fields.String(validate=validate.OneOf(EMPLOYMENT_KINDS))
    emergency_contact_name = _text(50, allow_none=True)
    emergency_contact_phone = _text(20, allow_none=True)


class EndRequest(InputSchema):
    end_date = fields.Date()


class VenueEmploymentsQuery(InputSchema):
    state = fields.String(validate=validate.OneOf(EMPLOYMENT_STATES))
    cursor = ObjectIdString()
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class EmploymentsQuery(VenueEmploymentsQuery):
    area_id = ObjectIdString()
    venue_id = ObjectIdString()
    channel = fields.String(validate=validate.OneOf(EMPLOYMENT_CHANNELS))
    kind = fields.String(validate=validate.OneOf(EMPLOYMENT_KINDS))
    verification = fields.String(validate=validate.OneOf(VERIFICATION_STATES))


class VenueBrief(OutputSchema):
    id = fields.String()
    name = fields.String(allow_none=True)
    area_name = fields.String(allow_none=True)


class MyEmployment(OutputSchema):
    id = fields.String()
    venue = fields.Nested(VenueBrief)
    job = fields.String(allow_none=True)
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    state = fields.String()
    channel = fields.String()
    kind = fields.String()
    verification = fields.String()
    consent_version = fields.String(allow_none=True)
    created_at = fields.DateTime()


class MyEmployments(OutputSchema):
    items = fields.List(fields.Nested(MyEmployment))


class EmploymentView(OutputSchema):
    id = fields.String()
    venue_id = fields.String()
    venue_name = fields.String(allow_none=True)
    person_id = fields.String()
    name = fields.String(allow_none=True)
    id_number_masked = fields.String(allow_none=True)
    phone_masked = fields.String(allow_none=True)
    job = fields.String(allow_none=True)
    kind = fields.String()
    start_date = fields.Date(allow_none=True)
    end_date = fields.Date(allow_none=True)
    state = fields.String()
    channel = fields.String()
    verification = fields.String()
    via_share_code = fields.Boolean()
    emergency_contact_name = fields.String(allow_none=True)
    emergency_contact_phone_masked = fields.String(allow_none=True)
    registered_by_name = fields.String(allow_none=True)
    created_at = fields.DateTime()


class EmploymentPage(OutputSchema):
    items = fields.List(fields.Nested(EmploymentView))
    next_cursor = fields.String(allow_none=True)


class ConsentView(OutputSchema):
    version = fields.String()
    purpose = fields.String()
    retention = fields.String()
    text = fields.String()


class ShareCodeCreate(InputSchema):
    purpose = fields.String(required=True, validate=validate.OneOf(SHARE_PURPOSES))


class ShareCodeUseView(OutputSchema):
    used_at = fields.DateTime()
    by_name = fields.String(allow_none=True)
    place_name = fields.String(allow_none=True)


class ShareCodeView(OutputSchema):
    id = fields.String()
    code = fields.String(allow_none=True)
    hint = fields.String(allow_none=True)
    purpose = fields.String()
    created_at = fields.DateTime()
    expires_at = fields.DateTime()
    state = fields.String()
    uses = fields.List(fields.Nested(ShareCodeUseView))


class ShareCodeList(OutputSchema):
    items = fields.List(fields.Nested(ShareCodeView))

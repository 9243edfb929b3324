from __future__ import annotations

from marshmallow import ValidationError, fields, validate

from anju.audit.service import looks_sensitive
from anju.common.schemas import InputSchema, ObjectIdString, OutputSchema
from anju.people.models import VERIFICATION_STATES


class PersonCreate(InputSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    id_number = fields.String(required=True, validate=validate.Length(min=1, max=40))
    phone = fields.String(validate=validate.Length(min=1, max=20))
    area_id = ObjectIdString(required=True)


class PersonSearch(InputSchema):
    name = fields.String(validate=validate.Length(min=1, max=50))
    phone = fields.String(validate=validate.Length(min=1, max=20))
    id_number = fields.String(validate=validate.Length(min=1, max=40))


class PeopleQuery(InputSchema):
    cursor = ObjectIdString()
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    verification = fields.String(validate=validate.OneOf(VERIFICATION_STATES))


def _no_personal_data(text: str) -> None:
    # The purpose is kept in the audit trail: it must not carry an ID number or
    # a phone itself.
    if looks_sensitive(text):
        raise ValidationError("people.purpose_sensitive")


class RevealRequest(InputSchema):
    purpose = fields.String(
        required=True,
        validate=[validate.Length(min=4, max=200), _no_personal_data],
    )


class VerificationView(OutputSchema):
    state = fields.String()
    checked_at = fields.DateTime(allow_none=True)


class PersonView(OutputSchema):
    id = fields.String()
    name = fields.String()
    id_number_masked = fields.String()
    phone_masked = fields.String(allow_none=True)
    birth_date = fields.Date()
    gender = fields.String()
    region_name = fields.String(allow_none=True)
    verification = fields.Nested(VerificationView)
    channel = fields.String(allow_none=True)
    created_at = fields.DateTime()


class OwnPersonView(PersonView):
    phone = fields.String(allow_none=True)


class PeoplePage(OutputSchema):
    items = fields.List(fields.Nested(PersonView))
    next_cursor = fields.String(allow_none=True)


class RevealedNumber(OutputSchema):
    id_number = fields.String()


# --- an officer's corrections


def _reason(text: str) -> None:
    # The reason goes into the audit trail: no ID number or phone in it.
    if not 2 <= len(text.strip()) <= 200:
        raise ValidationError("corrections.reason_length")
    if looks_sensitive(text):
        raise ValidationError("corrections.reason_sensitive")


class CorrectionRequest(InputSchema):
    name = fields.String(validate=validate.Length(max=50))
    id_number = fields.String(validate=validate.Length(max=40))
    reason = fields.String(required=True, validate=_reason)


class CorrectionView(OutputSchema):
    id = fields.String()
    at = fields.DateTime()
    by_name = fields.String(allow_none=True)
    reason = fields.String()
    changed = fields.List(fields.String())
    old_name = fields.String(allow_none=True)
    old_id_number_masked = fields.String(allow_none=True)
    verification = fields.String(allow_none=True)


class CorrectionResult(OutputSchema):
    correction = fields.Nested(CorrectionView)
    person = fields.Nested(PersonView)


class CorrectionList(OutputSchema):
    items = fields.List(fields.Nested(CorrectionView))

from __future__ import annotations

from marshmallow import fields, validate

from anju.accounts.models import ROLES, SCOPE_KINDS
from anju.common.schemas import InputSchema, ObjectIdString, OutputSchema


class SmsCodeRequest(InputSchema):
    phone = fields.String(required=True, validate=validate.Length(min=1, max=20))


class SmsCodeSent(OutputSchema):
    expires_in = fields.Integer()
    resend_after = fields.Integer()


class SmsLogin(InputSchema):
    phone = fields.String(required=True, validate=validate.Length(min=1, max=20))
    code = fields.String(required=True, validate=validate.Regexp(r"^\s*\d{6}\s*$"))


class PasswordLogin(InputSchema):
    phone = fields.String(required=True, validate=validate.Length(min=1, max=20))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    totp_code = fields.String(validate=validate.Regexp(r"^\s*\d{6}\s*$"))
    recovery_code = fields.String(validate=validate.Length(min=6, max=20))


class TokenAnswer(OutputSchema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    mfa_enrolment_required = fields.Boolean()


class GrantSchema(OutputSchema):
    role = fields.String()
    scope_kind = fields.String(allow_none=True)
    scope_id = fields.String(allow_none=True)
    scope_name = fields.String(allow_none=True)


class AccountSummary(OutputSchema):
    """What an account shows of itself, to its holder and to administrators."""

    id = fields.String()
    display_name = fields.String(allow_none=True)
    organization = fields.String(allow_none=True)
    phone_masked = fields.String()
    roles = fields.List(fields.String())
    grants = fields.List(fields.Nested(GrantSchema))
    mfa_enrolled = fields.Boolean()


class MeSchema(AccountSummary):
    mfa_enrolment_required = fields.Boolean()
    person_id = fields.String(allow_none=True)


class TotpStart(OutputSchema):
    secret = fields.String()
    otpauth_uri = fields.String()
    qr_svg = fields.String()


class TotpConfirm(InputSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^\s*\d{6}\s*$"))


class RecoveryCodes(OutputSchema):
    recovery_codes = fields.List(fields.String())


class PasswordChange(InputSchema):
    current_password = fields.String(required=True, validate=validate.Length(max=200))
    new_password = fields.String(required=True, validate=validate.Length(max=200))


class GrantInput(InputSchema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    scope_kind = fields.String(validate=validate.OneOf(SCOPE_KINDS))
    scope_id = ObjectIdString()


class AccountCreate(InputSchema):
    phone = fields.String(required=True, validate=validate.Length(min=1, max=20))
    display_name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    organization = fields.String(validate=validate.Length(max=100))
    password = fields.String(required=True, validate=validate.Length(min=10, max=200))
    grants = fields.List(
        fields.Nested(GrantInput), required=True, validate=validate.Length(min=1)
    )


class AccountUpdate(InputSchema):
    display_name = fields.String(validate=validate.Length(min=1, max=60))
    organization = fields.String(validate=validate.Length(max=100))
    disabled = fields.Boolean()
    grants = fields.List(fields.Nested(GrantInput), validate=validate.Length(min=1))


class AccountView(AccountSummary):
    disabled = fields.Boolean()
    created_at = fields.DateTime()


class AccountPage(OutputSchema):
    items = fields.List(fields.Nested(AccountView))
    next_cursor = fields.String(allow_none=True)


class AccessEntry(OutputSchema):
    at = fields.DateTime()
    actor_role = fields.String(allow_none=True)
    actor_org = fields.String(allow_none=True)
    action = fields.String()
    resource = fields.String()
    purpose = fields.String(allow_none=True)


class AccessHistory(OutputSchema):
    items = fields.List(fields.Nested(AccessEntry))
    next_cursor = fields.String(allow_none=True)

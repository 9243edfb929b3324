"""Logging in and out, the caller's own account, and account administration."""

from __future__ import annotations

from flask import current_app, make_response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from anju.accounts import admin, schemas, service
from anju.accounts.authz import current_actor, public, requires
from anju.accounts.models import Account
from anju.accounts.tokens import IssuedTokens
from anju.audit.service import access_history
from anju.common.errors import Unauthenticated, field_error
from anju.common.phone import PhoneError, normalize_phone
from anju.common.schemas import PageQuery

URL_PREFIX = ""
REFRESH_COOKIE = "anju_refresh"
COOKIE_PATH = "/api/v1/auth"

blp = Blueprint("accounts", __name__, description="Login, sessions and accounts")


def _phone(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except PhoneError as error:
        raise field_error("phone", error.key) from None


def _token_answer(tokens: IssuedTokens, enrolment: bool = False):
    body = {
        "access_token": tokens.access_token,
        "token_type": "Bearer",
        "expires_in": tokens.expires_in,
        "mfa_enrolment_required": enrolment,
    }
    response = make_response(schemas.TokenAnswer().dump(body), 200)
    settings = current_app.config["ANJU"]
    response.set_cookie(
        REFRESH_COOKIE,
        tokens.refresh_token,
        max_age=settings.refresh_token_days * 86400,
        path=COOKIE_PATH,
        secure=settings.public_url.startswith("https"),
        httponly=True,
        samesite="Strict",
    )
    return response


@blp.route("/auth/sms-codes")
class SmsCodes(MethodView):
    @public
    @blp.arguments(schemas.SmsCodeRequest)
    @blp.response(202, schemas.SmsCodeSent)
    def post(self, data):
        """Send a one-time login code by SMS (5 minutes, 5 tries)."""
        expires_in = service.send_sms_code(_phone(data["phone"]))
        return {"expires_in": expires_in, "resend_after": 60}


@blp.route("/auth/tokens/sms")
class SmsTokens(MethodView):
    @public
    @blp.arguments(schemas.SmsLogin)
    @blp.response(200, schemas.TokenAnswer)
    def post(self, data):
        """Log a resident in with phone and SMS code."""
        result = service.login_with_sms(_phone(data["phone"]), data["code"])
        return _token_answer(result.tokens)


@blp.route("/auth/tokens/password")
class PasswordTokens(MethodView):
    @public
    @blp.arguments(schemas.PasswordLogin)
    @blp.response(200, schemas.TokenAnswer)
    def post(self, data):
        """Log staff in with phone, password and, for officers and system
        administrators, a TOTP or recovery code (401 ``mfa-required`` asks for it)."""
        try:
            phone = normalize_phone(data["phone"])
        except PhoneError:
            raise Unauthenticated("auth.bad_credentials") from None
        result = service.login_with_password(
            phone,
            data["password"],
            totp_code=data.get("totp_code"),
            recovery_code=data.get("recovery_code"),
        )
        return _token_answer(result.tokens, result.mfa_enrolment_required)


@blp.route("/auth/refresh")
class Refresh(MethodView):
    @public
    @blp.response(200, schemas.TokenAnswer)
    def post(self):
        """Exchange the refresh cookie for a new access token (and cookie)."""
        tokens = service.refresh(request.cookies.get(REFRESH_COOKIE, ""))
        return _token_answer(tokens)


@blp.route("/auth/logout")
class Logout(MethodView):
    @requires("self")
    @blp.response(204)
    def post(self):
        """End this session everywhere at once."""
        service.logout(current_actor().session_id)
        response = make_response("", 204)
        response.delete_cookie(REFRESH_COOKIE, path=COOKIE_PATH)
        return response


def _me(account: Account) -> dict:
    # MeSchema leaves out the administrators' fields of the account view.
    view = admin.account_view(account)
    view["mfa_enrolment_required"] = (
        service.needs_mfa(account) and not account.totp_enabled
    )
    view["person_id"] = str(account.person) if account.person else None
    return view


@blp.route("/me")
class Me(MethodView):
    @requires("self")
    @blp.response(200, schemas.MeSchema)
    def get(self):
        """Who I am: roles, grants and whether a second factor is set up."""
        return _me(Account.objects.get(id=current_actor().account_id))


@blp.route("/me/totp")
class TotpEnrolment(MethodView):
    @requires("self")
    @blp.response(200, schemas.TotpStart)
    def post(self):
        """Start setting up an authenticator: a secret and its QR code."""
        account = Account.objects.get(id=current_actor().account_id)
        return service.begin_totp_enrolment(account)


@blp.route("/me/totp/confirm")
class TotpConfirmation(MethodView):
    @requires("self")
    @blp.arguments(schemas.TotpConfirm)
    @blp.response(200, schemas.RecoveryCodes)
    def post(self, data):
        """Confirm with a first code; answers ten one-time recovery codes."""
        account = Account.objects.get(id=current_actor().account_id)
        return {"recovery_codes": service.confirm_totp_enrolment(account, data["code"])}


@blp.route("/me/password")
class PasswordChange(MethodView):
    @requires("self")
    @blp.arguments(schemas.PasswordChange)
    @blp.response(204)
    def post(self, data):
        """Change my password; every other session ends."""
        account = Account.objects.get(id=current_actor().account_id)
        service.change_password(account, data["current_password"], data["new_password"])


@blp.route("/accounts")
class Accounts(MethodView):
    @requires("accounts.manage")
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, schemas.AccountPage)
    def get(self, query):
        """Staff accounts (system administrators)."""
        page, cursor = admin.list_accounts(query.get("cursor"), query["limit"])
        return {"items": [admin.account_view(a) for a in page], "next_cursor": cursor}

    @requires("accounts.manage")
    @blp.arguments(schemas.AccountCreate)
    @blp.response(201, schemas.AccountView)
    def post(self, data):
        """Create a staff account with its grants."""
        return admin.account_view(admin.add_account(current_actor(), data))


@blp.route("/accounts/<string:account_id>")
class AccountItem(MethodView):
    @requires("accounts.manage")
    @blp.arguments(schemas.AccountUpdate)
    @blp.response(200, schemas.AccountView)
    def patch(self, data, account_id):
        """Change grants, names or disable; takes effect on the next request."""
        account = admin.change_account(current_actor(), account_id, data)
        return admin.account_view(account)


@blp.route("/me/access-history")
class AccessHistory(MethodView):
    @requires("self")
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, schemas.AccessHistory)
    def get(self, query):
        """Who looked at or changed my data: role and organisation, when, what
        and why (never a staff member's own phone)."""
        actor = current_actor()
        if not actor.person_id:
            return {"items": [], "next_cursor": None}

        entries, cursor = access_history(
            actor.person_id, query.get("cursor"), query["limit"]
        )
        items = [
            {
                "at": entry.at,
                "actor_role": entry.actor_role,
                "actor_org": entry.actor_org,
                "action": entry.action,
                "resource": entry.resource_type,
                "purpose": entry.purpose,
            }
            for entry in entries
        ]
        return {"items": items, "next_cursor": cursor}

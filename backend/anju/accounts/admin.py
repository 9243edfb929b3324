"""System administrators manage accounts and their grants (never person data)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from anju.accounts.authz import Actor
from anju.accounts.models import Account, Grant
from anju.accounts.service import create_account
from anju.areas.models import Area
from anju.audit.service import AuditActor, record
from anju.common.crypto import keyring
from anju.common.errors import NotFound, field_error
from anju.common.pagination import newest_first
from anju.common.phone import PhoneError, mask_phone, normalize_phone
from anju.common.schemas import object_id_or_404
from anju.housing.models import Property
from anju.venues.models import Venue

SCOPE_OF_ROLE = {
    "resident": (None,),
    "sysadmin": (None,),
    "officer": ("area",),
    "area_admin": ("area",),
    "operator": ("venue", "property"),
}


# What a grant's scope names, by its kind.
SCOPE_DOCUMENTS = {"area": Area, "venue": Venue, "property": Property}


def _scope_name(kind: str, scope_id: str) -> str:
    found = SCOPE_DOCUMENTS[kind].objects(id=scope_id).only("name").first()
    if found is None:
        raise field_error("grants", "account.scope_not_found")
    return found.name


def build_grants(items: list[dict[str, Any]]) -> list[Grant]:
    grants = []
    for item in items:
        kinds = SCOPE_OF_ROLE[item["role"]]
        kind = item.get("scope_kind")
        if kind not in kinds or (kind and not item.get("scope_id")):
            raise field_error("grants", "account.scope_required")

        grants.append(
            Grant(
                role=item["role"],
                scope_kind=kind,
                scope_id=ObjectId(item["scope_id"]) if kind else None,
                scope_name=_scope_name(kind, item["scope_id"]) if kind else None,
            )
        )
    return grants


def _audit(actor: Actor, action: str, account: Account) -> None:
    record(
        action,
        actor=AuditActor(actor.account_id, "sysadmin", actor.organization),
        resource_type="account",
        resource_id=str(account.id),
    )


def add_account(actor: Actor, data: dict[str, Any]) -> Account:
    try:
        phone = normalize_phone(data["phone"])
    except PhoneError as error:
        raise field_error("phone", error.key) from None

    account = create_account(
        phone,
        build_grants(data["grants"]),
        password=data["password"],
        display_name=data["display_name"],
        organization=data.get("organization"),
    )
    _audit(actor, "account.create", account)
    return account


def change_account(actor: Actor, account_id: str, data: dict[str, Any]) -> Account:
    account = Account.objects(id=object_id_or_404(account_id)).first()
    if account is None:
        raise NotFound()

    update: dict[str, Any] = {"set__updated_at": datetime.now(UTC)}
    for name in ("display_name", "organization", "disabled"):
        if name in data:
            update[f"set__{name}"] = data[name]
    if "grants" in data:
        update["set__grants"] = build_grants(data["grants"])
    if "grants" in data or data.get("disabled"):
        # Takes effect on the very next request of every session.
        update["inc__token_version"] = 1
    Account.objects(id=account.id).update_one(**update)

    account.reload()
    _audit(actor, "account.update", account)
    return account


def account_view(account: Account) -> dict[str, Any]:
    phone = keyring().decrypt(account.phone_encrypted, "phone")
    return {
        "id": str(account.id),
        "display_name": account.display_name,
        "organization": account.organization,
        "phone_masked": mask_phone(phone),
        "roles": account.roles,
        "grants": [
            {
                "role": grant.role,
                "scope_kind": grant.scope_kind,
                "scope_id": str(grant.scope_id) if grant.scope_id else None,
                "scope_name": grant.scope_name,
            }
            for grant in account.grants
        ],
        "disabled": account.disabled,
        "mfa_enrolled": account.totp_enabled,
        "created_at": account.created_at,
    }


def list_accounts(cursor: str | None, limit: int) -> tuple[list[Account], str | None]:
    return newest_first(Account.objects, cursor, limit)

"""Managing the jurisdiction tree (system administrators)."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from mongoengine import NotUniqueError

from anju.accounts.authz import Actor
from anju.areas.models import CHILD_KINDS, Area
from anju.audit.service import AuditActor, record
from anju.common.errors import Conflict, NotFound, field_error
from anju.common.schemas import object_id_or_404


def create_area(actor: Actor | None, data: dict[str, Any]) -> Area:
    parent = None
    if data.get("parent_id"):
        parent = Area.objects(id=object_id_or_404(data["parent_id"])).first()
        if parent is None:
            raise field_error("parent_id", "areas.parent_not_found")

    kind = data["kind"]
    if parent is None and kind != "district":
        raise field_error("kind", "areas.kind_not_allowed")
    if parent is not None and kind not in CHILD_KINDS[parent.kind]:
        raise field_error("kind", "areas.kind_not_allowed")
    if kind == "zone" and not data.get("zone_kind"):
        raise field_error("zone_kind", "field.required")
    area_id = ObjectId()
    try:
        area = Area(
            id=area_id,
            name=data["name"],
            kind=kind,
            zone_kind=data.get("zone_kind") if kind == "zone" else None,
            parent=parent.id if parent else None,
            path=(parent.path if parent else "") + f"/{area_id}",
            code=data.get("code"),
        ).save(force_insert=True)
    except NotUniqueError:
        # (parent, name) is unique: the index decides, also between two
        # administrators adding the same area at once.
        raise Conflict("areas.name_taken") from None

    if actor is not None:
        record(
            "area.create",
            actor=AuditActor(actor.account_id, "sysadmin", actor.organization),
            resource_type="area",
            resource_id=str(area.id),
        )
    return area


def rename_area(actor: Actor, area_id: str, name: str) -> Area:
    area = Area.objects(id=object_id_or_404(area_id)).first()
    if area is None:
        raise NotFound()

    try:
        area.update(set__name=name)
    except NotUniqueError:
        raise Conflict("areas.name_taken") from None
    area.name = name
    record(
        "area.update",
        actor=AuditActor(actor.account_id, "sysadmin", actor.organization),
        resource_type="area",
        resource_id=str(area.id),
    )
    return area


def area_tree() -> list[Area]:
    return list(Area.objects.order_by("path"))

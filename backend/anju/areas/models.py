"""The jurisdiction tree: district → zone → village, community or market
section → building. A materialized path of ids gives subtree queries, and the
scope keys of everything placed in an area are derived from it."""

from __future__ import annotations

import mongoengine as me

from anju.db import Document

KINDS = ("district", "zone", "village", "community", "market_section", "building")
ZONE_KINDS = ("market", "open_village", "closed_community")
CHILD_KINDS = {
    "district": ("zone",),
    "zone": ("village", "community", "market_section"),
    "village": ("building",),
    "community": ("building",),
    "market_section": ("building",),
    "building": (),
}


class Area(Document):
    name = me.StringField(required=True, max_length=100)
    kind = me.StringField(required=True, choices=KINDS)
    zone_kind = me.StringField(choices=ZONE_KINDS)
    parent = me.ObjectIdField()
    # "/<district id>/<zone id>/.../<own id>"
    path = me.StringField(required=True)
    code = me.StringField(max_length=32)

    meta = {
        "collection": "areas",
        "indexes": ["path", "parent", {"fields": ["parent", "name"], "unique": True}],
    }

    @property
    def ancestor_ids(self) -> list[str]:
        """This area's id and its ancestors', root first."""
        return [part for part in self.path.split("/") if part]

    def scope_keys(self) -> list[str]:
        """What a record placed here is visible under: this area and each
        ancestor, so a grant on any of them reaches it by exact match."""
        return [f"area:{area_id}" for area_id in self.ancestor_ids]

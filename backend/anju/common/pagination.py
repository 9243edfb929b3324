"""Cursor pagination by id, newest first: the cursor is the last id seen."""

from __future__ import annotations

from typing import Any

from mongoengine.queryset import QuerySet

from anju.common.schemas import object_id_or_404


def newest_first(
    query: QuerySet, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """One page and the cursor of the next (None on the last page)."""
    if cursor:
        query = query.filter(id__lt=object_id_or_404(cursor))

    page = list(query.order_by("-id").limit(limit + 1))
    more = len(page) > limit
    page = page[:limit]
    return page, (str(page[-1].id) if more else None)

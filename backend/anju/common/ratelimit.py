"""Fixed-window rate limits shared by every web process, kept in MongoDB.

A window is one document whose id names the limit, the subject and the window;
an atomic ``$inc`` with upsert counts, and a TTL index removes old windows. The
collection and its index are made by ``ensure-indexes`` like every other, which
the embedded database needs (a library that creates its indexes on first use
races the first writers there).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import mongoengine as me
from flask import request
from pymongo import ReturnDocument

from anju.common.errors import RateLimited
from anju.db import Document


class RateWindow(Document):
    id = me.StringField(primary_key=True)
    count = me.IntField(default=0)
    expires_at = me.DateTimeField(required=True)

    meta = {
        "collection": "rate_limits",
        "indexes": [{"fields": ["expires_at"], "expireAfterSeconds": 0}],
    }


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


def hit(limit: Limit, subject: str, detail_code: str | None = None) -> None:
    """Count one use of ``limit`` by ``subject``; 429 with Retry-After past it.

    ``subject`` may be a phone's blind index or an address; it is hashed again
    so the collection never holds it as it is."""
    now = time.time()
    window = int(now // limit.seconds)
    digest = hashlib.sha256(f"{limit.name}\x00{subject}".encode()).hexdigest()[:32]
    window_end = (window + 1) * limit.seconds

    counted = RateWindow._get_collection().find_one_and_update(
        {"_id": f"{limit.name}:{digest}:{window}"},
        {
            "$inc": {"count": 1},
            "$setOnInsert": {
                "expires_at": datetime.fromtimestamp(window_end, UTC)
                + timedelta(seconds=60)
            },
        },
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    if counted["count"] > limit.count:
        raise RateLimited(max(1, int(window_end - now)), detail_code)


# A scanned venue or room code looked up without a login, per client address.
# Workers behind one carrier-grade NAT or a market's Wi-Fi share an address:
# a registration drive of 1,000 stalls scanning within ten minutes, each page
# asking two or three times (open, reload, the offline queue), stays far
# below 600 a minute; a script hammering the database does not.
CODE_LOOKUP_PER_IP_MINUTE = Limit("code-lookup-ip-minute", 600, 60)


def client_address() -> str:
    """The requesting client's address (the proxy's, unless the deployment
    passes the original one through)."""
    return request.remote_addr or "-"


def hit_code_lookup() -> None:
    """Count one public code lookup by this client (venue and room codes
    share the budget: the same phones scan both)."""
    hit(CODE_LOOKUP_PER_IP_MINUTE, client_address())


def reset(limit: Limit, subject: str) -> None:
    digest = hashlib.sha256(f"{limit.name}\x00{subject}".encode()).hexdigest()[:32]
    RateWindow._get_collection().delete_many(
        {"_id": {"$regex": f"^{limit.name}:{digest}:"}}
    )

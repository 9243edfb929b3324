"""Re-encrypting every protected value under the current key, while Anju keeps
serving.

Rotation: put the new key first in ``ANJU_ID_ENCRYPTION_KEYS`` (keeping the old
ones after it, so existing values still decrypt), restart the web and worker
processes, then run ``anju rotate-keys``. It walks the records in id order,
re-encrypts what an old key made, and writes each change conditionally on the
old ciphertext, so a concurrent edit is never overwritten (the next run picks it
up). When it reports nothing left under old keys, the old key can be removed.
The blind index key is separate and does not rotate this way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from anju.accounts.models import Account
from anju.common.crypto import Keyring
from anju.people.models import Person
from anju.people.service import ID_CONTEXT, PHONE_CONTEXT

logger = logging.getLogger(__name__)

# (document, field, encryption context)
PROTECTED = (
    (Person, "id_number_encrypted", ID_CONTEXT),
    (Person, "phone_encrypted", PHONE_CONTEXT),
    (Account, "phone_encrypted", "phone"),
    (Account, "totp_secret_encrypted", "totp"),
)


@dataclass
class RotationReport:
    rewritten: int = 0
    skipped_concurrent: int = 0
    remaining_old: int = 0


def rotate_keys(ring: Keyring, batch: int = 500) -> RotationReport:
    report = RotationReport()

    for document, field, context in PROTECTED:
        collection = document._get_collection()
        db_field = document._fields[field].db_field
        old = {
            db_field: {
                "$exists": True,
                "$ne": None,
                "$not": {"$regex": f"^{ring.current_kid}\\."},
            }
        }
        last_id = None

        while True:
            query = dict(old)
            if last_id is not None:
                query["_id"] = {"$gt": last_id}
            page = list(
                collection.find(query, {db_field: 1}).sort("_id", 1).limit(batch)
            )
            if not page:
                break

            for row in page:
                value = ring.encrypt(ring.decrypt(row[db_field], context), context)
                done = collection.update_one(
                    {"_id": row["_id"], db_field: row[db_field]},
                    {"$set": {db_field: value}},
                )
                if done.modified_count:
                    report.rewritten += 1
                else:
                    report.skipped_concurrent += 1
            last_id = page[-1]["_id"]

        report.remaining_old += collection.count_documents(old)

    logger.info(
        "keys rotated",
        extra={"rewritten": report.rewritten, "remaining": report.remaining_old},
    )
    return report

"""The database connection, and the one place collections and indexes are made.

Anju speaks to MongoDB (or the embedded MongoDB-wire server) only through
pymongo and mongoengine. Indexes are declared on the documents and created by
:func:`ensure_indexes`, called once from one process before any web worker or
test thread writes: the embedded server can hang on a first insert racing index
creation, so the ODM's create-on-first-use is turned off on every document.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any, Self
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import mongoengine
from mongoengine.base import get_document
from mongoengine.base.common import _document_registry
from pymongo.database import Database

from anju.config import Settings

logger = logging.getLogger(__name__)

# Every module that declares documents; ensure_indexes imports them all.
MODEL_MODULES: list[str] = [
    "anju.common.idempotency",
    "anju.common.ratelimit",
    "anju.audit.models",
    "anju.areas.models",
    "anju.accounts.models",
    "anju.people.models",
    "anju.patrol.models",
    "anju.venues.models",
    "anju.housing.models",
    "anju.venues.bulk.models",
    "anju.locks.models",
]

ALIAS = "default"


class Document(mongoengine.Document):
    """The base of every Anju document: no index creation on first use."""

    meta: dict[str, Any] = {"abstract": True, "auto_create_index": False}

    @classmethod
    def by_id(cls, object_id: Any) -> Self | None:
        """The document with this ``_id``, or None: one ``find_one``, without
        building a queryset. For reads on every request (the caller's account,
        a scanned venue), where cloning querysets and cursors took a tenth of
        a self-registration's CPU in the app (cProfile, 2026-12-04)."""
        found = cls._get_collection().find_one({"_id": object_id})
        return None if found is None else cls._from_son(found)


def embedded_options(uri: str) -> str:
    """The embedded server needs retryable writes off; MongoDB keeps them on."""
    parts = urlsplit(uri)
    query = dict(parse_qsl(parts.query))
    query.setdefault("retryWrites", "false")
    query.setdefault("directConnection", "true")
    return urlunsplit(parts._replace(query=urlencode(query)))


def database_name(uri: str) -> str:
    return urlsplit(uri).path.lstrip("/") or "anju"


def connect(settings: Settings, uri: str | None = None) -> Database:
    """Connect mongoengine (and so pymongo) with fail-fast timeouts."""
    uri = uri or settings.mongodb_uri
    if not uri:
        raise RuntimeError("no database: set ANJU_MONGODB_URI or use scripts/run")

    timeout = settings.db_timeout_ms
    options: dict[str, Any] = {
        "host": uri,
        "alias": ALIAS,
        "tz_aware": True,
        "uuidRepresentation": "standard",
        "serverSelectionTimeoutMS": timeout,
        "connectTimeoutMS": timeout,
        "socketTimeoutMS": max(timeout * 3, 10_000),
        "maxPoolSize": 50,
        "appname": "anju",
    }
    mongoengine.disconnect(ALIAS)
    mongoengine.connect(database_name(uri), **options)

    logger.info("database connected", extra={"database": database_name(uri)})
    return mongoengine.get_db(ALIAS)


def get_db() -> Database:
    return mongoengine.get_db(ALIAS)


def document_classes() -> list[type[mongoengine.Document]]:
    for module in MODEL_MODULES:
        importlib.import_module(module)

    classes = []
    for name in sorted(_document_registry):
        cls = get_document(name)
        if issubclass(cls, mongoengine.Document) and not cls._meta.get("abstract"):
            if cls._meta.get("allow_inheritance") and cls._superclasses:
                continue
            classes.append(cls)
    return classes


def ensure_indexes() -> list[str]:
    """Create every collection, then every declared index, and drop the
    indexes no model declares any more (each one slows every write to its
    collection). Idempotent."""
    db = get_db()
    existing = set(db.list_collection_names())
    made = []

    for cls in document_classes():
        name = cls._get_collection_name()
        if name not in existing:
            db.create_collection(name)
            existing.add(name)
        cls.ensure_indexes()
        _drop_undeclared_indexes(cls)
        made.append(name)

    logger.info("indexes ensured", extra={"collections": len(made)})
    return made


def _drop_undeclared_indexes(cls: Any) -> None:
    declared = [list(keys) for keys in cls.list_indexes()]
    collection = cls._get_collection()
    for index_name, info in collection.index_information().items():
        if index_name != "_id_" and list(info["key"]) not in declared:
            collection.drop_index(index_name)
            logger.info(
                "undeclared index dropped",
                extra={"collection": collection.name, "index": index_name},
            )


def clear_all() -> None:
    """Empty every collection (tests): keeps collections and indexes."""
    db = get_db()
    for name in db.list_collection_names():
        if not name.startswith("system."):
            db[name].delete_many({})

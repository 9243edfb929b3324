"""An import: one uploaded spreadsheet, its progress and its row report.

The uploaded bytes are kept encrypted in ``import_files`` in chunks (an upload
may be larger than one document may be) until the import has been processed; the
report is one ``import_problems`` document per refused cell, so a file of
10,000 bad rows never makes one oversized document.
"""

from __future__ import annotations

import mongoengine as me

from anju.db import Document

IMPORT_STATES = ("queued", "running", "done", "failed")
FILE_TYPES = ("csv", "xlsx")


class Import(Document):
    """One upload to one venue. ``scope_keys`` are the venue's, so whoever
    manages the venue's staff reaches its imports."""

    venue = me.ObjectIdField(required=True)
    venue_name = me.StringField()
    file_name = me.StringField(max_length=200)
    file_type = me.StringField(choices=FILE_TYPES)
    file_size = me.IntField()
    validate_only = me.BooleanField(default=False)
    state = me.StringField(choices=IMPORT_STATES, default="queued")
    total_rows = me.IntField(default=0)
    processed_rows = me.IntField(default=0)
    valid = me.IntField(default=0)
    imported = me.IntField(default=0)
    duplicates = me.IntField(default=0)
    invalid = me.IntField(default=0)
    people_created = me.IntField(default=0)
    error_code = me.StringField()

    # Who processes it: a claim token, renewed with every batch (a heartbeat),
    # so a crashed process's import is taken over by the worker.
    claim = me.StringField()
    attempts = me.IntField(default=0)
    heartbeat_at = me.DateTimeField()

    # Who uploaded it: the people and employments it makes are theirs.
    created_by = me.StringField()
    created_by_name = me.StringField()
    created_by_role = me.StringField()
    created_by_org = me.StringField()
    # Where the data is in the file, found when it was accepted.
    layout = me.DictField()
    scope_keys = me.ListField(me.StringField())
    created_at = me.DateTimeField(required=True)
    started_at = me.DateTimeField()
    finished_at = me.DateTimeField()

    meta = {
        "collection": "imports",
        "indexes": [
            ("venue", "-created_at"),
            "scope_keys",
            ("state", "heartbeat_at"),
        ],
    }


class ImportFile(Document):
    """A chunk of an uploaded file, encrypted (the file holds ID numbers),
    removed once the import is done."""

    import_id = me.ObjectIdField(required=True)
    n = me.IntField(required=True)
    sealed = me.StringField(required=True)

    meta = {
        "collection": "import_files",
        "indexes": [{"fields": ["import_id", "n"], "unique": True}],
    }


class ImportProblem(Document):
    """One refused cell (or one row not imported): where and why. ``value``
    is masked; ``code`` is a message code, ``params`` its values."""

    import_id = me.ObjectIdField(required=True)
    row = me.IntField(required=True)
    column = me.StringField()
    position = me.IntField(default=0)  # the column's place, to sort the report
    value = me.StringField()
    code = me.StringField(required=True)
    params = me.DictField()

    meta = {
        "collection": "import_problems",
        "indexes": [("import_id", "row", "position")],
    }

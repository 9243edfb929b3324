"""Staff imports: the upload form and what an import looks like."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields

from anju.common.i18n import translate
from anju.common.schemas import InputSchema, ObjectIdString, OutputSchema, PageQuery


class ImportForm(InputSchema):
    validate_only = fields.Boolean(load_default=False)


class ImportFile(InputSchema):
    """The multipart body. flask-smorest documents one body schema per
    operation, so ``validate_only`` is named here too; its value is read by
    :class:`ImportForm` (the files part never holds it)."""

    file = Upload(required=True)
    validate_only = fields.Boolean(
        load_default=False, metadata={"description": "check only, import nothing"}
    )


class ImportsQuery(PageQuery):
    cursor = ObjectIdString()


class ImportView(OutputSchema):
    id = fields.String()
    venue_id = fields.String(attribute="venue")
    venue_name = fields.String(allow_none=True)
    file_name = fields.String(allow_none=True)
    file_type = fields.String(allow_none=True)
    state = fields.String()
    validate_only = fields.Boolean()
    total_rows = fields.Integer()
    processed_rows = fields.Integer()
    valid = fields.Integer()
    imported = fields.Integer()
    duplicates = fields.Integer()
    invalid = fields.Integer()
    people_created = fields.Integer()
    error = fields.Method("_error", allow_none=True)
    created_by_name = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)

    def _error(self, batch) -> dict[str, str] | None:
        if not batch.error_code:
            return None
        return {"code": batch.error_code, "message": translate(batch.error_code)}


class ImportsPage(OutputSchema):
    items = fields.List(fields.Nested(ImportView))
    next_cursor = fields.String(allow_none=True)

"""Schema building blocks every domain uses."""

from __future__ import annotations

from marshmallow import RAISE, Schema, fields, validate


class InputSchema(Schema):
    """Request bodies: unknown fields are refused (no mass assignment)."""

    class Meta:
        unknown = RAISE


class OutputSchema(Schema):
    class Meta:
        ordered = True


def trimmed_string(max_length: int, **kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=max_length), **kwargs)


class PageQuery(InputSchema):
    cursor = fields.String(validate=validate.Length(max=64))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class ObjectIdString(fields.String):
    """A 24-hex-digit id; anything else is a field error, never a query."""

    default_error_messages = {"invalid": "Not a valid id."}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) != 24 or any(c not in "0123456789abcdef" for c in text.lower()):
            raise self.make_error("invalid")
        return text.lower()


def object_id_or_404(value: str):
    """A path id as an ObjectId; a malformed one is simply not found."""
    from bson import ObjectId
    from bson.errors import InvalidId

    from anju.common.errors import NotFound

    try:
        return ObjectId(value)
    except (InvalidId, TypeError):
        raise NotFound() from None

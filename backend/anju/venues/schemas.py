"""Request and answer shapes of venues, their codes and coverage."""

from __future__ import annotations

from marshmallow import fields, validate

from anju.common.schemas import InputSchema, ObjectIdString, OutputSchema, PageQuery
from anju.venues.models import VENUE_KINDS, VENUE_STATES

NAME_MAX = 100
ADDRESS_MAX = 200
HEADCOUNT_MAX = 100_000
BULK_MAX = 2000
POSTER_SIZES = ("A5", "A4")


def _name(**kwargs) -> fields.String:
    return fields.String(validate=validate.Length(min=1, max=NAME_MAX), **kwargs)


def _headcount(**kwargs) -> fields.Integer:
    return fields.Integer(
        strict=True, validate=validate.Range(min=0, max=HEADCOUNT_MAX), **kwargs
    )


class VenueQuery(PageQuery):
    status = fields.String(validate=validate.OneOf(VENUE_STATES))
    kind = fields.String(validate=validate.OneOf(VENUE_KINDS))
    area_id = ObjectIdString()
    q = fields.String(validate=validate.Length(min=1, max=NAME_MAX))


class VenueCreate(InputSchema):
    name = _name(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(VENUE_KINDS))
    area_id = ObjectIdString(required=True)
    address = fields.String(validate=validate.Length(max=ADDRESS_MAX))
    expected_headcount = _headcount()


class VenueUpdate(InputSchema):
    name = _name()
    kind = fields.String(validate=validate.OneOf(VENUE_KINDS))
    address = fields.String(validate=validate.Length(max=ADDRESS_MAX))
    expected_headcount = _headcount()
    status = fields.String(validate=validate.OneOf(("closed", "active")))


class BulkCreate(InputSchema):
    area_id = ObjectIdString(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(VENUE_KINDS))
    prefix = fields.String(required=True, validate=validate.Length(min=0, max=40))
    first = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))
    last = fields.Integer(strict=True, required=True, validate=validate.Range(min=0))
    expected_headcount = _headcount()


class PosterQuery(InputSchema):
    size = fields.String(load_default="A5", validate=validate.OneOf(POSTER_SIZES))


class PostersQuery(PosterQuery):
    area_id = ObjectIdString(required=True)
    # A run of stalls made in bulk ("A-"): only the names starting with it.
    prefix = fields.String(validate=validate.Length(min=1, max=20))


class CoverageQuery(InputSchema):
    area_id = ObjectIdString()


class VenueView(OutputSchema):
    id = fields.String()
    name = fields.String()
    kind = fields.String()
    area_id = fields.String()
    area_name = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    operator_id = fields.String(allow_none=True)
    operator_name = fields.String(allow_none=True)
    expected_headcount = fields.Integer()
    registered_count = fields.Integer()
    status = fields.String()
    code_version = fields.Integer()
    code_number = fields.String()
    created_at = fields.DateTime()


class VenuePage(OutputSchema):
    items = fields.List(fields.Nested(VenueView))
    next_cursor = fields.String(allow_none=True)


class BulkCreated(OutputSchema):
    created = fields.Integer()
    skipped = fields.Integer()
    venues = fields.List(fields.String())


class PublicVenue(OutputSchema):
    id = fields.String()
    name = fields.String()
    kind = fields.String()
    area_name = fields.String(allow_none=True)
    address = fields.String(allow_none=True)


class CodeLookup(OutputSchema):
    venue = fields.Nested(PublicVenue)
    code_number = fields.String()


class CoverageRow(OutputSchema):
    area_id = fields.String()
    area_name = fields.String()
    venues = fields.Integer()
    expected_headcount = fields.Integer()
    registered = fields.Integer()


class CoverageVenue(OutputSchema):
    id = fields.String()
    name = fields.String()
    kind = fields.String()
    status = fields.String()
    area_id = fields.String()
    area_name = fields.String(allow_none=True)
    expected_headcount = fields.Integer()
    registered = fields.Integer()


class Coverage(OutputSchema):
    area_id = fields.String()
    area_name = fields.String()
    items = fields.List(fields.Nested(CoverageRow))
    total = fields.Nested(CoverageRow)
    venues = fields.List(fields.Nested(CoverageVenue))
    venues_total = fields.Integer()

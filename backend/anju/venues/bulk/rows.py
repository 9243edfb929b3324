"""Checking one row of a staff list: every cell's problem at once, with its
value masked, so the report can be shown to whoever uploaded the file."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from anju.common.idnumber import (
    CHINA_TIME,
    IdNumberError,
    IdNumberFacts,
    mask_id_number,
    normalize_id_number,
    parse_id_number,
)
from anju.common.phone import PhoneError, mask_phone, normalize_phone
from anju.venues.bulk.spreadsheet import HEADERS, POSITIONS

NAME_MAX = 50
JOB_MAX = 50
EARLIEST_START = date(1950, 1, 1)
KINDS = {
    "员工": "staff",
    "业务往来": "business_contact",
    "staff": "staff",
    "business_contact": "business_contact",
}
# Excel counts days from 1899-12-30 (its 1900 leap-year bug included).
_EXCEL_EPOCH = date(1899, 12, 30)
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DATE_TIME_TAIL = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2})?$")
_FORMULA_START = ("=", "+", "@")


@dataclass(frozen=True)
class Problem:
    row: int
    field: str
    value: str  # masked
    code: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def column(self) -> str:
        return HEADERS[self.field]

    @property
    def position(self) -> int:
        return POSITIONS[self.field]


@dataclass(frozen=True)
class StaffRow:
    """A row that can be imported."""

    row: int
    name: str
    facts: IdNumberFacts
    phone: str | None
    job: str
    start_date: date
    kind: str


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def mask_name(name: str) -> str:
    """The first character and a star for each other: 张**."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def _shown(text: str, limit: int = 30) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _plain_text(
    row: int, field_name: str, value: Any, limit: int, problems: list[Problem]
) -> str | None:
    text = _text(value)
    shown = mask_name(text) if field_name == "name" else _shown(text)

    if not text:
        problems.append(Problem(row, field_name, "", "imports.required"))
        return None
    if len(text) > limit:
        problems.append(
            Problem(row, field_name, shown, "imports.too_long", {"limit": limit})
        )
        return None
    if text.startswith(_FORMULA_START):
        problems.append(Problem(row, field_name, shown, "imports.formula_text"))
        return None
    return text


def _id_number(row: int, value: Any, problems: list[Problem]) -> IdNumberFacts | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # An 18-digit number kept as a number has lost its last digits.
        shown = mask_id_number(normalize_id_number(_text(value)))
        problems.append(Problem(row, "id_number", shown, "imports.id_number_numeric"))
        return None

    text = _text(value)
    try:
        return parse_id_number(text)
    except IdNumberError as error:
        shown = mask_id_number(normalize_id_number(text)) if text else ""
        problems.append(Problem(row, "id_number", shown, error.key))
        return None


def _phone(row: int, value: Any, problems: list[Problem]) -> str | None:
    text = _text(value)
    if not text:
        return None
    try:
        return normalize_phone(text)
    except PhoneError as error:
        shown = mask_phone(re.sub(r"\D", "", text))
        problems.append(Problem(row, "phone", shown, error.key))
        return None


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A date cell without a date format reads as Excel's day count.
        if 1 <= value < 2_958_466:
            return _EXCEL_EPOCH + timedelta(days=int(value))
        return None

    text = _DATE_TIME_TAIL.sub("", _text(value))
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _start_date(
    row: int, value: Any, today: date, problems: list[Problem]
) -> date | None:
    if _text(value) == "":
        problems.append(Problem(row, "start_date", "", "imports.required"))
        return None

    found = _as_date(value)
    shown = found.isoformat() if found else _shown(_text(value))
    if found is None:
        problems.append(Problem(row, "start_date", shown, "imports.date_format"))
    elif found > today:
        problems.append(Problem(row, "start_date", shown, "imports.date_future"))
    elif found < EARLIEST_START:
        params = {"earliest": EARLIEST_START.isoformat()}
        problems.append(
            Problem(row, "start_date", shown, "imports.date_too_early", params)
        )
    else:
        return found
    return None


def _kind(row: int, value: Any, problems: list[Problem]) -> str | None:
    text = _text(value)
    if not text:
        return "staff"
    kind = KINDS.get(text)
    if kind is None:
        problems.append(Problem(row, "kind", _shown(text), "imports.kind"))
    return kind


def check_row(
    row: int, cells: dict[str, Any], today: date | None = None
) -> tuple[StaffRow | None, list[Problem]]:
    """The row ready to import, or None and every problem it has."""
    today = today or datetime.now(CHINA_TIME).date()
    problems: list[Problem] = []

    name = _plain_text(row, "name", cells.get("name"), NAME_MAX, problems)
    facts = _id_number(row, cells.get("id_number"), problems)
    phone = _phone(row, cells.get("phone"), problems)
    job = _plain_text(row, "job", cells.get("job"), JOB_MAX, problems)
    start_date = _start_date(row, cells.get("start_date"), today, problems)
    kind = _kind(row, cells.get("kind"), problems)

    if problems or not (name and facts and job and start_date and kind):
        return None, problems
    return StaffRow(row, name, facts, phone, job, start_date, kind), []

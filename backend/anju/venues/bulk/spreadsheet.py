"""Reading an uploaded staff list: what kind of file it is, where its header
is, and its rows as plain values.

The kind is told by the content, never by the name: an XLSX is a zip archive
that openpyxl can open; anything else must be text in UTF-8 (with or without a
byte-order mark) or GB18030, read as CSV. A whole file is refused (with a
:class:`SheetRefused` naming why) when it is empty, of another kind, lacks
required columns, has more than :data:`MAX_ROWS` rows, or has merged cells or
formulas among its rows. Row problems are not found here (see ``rows.py``).
"""

from __future__ import annotations

import csv
import html
import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import openpyxl
from openpyxl.utils.cell import column_index_from_string, range_boundaries
from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900

MAX_ROWS = 10_000
# 10,000 rows of the template unpack to a few MB; far more is a zip bomb or a
# sheet formatted to its last row and column.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
# The header may sit under a title line or two.
HEADER_SEARCH_ROWS = 5

# (field, header) in the template's order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "姓名"),
    ("id_number", "身份证号"),
    ("phone", "手机号"),
    ("job", "岗位"),
    ("start_date", "入职日期"),
    ("kind", "类别"),
)
HEADERS = dict(COLUMNS)
REQUIRED = ("name", "id_number", "job", "start_date")
POSITIONS = {field: place for place, (field, _) in enumerate(COLUMNS)}

# Headers people write instead of the template's.
_ALIASES = {
    "身份证号码": "id_number",
    "身份证": "id_number",
    "公民身份号码": "id_number",
    "手机号码": "phone",
    "手机": "phone",
    "联系电话": "phone",
    "电话": "phone",
    "职位": "job",
    "工种": "job",
    "入职时间": "start_date",
    "人员类别": "kind",
}
_HEADER_NOISE = re.compile(r"[（(][^）)]*[）)]|[\s*＊:：]")
_ZIP_SIGNATURE = b"PK\x03\x04"
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class SheetRefused(ValueError):
    """The whole file is refused; ``code`` is a message code."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Sheet:
    """Where the data is in an accepted file."""

    kind: str  # "csv" or "xlsx"
    sheet_index: int  # the worksheet (XLSX)
    header_row: int  # 1-based, as a spreadsheet program numbers rows
    columns: dict[str, int]  # field -> 0-based column
    total_rows: int  # data rows that are not blank


Cells = dict[str, Any]


def column_field(header: Any) -> str | None:
    """The field a header names, forgiving spaces, '*' and notes in brackets."""
    if not isinstance(header, str):
        return None
    text = _HEADER_NOISE.sub("", header)
    for field, name in COLUMNS:
        if text == name:
            return field
    return _ALIASES.get(text)


def _header_columns(values: tuple[Any, ...]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for place, value in enumerate(values):
        field = column_field(value)
        if field is not None and field not in columns:
            columns[field] = place
    return columns


def _is_blank(values: tuple[Any, ...] | list[Any]) -> bool:
    return all(value is None or str(value).strip() == "" for value in values)


def _find_header(first_rows: list[tuple[Any, ...]]) -> tuple[int, dict[str, int]]:
    """The header row (1-based) and its columns; refuses missing columns,
    naming them from the row that looked most like a header."""
    best: tuple[int, dict[str, int]] = (0, {})
    for number, values in enumerate(first_rows, start=1):
        columns = _header_columns(values)
        if len(columns) > len(best[1]):
            best = (number, columns)
        if all(field in columns for field in REQUIRED):
            return number, columns

    if not any(not _is_blank(values) for values in first_rows):
        raise SheetRefused("imports.file_empty")
    missing = [HEADERS[field] for field in REQUIRED if field not in best[1]]
    raise SheetRefused("imports.missing_columns", columns="、".join(missing))


def _cells(values: tuple[Any, ...], columns: dict[str, int]) -> Cells:
    return {
        field: values[place] if place < len(values) else None
        for field, place in columns.items()
    }


# --- which kind


def file_kind(data: bytes) -> str:
    """ "xlsx" or "csv" by the content; refuses anything else."""
    if not data.strip():
        raise SheetRefused("imports.file_empty")
    if data.startswith(_ZIP_SIGNATURE):
        return "xlsx"
    if data.startswith(_OLE_SIGNATURE):
        raise SheetRefused("imports.file_xls")
    return "csv"


def inspect(data: bytes) -> Sheet:
    """Check the whole file and find its data; :class:`SheetRefused` if it
    cannot be imported at all. Reads every row once (bounded by MAX_ROWS)."""
    kind = file_kind(data)
    if kind == "xlsx":
        return _inspect_xlsx(data)
    return _inspect_csv(data)


def data_rows(data: bytes, sheet: Sheet) -> Iterator[tuple[int, Cells]]:
    """Each data row that is not blank: its spreadsheet row number and its
    cells by field (raw values: str, int, float, datetime or None)."""
    if sheet.kind == "xlsx":
        yield from _xlsx_rows(data, sheet)
    else:
        yield from _csv_rows(data, sheet)


# --- XLSX
#
# openpyxl opens the workbook (which proves it is one), finds the sheets and
# reads the shared strings and the first rows; the rows themselves are read
# from the sheet's XML with a few patterns, several times faster than making
# a cell object for each and fast enough to check a whole file while the
# person waits. The patterns cover what Excel, WPS, LibreOffice, openpyxl and
# other writers put there: shared or inline strings, rich-text runs, cell and
# row references present or left out, attributes in any order and quoted
# either way, namespace prefixes (``x:c``). A sheet whose XML holds what they
# do not expect (a CDATA section, a comment), or a workbook counting its days
# from 1904, is read by openpyxl instead (about twice as slow). A date
# cell reads as the day count from 1900, which ``rows.py`` turns into the
# date (openpyxl's reader gives a datetime).

_ATTRIBUTE = rb"\s*=\s*[\"']"
_ROW = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(?<!/)>(.*?)</(?:\w+:)?row>", re.S)
_ROW_NUMBER = re.compile(rb"\br" + _ATTRIBUTE + rb"(\d+)")
_CELL_REF = re.compile(
    rb"<(?:\w+:)?c\b[^>]*?\br" + _ATTRIBUTE + rb"([A-Z]+[0-9]+)[\"']"
)
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]|<(?:\w+:)?t(?:\s[^>]*)?>\s*[^<\s]")
_CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_CELL_COLUMN = re.compile(rb"\br" + _ATTRIBUTE + rb"([A-Z]+)[0-9]+[\"']")
_CELL_TYPE = re.compile(rb"\bt" + _ATTRIBUTE + rb"(\w+)[\"']")
_CELL_VALUE = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_TEXT = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)</(?:\w+:)?t>")
_MERGE = re.compile(
    rb"<(?:\w+:)?mergeCell\s[^>]*?\bref"
    + _ATTRIBUTE
    + rb"([A-Z]+[0-9]+(?::[A-Z]+[0-9]+)?)[\"']"
)
# XML the patterns would misread: left to openpyxl's parser.
_UNEXPECTED_XML = re.compile(rb"<!\[CDATA\[|<!--|<\?(?!xml\s)")

RowValues = dict[int, Any]  # 0-based column -> value, cells with a value only


@dataclass(frozen=True)
class _Worksheet:
    index: int
    header_row: int
    columns: dict[str, int]
    xml: bytes
    shared_strings: list[str]
    by_pattern: bool  # False: read the rows through openpyxl


@contextmanager
def _quiet_openpyxl() -> Iterator[None]:
    """openpyxl warns about parts it drops (a workbook without a default
    style from Gnumeric, Excel's data-validation extensions); they do not
    matter for reading values. Only openpyxl's UserWarnings are silenced:
    ``catch_warnings`` is process-wide, so two threads overlapping here could
    leave this one filter in place, never a broader one."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")
        yield


@contextmanager
def _workbook(data: bytes) -> Iterator[Any]:
    """The workbook, open while in the block, closed after it. Whatever
    openpyxl raises (zip, XML, key and value errors) while opening or reading
    a file that is not a proper workbook means the same to the person: the
    whole-file refusal ``imports.file_type``."""
    try:
        _refuse_bomb(data)
        with _quiet_openpyxl():
            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    except SheetRefused:
        raise
    except Exception:
        raise SheetRefused("imports.file_type") from None

    try:
        yield workbook
    except SheetRefused:
        raise
    except Exception:
        raise SheetRefused("imports.file_type") from None
    finally:
        workbook.close()


def _refuse_bomb(data: bytes) -> None:
    """A small file may unpack to gigabytes: look before unpacking."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise SheetRefused("imports.sheet_too_large")


def _worksheets(workbook: Any) -> list[Any]:
    sheets = [s for s in workbook.worksheets if hasattr(s, "iter_rows")]
    for sheet in sheets:
        # Some writers record a wrong size (``A1``) or none; openpyxl would
        # then read that far only.
        sheet.reset_dimensions()
    return sheets


def _worksheet(data: bytes, index: int | None = None) -> _Worksheet:
    """The sheet with the header (or the sheet at ``index``), its XML and the
    workbook's shared strings."""
    with _workbook(data) as workbook:
        sheets = _worksheets(workbook)
        if not sheets:
            raise SheetRefused("imports.file_type")
        if index is None:
            with _quiet_openpyxl():
                index, header_row, columns = _pick_sheet(sheets)
        else:
            header_row, columns = 0, {}
        # openpyxl keeps these privately (pinned at 3.1.5): the sheet's part
        # in the archive and the strings its cells point to.
        path = sheets[index]._worksheet_path
        shared_strings = list(sheets[index]._shared_strings)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = archive.read(path)
        # Day counts from 1904 (old Mac workbooks): openpyxl dates them.
        counts_from_1900 = workbook.epoch == CALENDAR_WINDOWS_1900

    by_pattern = counts_from_1900 and _UNEXPECTED_XML.search(xml) is None
    return _Worksheet(index, header_row, columns, xml, shared_strings, by_pattern)


def _inspect_xlsx(data: bytes) -> Sheet:
    sheet = _worksheet(data)
    _refuse_merged(sheet.xml, sheet.header_row)
    _refuse_formulas(sheet.xml, sheet.header_row)

    total = 0
    for _ in _sheet_rows(data, sheet, sheet.header_row):
        total += 1
        if total > MAX_ROWS:
            raise SheetRefused("imports.too_many_rows", limit=f"{MAX_ROWS:,}")

    if total == 0:
        raise SheetRefused("imports.no_rows")
    return Sheet("xlsx", sheet.index, sheet.header_row, sheet.columns, total)


def _pick_sheet(sheets: list[Any]) -> tuple[int, int, dict[str, int]]:
    """The first worksheet with the template's header (the instructions sheet
    may come first); else the first sheet's refusal."""
    first_refusal = None
    for index, sheet in enumerate(sheets):
        rows = [
            tuple(row)
            for row in sheet.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True)
        ]
        try:
            header_row, columns = _find_header(rows)
        except SheetRefused as refusal:
            first_refusal = first_refusal or refusal
            continue
        return index, header_row, columns
    raise first_refusal or SheetRefused("imports.file_empty")


def _refuse_merged(xml: bytes, header_row: int) -> None:
    """Merged ranges follow the rows in the sheet's XML."""
    merged = []
    for match in _MERGE.finditer(xml):
        cells = match.group(1).decode()
        _, _, _, bottom = range_boundaries(cells)
        if bottom is not None and bottom >= header_row:
            merged.append(cells)
    if merged:
        shown = "、".join(merged[:3]) + ("…" if len(merged) > 3 else "")
        raise SheetRefused("imports.merged_cells", cells=shown)


def _refuse_formulas(xml: bytes, header_row: int) -> None:
    """A formula below the header (its result would be imported, not what the
    person sees as its source), named by its cell."""
    for number, content in _xml_rows(xml):
        if number <= header_row:
            continue
        formula = _FORMULA.search(content)
        if formula is not None:
            cells = _CELL_REF.findall(content, 0, formula.start())
            cell = cells[-1].decode() if cells else f"A{number}"
            raise SheetRefused("imports.formulas", cell=cell)


def _xml_rows(xml: bytes) -> Iterator[tuple[int, bytes]]:
    """Each ``<row>`` with content: its number and its XML."""
    number = 0
    for match in _ROW.finditer(xml):
        place = _ROW_NUMBER.search(match.group(1))
        number = int(place.group(1)) if place else number + 1
        yield number, match.group(2)


def _unescape(raw: bytes) -> str:
    try:
        return html.unescape(raw.decode())
    except UnicodeDecodeError:
        raise SheetRefused("imports.file_type") from None


def _cell_value(attributes: bytes, content: bytes, strings: list[str]) -> Any:
    kind = _CELL_TYPE.search(attributes)
    kind_name = kind.group(1) if kind else b"n"

    if kind_name == b"inlineStr":
        return _unescape(b"".join(_TEXT.findall(content)))
    value = _CELL_VALUE.search(content)
    if value is None:
        return None
    text = _unescape(value.group(1)).strip()

    if kind_name == b"s":
        try:
            return strings[int(text)]
        except (ValueError, IndexError):
            # A pointer to no string: the workbook is damaged.
            raise SheetRefused("imports.file_type") from None
    if kind_name == b"n":
        try:
            number = float(text)
        except ValueError:
            return text  # not a number after all: rows.py judges the text
        exact = number.is_integer() and "E" not in text.upper()
        return int(number) if exact else number
    if kind_name == b"b":
        return text == "1"
    return text  # "str", "e" (an error such as #N/A) and "d" (ISO dates)


def _pattern_rows(sheet: _Worksheet) -> Iterator[tuple[int, RowValues]]:
    for number, content in _xml_rows(sheet.xml):
        if not _VALUE.search(content):
            continue  # the common blank row: only styles, no values
        values: RowValues = {}
        place = -1
        for match in _CELL.finditer(content):
            attributes = match.group(1)
            reference = _CELL_COLUMN.search(attributes)
            place = (
                column_index_from_string(reference.group(1).decode()) - 1
                if reference
                else place + 1
            )
            value = _cell_value(attributes, match.group(2) or b"", sheet.shared_strings)
            if value is not None:
                values[place] = value
        yield number, values


def _openpyxl_rows(data: bytes, index: int) -> list[tuple[int, RowValues]]:
    """The rows as openpyxl reads them (slower; for XML the patterns do not
    expect), read at once so its warnings are silenced in one place. Rows
    missing from the XML come as empty ones, so the count is the row number."""
    with _workbook(data) as workbook, _quiet_openpyxl():
        sheet = _worksheets(workbook)[index]
        rows = enumerate(sheet.iter_rows(values_only=True), start=1)
        return [
            (number, {p: v for p, v in enumerate(row) if v is not None})
            for number, row in rows
        ]


def _sheet_rows(
    data: bytes, sheet: _Worksheet, header_row: int
) -> Iterator[tuple[int, RowValues]]:
    """Each row under the header with a value that is not blank, in any
    column: inspect counts exactly the rows data_rows yields."""
    rows = (
        _pattern_rows(sheet) if sheet.by_pattern else _openpyxl_rows(data, sheet.index)
    )
    for number, values in rows:
        if number > header_row and not _is_blank(list(values.values())):
            yield number, values


def _xlsx_rows(data: bytes, sheet: Sheet) -> Iterator[tuple[int, Cells]]:
    found = _worksheet(data, sheet.sheet_index)
    for number, values in _sheet_rows(data, found, sheet.header_row):
        yield (
            number,
            {field: values.get(place) for field, place in sheet.columns.items()},
        )


# --- CSV


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise SheetRefused("imports.file_type")
    encodings: tuple[str, ...] = ("utf-8", "gb18030")
    if data.startswith(b"\xef\xbb\xbf"):
        encodings = ("utf-8-sig",)

    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL.search(text):
            # Control characters mean binary content, not a table of text.
            raise SheetRefused("imports.file_type")
        return text
    raise SheetRefused("imports.file_encoding")


def _csv_records(text: str) -> Iterator[list[str]]:
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    except csv.Error:
        raise SheetRefused("imports.file_type") from None


def _inspect_csv(data: bytes) -> Sheet:
    records = _csv_records(_decode(data))
    first_rows = []
    for record in records:
        first_rows.append(tuple(record))
        if len(first_rows) == HEADER_SEARCH_ROWS:
            break
    header_row, columns = _find_header(first_rows)

    total = sum(1 for values in first_rows[header_row:] if not _is_blank(values))
    for record in records:
        if _is_blank(record):
            continue
        total += 1
        if total > MAX_ROWS:
            raise SheetRefused("imports.too_many_rows", limit=f"{MAX_ROWS:,}")

    if total > MAX_ROWS:
        raise SheetRefused("imports.too_many_rows", limit=f"{MAX_ROWS:,}")
    if total == 0:
        raise SheetRefused("imports.no_rows")
    return Sheet("csv", 0, header_row, columns, total)


def _csv_rows(data: bytes, sheet: Sheet) -> Iterator[tuple[int, Cells]]:
    for number, record in enumerate(_csv_records(_decode(data)), start=1):
        if number <= sheet.header_row or _is_blank(record):
            continue
        yield number, _cells(tuple(record), sheet.columns)

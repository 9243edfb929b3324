"""Reading staff lists: workbooks as Excel and WPS write them (shared
strings, prefixed XML, date cells), CSV encodings, and row checks."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from anju.venues.bulk.rows import check_row, mask_name
from anju.venues.bulk.spreadsheet import SheetRefused, data_rows, inspect
from tests.factories import CITIZENS

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""  # noqa: E501
ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""  # noqa: E501
WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<x:sheets><x:sheet name="名单" sheetId="1" r:id="rId1"/></x:sheets></x:workbook>"""
WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""  # noqa: E501
NS = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _excel_file(strings: list[str], rows: list[str], tail: str = "") -> bytes:
    """A workbook shaped like Excel's: shared strings, an ``x:`` prefix."""
    items = "".join(
        f"<x:si><x:r><x:t>{text}</x:t></x:r><x:rPh sb='0' eb='1'><x:t>ピン</x:t>"
        "</x:rPh></x:si>"
        for text in strings
    )
    shared = f'<?xml version="1.0"?><x:sst {NS} count="{len(strings)}">{items}</x:sst>'
    sheet = (
        f'<?xml version="1.0"?><x:worksheet {NS}><x:sheetData>'
        + "".join(rows)
        + f"</x:sheetData>{tail}</x:worksheet>"
    )
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", shared)
    return output.getvalue()


HEADER = ["姓名", "身份证号", "手机号", "岗位", "入职日期", "类别"]


def _shared_row(number: int, first: int) -> str:
    cells = "".join(
        f'<x:c r="{letter}{number}" t="s"><x:v>{first + place}</x:v></x:c>'
        for place, letter in enumerate("ABCDEF")
    )
    return f'<x:row r="{number}">{cells}</x:row>'


def test_an_excel_workbook_with_shared_strings_and_a_date_cell():
    citizen = CITIZENS[0]
    strings = [*HEADER, citizen.name, citizen.id_number, citizen.phone, "A&amp;B"]
    row = (
        '<x:row r="2" spans="1:6">'
        '<x:c r="A2" t="s"><x:v>6</x:v></x:c>'
        '<x:c r="B2" t="s"><x:v>7</x:v></x:c>'
        '<x:c r="C2" t="s"><x:v>8</x:v></x:c>'
        '<x:c r="D2" t="s"><x:v>9</x:v></x:c>'
        '<x:c r="E2" s="3"><x:v>45352</x:v></x:c>'
        '<x:c r="F2"/>'
        '</x:row><x:row r="3"/>'
    )
    data = _excel_file(strings, [_shared_row(1, 0), row])

    sheet = inspect(data)
    rows = list(data_rows(data, sheet))

    assert (sheet.kind, sheet.header_row, sheet.total_rows) == ("xlsx", 1, 1)
    assert rows == [
        (
            2,
            {
                "name": citizen.name,
                "id_number": citizen.id_number,
                "phone": citizen.phone,
                "job": "A&B",
                "start_date": 45352,
                "kind": None,
            },
        )
    ]
    staff, problems = check_row(*rows[0], today=date(2025, 1, 1))
    assert problems == [] and staff.start_date == date(2024, 3, 1)
    assert staff.kind == "staff"


def test_formulas_and_merged_cells_are_found_in_prefixed_xml():
    formula = (
        '<x:row r="2"><x:c r="A2" t="s"><x:v>0</x:v></x:c>'
        '<x:c r="D2" t="str"><x:f>A2&amp;"x"</x:f><x:v>姓名x</x:v></x:c></x:row>'
    )
    merged = '<x:mergeCells count="1"><x:mergeCell ref="B2:C4"/></x:mergeCells>'
    value_row = '<x:row r="2"><x:c r="A2" t="s"><x:v>0</x:v></x:c></x:row>'

    with pytest.raises(SheetRefused) as with_formula:
        inspect(_excel_file(HEADER, [_shared_row(1, 0), formula]))
    with pytest.raises(SheetRefused) as with_merge:
        inspect(_excel_file(HEADER, [_shared_row(1, 0), value_row], merged))

    assert (with_formula.value.code, with_formula.value.params) == (
        "imports.formulas",
        {"cell": "D2"},
    )
    assert with_merge.value.params == {"cells": "B2:C4"}


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (120 * 1024 * 1024))

    with pytest.raises(SheetRefused) as refused:
        inspect(output.getvalue())

    assert refused.value.code == "imports.sheet_too_large"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_and_a_title_line(encoding):
    text = "东村员工名单\n" + ",".join(HEADER) + "\n张三,x,,厨师,2024/3/1,业务往来\n\n"

    data = text.encode(encoding)
    sheet = inspect(data)

    assert (sheet.header_row, sheet.total_rows) == (2, 1)
    assert next(iter(data_rows(data, sheet)))[1]["kind"] == "业务往来"


def test_binary_and_unknown_encodings_are_not_csv():
    with pytest.raises(SheetRefused) as binary:
        inspect(b"%PDF-1.7\n\x00\x01\x02")
    with pytest.raises(SheetRefused) as latin:
        inspect(",".join(HEADER).encode() + b"\n\xff\xfe\xfd,\x81\x20\n")

    assert binary.value.code == "imports.file_type"
    assert latin.value.code == "imports.file_encoding"


def test_headers_are_forgiving():
    text = "姓名*,身份证号码,手机号（选填）,岗位 ,入职时间\n"
    sheet = inspect((text + "张三,1,2,3,4\n").encode())

    assert sorted(sheet.columns) == ["id_number", "job", "name", "phone", "start_date"]


def test_row_checks_report_every_cell_at_once():
    cells = {
        "name": "",
        "id_number": "110105199013450000",
        "phone": "+86 138-0000-00",
        "job": "=HYPERLINK()",
        "start_date": "2099-01-01",
        "kind": "临时",
    }

    staff, problems = check_row(7, cells, today=date(2025, 1, 1))

    assert staff is None
    assert [(p.column, p.code) for p in problems] == [
        ("姓名", "imports.required"),
        ("身份证号", "id_number.birth_date"),
        ("手机号", "phone.format"),
        ("岗位", "imports.formula_text"),
        ("入职日期", "imports.date_future"),
        ("类别", "imports.kind"),
    ]
    assert problems[1].value == "1101**********0000"
    assert {p.row for p in problems} == {7}


@pytest.mark.parametrize(
    "text",
    ["2024-03-01", "2024/3/1", "2024.03.01", "2024年3月1日", "20240301", 45352],
)
def test_start_dates_in_the_forms_people_write(text):
    citizen = CITIZENS[0]
    cells = {"name": citizen.name, "id_number": citizen.id_number, "job": "厨师"}

    staff, problems = check_row(2, {**cells, "start_date": text})

    assert problems == [] and staff.start_date == date(2024, 3, 1)


def test_names_are_masked_but_for_their_first_character():
    assert mask_name("欧阳娜娜") == "欧***"

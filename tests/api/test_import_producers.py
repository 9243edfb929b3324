"""Staff lists written by other programs than Excel: LibreOffice Calc's XLSX
files (tests/api/fixtures/imports/, see its README), and the same sheets
rewritten the way other writers lay them out (namespace prefixes, inline
strings, no cell references, single quotes, CDATA). Each is uploaded through
the API, validate-only and for real, and exactly the right rows come in."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from anju.people.models import Person
from anju.venues.bulk import spreadsheet
from anju.venues.bulk.models import ImportProblem
from anju.venues.models import Employment
from tests.api.test_imports import _imported, _report, _upload, _venue
from tests.factories import CITIZENS, login, make_district, make_staff

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.fixture
def venue(app):
    return _venue(app, make_district(app).village)


@pytest.fixture
def headers(app, client, venue):
    return login(client, make_staff(app, "operator", venue, scope_kind="venue"))


# What each file holds: the rows imported as (citizen, job, start date, kind),
# and the problems as (row, column, code).
EXPECTED = {
    "libreoffice-template.xlsx": {
        "total": 6,
        "imported": {
            2: (0, "理货员", date(2024, 3, 1), "staff"),  # dates typed as text
            3: (1, "收银员", date(2024, 3, 2), "staff"),  # a date cell
            5: (4, "仓管", date(2023, 12, 31), "staff"),  # no phone, no kind
            8: (6, "司机", date(2024, 3, 5), "business_contact"),
        },
        "problems": [
            (6, "身份证号", "id_number.checksum"),
            (7, "手机号", "phone.format"),
        ],
    },
    "libreoffice-csv.xlsx": {
        "total": 7,  # the blank row 5 is not counted; row 10 holds a note only
        "imported": {
            3: (10, "理货员", date(2024, 3, 1), "staff"),
            4: (11, "保洁", date(2024, 3, 2), "staff"),
            9: (31, "仓管,夜班", date(2024, 3, 3), "staff"),  # ends in X
        },
        "problems": [
            (6, "入职日期", "imports.date_future"),
            (7, "入职日期", "imports.date_too_early"),
            (8, "身份证号", "imports.duplicate_in_file"),
            (10, "姓名", "imports.required"),
            (10, "身份证号", "id_number.required"),
            (10, "岗位", "imports.required"),
            (10, "入职日期", "imports.required"),
        ],
    },
    "libreoffice-numeric-ids.xlsx": {
        "total": 4,
        # The one ID number with an X stayed text; phones as numbers are fine.
        "imported": {4: (33, "理货员", date(2024, 3, 1), "staff")},
        "problems": [
            (2, "身份证号", "imports.id_number_numeric"),
            (3, "身份证号", "imports.id_number_numeric"),
            (5, "身份证号", "imports.id_number_numeric"),
        ],
    },
    "libreoffice-rich.xlsx": {
        "total": 3,  # a merged title above the header; row 5 blank but styled
        "imported": {
            3: (17, "理货&搬运", date(2024, 3, 1), "staff"),  # rich-text runs
            4: (18, "<店长>", date(2024, 2, 29), "business_contact"),  # spaces
            6: (19, "收银员", date(2023, 6, 30), "staff"),
        },
        "problems": [],
    },
}
# Gnumeric saved LibreOffice's file again: inline strings, no default style.
EXPECTED["gnumeric-csv.xlsx"] = EXPECTED["libreoffice-csv.xlsx"]
REFUSED = {
    "libreoffice-merged.xlsx": ("imports.merged_cells", "D2:D3"),
    "libreoffice-formula.xlsx": ("imports.formulas", "D3"),
}


def _problems(batch):
    found = ImportProblem.objects(import_id=batch["id"]).order_by("row", "position")
    return [(p.row, p.column, p.code) for p in found]


def _employments():
    people = {person.id: person.name for person in Person.objects}
    return {
        people[e.person]: (e.job, e.start_date, e.kind, e.channel)
        for e in Employment.objects
    }


def _check(client, headers, venue, name, data):
    expected = EXPECTED[name]
    imported = expected["imported"]
    invalid = len({row for row, _, _ in expected["problems"]})

    trial = _imported(client, headers, venue, data, name, validate_only=True)

    assert trial["state"] == "done", trial
    assert (trial["total_rows"], trial["processed_rows"]) == (expected["total"],) * 2
    assert (trial["valid"], trial["invalid"]) == (len(imported), invalid)
    assert _problems(trial) == expected["problems"]
    assert Person.objects.count() == 0 and Employment.objects.count() == 0

    batch = _imported(client, headers, venue, data, name)

    assert (batch["imported"], batch["invalid"]) == (len(imported), invalid)
    assert _problems(batch) == expected["problems"]
    assert _employments() == {
        CITIZENS[citizen].name: (job, start, kind, "import")
        for citizen, job, start, kind in imported.values()
    }
    report = _report(client, headers, batch["id"])
    assert [(int(r[0]), r[1]) for r in report[1:]] == [
        (row, column) for row, column, _ in expected["problems"]
    ]
    return batch


@pytest.mark.parametrize("name", list(EXPECTED))
def test_libreoffice_files_import_exactly_their_good_rows(client, headers, venue, name):
    _check(client, headers, venue, name, (FIXTURES / name).read_bytes())


@pytest.mark.parametrize("name", list(REFUSED))
def test_libreoffice_merged_cells_and_formulas_are_refused(
    client, headers, venue, name
):
    code, cells = REFUSED[name]

    answer = _upload(client, headers, venue, (FIXTURES / name).read_bytes(), name)

    assert answer.status_code == 422, answer.get_json()
    error = answer.get_json()["errors"]["file"][0]
    assert error["code"] == code and cells in error["message"]
    assert Person.objects.count() == 0


def test_an_id_number_kept_as_a_number_is_named_in_the_report(client, headers, venue):
    name = "libreoffice-numeric-ids.xlsx"
    batch = _imported(client, headers, venue, (FIXTURES / name).read_bytes(), name)

    report = _report(client, headers, batch["id"])

    assert [line[0] for line in report[1:]] == ["2", "3", "5"]
    assert all(line[1] == "身份证号" and "文本" in line[3] for line in report[1:])
    for citizen in (CITIZENS[14], CITIZENS[15], CITIZENS[16]):
        assert citizen.id_number not in "\n".join(",".join(r) for r in report)


# --- the same sheet as other writers lay it out


def _rewritten(data, cdata=False):
    """The LibreOffice template file with its sheet rewritten: every element
    prefixed ``x:``, strings inline (as rich-text runs), the recorded size
    wrong (``A1``), row numbers left out,
    cell references left out where a row's cells follow each other from A,
    attributes in another order and single-quoted; with ``cdata`` the texts
    are CDATA sections."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {item: archive.read(item) for item in archive.namelist()}
    strings = [
        "".join(t.text or "" for t in item.iter(f"{{{MAIN}}}t"))
        # S314: the fixture is our own file, not untrusted input.
        for item in ElementTree.fromstring(parts["xl/sharedStrings.xml"])  # noqa: S314
    ]
    sheet = ElementTree.fromstring(parts["xl/worksheets/sheet1.xml"])  # noqa: S314

    # A size recorded wrong, as some writers do.
    sheet.find(f"{{{MAIN}}}dimension").set("ref", "A1")
    rows = list(sheet.iter(f"{{{MAIN}}}row"))
    assert [row.get("r") for row in rows] == [str(n) for n in range(1, len(rows) + 1)]
    for row in rows:
        del row.attrib["r"]  # every row is there: numbers can be left out
        cells = list(row)
        follow = [c.get("r", "")[:1] for c in cells] == list("ABCDEF"[: len(cells)])
        for cell in cells:
            if follow:
                del cell.attrib["r"]
            if cell.get("t") == "s":
                text = strings[int(cell.find(f"{{{MAIN}}}v").text)]
                cell.remove(cell.find(f"{{{MAIN}}}v"))
                cell.set("t", "inlineStr")
                inline = ElementTree.SubElement(cell, f"{{{MAIN}}}is")
                for run in (text[:1], text[1:]):
                    piece = ElementTree.SubElement(inline, f"{{{MAIN}}}r")
                    ElementTree.SubElement(piece, f"{{{MAIN}}}t").text = run
            style = cell.attrib.pop("s", None)
            if style is not None:
                cell.set("s", style)  # now after t

    ElementTree.register_namespace("x", MAIN)
    xml = ElementTree.tostring(sheet, encoding="utf-8", xml_declaration=True)
    xml = re.sub(rb"(<x:(?:c|row)\b[^>]*>)", _single_quoted, xml)
    if cdata:
        xml = re.sub(rb"<x:t>([^<]*)</x:t>", rb"<x:t><![CDATA[\1]]></x:t>", xml)
    parts["xl/worksheets/sheet1.xml"] = xml

    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for item, content in parts.items():
            archive.writestr(item, content)
    return output.getvalue()


def _single_quoted(match):
    return re.sub(rb'="([^"]*)"', rb"='\1'", match.group(1))


@pytest.mark.parametrize("cdata", [False, True], ids=["prefixed-inline", "cdata"])
def test_other_writers_layouts_read_the_same(
    client, headers, venue, monkeypatch, cdata
):
    name = "libreoffice-template.xlsx"
    data = _rewritten((FIXTURES / name).read_bytes(), cdata=cdata)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<x:row customFormat=" in xml and b"<x:c t='inlineStr' s='5'>" in xml
    fallbacks = []
    read_by_openpyxl = spreadsheet._openpyxl_rows

    def counted(*args):
        fallbacks.append(args[1])
        return read_by_openpyxl(*args)

    monkeypatch.setattr(spreadsheet, "_openpyxl_rows", counted)

    _check(client, headers, venue, name, data)

    # CDATA is left to openpyxl's reader: for each of the two uploads, the
    # check while the person waits and the rows in the background.
    assert len(fallbacks) == (2 * 2 if cdata else 0)


def test_a_workbook_counting_days_from_1904_keeps_its_dates(client, headers, venue):
    workbook = Workbook()
    workbook.epoch = CALENDAR_MAC_1904  # old Mac spreadsheets
    sheet = workbook.active
    sheet.append(["姓名", "身份证号", "手机号", "岗位", "入职日期", "类别"])
    citizen = CITIZENS[24]
    sheet.append([citizen.name, citizen.id_number, None, "理货员", date(2024, 3, 1)])
    sheet["E2"].number_format = "yyyy-mm-dd"
    output = io.BytesIO()
    workbook.save(output)

    batch = _imported(client, headers, venue, output.getvalue(), "mac.xlsx")

    assert batch["imported"] == 1
    # Counted from 1900 the same cell would say 2020-02-29.
    assert Employment.objects.first().start_date == date(2024, 3, 1)


def test_a_damaged_string_table_is_refused(client, headers, venue):
    name = "libreoffice-rich.xlsx"
    with zipfile.ZipFile(FIXTURES / name) as archive:
        parts = {item: archive.read(item) for item in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        b'<c r="A6" s="2" t="s"><v>17</v>', b'<c r="A6" s="2" t="s"><v>999</v>'
    )
    assert parts["xl/worksheets/sheet1.xml"] != sheet
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        for item, content in parts.items():
            archive.writestr(item, content)

    answer = _upload(client, headers, venue, output.getvalue(), name)

    assert answer.status_code == 422
    assert answer.get_json()["errors"]["file"][0]["code"] == "imports.file_type"

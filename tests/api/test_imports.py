"""Staff imports: templates, a file mixing good and bad rows, a second upload,
validate-only, every refusal of a whole file, scope, encodings, and the
worker taking over an import whose process stopped."""

from __future__ import annotations

import base64
import csv
import io
import time
import zipfile
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pytest
from bson import ObjectId
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from anju.accounts.models import Account
from anju.accounts.tokens import actor_for
from anju.audit.models import AuditEntry
from anju.common.crypto import keyring
from anju.people.models import Person
from anju.people.service import verify_pending
from anju.venues.bulk import service
from anju.venues.bulk.models import Import, ImportFile, ImportProblem
from anju.venues.bulk.spreadsheet import inspect
from anju.venues.models import Employment, Venue
from tests.factories import CITIZENS, login, make_staff

HEADER = ["姓名", "身份证号", "手机号", "岗位", "入职日期", "类别"]
WAIT_SECONDS = 60


def _venue(app, area, name="东村五金店"):
    venue_id = ObjectId()
    with app.app_context():
        venue = Venue(
            id=venue_id,
            name=name,
            kind="stall_shop",
            area=area.id,
            status="active",
            scope_keys=[*area.scope_keys(), f"venue:{venue_id}"],
            created_at=datetime.now(UTC),
        )
        venue.save(force_insert=True)
    return venue


@pytest.fixture
def venue(app, district):
    return _venue(app, district.village)


def _row(citizen, **changes):
    row = {
        "姓名": citizen.name,
        "身份证号": citizen.id_number,
        "手机号": citizen.phone,
        "岗位": "理货员",
        "入职日期": "2024-03-01",
        "类别": "员工",
    }
    row.update(changes)
    return [row.get(header) for header in HEADER]


def _xlsx(rows, header=HEADER, edit=None):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if edit:
        edit(sheet)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _csv(rows, encoding="utf-8", header=HEADER):
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return output.getvalue().encode(encoding)


def _upload(
    client,
    headers,
    venue,
    data,
    name="staff.xlsx",
    validate_only=False,
    boundary="anju-test-boundary",
):
    # Encoded here: the test client would spool a large body to a temporary
    # file that nobody closes.
    boundary, body = encode_multipart(
        {
            "file": FileStorage(io.BytesIO(data), filename=name),
            "validate_only": "true" if validate_only else "false",
        },
        boundary=boundary,
    )
    return client.post(
        f"/api/v1/venues/{venue.id}/imports",
        data=body,
        headers=headers,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _wait(client, headers, import_id):
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        batch = client.get(f"/api/v1/imports/{import_id}", headers=headers).get_json()
        if batch["state"] in ("done", "failed"):
            return batch
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def _imported(client, headers, venue, data, name="staff.xlsx", validate_only=False):
    answer = _upload(client, headers, venue, data, name, validate_only)
    assert answer.status_code == 202, answer.get_json()
    return _wait(client, headers, answer.get_json()["id"])


def _report(client, headers, import_id, language="zh"):
    answer = client.get(
        f"/api/v1/imports/{import_id}/report.csv",
        headers={**headers, "Accept-Language": language},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    text = answer.get_data().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


# --- templates


def test_templates_carry_the_chinese_headers(client, operator):
    headers = login(client, operator)

    xlsx = client.get("/api/v1/imports/template.xlsx", headers=headers)
    plain = client.get("/api/v1/imports/template.csv", headers=headers)

    assert (
        xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    )
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    data, instructions = workbook.worksheets
    assert [cell.value for cell in data[1]] == HEADER
    assert data.column_dimensions["B"].number_format == "@"  # ID numbers as text
    assert "身份证号" in " ".join(str(c.value) for c in instructions["A"] if c.value)
    assert plain.data.decode("utf-8-sig").strip() == ",".join(HEADER)
    # The empty template itself is a file with no rows, not a broken one.
    assert inspect(_xlsx([_row(CITIZENS[0])])).total_rows == 1


# --- a file mixing good and bad rows, then again


def _mixed_rows():
    good = [_row(citizen) for citizen in CITIZENS[0:3]]
    future = (date.today() + timedelta(days=10)).isoformat()
    bad = {
        5: _row(CITIZENS[3], 身份证号=CITIZENS[3].id_number[:17] + "0"),
        6: _row(CITIZENS[4], 手机号="12345"),
        7: _row(CITIZENS[5], 入职日期=future),
        8: _row(CITIZENS[6], 姓名=None),
        9: _row(CITIZENS[7], 类别="临时工"),
        10: _row(CITIZENS[0], 岗位="搬运"),  # the ID number of row 2 again
        11: _row(CITIZENS[8], 身份证号=110105199005170000),  # kept as a number
    }
    return [*good, _row(CITIZENS[9], 入职日期="2024-13-45"), *bad.values()], bad


def test_mixed_file_imports_exactly_the_good_rows(client, operator, venue):
    headers = login(client, operator)
    rows, _ = _mixed_rows()

    batch = _imported(client, headers, venue, _xlsx(rows))

    assert batch["state"] == "done", batch
    assert (batch["total_rows"], batch["processed_rows"]) == (11, 11)
    assert (batch["imported"], batch["invalid"], batch["duplicates"]) == (3, 8, 0)
    people = {person.name: person for person in Person.objects}
    assert set(people) == {citizen.name for citizen in CITIZENS[0:3]}
    assert {p.channel for p in people.values()} == {"import"}
    assert {p.verification.state for p in people.values()} == {"pending"}
    employments = list(Employment.objects)
    assert len(employments) == 3
    assert {e.channel for e in employments} == {"import"}
    assert {str(e.import_batch) for e in employments} == {batch["id"]}
    assert {e.active_key for e in employments} == {
        f"{p.id}:{venue.id}" for p in people.values()
    }


def test_report_names_each_bad_row_with_masked_values(client, operator, venue):
    headers = login(client, operator)
    rows, _ = _mixed_rows()
    batch = _imported(client, headers, venue, _xlsx(rows))

    report = _report(client, headers, batch["id"])

    assert report[0] == ["行", "列", "值(脱敏)", "原因"]
    by_row = {int(line[0]): line for line in report[1:]}
    assert sorted(by_row) == [5, 6, 7, 8, 9, 10, 11, 12]
    assert by_row[6][1:] == [
        "身份证号",
        CITIZENS[3].id_number[:4] + "*" * 10 + CITIZENS[3].id_number[14:17] + "0",
        "身份证号码校验位不正确",
    ]
    assert by_row[7][1:3] == ["手机号", "*" * 11]
    assert by_row[8][1] == "入职日期" and "晚于今天" in by_row[8][3]
    assert by_row[9][1] == "姓名" and by_row[9][3] == "此项必填"
    assert by_row[10][1] == "类别"
    assert by_row[11][1] == "身份证号" and "第 2 行" in by_row[11][3]
    assert "文本" in by_row[12][3]
    assert by_row[5][1] == "入职日期"
    text = "\n".join(",".join(line) for line in report)
    for citizen in CITIZENS[0:10]:
        assert citizen.id_number not in text and citizen.phone not in text

    english = _report(client, headers, batch["id"], "en")
    assert english[0][0] == "Row" and "check character" in english[2][3]


def test_second_upload_adds_nothing(client, operator, venue):
    headers = login(client, operator)
    rows, _ = _mixed_rows()
    _imported(client, headers, venue, _xlsx(rows))
    counts = (Person.objects.count(), Employment.objects.count())
    entries = AuditEntry.objects(action="employment.create")
    audited = entries.count()

    again = _imported(client, headers, venue, _xlsx(rows))

    assert (Person.objects.count(), Employment.objects.count()) == counts == (3, 3)
    assert entries.count() == audited == 3
    assert (again["imported"], again["duplicates"], again["invalid"]) == (0, 3, 8)
    report = _report(client, headers, again["id"])
    assert [line[3] for line in report[1:4]] == ["已在本场所登记，未重复导入"] * 3


def test_a_person_known_elsewhere_is_linked_not_copied(app, client, district, venue):
    other = _venue(app, district.other_village, "商贸城一区 A-001")
    operator = make_staff(app, "operator", venue, scope_kind="venue")
    other_operator = make_staff(app, "operator", other, scope_kind="venue")
    rows = [_row(CITIZENS[0]), _row(CITIZENS[1])]
    _imported(client, login(client, other_operator), other, _xlsx(rows))

    batch = _imported(client, login(client, operator), venue, _xlsx(rows))

    assert batch["imported"] == 2 and Person.objects.count() == 2
    assert Employment.objects.count() == 4
    for person in Person.objects:
        assert {f"venue:{venue.id}", f"venue:{other.id}"} <= set(person.scope_keys)
    created = AuditEntry.objects(action="employment.create").order_by("seq")
    assert [e.details["person_created"] for e in created] == [True, True, False, False]


def test_a_name_that_contradicts_the_record_is_imported_and_alerted(
    app, client, district, venue, operator
):
    other = _venue(app, district.other_village, "商贸城一区 A-002")
    other_operator = make_staff(app, "operator", other, scope_kind="venue")
    officer = make_staff(app, "officer", district.zone)
    _imported(client, login(client, other_operator), other, _xlsx([_row(CITIZENS[0])]))
    headers = login(client, operator)

    batch = _imported(client, headers, venue, _xlsx([_row(CITIZENS[0], 姓名="冒名者")]))

    assert batch["imported"] == 1
    employment = Employment.objects(venue=venue.id).first()
    assert employment.name_mismatch is True
    assert Person.objects.first().name == CITIZENS[0].name  # the record stands
    alerts = client.get("/api/v1/alerts", headers=login(client, officer)).get_json()
    assert [a["kind"] for a in alerts["items"]] == ["id_mismatch"]
    report = _report(client, headers, batch["id"])
    assert report[1][:3] == ["2", "姓名", "冒**"] and "不一致" in report[1][3]


def test_validate_only_writes_nothing(client, operator, venue):
    headers = login(client, operator)
    rows, _ = _mixed_rows()

    batch = _imported(client, headers, venue, _xlsx(rows), validate_only=True)

    assert batch["state"] == "done" and batch["validate_only"] is True
    assert (batch["valid"], batch["imported"], batch["invalid"]) == (3, 0, 8)
    assert Person.objects.count() == 0 and Employment.objects.count() == 0
    assert len(_report(client, headers, batch["id"])) == 1 + 8
    assert ImportFile.objects.count() == 0  # the stored upload is gone


def test_imported_people_are_checked_by_the_worker(
    app, client, operator, venue, settings, authority
):
    headers = login(client, operator)
    _imported(client, headers, venue, _xlsx([_row(c) for c in CITIZENS[0:3]]))

    with app.app_context():
        answered = verify_pending(settings)

    assert answered == 3
    assert {p.verification.state for p in Person.objects} == {"match"}


# --- encodings


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig", "utf-8"])
def test_csv_in_gb18030_and_utf8(client, operator, venue, encoding):
    headers = login(client, operator)
    rows = [_row(citizen, 岗位="厨师") for citizen in CITIZENS[10:13]]

    batch = _imported(client, headers, venue, _csv(rows, encoding), "名单.csv")

    assert batch["file_type"] == "csv" and batch["imported"] == 3
    assert {p.name for p in Person.objects} == {c.name for c in CITIZENS[10:13]}
    assert {e.job for e in Employment.objects} == {"厨师"}


def test_header_under_a_title_and_extra_columns(client, operator, venue):
    headers = login(client, operator)

    def edit(sheet):
        sheet.insert_rows(1)
        sheet["A1"] = "东村五金店员工名单"
        sheet["G2"] = "备注"

    batch = _imported(client, headers, venue, _xlsx([_row(CITIZENS[14])], edit=edit))

    assert batch["imported"] == 1


# --- whole-file refusals


def _merged(sheet):
    sheet.merge_cells("D2:D3")


def _formula(sheet):
    sheet["D3"] = "=D2"


def _docx():
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return output.getvalue()


many = [_row(CITIZENS[0])] * 10_001
REFUSALS = {
    "empty": (b"", "imports.file_empty"),
    "blank": (b"\n\n", "imports.file_empty"),
    "png under .xlsx": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "imports.file_type"),
    "docx under .xlsx": (_docx(), "imports.file_type"),
    "old xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "imports.file_xls"),
    "missing columns": (
        _xlsx([["张三", "理货员"]], header=["姓名", "岗位"]),
        "imports.missing_columns",
    ),
    "header only": (_xlsx([]), "imports.no_rows"),
    "10,001 rows": (_xlsx(many), "imports.too_many_rows"),
    "10,001 csv rows": (_csv(many), "imports.too_many_rows"),
    "merged cells": (
        _xlsx([_row(CITIZENS[0]), _row(CITIZENS[1])], edit=_merged),
        "imports.merged_cells",
    ),
    "formulas": (
        _xlsx([_row(CITIZENS[0]), _row(CITIZENS[1])], edit=_formula),
        "imports.formulas",
    ),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_whole_file_refusals(client, operator, venue, case):
    headers = {**login(client, operator), "Accept-Language": "en"}
    data, code = REFUSALS[case]

    answer = _upload(client, headers, venue, data, "staff.xlsx")

    assert answer.status_code == 422, answer.get_json()
    errors = answer.get_json()["errors"]
    assert [error["code"] for error in errors["file"]] == [code]
    assert errors["file"][0]["message"] and "{" not in errors["file"][0]["message"]
    assert Import.objects.count() == 0 and ImportFile.objects.count() == 0


def test_refusals_say_what_is_wrong_in_chinese(client, operator, venue):
    headers = login(client, operator)
    missing = _xlsx([["张三"]], header=["姓名"])

    answer = _upload(client, headers, venue, missing)
    merged = _upload(
        client, headers, venue, _xlsx([_row(CITIZENS[0])] * 2, edit=_merged)
    )

    message = answer.get_json()["errors"]["file"][0]["message"]
    assert "身份证号" in message and "岗位" in message and "入职日期" in message
    assert "D2:D3" in merged.get_json()["errors"]["file"][0]["message"]


def test_upload_without_a_file_names_the_field(client, operator, venue):
    answer = client.post(
        f"/api/v1/venues/{venue.id}/imports",
        data={"validate_only": "false"},
        headers=login(client, operator),
        content_type="multipart/form-data",
    )

    assert answer.status_code == 422
    assert "file" in answer.get_json()["errors"]


def test_too_large_a_file_is_refused(client, operator, venue, settings):
    data = b"x" * (settings.upload_max_content_length + 1)

    answer = _upload(client, login(client, operator), venue, data, "big.csv")

    assert answer.status_code == 413
    assert "20 MB" in answer.get_json()["detail"]


# --- scope


def test_another_operators_venue_is_not_found(app, client, district, venue, operator):
    other = _venue(app, district.village, "东村小吃店")
    stranger = make_staff(app, "operator", other, scope_kind="venue")
    mine = _imported(client, login(client, operator), venue, _xlsx([_row(CITIZENS[0])]))
    headers = login(client, stranger)

    upload = _upload(client, headers, venue, _xlsx([_row(CITIZENS[1])]))
    listing = client.get(f"/api/v1/venues/{venue.id}/imports", headers=headers)
    item = client.get(f"/api/v1/imports/{mine['id']}", headers=headers)
    report = client.get(f"/api/v1/imports/{mine['id']}/report.csv", headers=headers)

    assert [upload.status_code, listing.status_code] == [404, 404]
    assert [item.status_code, report.status_code] == [404, 404]
    assert Person.objects.count() == 1


def test_area_admin_sees_the_venues_imports(app, client, district, venue, operator):
    admin = make_staff(app, "area_admin", district.zone)
    _imported(client, login(client, operator), venue, _xlsx([_row(CITIZENS[0])]))

    listing = client.get(
        f"/api/v1/venues/{venue.id}/imports", headers=login(client, admin)
    )

    assert listing.status_code == 200
    assert [item["imported"] for item in listing.get_json()["items"]] == [1]


def test_a_closed_venue_takes_no_import(app, client, venue, operator):
    with app.app_context():
        Venue.objects(id=venue.id).update_one(set__status="closed")

    answer = _upload(client, login(client, operator), venue, _xlsx([_row(CITIZENS[0])]))

    assert answer.status_code == 409


# --- the background: claims, and the worker taking over


def _stored(app, operator, venue, rows):
    data = _xlsx(rows)
    with app.app_context():
        account = Account.objects(id=operator.account.id).first()
        actor = actor_for(account, "test-session")
        return service.store_import(
            actor,
            Venue.objects(id=venue.id).first(),
            "s.xlsx",
            data,
            inspect(data),
            False,
        )


def test_the_worker_takes_over_a_stopped_import(app, client, operator, venue, settings):
    batch = _stored(app, operator, venue, [_row(c) for c in CITIZENS[0:4]])
    long_ago = datetime.now(UTC) - timedelta(minutes=10)
    with app.app_context():
        # A process claimed it, wrote part of it, and stopped.
        Import.objects(id=batch.id).update_one(
            set__state="running", set__claim="gone", set__heartbeat_at=long_ago
        )
        assert service.process(batch.id) is False  # not queued: not taken twice

        assert service.resume_imports(settings) == 1
        assert service.resume_imports(settings) == 0

    done = Import.objects(id=batch.id).first()
    assert (done.state, done.imported, done.attempts) == ("done", 4, 1)
    assert Employment.objects.count() == 4


def test_a_retry_counts_what_the_first_attempt_wrote(app, operator, venue, settings):
    batch = _stored(app, operator, venue, [_row(c) for c in CITIZENS[0:3]])
    with app.app_context():
        assert service.process(batch.id) is True
        # As if the first attempt had stopped right after its last batch.
        Import.objects(id=batch.id).update_one(
            set__state="queued", set__created_at=datetime.now(UTC) - timedelta(hours=1)
        )
        # The file was removed when it was done: store it again.
        data = _xlsx([_row(c) for c in CITIZENS[0:3]])
        ImportFile(import_id=batch.id, n=0, sealed=_seal(data)).save()

        assert service.resume_imports(settings) == 1

    again = Import.objects(id=batch.id).first()
    assert (again.imported, again.duplicates) == (3, 0)
    assert Employment.objects.count() == 3 and ImportProblem.objects.count() == 0


def _seal(data):
    return keyring().encrypt(base64.b64encode(data).decode(), service.FILE_CONTEXT)


def test_an_import_that_cannot_go_on_fails_with_a_reason(app, client, operator, venue):
    batch = _stored(app, operator, venue, [_row(CITIZENS[0])])
    with app.app_context():
        ImportFile.objects(import_id=batch.id).delete()  # the file is lost

        assert service.process(batch.id) is True

    answer = client.get(f"/api/v1/imports/{batch.id}", headers=login(client, operator))
    failed = answer.get_json()
    assert failed["state"] == "failed" and failed["finished_at"]
    assert failed["error"]["code"] == "imports.file_empty"
    assert AuditEntry.objects(action="import.failed").count() == 1
    assert Person.objects.count() == 0


def test_an_upload_sent_twice_with_one_key_is_one_import(client, operator, venue):
    headers = {**login(client, operator), "Idempotency-Key": "import-key-0001"}
    data = _xlsx([_row(CITIZENS[0])])

    first = _upload(client, headers, venue, data)
    # A browser resending the same form picks another multipart boundary.
    again = _upload(client, headers, venue, data, boundary="another-boundary")

    assert (first.status_code, again.status_code) == (202, 202)
    assert again.get_json()["id"] == first.get_json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    _wait(client, headers, first.get_json()["id"])
    assert Import.objects.count() == 1 and Employment.objects.count() == 1


def test_one_key_with_another_file_is_refused(client, operator, venue):
    headers = {**login(client, operator), "Idempotency-Key": "import-key-0002"}

    first = _upload(client, headers, venue, _xlsx([_row(CITIZENS[0])]))
    other = _upload(client, headers, venue, _xlsx([_row(CITIZENS[1])]))

    assert first.status_code == 202
    assert other.status_code == 422
    _wait(client, headers, first.get_json()["id"])
    assert Import.objects.count() == 1

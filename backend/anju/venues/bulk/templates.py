"""The templates operators fill in: an XLSX with the ID and phone columns
formatted as text (so Excel keeps all 18 characters) and an instructions
sheet, and a CSV with the same header."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from anju.venues.bulk.spreadsheet import COLUMNS, MAX_ROWS, REQUIRED

DATA_SHEET = "人员名单"
HELP_SHEET = "填写说明"
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
_WIDTHS = {"name": 12, "id_number": 24, "phone": 16, "job": 16, "start_date": 14}
_TEXT_FIELDS = ("id_number", "phone")

INSTRUCTIONS: tuple[tuple[str, str], ...] = (
    ("姓名", "必填。与身份证上的姓名一致。"),
    ("身份证号", "必填。18位身份证号码；该列已设为“文本”，请勿改成数字格式。"),
    ("手机号", "选填。11位中国大陆手机号码。"),
    ("岗位", "必填。例如：收银员、仓管、厨师。"),
    ("入职日期", "必填。格式 2024-03-01，不能晚于今天。"),
    ("类别", "选填。“员工”或“业务往来”（外地来往的业务人员），不填视为员工。"),
)
RULES: tuple[str, ...] = (
    f"每个文件最多 {MAX_ROWS:,} 行，超过请拆分成多个文件。",
    "请勿合并单元格，请勿使用公式（如有公式，请“选择性粘贴为数值”）。",
    "可先选择“仅校验”上传，检查无误后再正式导入。",
    "有错误的行不会导入，其余行照常导入；可下载报告查看每个错误的行、列和原因。",
    "同一人员重复上传不会重复登记。",
    "导入后系统会自动核验姓名与身份证号是否一致。",
    "English: one person per row; ID numbers as text; no merged cells or formulas.",
)


def _header() -> list[str]:
    return [header for _, header in COLUMNS]


def template_xlsx() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    sheet.append(_header())

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FFE8F3FF")
    for place, (field, _) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=place)
        cell.font = Font(bold=True, color="FFD4380D") if field in REQUIRED else bold
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")

        letter = cell.column_letter
        dimension = sheet.column_dimensions[letter]
        dimension.width = _WIDTHS.get(field, 12)
        if field in _TEXT_FIELDS:
            # The column's style: Excel and WPS give it to every cell typed in.
            dimension.number_format = TEXT_FORMAT
        elif field == "start_date":
            dimension.number_format = DATE_FORMAT

    kinds = DataValidation(
        type="list",
        formula1='"员工,业务往来"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="类别",
        error="请选择“员工”或“业务往来”",
    )
    kind_letter = sheet.cell(row=1, column=len(COLUMNS)).column_letter
    kinds.add(f"{kind_letter}2:{kind_letter}{MAX_ROWS + 1}")
    sheet.add_data_validation(kinds)
    sheet.freeze_panes = "A2"

    _instructions(workbook.create_sheet(HELP_SHEET))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _instructions(sheet) -> None:
    sheet.append(["列", "说明（红色标题为必填）"])
    for header, text in INSTRUCTIONS:
        sheet.append([header, text])
    sheet.append([])
    sheet.append(["注意", RULES[0]])
    for rule in RULES[1:]:
        sheet.append(["", rule])

    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 80


def template_csv() -> bytes:
    """The header only, in UTF-8 with a byte-order mark so Excel shows it."""
    return ("\ufeff" + ",".join(_header()) + "\r\n").encode("utf-8")

"""What staff imports say to people, in Chinese and English."""

from anju.common.i18n import register

register(
    {
        # Refusals of the whole file.
        "imports.file_empty": {
            "zh": "文件是空的，请使用模板填写后再上传",
            "en": "The file is empty; fill in the template and upload it again",
        },
        "imports.file_type": {
            "zh": "只能上传 Excel（.xlsx）或 CSV 文件，这个文件无法识别",
            "en": "Upload an Excel (.xlsx) or CSV file; this file could not be read",
        },
        "imports.file_xls": {
            "zh": "不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后上传",
            "en": "Old Excel (.xls) files are not supported; save it as .xlsx first",
        },
        "imports.file_encoding": {
            "zh": "CSV 文件的编码无法识别，请保存为 UTF-8 或 GB18030（GBK）编码",
            "en": "The CSV file's encoding is unknown; save it as UTF-8 or GB18030",
        },
        "imports.file_too_large": {
            "zh": "文件超过了 {limit} 的上限",
            "en": "The file exceeds the limit of {limit}",
        },
        "imports.sheet_too_large": {
            "zh": "表格内容过大（可能带有大量空白格式），"
            "请只保留模板中的列和行后再上传",
            "en": "The sheet is too large (perhaps formatted far beyond its data); "
            "keep only the template's columns and rows",
        },
        "imports.missing_columns": {
            "zh": "缺少必填的列：{columns}。请使用导入模板",
            "en": "Columns missing: {columns}. Please use the import template",
        },
        "imports.no_rows": {
            "zh": "表头下面没有数据行",
            "en": "There are no rows under the header",
        },
        "imports.too_many_rows": {
            "zh": "一次最多导入 {limit} 行，请拆分成多个文件",
            "en": "At most {limit} rows per import; split the file",
        },
        "imports.merged_cells": {
            "zh": "数据区域有合并单元格（{cells}），请取消合并后再上传",
            "en": "The data has merged cells ({cells}); unmerge them and upload again",
        },
        "imports.formulas": {
            "zh": "单元格 {cell} 是公式，请把整个表格复制后“选择性粘贴为数值”再上传",
            "en": "Cell {cell} holds a formula; paste the sheet as values and upload "
            "it again",
        },
        # Refusals of a row's cell.
        "imports.required": {"zh": "此项必填", "en": "This field is required"},
        "imports.too_long": {
            "zh": "不能超过 {limit} 个字",
            "en": "At most {limit} characters",
        },
        "imports.formula_text": {
            "zh": "不能以 =、+、@ 开头",
            "en": "Must not start with =, + or @",
        },
        "imports.id_number_numeric": {
            "zh": "身份证号被存成了数字，后几位已丢失；请把该列设为“文本”后重新填写",
            "en": "The ID number was stored as a number and lost its last digits; "
            "format the column as text and enter it again",
        },
        "imports.date_format": {
            "zh": "日期格式不正确，请写成 2024-03-01",
            "en": "Not a date; write it as 2024-03-01",
        },
        "imports.date_future": {
            "zh": "入职日期不能晚于今天",
            "en": "The start date cannot be in the future",
        },
        "imports.date_too_early": {
            "zh": "入职日期早于 {earliest}，请检查",
            "en": "The start date is before {earliest}; check it",
        },
        "imports.kind": {
            "zh": "类别只能填写“员工”或“业务往来”",
            "en": "The category must be 员工 (staff) or 业务往来 (business contact)",
        },
        "imports.duplicate_in_file": {
            "zh": "与第 {row} 行的身份证号重复，本行未导入",
            "en": "Same ID number as row {row}; this row was not imported",
        },
        "imports.already_registered": {
            "zh": "已在本场所登记，未重复导入",
            "en": "Already registered at this venue; not imported again",
        },
        "imports.name_mismatch": {
            "zh": "姓名与该身份证号已登记的姓名不一致；已导入，并已通知辖区民警核实",
            "en": "The name differs from the one on record for this ID number; "
            "imported, and the area's officers were alerted",
        },
        # The import as a whole.
        "imports.venue_closed": {
            "zh": "该场所已关闭，不能导入人员",
            "en": "This venue is closed; staff cannot be imported",
        },
        "imports.not_finished": {
            "zh": "导入尚未完成，请稍后再下载报告",
            "en": "The import has not finished; download the report later",
        },
        "imports.failed": {
            "zh": "导入过程中出错，已导入的记录不受影响，请重新上传",
            "en": "The import stopped with an error; rows already imported are "
            "kept; upload the file again",
        },
    }
)

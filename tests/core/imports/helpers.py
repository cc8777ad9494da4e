"""Workbooks for the import tests."""

import io

from openpyxl import Workbook

MONTHLY_HEADER = [
    "统一社会信用代码",
    "月份",
    "工业总产值",
    "工业增加值",
    "营业收入",
    "利润总额",
    "税金总额",
    "月末从业人员",
    "应付职工薪酬",
    "用电量",
]


def xlsx(rows, *, title_rows=(), merge_title=True) -> bytes:
    """Return an .xlsx of ``rows`` (header first), below optional merged title rows."""
    workbook = Workbook()
    sheet = workbook.active
    width = max((len(row) for row in rows), default=1)
    for title in title_rows:
        sheet.append([title])
        if merge_title and width > 1:
            line = sheet.max_row
            sheet.merge_cells(start_row=line, start_column=1, end_row=line, end_column=width)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def monthly_row(code, period="2021-11", output="100.00", **overrides):
    values = {
        "period": period,
        "output": output,
        "value_added": "20.00",
        "revenue": "90.00",
        "profit": "5.00",
        "tax": "3.00",
        "employees": 50,
        "wages": "10.00",
        "electricity": "1.50",
    }
    values.update(overrides)
    return [
        code,
        values["period"],
        values["output"],
        values["value_added"],
        values["revenue"],
        values["profit"],
        values["tax"],
        values["employees"],
        values["wages"],
        values["electricity"],
    ]

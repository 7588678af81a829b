"""Reading a round's 汇总表 back, as a clerk reads it, for the tests."""

from __future__ import annotations

import openpyxl
from office import ROUND, Office

from toolkit.rounds import summary as consolidated


def units_sheet(office: Office) -> dict[str, tuple]:
    """Return the 汇总表's 未报送 sheet: unit → (序号, 单位, 情况, 收到时间, 原因及说明, …)."""
    wb = openpyxl.load_workbook(office.out / ROUND / "汇总表.xlsx", read_only=True)
    rows = {
        r[1]: r
        for r in wb[consolidated.SHEET_UNITS].iter_rows(
            min_row=consolidated.FIRST_DATA_ROW + 1, values_only=True
        )
    }
    wb.close()
    return rows

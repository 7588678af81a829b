"""The split a capable clerk writes with pandas: the anchor duban's ``split`` is measured against.

Read the task table (the seed's tab-separated text, or .xlsx), drop the repeated headers and
the section rows, split the lead column on spaces and 、, ``explode`` it, ``groupby`` the lead
unit and ``to_excel`` one workbook per unit with pandas' default engine (openpyxl). No
metadata, no validation, no locking, no guide sheet, no group expansion: what a script of an
afternoon does.

    python bench/naive_split.py TASKS OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

COLUMNS = ["序号", "具体目标任务", "牵头责任单位", "协办单位", "区分管领导"]


def read_table(path: Path) -> pd.DataFrame:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        df = pd.read_excel(path, header=1, dtype=str)
    else:
        with path.open(encoding="utf-8") as f:
            skip = next(i for i, line in enumerate(f) if line.startswith("序号\t"))
        df = pd.read_csv(path, sep="\t", skiprows=skip, dtype=str, usecols=range(5))
    df.columns = COLUMNS
    df = df[df["序号"] != "序号"]  # the header repeated at page breaks
    return df.dropna(subset=["牵头责任单位"])  # section rows have no lead unit


def main() -> None:
    tasks, out = Path(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    df = read_table(tasks)
    df["牵头单位"] = df["牵头责任单位"].str.split(r"[\s、，]+")
    rows = df.explode("牵头单位")
    rows = rows[rows["牵头单位"].str.len() > 0]
    for unit, group in rows.groupby("牵头单位"):
        sheet = group[COLUMNS].assign(
            完成状态="", 完成进度="", 工作进展情况="", 存在问题="", 下一步计划=""
        )
        name = str(unit).replace("/", "_")
        sheet.to_excel(out / f"{name}.xlsx", sheet_name="任务进展", index=False)
    print(f"{rows['牵头单位'].nunique()} workbooks in {out}")


if __name__ == "__main__":
    main()

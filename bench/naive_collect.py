"""The collect a capable clerk writes with pandas: the anchor duban's ``collect`` is measured against.

``pd.concat(pd.read_excel(f) for f in files).to_excel(...)`` over every returned workbook — the
task sheet under its header (``sheet_name="任务进展", header=2``), the file name as a column —
written with pandas' default engine. No identification, no verification, no validation, no
archive, no ledger. ``--engine calamine`` reads with python-calamine instead of openpyxl.

    python bench/naive_collect.py RETURNS_DIR OUT.xlsx [--engine calamine]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("returns", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--engine", default=None, help="read_excel engine (default: openpyxl)")
    args = parser.parse_args()
    files = sorted(args.returns.glob("*.xlsx"))
    frames = (
        pd.read_excel(f, sheet_name="任务进展", header=2, engine=args.engine).assign(文件=f.name)
        for f in files
    )
    merged = pd.concat(frames, ignore_index=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    merged.to_excel(args.out, index=False)
    print(f"{len(merged)} rows from {len(files)} files in {args.out}")


if __name__ == "__main__":
    main()

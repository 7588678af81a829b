"""Reading an address book's sheets (``toolkit.directory.sheets``): rows of cell texts from
.xlsx, .xls or .csv, the header row found by its words, names and addresses split out of a cell."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import msoffcrypto
import pytest
import xlsxwriter

from toolkit.directory.sheets import (
    Sheet,
    cell,
    find_header,
    header_key,
    read_sheets,
    split_addresses,
    split_names,
    unit_role,
)
from toolkit.errors import ConfigError


@pytest.mark.parametrize(
    "header, role",
    [
        ("单位名称", "name"),
        ("部门", "name"),
        ("单位邮箱", "email"),
        ("E-mail", "email"),
        ("电子邮件地址", "email"),
        ("联系人", "contact"),
        ("联系人电话", "phone"),
        ("手机号码", "phone"),
        ("联系方式", "phone"),
        ("抄送邮箱", "cc"),
        ("简称", "aliases"),
        ("单位地址", None),
        ("序号", None),
        ("在表中", None),
    ],
)
def test_headers_by_their_words(header: str, role: str | None) -> None:
    from toolkit.directory.sheets import header_key

    assert unit_role(header_key(header)) == role


def test_addresses_in_a_cell() -> None:
    assert split_addresses("a@x.example.org; b@y.example.org，c＠z.example.org") == (
        ["a@x.example.org", "b@y.example.org", "c@z.example.org"],
        [],
    )
    assert split_addresses("办公室：a@x.example.org（常用）") == (
        ["a@x.example.org"],
        ["办公室：", "（常用）"],
    )


# --- read_sheets: a file's visible sheets, as texts ----------------------------------------------


def test_every_visible_sheet_reads_as_the_texts_its_cells_show(tmp_path: Path):
    path = tmp_path / "通讯录.xlsx"
    wb = xlsxwriter.Workbook(path, {"strings_to_numbers": False})
    units = wb.add_worksheet("单位")
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    minute = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    units.write_row(0, 0, ["单位名称", "手机", "人数", "更新日期", "核对时间", "在用"])
    units.write_row(1, 0, [" 县发改局 ", 13800000001, 1.5])
    units.write_datetime(1, 3, dt.datetime(2024, 3, 1), day)
    units.write_datetime(1, 4, dt.datetime(2024, 3, 1, 9, 30), minute)
    units.write_boolean(1, 5, False)
    units.write_string(2, 0, "县财政局\r\n预算股")
    units.write_boolean(2, 5, True)
    hidden = wb.add_worksheet("旧表")
    hidden.write_string(0, 0, "不读")
    hidden.hide()
    wb.add_worksheet("说明").write_string(0, 0, "本表每季度更新")
    wb.close()

    assert read_sheets(path) == [
        Sheet(
            path,
            "单位",
            [
                ["单位名称", "手机", "人数", "更新日期", "核对时间", "在用"],
                ["县发改局", "13800000001", "1.5", "2024-03-01", "2024-03-01 09:30", "否"],
                ["县财政局\n预算股", "", "", "", "", "是"],
            ],
        ),
        Sheet(path, "说明", [["本表每季度更新"]]),
    ]


def test_a_csv_in_gbk_with_tabs_reads_as_one_sheet_without_a_name(tmp_path: Path):
    path = tmp_path / "通讯录.csv"
    path.write_bytes("单位名称\t邮箱\n县发改局\tfgj@x.example.org\n城关镇\t\n".encode("gbk"))
    (sheet,) = read_sheets(path)
    assert sheet == Sheet(
        path, "", [["单位名称", "邮箱"], ["县发改局", "fgj@x.example.org"], ["城关镇", ""]]
    )
    assert sheet.where(3) == "通讯录.csv 第 3 行"
    assert Sheet(Path("通讯录.xlsx"), "单位", []).where(5) == "通讯录.xlsx “单位”表第 5 行"


def test_a_file_that_is_not_there_or_far_too_big_is_a_sentence(tmp_path: Path):
    missing = tmp_path / "通讯录.xlsx"
    with pytest.raises(ConfigError) as e:
        read_sheets(missing)
    assert str(e.value) == f"{missing}: 找不到这个文件。"

    big = tmp_path / "全部文件.xlsx"
    with big.open("wb") as f:
        f.write(b"PK\x03\x04")
        f.truncate(25_000_000)
    with pytest.raises(ConfigError) as e:
        read_sheets(big)
    assert str(e.value) == f"{big}: 文件有 25 MB，不像是单位通讯录，请确认是否选错了文件。"


def test_a_workbook_with_a_password_or_damaged_is_a_sentence_saying_what_to_do(tmp_path: Path):
    plain = io.BytesIO()
    wb = xlsxwriter.Workbook(plain, {"in_memory": True})
    wb.add_worksheet("单位").write_string(0, 0, "单位名称")
    wb.close()
    plain.seek(0)
    locked = tmp_path / "加密.xlsx"
    with locked.open("wb") as out:
        msoffcrypto.OfficeFile(plain).encrypt("1234", out)
    with pytest.raises(ConfigError) as e:
        read_sheets(locked)
    assert str(e.value) == f"{locked}: 文件设有打开密码，请去掉密码后另存，再导入。"

    damaged = tmp_path / "损坏.xlsx"
    damaged.write_bytes(b"PK\x03\x04" + b"\0" * 200)
    with pytest.raises(ConfigError) as e:
        read_sheets(damaged)
    message = str(e.value)
    assert message.startswith(f"{damaged}: 无法作为 Excel 文件打开（")
    assert message.endswith("）；请用 Excel/WPS 打开后另存为 .xlsx 再导入。")


# --- the header row and the cells under it -------------------------------------------------------


def test_the_header_is_the_first_row_naming_every_required_role():
    sheet = Sheet(
        Path("通讯录.xlsx"),
        "通讯录",
        [
            ["某某县各单位通讯录（2024年3月）"],
            # a note naming roles is no header: a cell this long is no column's name
            [
                "填报单位：县政府办",
                "说明：请各单位核对本单位名称、邮箱、联系人等信息，如有变动请及时告知",
            ],
            ["序号", "单位名称", "联系人", "单位邮箱", "备用邮箱", "单位"],
            ["1", "县发改局", "周强", "fgj@x.example.org", "", "县发改局"],
        ],
    )
    # 邮箱 named twice and 单位 named twice: the first column of each counts
    assert find_header(sheet, unit_role, ("name", "email")) == (
        2,
        {"name": 1, "contact": 2, "email": 3},
    )
    assert find_header(sheet, unit_role, ("name", "email", "phone")) is None


def test_a_header_below_the_first_twenty_rows_is_not_looked_for():
    rows = [[""]] * 20 + [["单位名称", "邮箱"], ["县发改局", "fgj@x.example.org"]]
    assert find_header(Sheet(Path("x.xlsx"), "单位", rows), unit_role, ("name",)) is None
    assert find_header(Sheet(Path("x.xlsx"), "单位", rows[1:]), unit_role, ("name",)) == (
        19,
        {"name": 0, "email": 1},
    )


def test_a_role_s_cell_is_its_text_and_empty_when_the_row_or_the_role_has_none():
    columns = {"name": 0, "email": 3}
    assert [
        cell([" 县发改局 ", "周强"], columns, "name"),
        cell([" 县发改局 ", "周强"], columns, "email"),  # the row is shorter than the header
        cell([" 县发改局 ", "周强"], columns, "phone"),  # no such column
    ] == ["县发改局", "", ""]


def test_names_in_one_cell_are_split_once_each_in_order():
    assert split_names("城关镇、红星乡；城关镇\n/ 南山乡,，") == ["城关镇", "红星乡", "南山乡"]
    assert header_key(" Ｅ－Ｍａｉｌ 地址 ") == "e-mail地址"

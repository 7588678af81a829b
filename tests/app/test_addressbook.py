"""The directory exported as 单位通讯录.xlsx: the sheets DESIGN §10 names, read back."""

from __future__ import annotations

from openpyxl import load_workbook

from toolkit.app.addressbook import export_directory, unit_groups


def test_the_export_has_the_units_groups_and_leaders_as_text(config, tmp_path):
    path = export_directory(config, tmp_path / "通讯录.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["单位", "分组", "领导"]
    units = list(wb["单位"].values)
    assert units[0] == ("单位名称", "别名", "邮箱", "抄送", "联系人", "电话")
    first = config.units[0]
    assert units[1][0] == first.name and units[1][2] == "、".join(first.email)
    assert len(units) == len(config.units) + 1
    groups = {row[0]: row[1] for row in list(wb["分组"].values)[1:]}
    assert groups["各街道办事处"].split("、") == list(config.groups["各街道办事处"])
    leaders = list(wb["领导"].values)
    assert len(leaders) == len(config.leaders) + 1


def test_each_unit_knows_its_groups(config):
    groups = unit_groups(config)
    assert "各街道办事处" in groups["海滨街道办事处"]
    assert "区政府各部门" in groups["区发改局"]

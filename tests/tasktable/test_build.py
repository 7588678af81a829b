"""Tests for ``toolkit.tasktable.build``: the table's rules on tables laid out as offices do.

Every table is made in code and, where the rule applies to them, written in all four formats
(tab-separated text like the seed, GBK .csv, .xlsx with merged ranges, .docx with real
vertical merges). Each test asserts the whole task list and the whole list of warnings.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from builders import FORMATS, MERGE_LEFT, MERGE_UP, where, write_docx, write_table

from toolkit.config import Config
from toolkit.model import TaskTable
from toolkit.tasktable import read_task_table

Read = Callable[..., TaskTable]
U = MERGE_UP
TEXT_FORMS = ("txt", "csv")  # cannot say what was merged
MERGE_FORMS = ("xlsx", "docx")


def summary(table: TaskTable) -> list[tuple]:
    return [(t.id, t.text, t.lead, t.assist, t.leaders) for t in table.tasks]


def warnings_of(table: TaskTable) -> list[str]:
    return [str(w) for w in table.warnings]


EXTRA_WARNING = "表头中的{names}不是任务、牵头单位、协办单位、分管领导或完成时限，其内容作为附加信息原样保留在各项任务上。"

# --- 2. extra columns ---------------------------------------------------------------------------

# The layout the issue saw: 序号 over a group, a merged 项目 label, the year's targets, the
# leader before the units, ★ marking the lead, a remark and a half-year progress column.
TARGETS = [
    ["序号", "项目", "2022年预期目标", "牵头领导", "责任单位", "上半年进展情况", "备注"],
    [
        "1",
        "主要预期目标",
        "1.地区生产总值增长6%左右",
        "张伟",
        "★县发改局、县统计局",
        "增长5.1%",
        "",
    ],
    [U, U, "2.一般公共预算收入增长5%", "李强", "★县财政局、县税务局", "增长3%", "含非税收入"],
    [U, U, "3.规上工业增加值增长8%", "张伟", "县统计局、★县工信局", "", ""],
    ["2", "重点工作", "4.推进营商环境提升行动。", "欧阳明", "★县发改局", "已启动", ""],
    [U, U, "5.新建学位1200个。", U, "★县教育局、城关镇", "", ""],
]


@pytest.mark.parametrize("form", FORMATS)
def test_group_numbered_targets_with_extra_columns(read: Read, form: str) -> None:
    table = read(form, TARGETS)
    assert summary(table) == [
        ("1", "地区生产总值增长6%左右", ("县发改局",), ("县统计局",), ("张伟",)),
        ("2", "一般公共预算收入增长5%", ("县财政局",), ("县税务局",), ("李强",)),
        ("3", "规上工业增加值增长8%", ("县工信局",), ("县统计局",), ("张伟",)),
        ("4", "推进营商环境提升行动。", ("县发改局",), (), ("欧阳明",)),
        # Text forms: the empty leader cell of a continuation row inherits; Word and Excel:
        # it is merged.
        ("5", "新建学位1200个。", ("县教育局",), ("城关镇",), ("欧阳明",)),
    ]
    assert [t.section for t in table.tasks] == [("主要预期目标",)] * 3 + [("重点工作",)] * 2
    assert [dict(t.extra) for t in table.tasks] == [
        {"项目": "主要预期目标", "上半年进展情况": "增长5.1%", "备注": ""},
        {"项目": "主要预期目标", "上半年进展情况": "增长3%", "备注": "含非税收入"},
        {"项目": "主要预期目标", "上半年进展情况": "", "备注": ""},
        {"项目": "重点工作", "上半年进展情况": "已启动", "备注": ""},
        {"项目": "重点工作", "上半年进展情况": "", "备注": ""},
    ]
    assert [t.source for t in table.tasks] == [where(form, n) for n in range(2, 7)]
    names = "“项目”“上半年进展情况”“备注”"
    assert warnings_of(table) == [f"{where(form, 1)}: " + EXTRA_WARNING.format(names=names)]


def test_extra_columns_are_warned_once_per_table_not_per_page(read: Read) -> None:
    header = ["序号", "具体目标任务", "牵头单位", "分管领导", "指标值"]
    rows = [header, ["1", "任务一。", "县发改局", "张伟", "6%"], header]
    rows += [["2", "任务二。", "县财政局", "李强", "5%"]]
    table = read("txt", rows)
    assert [dict(t.extra) for t in table.tasks] == [{"指标值": "6%"}, {"指标值": "5%"}]
    assert warnings_of(table) == ["分解表.txt:1: " + EXTRA_WARNING.format(names="“指标值”")]


def test_several_word_tables_with_the_same_header(tmp_path: Path, county: Config) -> None:
    header = ["序号", "重点工作目标任务", "牵头单位", "分管领导", "备注"]
    path = write_docx(
        tmp_path / "分解表.docx",
        [
            [header, ["1", "任务一。", "县发改局", "张伟", "续建"]],
            [header, ["2", "任务二。", "县财政局", "", ""]],
        ],
    )
    table = read_task_table(path, county)
    assert [(t.id, t.source, dict(t.extra)) for t in table.tasks] == [
        ("1", "分解表.docx:表1第2行", {"备注": "续建"}),
        ("2", "分解表.docx:表2第2行", {"备注": ""}),
    ]
    assert warnings_of(table) == [
        "分解表.docx:表1第1行: " + EXTRA_WARNING.format(names="“备注”"),
        "分解表.docx:表2第2行: 任务 2 没有分管领导。",
    ]


def test_tasks_json_carries_the_extra_columns(run_cli, tmp_path: Path) -> None:
    config_folder = tmp_path / "office"
    config_folder.mkdir()
    path = write_table(config_folder, "docx", TARGETS)
    result = run_cli("--output", tmp_path / "out", "tasks", "--tasks", path, "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    first = data["tasks"][0]
    assert first["id"] == "1" and first["section"] == ["主要预期目标"]
    assert first["extra"] == {"项目": "主要预期目标", "上半年进展情况": "增长5.1%", "备注": ""}
    assert list(first["extra"]) == ["项目", "上半年进展情况", "备注"]  # the table's order
    assert [t["id"] for t in data["tasks"]] == ["1", "2", "3", "4", "5"]


# --- 3. merges -----------------------------------------------------------------------------------


MERGED_OVER_TWO = [
    ["序号", "具体目标任务", "牵头单位", "协办单位", "县分管领导"],
    ["1", "任务一。", "县发改局", "县统计局", "张伟"],
    ["2", "任务二。", U, "县财政局", U],
    ["3", "任务三。", "县工信局", "", "李强"],
]


@pytest.mark.parametrize("form", FORMATS)
def test_a_lead_and_leader_merged_over_two_numbered_tasks(read: Read, form: str) -> None:
    table = read(form, MERGED_OVER_TWO)
    if form in MERGE_FORMS:
        assert summary(table) == [
            ("1", "任务一。", ("县发改局",), ("县统计局",), ("张伟",)),
            ("2", "任务二。", ("县发改局",), ("县财政局",), ("张伟",)),
            ("3", "任务三。", ("县工信局",), (), ("李强",)),
        ]
        assert table.warnings == ()
    else:
        # A text file cannot say task 2's cells were merged: a numbered row's empty cell is empty.
        assert summary(table)[1] == ("2", "任务二。", (), ("县财政局",), ())
        assert warnings_of(table) == [
            f"{where(form, 3)}: 任务 2 没有牵头责任单位，无法分发，请补充。",
            f"{where(form, 3)}: 任务 2 没有县分管领导。",
        ]


SUB_ITEMS = [
    ["序号", "具体目标任务", MERGE_LEFT, "牵头责任单位", "协办单位", "县分管领导"],
    ["1", "地区生产总值增长6%。", "工业增加值增长8%。", "县工信局", "县统计局", "张伟"],
    [U, U, "第三产业增加值增长7%。", "县发改局", "", ""],
    [U, U, "社会消费品零售总额增长6%。", "", U, "李强"],
]


@pytest.mark.parametrize("form", FORMATS)
def test_empty_unmerged_cells_stay_empty_in_word_and_excel(read: Read, form: str) -> None:
    table = read(form, SUB_ITEMS)
    if form in TEXT_FORMS:
        # The text forms inherit in continuation rows (their merges were lost in the copy).
        assert summary(table) == [
            ("1.1", "工业增加值增长8%。", ("县工信局",), ("县统计局",), ("张伟",)),
            ("1.2", "第三产业增加值增长7%。", ("县发改局",), ("县统计局",), ("张伟",)),
            ("1.3", "社会消费品零售总额增长6%。", ("县发改局",), ("县统计局",), ("李强",)),
        ]
        assert table.warnings == ()
        return
    assert summary(table) == [
        ("1.1", "工业增加值增长8%。", ("县工信局",), ("县统计局",), ("张伟",)),
        ("1.2", "第三产业增加值增长7%。", ("县发改局",), (), ()),
        ("1.3", "社会消费品零售总额增长6%。", (), (), ("李强",)),
    ]
    assert warnings_of(table) == [
        f"{where(form, 3)}: 任务 1.2 没有县分管领导。（这一格是空的，也没有与上一行合并，"
        "所以不沿用上一行的“张伟”；如果相同，请在表中合并单元格或填写。）",
        f"{where(form, 4)}: 任务 1.3 没有牵头责任单位，无法分发，请补充。（这一格是空的，"
        "也没有与上一行合并，所以不沿用上一行的“县发改局”；如果相同，请在表中合并单元格或填写。）",
    ]


# --- 4. group-numbered rows ----------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMATS)
@pytest.mark.parametrize("style", ["{n}.", "{n}、", "（{n}）", "{n}．"])
def test_rows_numbered_in_their_text_under_a_merged_number(
    read: Read, form: str, style: str
) -> None:
    # No 项目 column: the group's 序号 is a plain number and adds no section level.
    rows = [
        ["序号", "重点任务", "牵头单位", "分管领导"],
        ["一、经济发展", MERGE_LEFT, MERGE_LEFT, MERGE_LEFT],
    ]
    rows += [["1", style.format(n=1) + "任务一。", "县发改局", "张伟"]]
    rows += [[U, style.format(n=n) + f"任务{n}。", "县财政局", "李强"] for n in (2, 3)]
    rows += [["2", "4.5亿元的项目开工。", "县工信局", "张伟"]]
    table = read(form, rows)
    assert summary(table) == [
        ("1", "任务一。", ("县发改局",), (), ("张伟",)),
        ("2", "任务2。", ("县财政局",), (), ("李强",)),
        ("3", "任务3。", ("县财政局",), (), ("李强",)),
        # A 序号 of its own and a text starting with a decimal: the number stays in the text
        # (it did not become the id), and 2 repeats.
        ("2#2", "4.5亿元的项目开工。", ("县工信局",), (), ("张伟",)),
    ]
    assert {t.section for t in table.tasks} == {("一、经济发展",)}
    assert warnings_of(table) == [
        f"{where(form, 6)}: 序号 2 重复（第一次出现在 {where(form, 4)}），本行记为 2#2。"
    ]


@pytest.mark.parametrize("form", FORMATS)
def test_a_numbered_text_that_is_not_a_group_keeps_its_number(read: Read, form: str) -> None:
    rows = [
        ["序号", "重点任务", "牵头单位", "分管领导"],
        ["1", "1.任务一。", "县发改局", "张伟"],
        ["2", "2.任务二。", "县财政局", "李强"],
    ]
    table = read(form, rows)
    assert [(t.id, t.text) for t in table.tasks] == [("1", "1.任务一。"), ("2", "2.任务二。")]
    assert table.warnings == ()


@pytest.mark.parametrize("form", FORMATS)
def test_group_labels_from_the_number_column_and_restarting_numbers(read: Read, form: str) -> None:
    rows = [
        ["序号", "重点任务", "牵头单位", "分管领导"],
        # A section numeral in 序号 with its title in the task column is a heading.
        ["一", "经济发展", "", ""],
        ["1", "1、任务甲。", "县发改局", "张伟"],
        [U, "2、任务乙。", "县财政局", "李强"],
        # A section numeral merged over a group: the group's heading, the rows its tasks.
        ["二", "3、任务丙。", "县教育局", "欧阳明"],
        [U, "4、任务丁。", "县卫健局", "欧阳明"],
        # A group numbered afresh under 序号 3: tasks 3.1 and 3.2.
        ["3", "1、任务戊。", "县商务局", "李强"],
        [U, "2、任务己。", "县商务局", "李强"],
    ]
    table = read(form, rows)
    assert [(t.id, t.text, t.section) for t in table.tasks] == [
        ("1", "任务甲。", ("一、经济发展",)),
        ("2", "任务乙。", ("一、经济发展",)),
        ("3", "任务丙。", ("二",)),
        ("4", "任务丁。", ("二",)),
        ("3.1", "任务戊。", ("二",)),
        ("3.2", "任务己。", ("二",)),
    ]
    assert table.warnings == ()


@pytest.mark.parametrize("form", FORMATS)
def test_numbered_rows_straight_under_a_heading(read: Read, form: str) -> None:
    rows = [
        ["序号", "重点任务", "责任单位", "责任领导"],
        ["一、主要预期目标", MERGE_LEFT, MERGE_LEFT, MERGE_LEFT],
        ["", "1.任务甲。", "县发改局 县统计局", "张伟"],
        ["", "2.任务乙，", "县财政局", "李强"],
        ["", "并落实配套资金。", "", ""],
    ]
    table = read(form, rows)
    assert summary(table) == [
        ("1", "任务甲。", ("县发改局",), ("县统计局",), ("张伟",)),
        ("2", "任务乙，并落实配套资金。", ("县财政局",), (), ("李强",)),
    ]
    assert table.warnings == ()


# --- 5. lead markers -----------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMATS)
def test_lead_markers_choose_the_lead(read: Read, form: str) -> None:
    rows = [
        ["序号", "重点任务", "责任单位", "分管领导"],
        ["1", "任务一。", "★县发改局、县统计局", "张伟"],
        ["2", "任务二。", "县统计局、☆县财政局", "李强"],
        ["3", "任务三。", "※县工信局 *县商务局 县税务局", "张伟"],
        ["4", "任务四。", "县教育局\n●城关镇\n▲东关镇", "张伟"],
        ["5", "任务五。", "县卫健局（牵头）、县人民医院", "张伟"],
        ["6", "任务六。", "县农业农村局、县自然资源局", "张伟"],
    ]
    table = read(form, rows)
    assert [(t.lead, t.assist) for t in table.tasks] == [
        (("县发改局",), ("县统计局",)),
        (("县财政局",), ("县统计局",)),
        (("县工信局", "县商务局"), ("县税务局",)),
        (("城关镇", "东关镇"), ("县教育局",)),
        (("县卫健局",), ("县人民医院",)),
        (("县农业农村局",), ("县自然资源局",)),  # no marker: the first listed leads
    ]
    assert all(t.lead_notes == {} for t in table.tasks)
    assert table.warnings == ()


def test_a_marker_in_a_lead_column_beside_an_assisting_one(read: Read) -> None:
    rows = [
        ["序号", "重点任务", "牵头单位", "配合单位", "分管领导"],
        ["1", "任务一。", "县统计局、★县发改局", "县财政局", "张伟"],
    ]
    (task,) = read("txt", rows).tasks
    assert (task.lead, task.assist) == (("县发改局",), ("县统计局", "县财政局"))


# --- 6. continuation lines and sub-items ---------------------------------------------------------


CONTINUED = [
    ["序号", "具体目标任务", "牵头单位", "协办单位", "分管领导"],
    ["9", "完善政企互动机制，加强企业服务平台建设，", "县发改局", "县财政局", "张伟"],
    ["", "让企业安心发展。", "县工信局", "", ""],
    ["10", "推进教育优质均衡发展。", "县教育局", "", "李强"],
    ["", "新建城关第二小学。", "", "城关镇", "欧阳明"],
    ["11", "提升医疗服务能力。", "县卫健局", "", "李强"],
    ["", "县人民医院新院区投入使用。", "县人民医院", "", "李强"],
]


@pytest.mark.parametrize("form", FORMATS)
def test_continuation_lines_and_sub_items(read: Read, form: str) -> None:
    table = read(form, CONTINUED)
    assert summary(table) == [
        # The previous text ends with ，: the row goes on with task 9 and adds its lead.
        (
            "9",
            "完善政企互动机制，加强企业服务平台建设，让企业安心发展。",
            ("县发改局", "县工信局"),
            ("县财政局",),
            ("张伟",),
        ),
        # No lead of its own: the rest of task 10's text, with its units and leader.
        (
            "10",
            "推进教育优质均衡发展。新建城关第二小学。",
            ("县教育局",),
            ("城关镇",),
            ("李强", "欧阳明"),
        ),
        # A whole sentence before it and a lead of its own: a sub-item of task 11.
        ("11", "提升医疗服务能力。", ("县卫健局",), (), ("李强",)),
        ("11.1", "县人民医院新院区投入使用。", ("县人民医院",), (), ("李强",)),
    ]
    assert table.tasks[3].parent_text == "提升医疗服务能力。"
    assert warnings_of(table) == [
        f"{where(form, 7)}: 这一行没有序号，按任务 11 的子项处理：县人民医院新院区投入使用。"
    ]


@pytest.mark.parametrize("form", FORMATS)
def test_a_sub_item_cut_mid_sentence_goes_on_in_the_next_row(read: Read, form: str) -> None:
    rows = [
        ["序号", "具体目标任务", MERGE_LEFT, "牵头责任单位", "分管领导"],
        ["1", "地区生产总值增长6%。", "工业增加值增长8%，", "县工信局", "张伟"],
        [U, U, "其中高新技术产业增长10%。", U, U],
        [U, U, "第三产业增加值增长7%。", "县发改局", "李强"],
    ]
    table = read(form, rows)
    assert summary(table) == [
        ("1.1", "工业增加值增长8%，其中高新技术产业增长10%。", ("县工信局",), (), ("张伟",)),
        ("1.2", "第三产业增加值增长7%。", ("县发改局",), (), ("李强",)),
    ]
    assert table.warnings == ()


@pytest.mark.parametrize("form", FORMATS)
def test_names_split_over_lines_and_paragraphs(read: Read, form: str) -> None:
    rows = [
        ["序号", "具体目标任务", "牵头单位", "协办单位", "分管领导"],
        # A group label with brackets, the next name in the next paragraph of the cell.
        ["1", "任务一。", "县农业农村局", "各乡镇（街道）\n县财政局", "张伟"],
        # Towns and a school end like organisations: never glued to the next name.
        ["2", "任务二。", "城关镇\n东关镇\n西河乡", "新云中心小学 县财政局", "李强"],
        ["3", "任务三。", "城关派出所", "县人民医院\n县农商银行", "欧阳 明"],
    ]
    table = read(form, rows)
    assert [(t.lead, t.assist, t.leaders) for t in table.tasks] == [
        (("县农业农村局",), ("各乡镇（街道）", "县财政局"), ("张伟",)),
        (("城关镇", "东关镇", "西河乡"), ("新云中心小学", "县财政局"), ("李强",)),
        (("城关派出所",), ("县人民医院", "县农商银行"), ("欧阳明",)),
    ]
    assert table.warnings == ()


def test_unknown_organisations_stand_alone_and_are_each_warned(read: Read, config: Config) -> None:
    # Licheng's directory knows none of these: each is still its own unit, and named.
    rows = [
        ["序号", "具体目标任务", "牵头责任单位", "协办单位", "区分管领导"],
        ["1", "任务一。", "城关镇 东关镇 西河乡", "新云中心小学 区财政局", "陈 斌"],
    ]
    table = read("txt", rows, config=config)
    (task,) = table.tasks
    assert task.lead == ("城关镇", "东关镇", "西河乡")
    assert task.assist == ("新云中心小学", "区财政局")
    assert warnings_of(table) == [
        "分解表.txt:2: 牵头单位“城关镇”不在 config.toml 的单位名录中。",
        "分解表.txt:2: 牵头单位“东关镇”不在 config.toml 的单位名录中。",
        "分解表.txt:2: 牵头单位“西河乡”不在 config.toml 的单位名录中。",
        "分解表.txt:2: 协办单位“新云中心小学”不在 config.toml 的单位名录中。",
    ]


# --- 7. padded leader names ----------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMATS)
def test_padded_leader_names(read: Read, form: str) -> None:
    rows = [
        ["序号", "具体目标任务", "牵头单位", "分管领导"],
        ["1", "任务一。", "县发改局", "欧阳 明"],
        ["2", "任务二。", "县发改局", "欧阳 明 张 伟"],
        # A three-character name cut 1 + 2: the directory's leader list knows it.
        ["3", "任务三。", "县发改局", "张 三丰 李 强"],
    ]
    table = read(form, rows)
    assert [t.leaders for t in table.tasks] == [
        ("欧阳明",),
        ("欧阳明", "张伟"),
        ("张三丰", "李强"),
    ]
    assert table.warnings == ()


# --- layouts beyond the list -------------------------------------------------------------


@pytest.mark.parametrize("form", FORMATS)
def test_a_cell_that_names_the_roles_itself(read: Read, form: str) -> None:
    rows = [
        ["序号", "重点任务", "责任单位及分工", "分管领导"],
        ["1", "任务一。", "牵头单位：县发改局；配合单位：县财政局、县统计局", "张伟（副县长）"],
        ["2", "任务二。", "牵头：县教育局\n责任单位：城关镇 东关镇", "李强"],
    ]
    table = read(form, rows)
    assert summary(table) == [
        ("1", "任务一。", ("县发改局",), ("县财政局", "县统计局"), ("张伟",)),
        ("2", "任务二。", ("县教育局",), ("城关镇", "东关镇"), ("李强",)),
    ]
    assert table.warnings == ()


@pytest.mark.parametrize("form", FORMATS)
def test_a_table_without_a_leader_column_is_warned_once(read: Read, form: str) -> None:
    rows = [
        ["序号", "目标任务", "牵头单位", "配合单位", "完成时限"],
        ["1", "任务一。", "县发改局", "县财政局", "6月底"],
        ["2", "任务二。", "县财政局", "", "年底"],
    ]
    table = read(form, rows)
    assert [(t.id, t.leaders, t.deadline) for t in table.tasks] == [
        ("1", (), "6月底"),
        ("2", (), "年底"),
    ]
    assert warnings_of(table) == [
        f"{where(form, 1)}: 表头中没有分管领导列（列名含“领导”，如“区分管领导”“牵头领导”），"
        "各项任务都没有分管领导。"
    ]

"""Reading a task table (``toolkit.tasktable``): the bounds before any reader runs; the seed's odd
rows, variant tables, warnings and bad tables (each variant written as text into ``tmp_path``)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import xlsxwriter

from toolkit import tasktable
from toolkit.config import Config
from toolkit.errors import TaskTableError
from toolkit.model import Task, TaskTable
from toolkit.tasktable import read_rows, read_task_table
from toolkit.tasktable.names import parse_leaders, parse_units


def test_a_pipe_or_a_device_is_refused_not_waited_on(tmp_path: Path):
    fifo = tmp_path / "分解表.txt"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero")):
        with pytest.raises(TaskTableError) as refused:
            read_rows(path)
        assert str(refused.value) == f"{path}: 这不是普通文件（管道或设备），请给出任务分解表文件。"


def test_a_file_far_bigger_than_any_table_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(tasktable, "MAX_TABLE_BYTES", 1_000_000)
    path = tmp_path / "分解表.txt"
    path.write_bytes(b"\xe4\xb8\x80" * 700_000)
    with pytest.raises(TaskTableError, match="文件有 2 MB，远超任务分解表的大小（上限 1 MB）"):
        read_rows(path)


@pytest.mark.parametrize("rows", [999, 1_001])
def test_a_sheet_of_more_rows_than_any_table_is_refused_before_it_is_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int
):
    monkeypatch.setattr(tasktable, "MAX_TABLE_ROWS", 1_000)
    path = tmp_path / "分解表.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["序号", "具体目标任务", "牵头责任单位", "区分管领导"])
    for r in range(1, rows):
        ws.write_row(r, 0, [str(r), f"任务{r}", "区发改局", "陈斌"])
    wb.close()
    if rows <= 1_000:
        assert len(read_rows(path)) == rows
    else:
        with pytest.raises(TaskTableError, match="表中超过 1,000 行，远超任务分解表的规模"):
            read_rows(path)


SEED_NAME = "2020-licheng-task-breakdown.txt"
HEADER = "序号\t具体目标任务\t牵头责任单位\t协办单位\t区分管领导"
SUBDISTRICTS_LABEL = "各街道办事处"


@pytest.fixture(scope="module")
def seed(bundled: Config) -> TaskTable:
    return read_task_table(bundled.tasks_path, bundled)


@pytest.fixture(scope="module")
def seed_tasks(seed: TaskTable) -> dict[str, Task]:
    return seed.by_id()


def write_table(folder: Path, lines: list[str], name: str = "表.txt", newline: str = "\n") -> Path:
    path = folder / name
    path.write_bytes(newline.join(lines).encode("utf-8") + newline.encode())
    return path


def warnings_of(table: TaskTable) -> list[str]:
    return [str(w) for w in table.warnings]


# --- the seed --------------------------------------------------------------------------------


def test_seed_gives_118_trackable_tasks(seed: TaskTable) -> None:
    ids = [t.id for t in seed.tasks]
    assert ids == ["1.1", "1.2", *map(str, range(2, 118))]
    assert seed.path == SEED_NAME
    # Repeated page headers and section rows are never tasks.
    assert not any(
        t.text in ("具体目标任务", "") or t.lead == ("牵头责任单位",) for t in seed.tasks
    )
    assert all(t.source.startswith(f"{SEED_NAME}:") for t in seed.tasks)


def test_seed_warns_only_about_what_the_table_lacks(seed: TaskTable) -> None:
    # The table itself gives task 1's sub-items no leader; every name is in config.toml.
    assert warnings_of(seed) == [
        f"{SEED_NAME}:37: 任务 1.1 没有区分管领导。",
        f"{SEED_NAME}:38: 任务 1.2 没有区分管领导。",
    ]


def test_seed_sub_items_keep_parent_text_and_inherit(seed_tasks: dict[str, Task]) -> None:
    first, second = seed_tasks["1.1"], seed_tasks["1.2"]
    assert first.to_json() == {
        "id": "1.1",
        "parent": "1",
        "parent_text": "地区生产总值增长 2.5%。",
        "section": ["一、主要预期目标"],
        "text": "工业增加值增长 1%。",
        "lead": ["区工信局"],
        "lead_notes": {},
        "assist": ["高新区管委会", "各街道办事处", "区直各有关单位"],
        "leaders": [],
        "deadline": None,
        "source": f"{SEED_NAME}:37",
        # The sub-item's own target, not its parent's 2.5%.
        "targets": [
            {
                "text": "增长 1%",
                "value": 1,
                "unit": "%",
                "kind": "growth",
                "floor": False,
                "stretch": False,
            }
        ],
    }
    assert second.parent == "1" and second.parent_text == "地区生产总值增长 2.5%。"
    assert second.text == "第三产业增加值增长 3.5%。"
    assert second.lead == ("区发改局",)
    # The continuation row's empty assisting cell inherits the value above (merged cells).
    assert second.assist == first.assist
    assert second.source == f"{SEED_NAME}:38"
    assert first.full_text == "地区生产总值增长 2.5%。工业增加值增长 1%。"


SECTION_1 = "一、主要预期目标"
SECTION_2 = "二、主要工作任务"
SECTION_3 = "三、建设人民满意的服务型政府"
SUBSECTIONS = {
    1: "（一）要以实干增实绩，提升经济运行坚韧度",
    2: "（二）要以高端促高质，提升主导产业集聚度",
    3: "（三）要以先行争先进，提升创新合作引领度",
    4: "（四）要以文化续文脉，提升文旅品牌美誉度",
    5: "（五）要以活力添魅力，提升城市面貌精致度",
    6: "（六）要以民生聚民心，提升人民群众满意度",
}


@pytest.mark.parametrize(
    "task_id, section",
    [
        ("2", [SECTION_1]),
        ("6", [SECTION_1]),
        ("7", [SECTION_2, SUBSECTIONS[1]]),  # "(一) …" in half-width parentheses
        ("17", [SECTION_2, SUBSECTIONS[1]]),
        ("18", [SECTION_2, SUBSECTIONS[2]]),  # "<b>(二) …</b>"
        ("27", [SECTION_2, SUBSECTIONS[2]]),
        ("28", [SECTION_2, SUBSECTIONS[3]]),
        ("44", [SECTION_2, SUBSECTIONS[3]]),  # after a repeated header
        ("45", [SECTION_2, SUBSECTIONS[4]]),
        ("62", [SECTION_2, SUBSECTIONS[5]]),
        ("77", [SECTION_2, SUBSECTIONS[6]]),  # "<b>（六）…</b>" in full-width parentheses
        ("107", [SECTION_2, SUBSECTIONS[6]]),
        ("108", [SECTION_3]),  # a top-level section ends the sub-section
        ("117", [SECTION_3]),
    ],
)
def test_seed_section_paths(seed_tasks: dict[str, Task], task_id: str, section: list[str]) -> None:
    assert list(seed_tasks[task_id].section) == section


def test_seed_sections_are_eight(seed: TaskTable) -> None:
    assert len({t.section for t in seed.tasks}) == 8
    assert not any("<" in part for t in seed.tasks for part in t.section)


# id -> (lead, lead_notes, assist, leaders); None means "not checked here".
ODD_ROWS = {
    "2": (
        ["区财政局"],
        {},
        ["区税务局", "高新区管委会", SUBDISTRICTS_LABEL, "区直各有关单位"],
        ["王垦福"],
    ),
    "3": (["区发改局"], {}, ["区工信局", "区住建局", SUBDISTRICTS_LABEL], ["陈斌"]),  # 陈 斌
    "7": (
        ["区财政局", "区税务局", "区人社局", "区发改局"],
        {},
        ["高新区管委会", SUBDISTRICTS_LABEL, "区商务局", "区工信局"],
        ["陈斌", "陈清拥", "王垦福"],  # 陈 斌 陈清拥 王垦福
    ),
    "8": (["区发改局"], {}, ["区工信局", "区商务局", "区行政服务中心管委会"], ["陈斌"]),
    "11": (
        ["区发改局"],
        {"区发改局": "重点办"},
        ["高新区管委会", SUBDISTRICTS_LABEL, "区直有关单位", "相关项目指挥部"],
        ["陈斌"],
    ),
    "12": (
        [
            "站前大道西侧棚户区（石结构房屋）改造及基础设施建设项目指挥部",  # parentheses inside a name
            "爱国路道路拓改及片区改造建设工程指挥部",
            "高新区管委会",
            "江南街道办事处",
            "临江街道办事处",
        ],
        {},
        ["相关街道办事处"],
        ["陈斌", "陈清拥", "潘永生", "吴振法"],
    ),
    "28": (["高新区管委会"], {}, [], ["陈斌"]),
    "32": (
        ["区委人才办", "区人社局"],
        {},
        ["高新区管委会", SUBDISTRICTS_LABEL],
        ["许顺达", "陈清拥"],
    ),
    "34": (["区发改局"], {"区发改局": "区审改办"}, ["区行政服务中心管委会"], ["陈斌"]),
    "35": (["区行政服务中心管委会"], {}, [], ["陈清拥"]),
    "37": (["区发改局"], {"区发改局": "区金融办"}, ["江南街道办事处"], ["陈斌"]),
    "44": (
        ["区政府办", "区文旅局", "区文旅集团"],
        {"区政府办": "区外事办"},
        [],
        ["张刺治", "王垦福"],
    ),
    "61": (
        ["区商务局"],
        {"区商务局": "中山路及周边商圈业态提升工作领导小组办公室"},
        ["开元街道办事处", "鲤中街道办事处", "海滨街道办事处", "临江街道办事处"],
        ["陈伟群", "黄志煌", "陈清拥"],
    ),
    "64": (
        [
            "江南兴贤路中段片区项目指挥部",
            "田中片区石结构房屋改造建设指挥部",
            "延陵社区石结构房屋改造项目指挥部",
            "站前大道西侧K2地块项目指挥部",  # 站前大道西侧 K2 地块项目指挥部
            "兴贤路北延段拓改工程分指挥部",
            "站前大道片区开发指挥部",
            "西郊片区改造项目（鲤城片）征迁工作指挥部",
            "江南街道办事处",
        ],
        {},
        [],
        ["王明元", "曾朝阳", "陈斌", "许顺达", "陈清拥", "王垦福"],
    ),
    "94": (["区应急局"], {}, ["区安委会成员单位"], ["陈斌"]),  # 区安委会 成员单位
    "107": (
        [
            "统战部",
            "区侨联",  # 区侨联 区政府办: two known units, never joined
            "区政府办",
            "区委办",
            "区老龄办",
            "区档案馆",
            "区发改局",
            "区总工会",
            "团区委",
            "区妇联",
            "区关工委",
            "区计生协会",
        ],
        {},
        [],
        ["吴保忠", "陈伟群", "曾朝阳", "许顺达", "陈斌", "张刺治", "陈清拥"],
    ),
    "108": (["高新区管委会", SUBDISTRICTS_LABEL, "区政府各部门"], {}, [], ["各副区长"]),
    "114": (
        ["区政府办"],
        {},
        ["区为民办实事项目各责任单位"],
        ["张刺治"],
    ),  # 区为民办实事 项目各责任单位
    "116": (["区纪委监委", "区政府各部门"], {}, [], ["洪金城", "各副区长"]),
}


@pytest.mark.parametrize("task_id", ODD_ROWS)
def test_seed_odd_rows(seed_tasks: dict[str, Task], task_id: str) -> None:
    lead, notes, assist, leaders = ODD_ROWS[task_id]
    task = seed_tasks[task_id]
    assert list(task.lead) == lead
    assert dict(task.lead_notes) == notes
    assert list(task.assist) == assist
    assert list(task.leaders) == leaders


def test_seed_texts_are_clean(seed: TaskTable) -> None:
    for task in seed.tasks:
        assert task.text == task.text.strip() and "\r" not in task.text and "<" not in task.text
        assert all(" " not in name for name in (*task.lead, *task.assist, *task.leaders))
    # A task text keeps its own parentheses: they are not qualifiers.
    assert dict(seed.by_id())["105"].text == "出版《鲤城区志》(续志)。"


def test_seed_normalises_windows_line_ends_trailing_spaces_and_fullwidth_digits(
    tmp_path: Path, bundled: Config, seed: TaskTable
) -> None:
    lines = bundled.tasks_path.read_text(encoding="utf-8").split("\n")
    odd = []
    for line in lines:
        line = re.sub(r"^12\t", "１２\t", line)
        odd.append("\t".join(cell + "  " if cell else cell for cell in line.split("\t")))
    assert any(line.startswith("１２  \t") for line in odd)
    path = tmp_path / SEED_NAME
    path.write_bytes("\r\n".join(odd).encode("utf-8"))
    table = read_task_table(path, bundled)
    assert [t.to_json() for t in table.tasks] == [t.to_json() for t in seed.tasks]
    assert table.warnings == seed.warnings


def test_tasks_json_shape(run_cli, tmp_path: Path) -> None:
    result = run_cli("--output", tmp_path, "tasks", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert list(data) == ["tasks", "warnings"]
    assert len(data["tasks"]) == 118
    keys = [
        "id",
        "parent",
        "parent_text",
        "section",
        "text",
        "lead",
        "lead_notes",
        "assist",
        "leaders",
        "deadline",
        "source",
        "targets",
    ]
    target_keys = ["text", "value", "unit", "kind", "floor", "stretch"]
    for task in data["tasks"]:
        assert list(task) == keys
        assert all(list(t) == target_keys for t in task["targets"])
        assert isinstance(task["id"], str) and isinstance(task["text"], str) and task["text"]
        assert task["parent"] is None or isinstance(task["parent"], str)
        assert task["parent_text"] is None or isinstance(task["parent_text"], str)
        assert (task["parent"] is None) == (task["parent_text"] is None)
        for key in ("section", "lead", "assist", "leaders"):
            assert isinstance(task[key], list) and all(isinstance(x, str) for x in task[key])
        assert isinstance(task["lead_notes"], dict) and set(task["lead_notes"]) <= set(task["lead"])
        assert all(isinstance(v, str) for v in task["lead_notes"].values())
        assert task["deadline"] is None or isinstance(task["deadline"], str)
        assert re.fullmatch(rf"{re.escape(SEED_NAME)}:\d+", task["source"])
    assert data["tasks"][0]["id"] == "1.1" and data["tasks"][0]["lead"] == ["区工信局"]
    for warning in data["warnings"]:
        assert list(warning) == ["source", "message"]
        assert re.fullmatch(rf"{re.escape(SEED_NAME)}:\d+", warning["source"])
    assert (tmp_path / "tasks.xlsx").is_file()


# --- the seed in other formats -----------------------------------------------------------------


def _without_source(table: TaskTable) -> list[dict]:
    return [{k: v for k, v in t.to_json().items() if k != "source"} for t in table.tasks]


@pytest.mark.parametrize("form", ["xlsx", "csv-gbk", "csv-utf8-bom", "docx"])
def test_seed_reads_the_same_in_every_format(
    tmp_path: Path, bundled: Config, seed: TaskTable, form: str
) -> None:
    builders = pytest.importorskip("builders")
    rows = builders.seed_rows()
    title = [["2020 年区《政府工作报告》目标任务责任分解表"]]
    # Word and Excel say what was merged: there, the cells the text form leaves empty under
    # task 1 are merged with the ones above, as in the published table.
    merged_rows, merges = builders.merged_continuations(rows, first_row=len(title) + 1)
    if form == "xlsx":
        path = builders.write_xlsx(tmp_path / "分解表.xlsx", rows, merges, title_rows=title)
    elif form == "csv-gbk":
        path = builders.write_csv(tmp_path / "分解表.csv", title + rows, encoding="gbk")
    elif form == "csv-utf8-bom":
        path = builders.write_csv(tmp_path / "分解表.csv", title + rows, encoding="utf-8-sig")
    else:
        path = builders.write_docx(tmp_path / "分解表.docx", [merged_rows], title=title[0][0])
    table = read_task_table(path, bundled)
    assert _without_source(table) == _without_source(seed)
    assert [w.message for w in table.warnings] == [w.message for w in seed.warnings]
    assert all(t.source.startswith(f"{path.name}:") for t in table.tasks)


def test_docx_vertically_merged_cells_are_inherited(tmp_path: Path, bundled: Config) -> None:
    builders = pytest.importorskip("builders")
    up = builders.MERGE_UP
    path = builders.write_docx(
        tmp_path / "分解表.docx",
        [
            [
                [
                    "序号",
                    "具体目标任务",
                    builders.MERGE_LEFT,
                    "牵头责任单位",
                    "协办单位",
                    "区分管领导",
                ],
                [
                    "1",
                    "地区生产总值增长 2.5%。",
                    "工业增加值增长 1%。",
                    "区工信局",
                    "高新区管委会",
                    "陈 斌",
                ],
                [up, up, "第三产业增加值增长 3.5%。", "区发改局", up, up],
                [
                    "2",
                    "一般公共预算总收入增长 1.1%。",
                    builders.MERGE_LEFT,
                    "区财政局",
                    "区税务局",
                    "王垦福",
                ],
            ]
        ],
    )
    table = read_task_table(path, bundled)
    tasks = table.by_id()
    assert list(tasks) == ["1.1", "1.2", "2"]
    assert tasks["1.2"].parent_text == "地区生产总值增长 2.5%。"
    assert tasks["1.2"].lead == ("区发改局",)
    assert tasks["1.2"].assist == ("高新区管委会",) and tasks["1.2"].leaders == ("陈斌",)
    assert tasks["2"].text == "一般公共预算总收入增长 1.1%。" and tasks["2"].leaders == ("王垦福",)
    assert table.warnings == ()


# --- variant tables ---------------------------------------------------------------------------


def test_unknown_unit_warns_with_the_closest_known_names(tmp_path: Path, bundled: Config) -> None:
    path = write_table(tmp_path, [HEADER, "1\t任务一。\t区发政局\t区财政厅\t陈 斌"])
    table = read_task_table(path, bundled)
    (task,) = table.tasks
    assert task.lead == ("区发政局",) and task.assist == ("区财政厅",)  # listed as written
    lead_warning, assist_warning = table.warnings
    assert lead_warning.source == "表.txt:2"
    assert "区发政局" in lead_warning.message and "config.toml" in lead_warning.message
    assert "最接近" in lead_warning.message and "区发改局" in lead_warning.message
    assert "区财政厅" in assist_warning.message and "区财政局" in assist_warning.message


def test_unknown_leader_warns(tmp_path: Path, bundled: Config) -> None:
    path = write_table(tmp_path, [HEADER, "1\t任务一。\t区发改局\t\t陈 彬"])
    table = read_task_table(path, bundled)
    assert table.tasks[0].leaders == ("陈彬",)
    (warning,) = table.warnings
    assert warning.source == "表.txt:2" and "陈彬" in warning.message and "陈斌" in warning.message


@pytest.mark.parametrize(
    "rows, source, expected",
    [
        pytest.param(
            ["1\t任务一。\t\t区财政局\t陈 斌"], "表.txt:2", "任务 1 没有牵头责任单位", id="no lead"
        ),
        pytest.param(
            ["1\t任务一。\t区财政局\t\t"], "表.txt:2", "任务 1 没有区分管领导", id="no leader"
        ),
        pytest.param(
            ["1\t任务一。\t区财政局\t\t陈 斌", "1\t任务一再。\t区财政局\t\t陈 斌"],
            "表.txt:3",
            "序号 1 重复（第一次出现在 表.txt:2）",
            id="duplicated number",
        ),
        pytest.param(
            ["1\t任务一。\t区财政局\t\t陈 斌", "3\t任务三。\t区财政局\t\t陈 斌"],
            "表.txt:3",
            "缺少 2",
            id="numbering gap",
        ),
        pytest.param(
            ["1\t任务一。\t区财政局\t\t陈 斌", "5\t任务五。\t区财政局\t\t陈 斌"],
            "表.txt:3",
            "缺少 2–4",
            id="numbering gap of three",
        ),
        pytest.param(
            ["\t无序号的任务。\t区财政局\t\t陈 斌", "1\t任务一。\t区财政局\t\t陈 斌"],
            "表.txt:2",
            "无法识别",
            id="row without number before any task",
        ),
        pytest.param(
            ["1\t任务一。\t区财政局\t\t陈 斌", "注：以上任务按季度报送。"],
            "表.txt:3",
            "无法识别的行",
            id="note row",
        ),
        pytest.param(
            ["甲\t任务甲。\t区财政局\t\t陈 斌"],
            "表.txt:2",
            "序号“甲”不是数字",
            id="number not a number",
        ),
        pytest.param(
            ["1\t任务一。\t相关街道办事处\t\t陈 斌"],
            "表.txt:2",
            "无法展开",
            id="lead group that cannot expand",
        ),
    ],
)
def test_anomalies_are_warnings_with_file_and_row(
    tmp_path: Path, bundled: Config, rows: list[str], source: str, expected: str
) -> None:
    table = read_task_table(write_table(tmp_path, [HEADER, *rows]), bundled)
    assert [w.source for w in table.warnings if expected in w.message] == [source], warnings_of(
        table
    )
    assert all(re.fullmatch(r"表\.txt:\d+", w.source) for w in table.warnings)


def test_nothing_is_dropped_silently(tmp_path: Path, bundled: Config) -> None:
    path = write_table(
        tmp_path,
        [
            HEADER,
            "1\t任务一。\t\t区财政局\t陈 斌",
            "1\t任务一再。\t区财政局\t\t陈 斌",
            "甲\t任务甲。\t区财政局\t\t陈 斌",
        ],
    )
    table = read_task_table(path, bundled)
    assert [(t.id, t.text) for t in table.tasks] == [
        ("1", "任务一。"),
        ("1#2", "任务一再。"),
        ("甲", "任务甲。"),
    ]
    assert table.tasks[0].lead == ()


def test_continuation_row_without_sub_item_column_adds_units(
    tmp_path: Path, bundled: Config
) -> None:
    # Merged 序号 and text with more names below: the same task, not a new one.
    path = write_table(
        tmp_path,
        [
            HEADER,
            "1\t任务一。\t区发改局\t区财政局\t陈 斌",
            "\t\t区工信局\t区商务局\t王垦福",
            "2\t任务二。\t区财政局\t\t陈 斌",
        ],
    )
    table = read_task_table(path, bundled)
    first = table.by_id()["1"]
    assert [t.id for t in table.tasks] == ["1", "2"]
    assert first.lead == ("区发改局", "区工信局")
    assert first.assist == ("区财政局", "区商务局")
    assert first.leaders == ("陈斌", "王垦福")


def test_a_remarks_column_does_not_shift_the_table(tmp_path: Path, bundled: Config) -> None:
    path = write_table(
        tmp_path,
        [
            f"{HEADER}\t备注",
            "1\t任务一。\t区发改局\t区财政局\t陈 斌\t",
            "2\t任务二。\t区财政局\t\t王垦福\t已并入第1项",
        ],
    )
    table = read_task_table(path, bundled)
    assert [(t.id, t.text, t.lead, t.assist, t.leaders) for t in table.tasks] == [
        ("1", "任务一。", ("区发改局",), ("区财政局",), ("陈斌",)),
        ("2", "任务二。", ("区财政局",), (), ("王垦福",)),
    ]
    # DESIGN §4: a column no role claims is warned once and kept on each task.
    assert warnings_of(table) == [
        "表.txt:1: 表头中的“备注”不是任务、牵头单位、协办单位、分管领导或完成时限，"
        "其内容作为附加信息原样保留在各项任务上。"
    ]
    assert [dict(t.extra) for t in table.tasks] == [{"备注": ""}, {"备注": "已并入第1项"}]


def test_a_stray_cell_beyond_the_header_is_reported_not_shifted(
    tmp_path: Path, bundled: Config
) -> None:
    path = write_table(
        tmp_path,
        [
            HEADER,
            "1\t任务一。\t区发改局\t区财政局\t陈 斌",
            "2\t任务二。\t区财政局\t\t王垦福\t已并入第1项",
            "3\t任务三。\t区工信局\t\t陈清拥",
        ],
    )
    table = read_task_table(path, bundled)
    assert [(t.id, t.text, t.lead, t.leaders) for t in table.tasks] == [
        ("1", "任务一。", ("区发改局",), ("陈斌",)),
        ("2", "任务二。", ("区财政局",), ("王垦福",)),
        ("3", "任务三。", ("区工信局",), ("陈清拥",)),
    ]
    (warning,) = table.warnings
    assert warning.source == "表.txt:3" and "已并入第1项" in warning.message


def test_fullwidth_digits_and_windows_line_endings(tmp_path: Path, bundled: Config) -> None:
    path = write_table(
        tmp_path,
        [
            HEADER,
            "１１\t任务十一。 \t区发改局 \t区财政局\u3000\t陈 斌 ",
            "１２\t任务十二。\t区工信局\t\t陈清拥",
        ],
        newline="\r\n",
    )
    table = read_task_table(path, bundled)
    assert [(t.id, t.text, t.lead, t.assist, t.leaders) for t in table.tasks] == [
        ("11", "任务十一。", ("区发改局",), ("区财政局",), ("陈斌",)),
        ("12", "任务十二。", ("区工信局",), (), ("陈清拥",)),
    ]
    assert table.warnings == ()


@pytest.mark.parametrize(
    "header, row, lead, assist, leaders, deadline",
    [
        pytest.param(
            "序号\t重点工作任务\t责任单位\t分管领导",
            "1\t任务一。\t区发改局 区财政局、区工信局\t陈 斌",
            ("区发改局",),
            ("区财政局", "区工信局"),
            ("陈斌",),
            None,
            id="single unit column: first leads, rest assist",
        ),
        pytest.param(
            "序号\t重点工作任务\t牵头单位\t配合单位\t分管领导\t完成时限",
            "1\t任务一。\t区发改局\t区财政局\t陈 斌\t2020年12月底",
            ("区发改局",),
            ("区财政局",),
            ("陈斌",),
            "2020年12月底",
            id="synonyms with deadline",
        ),
        pytest.param(
            "编号\t工作任务\t牵头部门\t参与单位\t责任领导\t时间节点",
            "1\t任务一。\t区发改局\t区财政局；区工信局\t陈 斌\t6月底",
            ("区发改局",),
            ("区财政局", "区工信局"),
            ("陈斌",),
            "6月底",
            id="other synonyms",
        ),
        pytest.param(
            "序号\t任务内容\t牵头单位\t协作单位\t分管区领导\t完成时间",
            "1\t任务一。\t区发改局，区工信局\t\t陈清拥、王垦福\t",
            ("区发改局", "区工信局"),
            (),
            ("陈清拥", "王垦福"),
            None,
            id="empty deadline is null",
        ),
        pytest.param(
            "序号\t主要任务\t牵头单位\t分管领导",
            "1\t任务一。\t区发改局 区财政局\t陈 斌",
            ("区发改局", "区财政局"),
            (),
            ("陈斌",),
            None,
            id="a lead column without assisting column keeps every lead",
        ),
    ],
)
def test_header_synonyms(
    tmp_path: Path,
    bundled: Config,
    header: str,
    row: str,
    lead: tuple,
    assist: tuple,
    leaders: tuple,
    deadline: str | None,
) -> None:
    table = read_task_table(write_table(tmp_path, [header, row]), bundled)
    (task,) = table.tasks
    assert (task.text, task.lead, task.assist, task.leaders, task.deadline) == (
        "任务一。",
        lead,
        assist,
        leaders,
        deadline,
    )
    assert table.warnings == ()


def test_aliases_become_canonical_names(tmp_path: Path, bundled: Config) -> None:
    path = write_table(tmp_path, [HEADER, "1\t任务一。\t区发展和改革局（重点办）\t海滨街道\t陈 斌"])
    (task,) = read_task_table(path, bundled).tasks
    assert task.lead == ("区发改局",) and dict(task.lead_notes) == {"区发改局": "重点办"}
    assert task.assist == ("海滨街道办事处",)


# --- names, without any directory: the typesetting rules alone ---------------------------------


def _unknown(name: str) -> bool:
    return False


@pytest.mark.parametrize(
    "cell, names, notes",
    [
        ("区行政服务中心 管委会", ["区行政服务中心管委会"], {}),
        ("区安委会 成员单位", ["区安委会成员单位"], {}),
        ("站前大道西侧 K2 地块项目指挥部", ["站前大道西侧K2地块项目指挥部"], {}),
        ("区为民办实事 项目各责任单位", ["区为民办实事项目各责任单位"], {}),
        ("区侨联 区政府办", ["区侨联", "区政府办"], {}),
        ("区发改局 (重点办)", ["区发改局"], {"区发改局": "重点办"}),
        ("区发改局（区审改办）、区工信局", ["区发改局", "区工信局"], {"区发改局": "区审改办"}),
        ("区商务局（招商办） 区工信局", ["区商务局", "区工信局"], {"区商务局": "招商办"}),
        (
            "区财政局\n区税务局；区人社局,区商务局",
            ["区财政局", "区税务局", "区人社局", "区商务局"],
            {},
        ),
        ("区财政局\u3000区税务局", ["区财政局", "区税务局"], {}),
        (
            "西郊片区改造项目（鲤城片）征迁工作指挥部",
            ["西郊片区改造项目（鲤城片）征迁工作指挥部"],
            {},
        ),
    ],
)
def test_parse_units_typesetting_rules(cell: str, names: list[str], notes: dict[str, str]) -> None:
    parsed = parse_units(cell, _unknown)
    assert parsed.names == names
    assert parsed.notes == notes


def test_known_names_always_stand_alone() -> None:
    known = {"区侨", "区侨联", "区政府办"}.__contains__
    assert parse_units("区侨 联", known).names == ["区侨联"]  # a known join
    assert parse_units("区侨联 区政府办", known).names == ["区侨联", "区政府办"]


@pytest.mark.parametrize(
    "cell, leaders",
    [
        ("陈 斌", ["陈斌"]),
        ("陈 斌 陈清拥 王垦福", ["陈斌", "陈清拥", "王垦福"]),
        ("王明元 曾朝阳 陈 斌 许顺达", ["王明元", "曾朝阳", "陈斌", "许顺达"]),
        ("洪金城 各副区长", ["洪金城", "各副区长"]),
        ("陈斌、陈清拥", ["陈斌", "陈清拥"]),
    ],
)
def test_padded_leader_names(cell: str, leaders: list[str]) -> None:
    assert parse_leaders(cell) == leaders


# --- bad tables ---------------------------------------------------------------------------------


def _bad_tables(folder: Path) -> dict[str, Path]:
    tables = {
        "missing header": write_table(
            folder, ["泉州市鲤城区", "1\t任务一。\t区发改局\t\t陈 斌"], "无表头.txt"
        ),
        "empty file": write_table(folder, [""], "空.txt"),
        "header without tasks": write_table(folder, [HEADER, "一、主要预期目标"], "无任务.txt"),
        "unknown format": folder / "分解表.pdf",
        "a directory": folder / "分解表目录",
        "missing file": folder / "没有这个文件.txt",
    }
    tables["unknown format"].write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    tables["a directory"].mkdir()
    return tables


BAD = [
    "missing header",
    "empty file",
    "header without tasks",
    "unknown format",
    "a directory",
    "missing file",
]


@pytest.mark.parametrize("kind", BAD)
def test_bad_table_is_an_error_naming_the_file(tmp_path: Path, bundled: Config, kind: str) -> None:
    path = _bad_tables(tmp_path)[kind]
    with pytest.raises(TaskTableError) as raised:
        read_task_table(path, bundled)
    assert str(raised.value).startswith((f"{path}: ", f"{path.name}: "))


def test_docx_without_a_table_is_an_error(tmp_path: Path, bundled: Config) -> None:
    builders = pytest.importorskip("builders")
    path = builders.write_docx(tmp_path / "通知.docx", [], title="关于印发目标任务责任分解表的通知")
    with pytest.raises(TaskTableError, match=r"通知\.docx: .*没有表格"):
        read_task_table(path, bundled)


@pytest.mark.parametrize("kind", BAD)
def test_bad_table_on_the_command_line_is_one_line_without_traceback(
    tmp_path: Path, run_cli, kind: str
) -> None:
    path = _bad_tables(tmp_path)[kind]
    result = run_cli("--output", tmp_path / "out", "tasks", "--tasks", path, catch_exceptions=True)
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and path.name in lines[0]
    assert "Traceback" not in result.output


def test_verbose_shows_the_traceback(tmp_path: Path) -> None:
    path = _bad_tables(tmp_path)["missing header"]
    command = [sys.executable, "-m", "toolkit", "--output", str(tmp_path / "out")]
    quiet = subprocess.run(
        [*command, "tasks", "--tasks", str(path)], capture_output=True, text=True
    )
    assert quiet.returncode == 1
    assert quiet.stderr.strip().splitlines() == [quiet.stderr.strip()]
    assert quiet.stderr.startswith("Error: 无表头.txt: ") and "Traceback" not in quiet.stderr
    loud = subprocess.run(
        [*command, "--verbose", "tasks", "--tasks", str(path)], capture_output=True, text=True
    )
    assert loud.returncode != 0
    assert (
        "Traceback" in loud.stderr
        and "TaskTableError" in loud.stderr
        and "无表头.txt" in loud.stderr
    )

"""Quantified targets read from task texts: every seed task hand-checked, and the false friends.

``SEED_TARGETS`` was written by reading each task of the 2020 Licheng table: the targets of
the 26 tasks that have any, as (text, value, unit, kind, floor, stretch). Every other seed task
has none, and ``SEED_NONE`` names why for those whose text holds a number that is not one.
"""

from __future__ import annotations

import json

import pytest

from toolkit.config import load_config
from toolkit.model import AMOUNT, AREA_LENGTH, COUNT, GROWTH, RATE, Target, Task
from toolkit.tasktable import read_task_table
from toolkit.tasktable.targets import (
    REACHED,
    SHORT,
    Completion,
    completion,
    extract_targets,
    with_clauses,
)
from toolkit.workbook.layout import target_label, unit_label, value_text

G, R, A, C, L = GROWTH, RATE, AMOUNT, COUNT, AREA_LENGTH
F, T = False, True

# task id -> [(text, value, unit, kind, floor, stretch)], read by hand from the seed.
SEED_TARGETS: dict[str, list[tuple[str, float, str, str, bool, bool]]] = {
    "1.1": [("增长 1%", 1, "%", G, F, F)],  # 工业增加值增长 1% (not the parent's 2.5%)
    "1.2": [("增长 3.5%", 3.5, "%", G, F, F)],
    "2": [("增长 1.1%", 1.1, "%", G, F, F), ("增长 1%", 1, "%", G, F, F)],
    "3": [("增长 10%", 10, "%", G, F, F)],
    "4": [("增长 2%", 2, "%", G, F, F), ("增长 5%", 5, "%", G, F, F)],
    "5": [("增长 3%", 3, "%", G, F, F)],
    "6": [("增长 3%", 3, "%", G, F, F)],
    "11": [("38 个", 38, "个", C, F, F), ("29 个", 29, "个", C, F, F)],
    "12": [("91.96 亿元", 91.96, "亿元", A, F, T)],  # 力争完成年度投资 91.96 亿元
    # 力争消化…230 亩，盘活…600 亩以上: 力争 holds for the whole sentence.
    "14": [("230 亩", 230, "亩", L, F, T), ("600 亩以上", 600, "亩", L, T, T)],
    "15": [("3 个", 3, "个", C, F, T)],
    "16": [("68 个", 68, "个", C, F, F)],  # 总投资 1.07 亿元的 68 个…: the 1.07 describes them
    "18": [("增长 2%", 2, "%", G, F, F), ("增长 10%", 10, "%", G, F, F)],
    "19": [("15 个", 15, "个", C, F, F)],  # 总投资 10 亿元的 15 个省市级技改项目
    "20": [("10 家", 10, "家", C, F, T)],
    "27": [("突破 7 亿元", 7, "亿元", A, T, T)],
    "29": [("2.8 亿元", 2.8, "亿元", A, F, T)],  # 争取全年科技研发投入 2.8 亿元
    "30": [("2 家", 2, "家", C, F, T), ("1 家", 1, "家", C, F, T)],
    "35": [("85%", 85, "%", R, F, F)],  # 事项占审批服务事项 85% (not 24 小时, 15 分钟)
    "64": [("7 个", 7, "个", C, F, F)],
    "76": [("2个", 2, "个", C, F, F), ("1个", 1, "个", C, F, F)],
    "79": [("3个", 3, "个", C, F, F)],
    "80": [("2家", 2, "家", C, F, F), ("6个", 6, "个", C, F, F)],
    "86": [("85%", 85, "%", R, F, F)],  # 学位数达在园幼儿总数的 85%
    "94": [("4 个", 4, "个", C, F, F), ("8 个", 8, "个", C, F, F)],
    "114": [("33 件", 33, "件", C, F, F)],  # 总投资 2.66 亿元的 33 件为民办实事项目
}

# Seed tasks whose text holds a number, or a Chinese numeral, that is no target.
SEED_NONE = {
    "13": "5G 通信基础设施",
    "19": "三大主导产业（and 总投资 10 亿元的…）",
    "36": "区属四大集团",
    "39": "5G、500 强企业、亿元以上产业项目",
    "51": "“1+2+3”文旅综合片区、后城 140 号",
    "60": "源和 1916",
    "68": "301 线",
    "74": "“5+1”行动",
    "82": "两项补贴",
    "84": "三年行动、“十大工程”",
    "92": "3 岁以下婴幼儿",
    "102": "“四个最严”",
    "103": "第七次全国人口普查",
    "108": "“两个维护”“四个意识”“四个自信”",
    "109": "“三项制度”“七五”普法",
    "111": "“十四五”规划",
    "117": "八项规定",
}


@pytest.fixture(scope="module")
def seed_tasks() -> dict[str, Task]:
    config = load_config(None)
    return read_task_table(config.tasks_path, config).by_id()


def plain(targets: tuple[Target, ...]) -> list[tuple]:
    return [(t.text, t.value, t.unit, t.kind, t.floor, t.stretch) for t in targets]


def test_every_seed_task_has_exactly_the_hand_checked_targets(seed_tasks: dict[str, Task]):
    assert len(seed_tasks) == 118
    found = {task_id: plain(t.targets) for task_id, t in seed_tasks.items() if t.targets}
    assert found == SEED_TARGETS
    assert len(SEED_TARGETS) + len(set(SEED_NONE) - set(SEED_TARGETS)) >= 30
    for task_id in SEED_NONE:
        assert plain(seed_tasks[task_id].targets) == SEED_TARGETS.get(task_id, [])


def test_seed_targets_keep_the_clause_they_stand_in(seed_tasks: dict[str, Task]):
    clauses = {
        task_id: [t.clause for t in seed_tasks[task_id].targets]
        for task_id in ("1.1", "2", "11", "14", "18", "30")
    }
    assert clauses == {
        "1.1": ["工业增加值增长 1%"],
        "2": ["一般公共预算总收入增长 1.1%", "一般公共预算收入增长 1%"],
        "11": ["加快推进 38 个在建重点项目和 29 个预备项目"] * 2,
        "14": ["力争消化批而未供土地 230 亩", "盘活存量建设用地 600 亩以上"],
        "18": ["实现规上工业产值增长 2%", "完成工业投资、技改投资增长 10%"],
        "30": ["力争全年新增高新技术企业 2 家、科技小巨人企业 1 家"] * 2,
    }


def test_duban_tasks_json_gives_each_task_its_targets(run_cli):
    tasks = {t["id"]: t for t in json.loads(run_cli("tasks", "--json").output)["tasks"]}
    assert tasks["1.1"]["targets"] == [
        {
            "text": "增长 1%",
            "value": 1,
            "unit": "%",
            "kind": "growth",
            "floor": False,
            "stretch": False,
        }
    ]
    assert tasks["12"]["targets"] == [
        {
            "text": "91.96 亿元",
            "value": 91.96,
            "unit": "亿元",
            "kind": "amount",
            "floor": False,
            "stretch": True,
        }
    ]
    assert [t["value"] for t in tasks["11"]["targets"]] == [38, 29]
    assert tasks["7"]["targets"] == []
    shown = {
        task_id: [
            (x["text"], x["value"], x["unit"], x["kind"], x["floor"], x["stretch"])
            for x in t["targets"]
        ]
        for task_id, t in tasks.items()
        if t["targets"]
    }
    assert shown == SEED_TARGETS


# -- rules, one case each ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # growth: a rate of change after a growth verb; a fall is negative
        ("地区生产总值同比增长 7.5%左右", [("增长 7.5%左右", 7.5, "%", G, F, F)]),
        ("规上工业增加值增长 8% 以上", [("增长 8% 以上", 8, "%", G, T, F)]),
        ("单位GDP能耗下降 3%", [("下降 3%", -3, "%", G, F, F)]),
        ("研发投入占比提高 0.5 个百分点", [("提高 0.5 个百分点", 0.5, "个百分点", G, F, F)]),
        ("城镇居民收入增长６．５％", [("增长６．５％", 6.5, "％", G, F, F)]),  # full width
        # rate: a share to reach, after a level verb or with a floor
        ("城乡居民医保参保率达到 95%", [("达到 95%", 95, "%", R, F, F)]),
        ("垃圾分类覆盖率 90% 以上", [("90% 以上", 90, "%", R, T, F)]),
        ("空气质量优良天数比例不低于 96.5%", [("不低于 96.5%", 96.5, "%", R, T, F)]),
        # amounts, counts, areas and lengths, as written
        ("争取上级资金 3,500 万元", [("3,500 万元", 3500, "万元", A, F, T)]),
        ("实际利用外资 1.2 亿美元", [("1.2 亿美元", 1.2, "亿美元", A, F, F)]),
        (
            "新增学位 3600 个，新建幼儿园 4 所",
            [("3600 个", 3600, "个", C, F, F), ("4 所", 4, "所", C, F, F)],
        ),
        ("举办招聘会不少于 20 场次", [("不少于 20 场次", 20, "场次", C, T, F)]),
        ("新增城镇就业 1.5 万人", [("1.5 万人", 1.5, "万人", C, F, F)]),
        (
            "改造农村危房 120 户，更新公交车 50 辆",
            [("120 户", 120, "户", C, F, F), ("50 辆", 50, "辆", C, F, F)],
        ),
        ("完成棚户区改造 12 万平方米", [("12 万平方米", 12, "万平方米", L, F, F)]),
        (
            "新建绿道 15 公里、污水管网 8.5 千米",
            [("15 公里", 15, "公里", L, F, F), ("8.5 千米", 8.5, "千米", L, F, F)],
        ),
        ("减少化肥使用 300 吨", [("300 吨", 300, "吨", A, F, F)]),
        # a stretch goal: 力争 or 争取 anywhere before it in its sentence, and no further
        (
            "力争引进项目 5 个，完成投资 2 亿元。新建公园 1 个",
            [
                ("5 个", 5, "个", C, F, T),
                ("2 亿元", 2, "亿元", A, F, T),
                ("1 个", 1, "个", C, F, F),
            ],
        ),
    ],
)
def test_reads_targets(text: str, expected: list[tuple]):
    assert plain(extract_targets(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2020年是全面建成小康社会和“十三五”规划收官之年",  # a year, a plan
        "于10月25日、12月25日前书面报送",  # dates
        "一是抓项目，二是抓招商，第一批次",  # ordinals
        "高质量完成第 7 次全国人口普查，进入全省前 10 名",  # ordinal, ranking
        "3 个月内完成整改，5 个工作日内办结",  # durations
        "推行 24 小时自助服务和“15 分钟便民服务圈”",  # durations
        "拓展 5G 试商用，对接 500 强企业，建设源和 1916 园区",  # names
        "规上工业增加值增长 6%—7%，新增企业 3～5 家，建设 2 至 3 个公园",  # ranges
        "城镇登记失业率控制在 4.5% 以内，新增债务不超过 3 亿元",  # ceilings
        "落实总投资 1.07 亿元的项目，盘活占地 50 亩的厂房",  # descriptions
        "其中 80% 用于民生，累计完成年度目标的 60%",  # percentages nothing makes a target
        "补贴标准为 100 元/吨",  # a price
        "约 300 个项目，近 20 家企业",  # approximations
        "坚决做到“两个维护”，新建两个公园，支持三大主导产业",  # Chinese numerals
        "打造古城“1+2+3”文旅综合片区，巩固“5+1”行动成果",  # sums
        "高于全省平均水平 2 个百分点",  # percentage points that are no growth
        "",
    ],
)
def test_leaves_what_is_no_target_as_text(text: str):
    assert extract_targets(text) == ()


def test_target_json_round_trip_and_the_clause_is_no_part_of_it():
    (target,) = extract_targets("力争完成年度投资 91.96 亿元。")
    assert target.clause == "力争完成年度投资 91.96 亿元"
    data = json.loads(json.dumps(target.to_json()))
    assert data == {
        "text": "91.96 亿元",
        "value": 91.96,
        "unit": "亿元",
        "kind": "amount",
        "floor": False,
        "stretch": True,
    }
    back = Target.from_json(data)
    assert back == target and back.clause == ""
    assert with_clauses("力争完成年度投资 91.96 亿元。", (back,))[0].clause == target.clause
    # Read with other rules than it was recorded with: the recorded ones stay, as they are.
    assert with_clauses("完成投资 90 亿元。", (back,)) == (back,)


@pytest.mark.parametrize(
    ("text", "actual", "expected"),
    [
        ("增长 2.5%", 2.5, Completion(True, None)),
        ("增长 2.5%", 2.4, Completion(False, None)),
        ("增长 2.5%", -1.0, Completion(False, None)),
        ("下降 3%", -3.2, Completion(True, None)),
        ("下降 3%", -2.0, Completion(False, None)),
        ("达到 95%", 96, Completion(True, None)),
        ("91.96 亿元", 45.98, Completion(False, 0.5)),
        ("38 个", 38, Completion(True, 1.0)),
        ("38 个", 40, Completion(True, 40 / 38)),
        ("600 亩以上", 450, Completion(False, None)),  # a floor: reached or not
        ("突破 7 亿元", 7.5, Completion(True, None)),
    ],
)
def test_completion_compares_the_actual_with_the_target(text, actual, expected):
    (target,) = extract_targets(text)
    result = completion(target, actual)
    assert result == expected
    assert result.status == (REACHED if expected.reached else SHORT)


def test_labels_in_the_workbook_and_value_text():
    growth, amount = extract_targets("增长 2.5%，力争完成投资 91.96 亿元")
    assert (unit_label(growth), unit_label(amount)) == ("%（增长率）", "亿元")
    assert (target_label(growth), target_label(amount)) == ("增长 2.5%", "91.96 亿元（力争）")
    assert [value_text(v) for v in (38.0, 91.96, -3.5, 1234567.0, 0.1 + 0.2)] == [
        "38",
        "91.96",
        "-3.5",
        "1234567",
        "0.3",
    ]

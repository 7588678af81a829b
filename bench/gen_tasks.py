"""Generate realistic task tables and the config that goes with them, deterministically.

A table is written in the seed's text form (tab-separated, a title and a notice above the
header, the header repeated at every page break, section rows ``一、…`` and ``（一）…``), or as
.xlsx. Beside it goes a ``config.toml`` naming every unit (with aliases and addresses on
example.org), the groups, the leaders and two rounds, so ``duban`` runs on the table as is.

Sizes follow issue 6: S = 117 tasks / 60 units (a district), M = 2,000 / 300 (a city),
L = 20,000 / 2,000 (a province). Task texts are 20–200 Chinese characters; a task has 1–8
lead units, 0–10 assisting units and 1–6 leaders; qualifiers (``区发改局 (重点办)``), aliases,
padded two-character leader names (``陈 斌``), lead groups that expand, empty groups that do not,
and the odd unknown name are sprinkled in. The same seed gives the same files, byte for byte.

    python bench/gen_tasks.py S bench/out/S            # tasks.txt + config.toml
    python bench/gen_tasks.py M DIR --format xlsx      # tasks.xlsx instead
    python bench/gen_tasks.py --tasks 20 --units 12 DIR
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass, field
from pathlib import Path

SIZES = {"S": (117, 60), "M": (2_000, 300), "L": (20_000, 2_000)}
HEADER = ("序号", "具体目标任务", "牵头责任单位", "协办单位", "区分管领导")
ROWS_PER_PAGE = 24  # the header repeats after this many rows, as at a page break
TASKS_PER_SECTION = 18
SECTIONS_PER_PART = 12

# Departments a government has; a unit is a place plus one of these. None starts like a
# continuation fragment (管委会, 项目, 办公室 …), so every name stands alone in a cell.
DEPARTMENTS = (
    ("发改局", "发展和改革局"),
    ("财政局", ""),
    ("工信局", "工业和信息化局"),
    ("商务局", ""),
    ("科技局", "科学技术局"),
    ("人社局", "人力资源和社会保障局"),
    ("住建局", "住房和城乡建设局"),
    ("城管局", "城市管理局"),
    ("自然资源局", ""),
    ("农业农村局", ""),
    ("水利局", ""),
    ("教育局", ""),
    ("卫健局", "卫生健康局"),
    ("民政局", ""),
    ("文旅局", "文化体育和旅游局"),
    ("应急局", "应急管理局"),
    ("司法局", ""),
    ("信访局", ""),
    ("统计局", ""),
    ("市场监管局", "市场监督管理局"),
    ("退役军人事务局", ""),
    ("生态环境局", ""),
    ("交通运输局", ""),
    ("审计局", ""),
    ("医保局", "医疗保障局"),
    ("林业局", ""),
    ("政府办", "人民政府办公室"),
    ("行政服务中心管委会", "行政服务中心"),
    ("税务局", ""),
    ("公安局", ""),
    ("总工会", ""),
    ("妇联", ""),
    ("科协", ""),
    ("残联", ""),
    ("融媒体中心", ""),
    ("档案馆", ""),
    ("机关事务中心", ""),
    ("国资中心", ""),
    ("园林中心", ""),
    ("大数据中心", ""),
)
PLACE_CHARS = "安永德同丰华惠晋南泉金江海清溪平宁福建龙泰和兴东西北新乐仙浦明云长山阳石湖桥城"
SURNAMES = "陈林黄张李王吴刘蔡杨郑许谢洪郭邱曾廖赖徐周叶苏庄吕江何萧罗高潘简朱钟彭游詹胡施沈余"
GIVEN = "斌明华伟芳军勇杰涛强磊洋艳敏静丽超秀霞平刚桂英志忠国建文辉清顺达凯保城群煌生法朝阳"
NUMERALS = "一二三四五六七八九"

# Pieces of task texts, in the register of a government work report.
VERBS = tuple(
    (
        "加快推进 全面落实 深入实施 持续推动 积极开展 着力提升 统筹推进 扎实做好 "
        "大力发展 稳步推进 切实加强 不断完善 力争完成 认真组织 协调推进 全力保障"
    ).split()
)
OBJECTS = tuple(
    (
        "重点项目建设 营商环境优化 减税降费政策 老旧小区改造 乡村振兴战略 "
        "城市更新行动 数字经济发展 生态环境保护 安全生产专项整治 养老服务体系建设 "
        "义务教育优质均衡 基层医疗卫生服务 就业创业扶持 招商引资工作 文旅融合发展 "
        "历史文化名城保护 农村人居环境整治 河湖长制落实 食品药品安全监管 社会治理创新 "
        "政务服务改革 民营经济发展 新型基础设施建设 片区征收攻坚 污水管网建设 "
        "闲置土地处置 校外培训治理 疫情防控常态化 困难群众帮扶 双拥共建工作"
    ).split()
)
DETAILS = (
    "完善工作机制，明确责任分工和时间节点",
    "建立健全长效管理机制",
    "强化要素保障，协调解决具体问题",
    "确保年度目标任务按期完成",
    "力争完成年度投资{n}亿元",
    "新开工项目{k}个，竣工投用{j}个",
    "覆盖率达到{p}%以上",
    "新增就业岗位{m}个",
    "推动一批项目建成或部分建成投用",
    "加大督查督办力度，确保取得实效",
    "提升群众获得感、幸福感、安全感",
    "形成可复制可推广的经验做法",
    "同比增长{q}%",
    "累计完成{k}个片区的整治提升",
    "实现全年无重大事故",
)
PART_TITLES = tuple(
    (
        "主要预期目标 主要工作任务 重点项目建设 民生实事项目 改革攻坚任务 "
        "生态文明建设 社会事业发展 政府自身建设 安全发展底线 乡村振兴任务 "
        "城市建设管理 开放合作任务 科技创新任务 文化建设任务 基层治理任务"
    ).split()
)
QUALIFIERS = ("重点办", "审改办", "项目办", "综合科", "法规科")


@dataclass
class Unit:
    name: str
    alias: str
    email: str


@dataclass
class Generated:
    """A generated office: its units, groups and leaders, and the task rows."""

    units: list[Unit]
    groups: dict[str, list[str]]
    empty_groups: list[str]
    leaders: list[str]
    leader_groups: dict[str, list[str]]
    lines: list[list[str]] = field(default_factory=list)  # cells of each line; one cell = prose
    tasks: int = 0


def chinese_number(n: int) -> str:
    """Return 1–99 in Chinese numerals (一, 十二, 二十三), as section headings count."""
    if not 1 <= n <= 99:
        raise ValueError(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else NUMERALS[tens - 1] + "十")
    return head + (NUMERALS[ones - 1] if ones else "")


def _places(rng: random.Random, count: int) -> list[str]:
    seen: set[str] = set()
    places: list[str] = []
    while len(places) < count:
        name = rng.choice(PLACE_CHARS) + rng.choice(PLACE_CHARS)
        if name[0] != name[1] and name not in seen:
            seen.add(name)
            places.append(name)
    return places


def make_units(rng: random.Random, count: int) -> list[Unit]:
    """Return ``count`` distinct units: places × departments, then subdistrict offices."""
    per_place = len(DEPARTMENTS)
    places = _places(rng, count // per_place + 2)
    units: list[Unit] = []
    names: set[str] = set()
    level = "区" if count <= 80 else "县"
    for place_no, place in enumerate(places):
        prefix = "区" if count <= 80 else f"{place}{level}"
        departments = list(DEPARTMENTS)
        if place_no:
            rng.shuffle(departments)
        for short, long in departments:
            if len(units) >= count * 9 // 10:
                break
            name = prefix + short
            if name in names:
                continue
            names.add(name)
            alias = prefix + long if long and rng.random() < 0.5 else ""
            units.append(Unit(name, alias, f"u{len(units) + 1:04d}@example.org"))
        if count <= 80:  # a district has one set of departments
            break
    # The rest are subdistrict offices and towns (a tenth of the units).
    n = 0
    while len(units) < count:
        n += 1
        base = _places(random.Random(f"{n}:{count}"), 1)[0]
        name = f"{base}街道办事处" if n % 2 else f"{base}镇人民政府"
        if name in names:
            continue
        names.add(name)
        alias = f"{base}街道" if n % 2 else f"{base}镇"
        if alias in names:
            alias = ""
        names.add(alias)
        units.append(Unit(name, alias, f"u{len(units) + 1:04d}@example.org"))
    return units


def make_leaders(rng: random.Random, count: int) -> list[str]:
    """Return ``count`` distinct leader names, a third of them two characters long."""
    leaders: list[str] = []
    seen: set[str] = set()
    while len(leaders) < count:
        given = rng.choice(GIVEN) if rng.random() < 0.35 else rng.choice(GIVEN) + rng.choice(GIVEN)
        name = rng.choice(SURNAMES) + given
        if name not in seen:
            seen.add(name)
            leaders.append(name)
    return leaders


def _weighted(rng: random.Random, weights: tuple[int, ...]) -> int:
    return rng.choices(range(len(weights)), weights=weights)[0]


def task_text(rng: random.Random) -> str:
    """Return a task text of 20–200 characters: clauses joined by ，, ending in 。."""
    target = min(200, max(20, int(rng.lognormvariate(4.2, 0.5))))
    text = rng.choice(VERBS) + rng.choice(OBJECTS)
    while True:
        if rng.random() < 0.6:
            clause = rng.choice(DETAILS).format(
                n=round(rng.uniform(0.5, 99), 2),
                k=rng.randint(2, 40),
                j=rng.randint(1, 20),
                p=rng.randint(60, 99),
                m=rng.randint(100, 5000),
                q=round(rng.uniform(1, 12), 1),
            )
        else:
            clause = rng.choice(VERBS) + rng.choice(OBJECTS)
        if len(text) + len(clause) + 2 > target and len(text) + 1 >= 20:
            break
        text += "，" + clause
    return text[:199] + "。"


def _leader_cell(rng: random.Random, names: list[str]) -> str:
    # Two-character names are padded in the published table: 陈 斌.
    return " ".join(f"{n[0]} {n[1]}" if len(n) == 2 else n for n in names)


def generate(tasks: int, units: int, seed: int = 2020) -> Generated:
    """Return a generated office with ``tasks`` tasks and ``units`` units."""
    rng = random.Random(f"duban-bench:{seed}:{tasks}:{units}")
    unit_list = make_units(rng, units)
    names = [u.name for u in unit_list]
    # Lead groups expand to their members: every subdistrict office, the departments of a place.
    offices = [n for n in names if n.endswith(("街道办事处", "镇人民政府"))]
    groups: dict[str, list[str]] = {}
    if offices:
        groups["各街道办事处"] = offices[: min(len(offices), 8)]
    if units > 80:
        for place in sorted({n[:3] for n in names if n[2] == "县"})[:10]:
            members = [n for n in names if n.startswith(place)]
            groups[f"{place}各部门"] = members[: min(len(members), 12)]
    empty_groups = ["区直各有关单位", "相关街道办事处", "各行业主管部门", "相关项目指挥部"]
    leaders = make_leaders(rng, max(8, units // 6))
    leader_groups = {"各副职领导": leaders[:5]}
    gen = Generated(unit_list, groups, empty_groups, leaders, leader_groups)

    # Every unit leads at least one task (so each gets a workbook); the rest is skewed:
    # departments that lead much, and many that lead little.
    order = names[:]
    rng.shuffle(order)
    must_lead = {i: order[i] for i in range(min(tasks, len(order)))}
    weights = [1 / (1 + i) ** 0.6 for i in range(len(names))]
    popular = names[:]
    rng.shuffle(popular)
    alias_of = {u.name: u.alias for u in unit_list if u.alias}

    def mention(name: str) -> str:
        if name in alias_of and rng.random() < 0.1:
            return alias_of[name]
        return name

    gen.lines += [
        ["# 关于印发年度《政府工作报告》目标任务责任分解的通知"],
        [""],
        ["各有关单位："],
        [""],
        [
            "现将年度《政府工作报告》目标任务责任分解表印发给你们，请认真抓好落实，按时报送进展情况。"
        ],
        [""],
        ["## 年度《政府工作报告》目标任务责任分解表"],
        [""],
    ]
    rows_on_page = ROWS_PER_PAGE  # start with a header
    part = section = 0
    for number in range(1, tasks + 1):
        if rows_on_page >= ROWS_PER_PAGE:
            gen.lines.append([""])
            gen.lines.append(list(HEADER))
            rows_on_page = 0
        if (number - 1) % TASKS_PER_SECTION == 0:
            if section % SECTIONS_PER_PART == 0 and part < 99:
                part += 1
                title = PART_TITLES[(part - 1) % len(PART_TITLES)]
                gen.lines.append([f"{chinese_number(part)}、{title}", "", "", "", ""])
                section = 0
            section += 1
            if section <= 99:
                heading = rng.choice(VERBS) + rng.choice(OBJECTS) + "，" + rng.choice(DETAILS)
                heading = heading.format(n=10, k=5, j=3, p=90, m=500, q=3)
                gen.lines.append([f"（{chinese_number(section)}）{heading}", "", "", "", ""])
            rows_on_page += 1

        n_lead = 1 + _weighted(rng, (50, 20, 12, 8, 4, 3, 2, 1))
        lead: list[str] = []
        if number - 1 in must_lead:
            lead.append(must_lead[number - 1])
        while len(lead) < n_lead:
            pick = rng.choices(popular, weights=weights)[0]
            if pick not in lead:
                lead.append(pick)
        lead_cells = [mention(n) for n in lead]
        if groups and rng.random() < 0.02:
            lead_cells.append(rng.choice(sorted(groups)))
        for i, cell in enumerate(lead_cells):
            if rng.random() < 0.03:
                lead_cells[i] = f"{cell} ({rng.choice(QUALIFIERS)})"
        n_assist = _weighted(rng, (15, 15, 15, 12, 10, 9, 8, 6, 5, 3, 2))
        assist: list[str] = []
        while len(assist) < n_assist:
            if rng.random() < 0.12:
                pick = rng.choice(empty_groups + sorted(groups))
            else:
                pick = mention(rng.choice(names))
            if pick not in assist and pick not in lead:
                assist.append(pick)
        if rng.random() < 0.002:  # a name the directory does not know (a typo in the notice)
            assist.append(rng.choice(names)[:-1] + "所")
        n_leaders = 1 + _weighted(rng, (45, 25, 15, 8, 4, 3))
        chosen = rng.sample(leaders, n_leaders)
        leader_cell = _leader_cell(rng, chosen)
        if rng.random() < 0.01:
            leader_cell = "各副职领导"
        separator = "、" if rng.random() < 0.1 else " "
        gen.lines.append(
            [str(number), task_text(rng), separator.join(lead_cells), " ".join(assist), leader_cell]
        )
        rows_on_page += 1
    gen.tasks = tasks
    return gen


def write_text(gen: Generated, path: Path) -> None:
    """Write the table in the seed's text form: tab-separated lines, UTF-8."""
    path.write_text("\n".join("\t".join(cells) for cells in gen.lines) + "\n", encoding="utf-8")


def write_xlsx(gen: Generated, path: Path) -> None:
    """Write the table as one sheet of an .xlsx: a title row, the header once, sections, tasks."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    ws = wb.add_worksheet("分解表")
    ws.write_string(0, 0, "年度《政府工作报告》目标任务责任分解表")
    ws.write_row(1, 0, HEADER)
    r = 2
    for cells in gen.lines:
        if len(cells) < 5 or cells[0] == HEADER[0]:
            continue
        for c, text in enumerate(cells):
            if text:
                ws.write_string(r, c, text)
        r += 1
    wb.close()


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(gen: Generated, path: Path, tasks_file: str) -> None:
    """Write the ``config.toml`` that names every unit, group and leader of ``gen``."""
    out = [
        "# Generated by bench/gen_tasks.py: a benchmark office. Every address is on example.org.",
        f"tasks = {_toml(tasks_file)}",
        'output = "output"',
        "",
        "[office]",
        'name = "基准测试人民政府督查室"',
        'short_name = "督查室"',
        'district = "基准测试区"',
        "year = 2020",
        'contact = "督查室值班员"',
        'phone = "0595-00000000"',
        'email = "duchashi@example.org"',
        "",
        "[[rounds]]",
        'id = "2020-10"',
        'name = "2020年10月报送"',
        "due = 2020-10-25",
        "",
        "[[rounds]]",
        'id = "2020-12"',
        'name = "2020年12月报送"',
        "due = 2020-12-25",
        "",
        "[groups]",
    ]
    for label, members in gen.groups.items():
        out.append(f"{_toml(label)} = [{', '.join(_toml(m) for m in members)}]")
    for label in gen.empty_groups:
        out.append(f"{_toml(label)} = []")
    out += ["", "[leader_groups]"]
    for label, members in gen.leader_groups.items():
        out.append(f"{_toml(label)} = [{', '.join(_toml(m) for m in members)}]")
    for name in gen.leaders:
        out += ["", "[[leaders]]", f"name = {_toml(name)}", 'title = "副职领导"']
    for unit in gen.units:
        out += ["", "[[units]]", f"name = {_toml(unit.name)}"]
        if unit.alias:
            out.append(f"aliases = [{_toml(unit.alias)}]")
        out.append(f"email = [{_toml(unit.email)}]")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def write_office(
    folder: Path, tasks: int, units: int, seed: int = 2020, fmt: str = "txt"
) -> tuple[Path, Path]:
    """Write ``tasks.<fmt>`` and ``config.toml`` into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    gen = generate(tasks, units, seed)
    table = folder / f"tasks.{fmt}"
    if fmt == "xlsx":
        write_xlsx(gen, table)
    else:
        write_text(gen, table)
    config = folder / "config.toml"
    write_config(gen, config, table.name)
    return table, config


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("size", nargs="?", choices=sorted(SIZES), help="S, M or L")
    parser.add_argument("folder", type=Path, help="where to write tasks.* and config.toml")
    parser.add_argument("--tasks", type=int, help="number of tasks (instead of a size)")
    parser.add_argument("--units", type=int, help="number of units (instead of a size)")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--format", choices=("txt", "xlsx"), default="txt")
    args = parser.parse_args(argv)
    tasks, units = SIZES[args.size] if args.size else (args.tasks, args.units)
    if not tasks or not units:
        parser.error("give a size (S, M, L) or both --tasks and --units")
    table, config = write_office(args.folder, tasks, units, args.seed, args.format)
    print(f"{table}\n{config}")


if __name__ == "__main__":
    main()

"""The article's projects: their plans, stage moves, yearly plans and monthly reports."""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from projects.choices import STAGE_ORDER, ProjectKind, Stage
from projects.models import Project, ProjectPlan, ProjectReport
from projects.services import move_project_stage

from .common import (
    DEMO_CHANGE_REASON,
    INVESTMENT_2021,
    INVESTMENT_OFFICE,
    TECH_INVESTMENT,
    YEARS,
    People,
    Tally,
    _rng,
    apportion,
    at,
    cents,
    money,
    next_month,
)

# --- projects -----------------------------------------------------------------------------------


@dataclass
class ProjectSpec:
    """The plan of one demo project."""

    name: str
    kind: str
    firm: str | None
    moves: dict  # stage -> date of the move into it
    investment: dict = field(default_factory=dict)  # year -> weight or exact amount (万元)
    percent_at_end: float = 1.0  # share of the total done by 2021-12 for unfinished projects
    capacity: str = ""
    floor_area: Decimal | None = None
    planned_start: datetime.date | None = None
    planned_end: datetime.date | None = None
    description: str = ""
    final_note: str = ""

    @property
    def stage(self) -> str:
        return max(self.moves, key=list(Stage.values).index) if self.moves else Stage.RESERVE


def d(year: int, month: int, day: int) -> datetime.date:
    """Return a date; short for the project table below."""
    return datetime.date(year, month, day)


S, C, OP = Stage.STARTED, Stage.COMPLETED, Stage.OPERATING
PROJECTS = (
    ProjectSpec(
        "通用机械迁建技改项目",
        ProjectKind.RENOVATION,
        "tongyong",
        {S: d(2020, 4, 8), C: d(2021, 6, 25), OP: d(2021, 7, 12)},
        {2020: 19000, 2021: 13000},
        planned_start=d(2020, 4, 1),
        planned_end=d(2021, 6, 30),
        description="整体搬迁至先进制造业园区，新建数控加工和装配生产线，淘汰落后设备。",
    ),
    ProjectSpec(
        "恒通PP棉项目一期",
        ProjectKind.NEW,
        "hengtong",
        # 重点招商引资企业，从落地到投产仅历时2个月 (the article's photo caption): works began
        # in January 2021 and production on 1 March, as the article dates it (2021年3月投产).
        {S: d(2021, 1, 5), C: d(2021, 2, 22), OP: d(2021, 3, 1)},
        {2021: 16300},
        capacity="年产3万吨，可满足全市600余家毛玩企业每年6000吨的需求",
        planned_start=d(2021, 1, 1),
        planned_end=d(2021, 2, 28),
        description="江苏安贝斯旗下扬州企业恒通纤维的PP棉生产线，从落地到投产仅历时2个月，跑出"
        "“恒口速度”；年产3万吨，填补安康毛绒玩具PP棉生产空白，不仅可以满足全市600余家毛玩企业"
        "每年6000吨的需求，还可保证陕西乃至西北的产业需求。",
    ),
    ProjectSpec(
        "鑫安环保建材项目",
        ProjectKind.NEW,
        "xinan",
        {S: d(2020, 3, 16), C: d(2021, 4, 28), OP: d(2021, 5, 18)},
        {2020: 7600, 2021: 5200},
        planned_start=d(2020, 3, 1),
        planned_end=d(2021, 4, 30),
        description="建设环保型新型墙体材料生产线。",
    ),
    ProjectSpec(
        "海润恒昶精密制造产业园",
        ProjectKind.NEW,
        "hairun",
        {S: d(2019, 9, 10), C: d(2021, 3, 26), OP: d(2021, 5, 8)},
        {2019: 5200, 2020: 16500, 2021: 8000},
        floor_area=Decimal("36000.00"),
        planned_start=d(2019, 9, 1),
        planned_end=d(2021, 3, 31),
        description="建设精密零部件加工厂房及配套设施。",
    ),
    ProjectSpec(
        "安贝斯文创产业园项目",
        ProjectKind.EXPANSION,
        "anbeisi",
        {S: d(2020, 8, 18)},
        {2020: 6200, 2021: 14000},
        percent_at_end=0.62,
        planned_start=d(2020, 8, 1),
        planned_end=d(2022, 6, 30),
        description="厂房扩建与改造提升，建成后入驻毛绒玩具生产配套企业生产线。",
        final_note="厂房扩建与改造提升，已招商10余家毛绒玩具生产配套企业，待建成后全部入驻生产线",
    ),
    ProjectSpec(
        "魔芋特色产业融合发展项目",
        ProjectKind.NEW,
        "jiwei",
        {S: d(2021, 3, 22)},
        {2021: 9500},
        percent_at_end=0.58,
        floor_area=Decimal("4000.00"),
        planned_start=d(2021, 3, 1),
        planned_end=d(2022, 8, 31),
        description="建设魔芋精深加工厂房和生产线，推动一二三产业融合发展。",
        final_note="已建设厂房4000平方米，正在抓紧采购生产线设备",
    ),
    ProjectSpec(
        "年产20万吨全自动化低碳石英砂项目",
        ProjectKind.NEW,
        None,
        {S: d(2021, 8, 16)},
        {2021: 12000},
        percent_at_end=0.35,
        capacity="年产20万吨",
        planned_start=d(2021, 8, 1),
        planned_end=d(2023, 6, 30),
        description="建设全自动化低碳石英砂生产线。",
    ),
    ProjectSpec(
        "年产1000吨优质大米加工生产线建设项目",
        ProjectKind.NEW,
        None,
        {S: d(2021, 9, 6)},
        {2021: 3500},
        percent_at_end=0.45,
        capacity="年产1000吨",
        planned_start=d(2021, 9, 1),
        planned_end=d(2022, 10, 31),
        description="建设优质富硒大米加工生产线。",
    ),
    ProjectSpec(
        "博旭达机械数控生产线技术改造项目",
        ProjectKind.RENOVATION,
        "boxuda",
        {S: d(2020, 9, 14)},
        {2020: 7850, 2021: 11500},
        percent_at_end=0.78,
        planned_start=d(2020, 9, 1),
        planned_end=d(2022, 3, 31),
        description="引进数控加工中心和智能检测设备，改造提升机械加工生产线。",
    ),
    ProjectSpec(
        "恒安玩具智能化生产线技术改造项目",
        ProjectKind.RENOVATION,
        "hengan",
        {S: d(2021, 3, 10)},
        {2021: 14000},
        percent_at_end=0.70,
        planned_start=d(2021, 3, 1),
        planned_end=d(2022, 5, 31),
        description="引进自动充棉、智能裁床等设备，建设毛绒玩具智能化生产线。",
    ),
    ProjectSpec(
        "毛绒玩具产业园二期标准化厂房项目",
        ProjectKind.NEW,
        None,
        {},
        capacity="",
        floor_area=Decimal("40000.00"),
        planned_start=d(2022, 3, 1),
        planned_end=d(2023, 6, 30),
        description="新建标准化厂房及职工食堂、人才公寓等配套设施。",
    ),
    ProjectSpec(
        "智能毛绒玩具研发生产项目",
        ProjectKind.NEW,
        "anbeisi",
        {},
        planned_start=d(2022, 5, 1),
        planned_end=d(2023, 12, 31),
        description="依托陕西智慧玩具创新中心，研发生产语音互动智能毛绒玩具。",
    ),
    ProjectSpec(
        "富硒食品冷链物流中心项目",
        ProjectKind.NEW,
        None,
        {},
        planned_start=d(2022, 6, 1),
        planned_end=d(2023, 10, 31),
        description="建设富硒食品冷链仓储和物流配送中心。",
    ),
)
# Amounts fixed exactly (hundredths of 万元) per (year, group); the projects' weights split them.
INVESTMENT_TOTALS = {
    (2020, "tech"): cents(TECH_INVESTMENT[2020]),
    (2021, "tech"): cents(TECH_INVESTMENT[2021]),
    (2021, "other"): cents(INVESTMENT_2021 - TECH_INVESTMENT[2021]),
}

BUILD_STEPS = (
    (0, "完成场地平整和临时设施搭建，办理施工许可手续"),
    (12, "基础工程施工，桩基和承台陆续完成"),
    (30, "主体结构施工，钢结构厂房吊装"),
    (50, "厂房主体封顶，开展屋面和墙面围护施工"),
    (68, "内部装修和配套管网施工，生产设备陆续进场"),
    (85, "生产线设备安装调试"),
    (100, "工程竣工验收"),
)
RENOVATION_STEPS = (
    (0, "编制技改方案，旧设备拆除和搬迁"),
    (20, "厂房改造和设备基础施工"),
    (45, "新生产线设备采购，部分设备到货"),
    (65, "设备安装调试"),
    (88, "试生产和工艺优化"),
    (100, "技改完成，通过竣工验收"),
)
SITE_PROBLEMS = (
    "雨季影响施工进度",
    "钢材等建材价格上涨，施工成本增加",
    "部分设备到货延迟",
    "施工用电需增容",
    "用地报批手续尚在办理",
)


def _investment_by_project() -> dict[tuple[str, int], int]:
    """Return each project's investment per year in hundredths, the fixed totals exact."""
    groups = defaultdict(list)
    for spec in PROJECTS:
        group = "tech" if spec.kind == ProjectKind.RENOVATION else "other"
        for year, weight in spec.investment.items():
            groups[(year, group)].append((spec.name, weight))
    result = {}
    for (year, group), members in groups.items():
        weights = [w for _, w in members]
        total = INVESTMENT_TOTALS.get((year, group), sum(cents(w) for w in weights))
        for (name, _), share in zip(members, apportion(total, weights), strict=True):
            result[(name, year)] = share
    return result


def _report_months(spec: ProjectSpec) -> list[datetime.date]:
    """Return the months a project was under construction (from its start to its completion)."""
    if S not in spec.moves:
        return []
    first = spec.moves[S].replace(day=1)
    last = spec.moves[C].replace(day=1) if C in spec.moves else datetime.date(2021, 12, 1)
    months, month = [], first
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def _write_projects(writer, enterprises, departments, people: People, assignments) -> None:
    rng = _rng("projects")
    amounts = _investment_by_project()
    project_rows, plan_rows, report_rows = [], [], []
    monthly: dict[str, list[tuple[datetime.date, int]]] = {}
    for spec in PROJECTS:
        months = _report_months(spec)
        parts = []
        for year in sorted({m.year for m in months}):
            in_year = [m for m in months if m.year == year]
            weights = [rng.uniform(0.7, 1.3) * (0.6 if m.month <= 2 else 1) for m in in_year]
            amount = amounts.get((spec.name, year), 0)
            parts += zip(in_year, apportion(amount, weights), strict=True)
        monthly[spec.name] = parts
        done = sum(c for _, c in parts)
        share = 1 if C in spec.moves else spec.percent_at_end
        total = math.ceil(done / share / 10000) * 10000 if done else 0  # whole 100万元
        if not total:
            total = cents(rng.choice((8000, 12000, 15000, 20000)))
        project_rows.append(
            {
                "name": spec.name,
                "enterprise_id": enterprises[spec.firm].pk if spec.firm else None,
                "kind": spec.kind,
                # Entered in reserve; the stage service moves it on below, dated.
                "total_investment": money(total),
                "capacity": spec.capacity,
                "floor_area": spec.floor_area,
                "planned_start": spec.planned_start,
                "planned_end": spec.planned_end,
                "description": spec.description,
            }
        )
    projects = writer.rows(
        Project,
        ("name",),
        project_rows,
        existing=Project.objects.filter(name__in=[spec.name for spec in PROJECTS]),
    )
    by_name = {name: obj for (name,), obj in projects.items()}

    for spec in PROJECTS:
        project = by_name[spec.name]
        move_through_stages(
            writer,
            project,
            [(stage, spec.moves[stage]) for stage in (S, C, OP) if stage in spec.moves],
        )
        report_rows += _project_reports(rng, spec, project, monthly[spec.name])
        plan_rows += _project_plans(
            rng, spec, project, monthly[spec.name], departments, people, assignments
        )
    writer.rows(
        ProjectPlan,
        ("project_id", "year"),
        plan_rows,
        existing=ProjectPlan.objects.filter(project__in=by_name.values()),
    )
    writer.rows(
        ProjectReport,
        ("project_id", "period"),
        report_rows,
        existing=ProjectReport.objects.filter(project__in=by_name.values()),
        validation="fields",
    )


def move_through_stages(writer, project: Project, moves, *, acting_user=None) -> None:
    """Move ``project`` through ``moves`` ((stage, day), in order) by the stage service, as the
    project page and ``POST projects/{id}/stage/`` do, each dated as it happened: the move, the
    project's last change and its history row (recorded at 17:30 that day, never after now).

    A stage the project has reached already is left alone, so a second run moves nothing.
    """
    tally = writer.tallies.setdefault("StageMove", Tally())
    historical = Project.history.model
    for stage, day in moves:
        if STAGE_ORDER[stage] <= STAGE_ORDER[project.stage]:
            tally.unchanged += 1
            continue
        move = move_project_stage(
            project=project, to_stage=stage, moved_on=day, acting_user=acting_user
        )
        when = min(at(day, 17, 30), timezone.now())
        type(move).objects.filter(pk=move.pk).update(recorded_at=when)
        Project.objects.filter(pk=project.pk).update(updated_at=when)
        last = historical.objects.filter(id=project.pk).order_by("-history_id")[:1]
        historical.objects.filter(
            history_id__in=list(last.values_list("history_id", flat=True))
        ).update(history_date=when, updated_at=when, history_change_reason=DEMO_CHANGE_REASON)
        tally.created += 1


def _project_reports(rng, spec: ProjectSpec, project: Project, parts) -> list[dict]:
    steps = RENOVATION_STEPS if spec.kind == ProjectKind.RENOVATION else BUILD_STEPS
    total = int(project.total_investment * 100)
    rows, cumulative = [], 0
    for n, (period, investment) in enumerate(parts):
        cumulative += investment
        last = n == len(parts) - 1
        # Only the completion month reaches 100; before that the share done, never more than 99.
        percent = 100 if last and C in spec.moves else min(99, cumulative * 100 // total)
        step = [text for threshold, text in steps if threshold <= percent][-1]
        if last and spec.final_note:
            step = spec.final_note
        note = f"{step}；本月完成投资{money(investment)}万元，累计完成投资{money(cumulative)}万元。"
        rows.append(
            {
                "project_id": project.pk,
                "period": period,
                "investment": money(investment),
                "percent_complete": percent,
                "progress_note": note,
                "problems": rng.choice(SITE_PROBLEMS) if rng.random() < 0.15 else "",
                "submitted_at": at(
                    next_month(period).replace(day=rng.randint(2, 7)), rng.randint(9, 17)
                ),
            }
        )
    return rows


def _project_plans(rng, spec, project, parts, departments, people: People, assignments):
    rows = []
    for year in YEARS:
        started, operating = spec.moves.get(S), spec.moves.get(OP)
        if operating and operating.year < year:
            continue
        if year == 2020 and not (started and started.year <= 2020):
            continue  # projects still in reserve in 2020 had no plan yet
        sponsorship = None
        if spec.firm:
            sponsorship = assignments.get((spec.firm, year)) or assignments.get((spec.firm, 2021))
        if sponsorship:
            department, leader = sponsorship.department, sponsorship.leader
        else:
            # Projects without a local investor yet are followed by the investment office.
            department, leader = departments[INVESTMENT_OFFICE], rng.choice(people.leaders)
        actual = sum(c for period, c in parts if period.year == year)
        # Like the enterprises' targets, plans are missed by some projects and beaten by others.
        planned = round(actual * rng.uniform(0.85, 1.12) / 1000) * 1000 if actual else 0
        rows.append(
            {
                "project_id": project.pk,
                "year": year,
                "planned_investment": money(planned),
                "leader_id": leader.pk,
                "department_id": department.pk,
            }
        )
    return rows

"""The monthly routine of one year of the demo, as it would have happened (issue 17).

Visits at the article's cadence (the responsible person weekly, the department head monthly, the
county-level leader quarterly), problems along their "13710" clocks with their dated step log,
the monthly work reports, the quarterly inspections of the sponsoring departments, and the
projects' half-year inspections and year-end evaluation.

The whole year, and its aftermath into January of the next year, is planned from random streams
seeded by section and year, never from ``until``; only the events dated on or before ``until``
are written, each row in the state it had reached that day. A later ``until`` therefore only adds
rows and advances states, and the same ``until`` twice writes nothing the second time.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from enterprises.choices import (
    DepartmentKind,
    OfficialRank,
    ProblemAction,
    ProblemClock,
    ProblemSeverity,
    ProblemStatus,
    VisitKind,
)
from enterprises.models import (
    Assignment,
    Department,
    MonthlyReport,
    Official,
    Problem,
    ProblemEvent,
    Target,
    Visit,
    WorkReport,
)
from enterprises.selectors.duties import month_window, quarter_window, week_windows
from enterprises.selectors.problems import clock_days, due_on_for
from projects.choices import Stage
from projects.models import (
    EvaluationGrade,
    ProjectEvaluation,
    ProjectInspection,
    ProjectPlan,
    ProjectReport,
    StageMove,
)
from projects.selectors import list_evaluation_lines

from ..models import Inspection
from .article import (
    EMERGENCIES,
    PROBLEM_TEMPLATES,
    ROUTINE_NOTES,
    SHANGHAI,
    People,
    Sponsorship,
    Writer,
    _has_history,
    _rng,
    at,
    next_month,
)

SUPERVISION_OFFICE = "HK02"
# Fixed-date public holidays on which nobody visits (New Year, Labour Day, National Day).
HOLIDAYS = {(1, 1), (5, 1), (5, 2), (5, 3)} | {(10, day) for day in range(1, 8)}

LEADER_NOTES = (
    "县级领导带队到企调研，听取企业生产经营情况汇报，现场协调解决困难问题",
    "县级领导到企督导，查看生产车间和在建项目，要求包抓部门跟踪落实企业诉求",
    "县级领导到企座谈，了解订单、用工和资金情况，研究下一步帮扶措施",
    "县级领导带队检查安全生产和环境保护工作，督促企业落实主体责任",
)
MORE_NOTES = (
    "了解原材料价格和物流运输情况，帮助企业对接本地供应商",
    "督促企业完善统计台账，核对本月产值、营收数据",
    "走访生产车间，了解新生产线调试运行情况",
    "宣传稳岗补贴和社保减免政策，指导企业办理申报",
    "了解企业用电、用水、用气保障情况，协调供电部门上门服务",
    "对接企业技术改造计划，指导准备项目申报材料",
    "了解企业出口订单和外贸物流补贴申报情况",
    "了解企业人才需求，介绍示范区人才引进政策",
)
VISIT_NOTES = ROUTINE_NOTES + MORE_NOTES
FEEDBACK_NOTES = (
    "已安排专人对接，正在协调办理，将及时向企业反馈进展",
    "已到企核实情况，制定办理方案，按时限推进",
    "已与相关单位会商，明确办理措施和完成时限",
    "已电话告知企业办理进度，正在抓紧落实",
)
NEXT_STEPS = (
    "继续坚持每周到企帮扶，跟踪企业订单和用工情况",
    "协助企业做好月度工业经济指标报送，确保数据真实准确",
    "督促企业落实安全生产和疫情防控措施",
    "跟进企业诉求办理情况，及时向企业反馈",
    "宣传落实惠企政策，帮助企业争取项目资金",
    "对接金融机构，帮助企业解决融资需求",
    "推动企业项目建设，确保按计划完成年度投资",
)
INSPECTION_ADVICE = (
    "要求进一步压实帮扶责任，确保每周到企不少于1次",
    "要求加快企业诉求办理，按“13710”时限及时反馈",
    "要求按时报送工作开展情况，做到月月有记录",
    "要求聚焦年度目标，加强对企业生产经营的跟踪分析",
)
PROJECT_ADVICE = (
    "要求加快施工进度，确保完成年度投资计划",
    "要求包抓部门加强协调，及时解决项目建设中的困难问题",
    "要求做好安全文明施工，按月报送项目进度",
    "项目推进有力，要求保持进度，及早竣工投产",
)
GRADE_NAMES = {
    EvaluationGrade.EXCELLENT: "优秀",
    EvaluationGrade.GOOD: "良好",
    EvaluationGrade.PASS: "合格",
    EvaluationGrade.FAIL: "不合格",
}
LATE_DAYS = (1, 2, 3, 4, 5, 6, 8)


# --- small helpers ------------------------------------------------------------------------------


def _days(first: datetime.date, last: datetime.date, year: int) -> list[datetime.date]:
    """Return the working days (Mon–Fri, not a fixed holiday) of ``year`` in first..last."""
    first = max(first, datetime.date(year, 1, 1))
    last = min(last, datetime.date(year, 12, 31))
    days = []
    for n in range((last - first).days + 1):
        day = first + datetime.timedelta(days=n)
        if day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS:
            days.append(day)
    return days


def _after(moment: datetime.datetime, rng: random.Random, day: datetime.date) -> datetime.datetime:
    """Return a time on ``day`` in office hours, later than ``moment`` when on the same day."""
    if moment.astimezone(SHANGHAI).date() == day:
        minutes = rng.randint(20, 150)
        return moment + datetime.timedelta(minutes=minutes)
    return at(day, rng.randint(8, 17), rng.randint(0, 59))


def _percent(part, whole) -> str:
    return f"{Decimal(part) * 100 / Decimal(whole):.1f}" if whole else "0.0"


def _user_id(official: Official | None):
    return official.user_id if official is not None else None


# --- the plan -----------------------------------------------------------------------------------


@dataclass
class PlannedVisit:
    sponsorship: Sponsorship
    day: datetime.date
    kind: str = VisitKind.ROUTINE
    notes: str = ""
    participants: dict = field(default_factory=dict)  # official pk -> Official
    recorded_at: datetime.datetime | None = None

    @property
    def key(self) -> tuple[str, datetime.date]:
        return (self.sponsorship.enterprise.credit_code, self.day)


@dataclass
class Step:
    """A step of a problem's life, with who took it (an official, or None for the system)."""

    action: str
    when: datetime.datetime
    official: Official | None
    note: str = ""
    clock: str = ""

    @property
    def day(self) -> datetime.date:
        return self.when.astimezone(SHANGHAI).date()


@dataclass
class PlannedProblem:
    visit: PlannedVisit
    category: str
    severity: str
    description: str
    resolution: str
    department: Department
    satisfaction: int
    steps: list[Step]

    @property
    def raised_on(self) -> datetime.date:
        return self.visit.day

    def step(self, action: str) -> Step:
        return next(step for step in self.steps if step.action == action)

    def late(self) -> bool:
        return self.step(ProblemAction.CONFIRMED).day > due_on_for(
            raised_on=self.raised_on, severity=self.severity
        )


@dataclass
class Plan:
    year: int
    sponsorships: list[Sponsorship]
    visits: dict  # (credit code, day) -> PlannedVisit
    diligence: dict  # department code -> weekly chance
    problems: list = field(default_factory=list)


def plan_visits(sponsorships: list[Sponsorship], year: int) -> Plan:
    """Plan the year's visits of every assignment at the article's cadence."""
    rng = _rng(f"visits/{year}")
    codes = sorted({s.department.code for s in sponsorships})
    diligence = {code: rng.uniform(0.90, 0.985) for code in codes}
    # A couple of departments fall behind now and then: the few real misses of the year.
    for code in rng.sample(codes, min(2, max(len(codes) - 3, 0))):
        diligence[code] = rng.uniform(0.78, 0.85)
    visits: dict = {}

    def visit(sponsorship, day, people, kind=VisitKind.ROUTINE, notes=None) -> PlannedVisit:
        key = (sponsorship.enterprise.credit_code, day)
        entry = visits.get(key)
        if entry is None:
            entry = visits[key] = PlannedVisit(sponsorship, day, notes=rng.choice(VISIT_NOTES))
        if kind == VisitKind.EMERGENCY:
            entry.kind, entry.notes = kind, notes
        elif notes:
            entry.notes = notes
        for official in people:
            entry.participants[official.pk] = official
        return entry

    for sponsorship in sponsorships:
        chance = min(0.995, diligence[sponsorship.department.code] + rng.uniform(-0.04, 0.03))
        weekly: dict[int, list[PlannedVisit]] = defaultdict(list)  # calendar month -> visits
        for month in range(1, 13):
            for week in week_windows(datetime.date(year, month, 1)):
                days = _days(week.start, week.end, year)
                if days and rng.random() < chance:
                    people = [sponsorship.responsible]
                    people += [o for o in sponsorship.team[2:] if rng.random() < 0.3]
                    entry = visit(sponsorship, rng.choice(days), people)
                    weekly[entry.day.month].append(entry)
        for month in range(1, 13):
            if rng.random() >= chance:
                continue
            # The head usually joins one of the month's weekly visits, or goes on their own.
            joinable = weekly[month]
            if joinable and rng.random() < 0.7:
                rng.choice(joinable).participants[sponsorship.head.pk] = sponsorship.head
            else:
                window = month_window(datetime.date(year, month, 1))
                people = [sponsorship.head]
                if rng.random() < 0.5:
                    people.append(sponsorship.responsible)
                visit(sponsorship, rng.choice(_days(window.start, window.end, year)), people)
        for quarter in range(4):
            if rng.random() >= 0.92:
                continue
            window = quarter_window(datetime.date(year, quarter * 3 + 1, 1))
            joinable = [v for m in range(quarter * 3 + 1, quarter * 3 + 4) for v in weekly[m]]
            people = [sponsorship.leader, sponsorship.head, sponsorship.responsible]
            if joinable and rng.random() < 0.75:
                day = rng.choice(joinable).day
            else:
                day = rng.choice(_days(window.start, window.end, year))
            visit(sponsorship, day, people, notes=rng.choice(LEADER_NOTES))
    by_firm = {s.firm_key: s for s in sponsorships}
    for firm_key, day, notes in EMERGENCIES:
        if day.year == year and firm_key in by_firm:
            sponsorship = by_firm[firm_key]
            people = [sponsorship.leader, sponsorship.head, sponsorship.responsible]
            visit(sponsorship, day, people, VisitKind.EMERGENCY, notes)
    ordered = {key: visits[key] for key in sorted(visits)}
    for entry in ordered.values():
        entry.recorded_at = at(entry.day, rng.randint(16, 19), rng.randint(0, 59))
    return Plan(year, sponsorships, ordered, diligence)


def plan_problems(plan: Plan, departments: dict[str, Department], people: People) -> None:
    """Plan the problems raised at some visits, 2–3 a month, with every step of their clocks."""
    rng = _rng(f"problems/{plan.year}")
    year, days = plan.year, clock_days()
    last_day = datetime.date(year + 1, 1, 31)
    taken = set()
    for month in range(1, 13):
        candidates = [
            v for v in plan.visits.values() if v.day.month == month and v.kind == VisitKind.ROUTINE
        ]
        for entry in rng.sample(candidates, min(len(candidates), rng.choice((2, 2, 3)))):
            sponsorship = entry.sponsorship
            template = rng.choice(PROBLEM_TEMPLATES)
            category, severity, description, resolution, code = template
            if (entry.key, category) in taken:
                continue
            taken.add((entry.key, category))
            department = departments[code] if code else sponsorship.department
            handler = people.heads.get(department.code)
            raised = at(entry.day, rng.randint(9, 15), rng.randint(0, 59))
            assigned_on = entry.day + datetime.timedelta(days=rng.choice((0, 0, 1)))
            assigned = _after(raised, rng, assigned_on)
            feedback_on = max(
                assigned_on, entry.day + datetime.timedelta(days=rng.randint(1, days["feedback"]))
            )
            feedback = _after(assigned, rng, feedback_on)
            due_on = due_on_for(raised_on=entry.day, severity=severity)
            gap = rng.randint(1, 3)
            if rng.random() < 0.15:  # solved late: the solve clock is missed and escalated
                confirmed_on = due_on + datetime.timedelta(days=rng.choice(LATE_DAYS))
            else:
                earliest = feedback_on + datetime.timedelta(days=1 + gap)
                span = max((due_on - earliest).days, 0)
                confirmed_on = earliest + datetime.timedelta(days=rng.randint(span // 3, span))
            confirmed_on = min(confirmed_on, last_day)
            solved_on = max(feedback_on, confirmed_on - datetime.timedelta(days=gap))
            solved = _after(feedback, rng, solved_on)
            confirmed = _after(solved, rng, confirmed_on)
            steps = [
                Step(ProblemAction.RAISED, raised, sponsorship.responsible),
                Step(ProblemAction.ASSIGNED, assigned, sponsorship.head, department.name),
                Step(ProblemAction.FEEDBACK, feedback, handler, rng.choice(FEEDBACK_NOTES)),
                Step(ProblemAction.SOLVED, solved, handler, resolution),
                Step(ProblemAction.CONFIRMED, confirmed, sponsorship.responsible),
            ]
            if confirmed_on > due_on:
                escalated = at(due_on + datetime.timedelta(days=1), 8, 30)
                steps.append(
                    Step(
                        ProblemAction.ESCALATED,
                        escalated,
                        None,
                        sponsorship.leader.name,
                        ProblemClock.SOLVE,
                    )
                )
            plan.problems.append(
                PlannedProblem(
                    visit=entry,
                    category=category,
                    severity=severity,
                    description=description,
                    resolution=resolution,
                    department=department,
                    satisfaction=rng.choices((5, 4, 3), (60, 30, 10))[0],
                    steps=sorted(steps, key=lambda step: step.when),
                )
            )
    plan.problems.sort(key=lambda p: (p.raised_on, p.visit.key, p.category))


def planned_compliance(plan: Plan, months) -> dict[str, tuple[int, int]]:
    """Return each department's (met, required) windows of the head and responsible persons."""
    dates: dict[tuple[str, int], list[datetime.date]] = defaultdict(list)
    for entry in plan.visits.values():
        for official_pk in entry.participants:
            dates[(entry.key[0], official_pk)].append(entry.day)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for sponsorship in plan.sponsorships:
        code = sponsorship.enterprise.credit_code
        windows = [(sponsorship.head, month_window(datetime.date(plan.year, m, 1))) for m in months]
        windows += [
            (sponsorship.responsible, week)
            for m in months
            for week in week_windows(datetime.date(plan.year, m, 1))
        ]
        for official, window in windows:
            visited = dates.get((code, official.pk), [])
            totals[sponsorship.department.code][0] += any(
                window.start <= day <= window.end for day in visited
            )
            totals[sponsorship.department.code][1] += 1
    return {code: (met, required) for code, (met, required) in totals.items()}


# --- writing ------------------------------------------------------------------------------------


def _stamp(model, items) -> None:
    """Give rows their event times: ``items`` are (row, created_at, updated_at).

    Only rows whose stamps differ are written, with their latest historical row (dated at the
    event too), so that a second run changes nothing. One executemany per table: a CASE-based
    bulk_update of thousands of rows is far slower.
    """
    fields = ["created_at"]
    if any(f.name == "updated_at" for f in model._meta.concrete_fields):
        fields.append("updated_at")
    changed = {}
    for obj, created, updated in items:
        wanted = {"created_at": created, "updated_at": updated}
        if any(getattr(obj, name) != wanted[name] for name in fields):
            for name in fields:
                setattr(obj, name, wanted[name])
            changed[obj.pk] = obj
    if not changed:
        return
    _execute_updates(
        model, fields, [([getattr(o, n) for n in fields], o.pk) for o in changed.values()]
    )
    if not _has_history(model):
        return
    latest = dict(
        model.history.filter(id__in=list(changed))
        .order_by("history_id")
        .values_list("id", "history_id")
    )
    types = dict(
        model.history.filter(history_id__in=latest.values()).values_list("id", "history_type")
    )
    updates = []
    for object_id, history_id in latest.items():
        obj = changed[object_id]
        dated = obj.created_at if types[object_id] == "+" else getattr(obj, fields[-1])
        updates.append(([*(getattr(obj, n) for n in fields), dated], history_id))
    _execute_updates(model.history.model, [*fields, "history_date"], updates, key="history_id")


def _execute_updates(model, fields, updates, key="id") -> None:
    """Set datetime ``fields`` of rows by primary key: ``updates`` are ([values], pk)."""
    ops = connection.ops
    assignments = ", ".join(f"{ops.quote_name(name)} = %s" for name in fields)
    sql = (
        f"UPDATE {ops.quote_name(model._meta.db_table)} SET {assignments} "
        f"WHERE {ops.quote_name(key)} = %s"
    )
    params = [
        [*(ops.adapt_datetimefield_value(value) for value in values), pk] for values, pk in updates
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def write_routine(writer: Writer, sponsorships, *, year: int, until, departments, people) -> None:
    """Write the routine of ``year`` as it stood on ``until`` (None: the year and its aftermath).

    ``sponsorships`` are the year's assignments as the demo wrote them; ``departments`` maps
    codes to departments; ``people`` holds the demo officials by role.
    """
    cutoff = until or datetime.date.max
    sponsorships = sorted(
        (s for s in sponsorships if s.year == year), key=lambda s: s.enterprise.credit_code
    )
    if not sponsorships or cutoff < datetime.date(year, 1, 1):
        return
    plan = plan_visits(sponsorships, year)
    plan_problems(plan, departments, people)
    visits = _write_visits(writer, plan, cutoff)
    _write_problems(writer, plan, cutoff, visits)
    _write_work_reports(writer, plan, cutoff)
    _write_inspections(writer, plan, cutoff, departments, people)
    inspector = people.heads.get(SUPERVISION_OFFICE)
    _write_project_inspections(writer, year, cutoff, inspector)
    _write_project_evaluations(writer, year, cutoff, inspector)


def _write_visits(writer: Writer, plan: Plan, cutoff) -> dict:
    entries = [v for v in plan.visits.values() if v.day <= cutoff]
    rows = [
        {
            "enterprise_id": v.sponsorship.enterprise.pk,
            "visited_on": v.day,
            "kind": v.kind,
            "notes": v.notes,
            "created_by_id": _user_id(v.sponsorship.responsible),
        }
        for v in entries
    ]
    enterprise_ids = sorted({s.enterprise.pk for s in plan.sponsorships})
    written = writer.rows(
        Visit,
        ("enterprise_id", "visited_on"),
        rows,
        existing=Visit.objects.filter(
            enterprise_id__in=enterprise_ids,
            visited_on__gte=datetime.date(plan.year, 1, 1),
            visited_on__lte=datetime.date(plan.year, 12, 31),
        ),
        validation="local",
    )
    by_key = {v.key: written[(v.sponsorship.enterprise.pk, v.day)] for v in entries}
    writer.links(
        "Visit.participants",
        Visit.participants.through,
        "visit",
        "official",
        {by_key[v.key].pk: set(v.participants) for v in entries},
    )
    _stamp(Visit, [(by_key[v.key], v.recorded_at, v.recorded_at) for v in entries])
    return by_key


def _problem_row(problem: PlannedProblem, cutoff, visit: Visit) -> dict:
    done = {step.action: step for step in problem.steps if step.day <= cutoff}
    sponsorship = problem.visit.sponsorship
    row = {
        "enterprise_id": sponsorship.enterprise.pk,
        "visit_id": visit.pk,
        "category": problem.category,
        "severity": problem.severity,
        "description": problem.description,
        "department_id": None,
        "raised_by_id": sponsorship.responsible.pk,
        "raised_on": problem.raised_on,
        "assigned_on": None,
        "first_feedback_on": None,
        "due_on": due_on_for(raised_on=problem.raised_on, severity=problem.severity),
        "status": ProblemStatus.OPEN,
        "resolution": "",
        "solved_on": None,
        "resolved_on": None,
        "satisfaction": None,
    }
    if ProblemAction.ASSIGNED in done:
        row.update(
            department_id=problem.department.pk,
            assigned_on=done[ProblemAction.ASSIGNED].day,
            status=ProblemStatus.ASSIGNED,
        )
    if ProblemAction.FEEDBACK in done:
        row.update(
            first_feedback_on=done[ProblemAction.FEEDBACK].day, status=ProblemStatus.IN_PROGRESS
        )
    if ProblemAction.SOLVED in done:
        row.update(
            resolution=problem.resolution,
            solved_on=done[ProblemAction.SOLVED].day,
            status=ProblemStatus.SOLVED,
        )
    if ProblemAction.CONFIRMED in done:
        row.update(
            resolved_on=done[ProblemAction.CONFIRMED].day,
            satisfaction=problem.satisfaction,
            status=ProblemStatus.RESOLVED,
        )
    return row


def _write_problems(writer: Writer, plan: Plan, cutoff, visits: dict) -> None:
    problems = [p for p in plan.problems if p.raised_on <= cutoff]
    rows = [_problem_row(p, cutoff, visits[p.visit.key]) for p in problems]
    enterprise_ids = sorted({s.enterprise.pk for s in plan.sponsorships})
    written = writer.rows(
        Problem,
        ("enterprise_id", "raised_on", "category"),
        rows,
        existing=Problem.objects.filter(
            enterprise_id__in=enterprise_ids,
            raised_on__gte=datetime.date(plan.year, 1, 1),
            raised_on__lte=datetime.date(plan.year, 12, 31),
        ),
        validation="local",
    )
    objects = [written[(row["enterprise_id"], row["raised_on"], row["category"])] for row in rows]
    event_rows, stamps = [], []
    for problem, obj in zip(problems, objects, strict=True):
        steps = [step for step in problem.steps if step.day <= cutoff]
        for step in steps:
            event_rows.append(
                {
                    "problem_id": obj.pk,
                    "action": step.action,
                    "clock": step.clock,
                    "note": step.note,
                    "at": step.when,
                    "by_id": _user_id(step.official),
                }
            )
        changes = [s.when for s in steps if s.action != ProblemAction.ESCALATED]
        stamps.append((obj, changes[0], changes[-1]))
    writer.rows(
        ProblemEvent,
        ("problem_id", "action", "clock"),
        event_rows,
        existing=ProblemEvent.objects.filter(problem__in=objects),
        validation="local",
    )
    _stamp(Problem, stamps)


# --- work reports -------------------------------------------------------------------------------


def _write_work_reports(writer: Writer, plan: Plan, cutoff) -> None:
    rng = _rng(f"work-reports/{plan.year}")
    year = plan.year
    enterprise_ids = [s.enterprise.pk for s in plan.sponsorships]
    assignments = dict(
        Assignment.objects.filter(year=year, enterprise_id__in=enterprise_ids).values_list(
            "enterprise_id", "pk"
        )
    )
    figures: dict[tuple[int, int], tuple[Decimal, datetime.datetime]] = {
        (enterprise_id, period.month): (output, submitted)
        for enterprise_id, period, output, submitted in MonthlyReport.objects.filter(
            enterprise_id__in=enterprise_ids, period__year=year
        ).values_list("enterprise_id", "period", "output_value", "submitted_at")
    }
    targets = dict(
        Target.objects.filter(
            enterprise_id__in=enterprise_ids, year=year, metric="output_value"
        ).values_list("enterprise_id", "value")
    )
    visits_by: dict[tuple[str, int], list[PlannedVisit]] = defaultdict(list)
    for entry in plan.visits.values():
        visits_by[(entry.key[0], entry.day.month)].append(entry)
    problems_by: dict[tuple[str, int], list[PlannedProblem]] = defaultdict(list)
    for problem in plan.problems:
        problems_by[(problem.visit.key[0], problem.raised_on.month)].append(problem)

    rows, stamps = [], {}
    for sponsorship in plan.sponsorships:
        assignment_id = assignments.get(sponsorship.enterprise.pk)
        if assignment_id is None:
            continue
        for month in range(1, 13):
            period = datetime.date(year, month, 1)
            draw = rng.random()
            day = rng.randint(1, 5) if rng.random() < 0.9 else rng.randint(6, 12)
            submitted = at(
                next_month(period).replace(day=day), rng.randint(9, 17), rng.randint(0, 59)
            )
            steps = rng.sample(NEXT_STEPS, 2)
            if draw < 0.03 or submitted.date() > cutoff:  # a few months are never reported
                continue
            key = (sponsorship.enterprise.credit_code, month)
            progress, standards = _report_texts(
                sponsorship,
                month,
                visits_by[key],
                problems_by[key],
                figures,
                targets,
                submitted,
            )
            if month == 12:
                deadlines = "全年帮扶工作已完成，开展年度帮扶工作总结，配合做好年终考核。"
            else:
                deadlines = (
                    f"下一步：{steps[0]}；{steps[1]}；确保{year}年12月31日前完成一企一策方案"
                    "确定的年度目标。"
                )
            rows.append(
                {
                    "assignment_id": assignment_id,
                    "period": period,
                    "progress": progress,
                    "standards": standards,
                    "deadlines": deadlines,
                    "submitted_by_id": _user_id(sponsorship.responsible),
                }
            )
            stamps[(assignment_id, period)] = submitted
    written = writer.rows(
        WorkReport,
        ("assignment_id", "period"),
        rows,
        existing=WorkReport.objects.filter(assignment_id__in=list(assignments.values())),
        validation="local",
    )
    _stamp(WorkReport, [(written[key], when, when) for key, when in stamps.items()])


def _report_texts(sponsorship, month, visits, problems, figures, targets, submitted):
    """Return the progress and standards of one month's work report, from what happened."""
    responsible, head = sponsorship.responsible, sponsorship.head
    own = [v for v in visits if responsible.pk in v.participants]
    heads = [v for v in visits if head.pk in v.participants]
    leader = [v for v in visits if sponsorship.leader.pk in v.participants]
    weeks = week_windows(datetime.date(sponsorship.year, month, 1))
    met = sum(any(w.start <= v.day <= w.end for v in own) for w in weeks)
    parts = [f"{month}月，帮扶责任人{responsible.name}到企帮扶{len(own)}次"]
    if heads:
        parts.append(f"部门主要负责人{head.name}到企{len(heads)}次")
    if leader:
        parts.append(f"县级领导{sponsorship.leader.name}带队到企调研{len(leader)}次")
    text = "，".join(parts) + "。"
    enterprise_id = sponsorship.enterprise.pk
    figure = figures.get((enterprise_id, month))
    if figure and figure[1] is not None and figure[1] <= submitted:
        ytd = sum(
            figures[(enterprise_id, m)][0]
            for m in range(1, month + 1)
            if (enterprise_id, m) in figures
        )
        text += f"企业当月完成工业总产值{figure[0]}万元，1—{month}月累计{ytd}万元"
        target = targets.get(enterprise_id)
        if target:
            text += f"，完成年度目标{_percent(ytd, target)}%（时序进度{_percent(month, 12)}%）"
        text += "。"
    else:
        text += "企业生产经营总体平稳，月度工业经济指标正在督促报送。"
    for problem in problems:
        text += (
            f"企业反映“{problem.description}”，已交{problem.department.name}办理"
            f"{'（重大事项）' if problem.severity == ProblemSeverity.MAJOR else ''}。"
        )
    if not problems:
        text += "本月企业未提出新的诉求。"
    missed = len(weeks) - met
    standards = f"帮扶责任人应到企{len(weeks)}周、实到{met}周"
    standards += "，达到每周不少于1次的标准" if not missed else f"，{missed}周未到企，已督促整改"
    standards += "；部门主要负责人" + ("本月已到企" if heads else "本月未到企，下月补上")
    standards += "；按时报送月度工业经济指标和工作开展情况。"
    return text, standards


# --- quarterly inspections ----------------------------------------------------------------------


def _write_inspections(writer, plan: Plan, cutoff, departments, people: People) -> None:
    rng = _rng(f"inspections/{plan.year}")
    year = plan.year
    inspector = _user_id(people.heads.get(SUPERVISION_OFFICE))
    codes = sorted({s.department.code for s in plan.sponsorships})
    rows, stamps = [], {}
    for quarter in range(1, 5):
        window = quarter_window(datetime.date(year, quarter * 3, 1))
        last = window.end + datetime.timedelta(days=10 if quarter < 4 else 0)
        months = range(quarter * 3 - 2, quarter * 3 + 1)
        compliance = planned_compliance(plan, months)
        for code in codes:
            day = rng.choice(_days(window.end - datetime.timedelta(days=13), last, year))
            met, required = compliance[code]
            score = min(98, max(75, 75 + (met / required - 0.75) * 92 + rng.uniform(-3, 3)))
            rows.append(
                {
                    "year": year,
                    "quarter": quarter,
                    "department_id": departments[code].pk,
                    "assignment_id": None,
                    "inspected_on": day,
                    "findings": _department_findings(plan, code, quarter, day, met, required, rng),
                    "score": Decimal(round(score * 2) / 2).quantize(Decimal("0.01")),
                    "inspector_id": inspector,
                    "_when": at(day, 17, rng.randint(0, 59)),
                }
            )
    # The assignment visited least is inspected on its own too, in its weakest quarter.
    weakest = min(plan.sponsorships, key=lambda s: _assignment_rate(plan, s, range(1, 13)))
    quarter = min(
        range(1, 5),
        key=lambda q: _assignment_rate(plan, weakest, range(q * 3 - 2, q * 3 + 1)),
    )
    department_row = next(
        r for r in rows if r["quarter"] == quarter and r["department_id"] == weakest.department.pk
    )
    assignment = Assignment.objects.filter(year=year, enterprise=weakest.enterprise).first()
    if assignment is not None:
        rate = _assignment_rate(plan, weakest, range(quarter * 3 - 2, quarter * 3 + 1))
        rows.append(
            {
                **department_row,
                "assignment_id": assignment.pk,
                "findings": (
                    f"对{weakest.enterprise.name}帮扶工作专项督查：本季度到企帮扶达标率"
                    f"{rate * 100:.1f}%，帮扶责任人{weakest.responsible.name}有周次未到企，"
                    f"帮扶记录不够完整。要求{weakest.department.name}压实帮扶责任，"
                    "坚持每周到企，限期整改并报送整改情况。"
                ),
                "score": Decimal(75 + round(rng.uniform(0, 5))).quantize(Decimal("0.01")),
            }
        )
    rows = [r for r in rows if r["inspected_on"] <= cutoff]
    for row in rows:
        key = (row["department_id"], row["year"], row["quarter"], row["assignment_id"])
        stamps[key] = row.pop("_when")
    written = writer.rows(
        Inspection,
        ("department_id", "year", "quarter", "assignment_id"),
        rows,
        existing=Inspection.objects.filter(year=year).order_by("-pk"),
        validation="local",
    )
    _stamp(Inspection, [(written[key], when, when) for key, when in stamps.items()])


def _assignment_rate(plan: Plan, sponsorship, months) -> float:
    single = Plan(plan.year, [sponsorship], plan.visits, plan.diligence)
    met, required = planned_compliance(single, months)[sponsorship.department.code]
    return met / required


def _department_findings(plan, code, quarter, day, met, required, rng) -> str:
    members = [s for s in plan.sponsorships if s.department.code == code]
    raised = [
        p
        for p in plan.problems
        if p.visit.sponsorship.department.code == code
        and (quarter - 1) * 3 < p.raised_on.month <= quarter * 3
    ]
    solved = [p for p in raised if p.step(ProblemAction.CONFIRMED).day <= day]
    text = (
        f"第{quarter}季度督查：包抓企业{len(members)}户，部门主要负责人和帮扶责任人应到企"
        f"{required}次、实到{met}次，到企帮扶达标率{met * 100 / required:.1f}%；"
    )
    if raised:
        text += f"本季度收集企业诉求{len(raised)}件，已办结{len(solved)}件"
        late = [p for p in raised if p.late()]
        if late:
            text += f"，其中{len(late)}件超出办理时限"
    else:
        text += "本季度企业未提出新的诉求"
    text += "；工作开展情况按月报送。"
    if met / required >= 0.9:
        text += "帮扶工作扎实，台账资料完整。"
    else:
        text += "存在个别周次未到企的情况。"
    return text + rng.choice(INSPECTION_ADVICE) + "。"


# --- projects -----------------------------------------------------------------------------------


def _write_project_inspections(writer, year: int, cutoff, inspector: Official | None) -> None:
    rng = _rng(f"project-inspections/{year}")
    plans = list(
        ProjectPlan.objects.filter(year=year).select_related("project").order_by("project__name")
    )
    moves = defaultdict(dict)
    for project_id, stage, moved_on in StageMove.objects.filter(
        project__in=[p.project for p in plans]
    ).values_list("project_id", "to_stage", "moved_on"):
        moves[project_id][stage] = moved_on
    reports = defaultdict(list)
    for report in ProjectReport.objects.filter(
        project__in=[p.project for p in plans], period__year=year
    ).order_by("period"):
        reports[report.project_id].append(report)
    rows = []
    for plan in plans:
        project = plan.project
        for half in (1, 2):
            end = datetime.date(year, 6 * half, 30 if half == 1 else 31)
            day = rng.choice(
                _days(end - datetime.timedelta(days=20), end - datetime.timedelta(days=2), year)
            )
            advice = rng.choice(PROJECT_ADVICE)
            noise = rng.randint(-3, 3)
            started = moves[project.pk].get(Stage.STARTED)
            completed = moves[project.pk].get(Stage.COMPLETED)
            half_start = datetime.date(year, 6 * half - 5, 1)
            if started is None or started > day or (completed and completed < half_start):
                continue
            done = [r for r in reports[project.pk] if r.period < day.replace(day=1)]
            ytd = sum((r.investment for r in done), Decimal("0.00"))
            planned = plan.planned_investment
            progress = Decimal(day.month - 1) / 12
            rating = 82 + noise
            if planned:
                rating += int((ytd / planned - progress) * 40)
            rating = min(97, max(62, rating))
            through = f"截至{day.month - 1}月底" if day.month > 1 else "年初"
            text = f"{through}，项目累计完成年度投资{ytd}万元"
            if planned:
                text += f"，占年度计划{planned}万元的{_percent(ytd, planned)}%"
            if done:
                text += f"；形象进度：{done[-1].progress_note.split('；')[0]}"
                if done[-1].problems:
                    text += f"；存在问题：{done[-1].problems}"
            rows.append(
                {
                    "project_id": project.pk,
                    "year": year,
                    "half": half,
                    "inspected_on": day,
                    "findings": f"{text}。督查意见：{advice}。",
                    "rating": rating,
                    "inspector_id": _user_id(inspector),
                }
            )
    rows = [r for r in rows if r["inspected_on"] <= cutoff]
    written = writer.rows(
        ProjectInspection,
        ("project_id", "year", "half"),
        rows,
        existing=ProjectInspection.objects.filter(year=year),
        validation="local",
    )
    stamps = []
    for row in rows:
        when = at(row["inspected_on"], 17, 30)
        stamps.append((written[(row["project_id"], year, row["half"])], when, when))
    _stamp(ProjectInspection, stamps)


def _write_project_evaluations(writer, year: int, cutoff, supervisor: Official | None) -> None:
    rng = _rng(f"project-evaluations/{year}")
    rows, stamps = [], {}
    proposal_days = _days(datetime.date(year, 12, 20), datetime.date(year, 12, 30), year)
    confirm_days = _days(datetime.date(year + 1, 1, 8), datetime.date(year + 1, 1, 20), year + 1)
    for line in sorted(list_evaluation_lines(year=year), key=lambda line: line.project.name):
        proposed_at = at(rng.choice(proposal_days), 10, rng.randint(0, 59))
        confirmed_at = at(rng.choice(confirm_days), 15, rng.randint(0, 59))
        if not line.proposed_grade or proposed_at.date() > cutoff:
            continue
        completion = line.completion
        note = ""
        if completion is not None:
            note = f"年度投资完成率{float(completion) * 100:.1f}%"
            note += "，项目已竣工" if line.finished else "，项目建设按计划推进"
            note += f"，评为{GRADE_NAMES[EvaluationGrade(line.proposed_grade)]}。"
        row = {
            "project_id": line.project.id,
            "year": year,
            "proposed_grade": line.proposed_grade,
            "grade": "",
            "note": "",
            "confirmed_by_id": None,
            "confirmed_at": None,
        }
        updated = proposed_at
        if confirmed_at.date() <= cutoff:
            row.update(
                grade=line.proposed_grade,
                note=note,
                confirmed_by_id=_user_id(supervisor),
                confirmed_at=confirmed_at,
            )
            updated = confirmed_at
        rows.append(row)
        stamps[(line.project.id, year)] = (proposed_at, updated)
    written = writer.rows(
        ProjectEvaluation,
        ("project_id", "year"),
        rows,
        existing=ProjectEvaluation.objects.filter(year=year),
        validation="local",
    )
    _stamp(ProjectEvaluation, [(written[k], c, u) for k, (c, u) in stamps.items()])


# --- users linked after seeding -----------------------------------------------------------------


def link_routine_users() -> dict[str, int]:
    """Fill the routine's empty user fields from the officials' logins; return rows filled.

    The demo writes the routine before the officials have logins; once they do, each step names
    who took it: the responsible person recorded the visits, submitted the work reports, raised
    the problems and confirmed their solutions; the sponsoring department's head routed them; the
    handling department's head gave feedback and solved them; the supervision office's head
    recorded the inspections and confirmed the year-end grades. Escalations stay the system's.
    """
    from core.audit import update_with_history

    users = dict(Official.objects.filter(user__isnull=False).values_list("pk", "user_id"))
    heads = dict(
        Official.objects.filter(rank=OfficialRank.DEPARTMENT_HEAD, user__isnull=False).values_list(
            "department_id", "user_id"
        )
    )
    supervisor = (
        Official.objects.filter(
            rank=OfficialRank.DEPARTMENT_HEAD,
            department__kind=DepartmentKind.SUPERVISION_OFFICE,
            user__isnull=False,
        )
        .values_list("user_id", flat=True)
        .first()
    )
    assignments = {
        (enterprise_id, year): (responsible_id, department_id)
        for enterprise_id, year, responsible_id, department_id in Assignment.objects.values_list(
            "enterprise_id", "year", "responsible_id", "department_id"
        )
    }
    counts: dict[str, int] = {}

    def fill(label, queryset, field_name, user_of) -> None:
        groups = defaultdict(list)
        for obj in queryset:
            user_id = user_of(obj)
            if user_id is not None:
                groups[user_id].append(obj.pk)
        total = 0
        for user_id, pks in sorted(groups.items()):
            rows = queryset.model.objects.filter(pk__in=pks)
            if _has_history(queryset.model):
                total += update_with_history(rows, reason="demo users", **{field_name: user_id})
            else:
                total += rows.update(**{field_name: user_id})
        counts[label] = total

    def responsible_user(enterprise_id, year):
        responsible = assignments.get((enterprise_id, year), (None, None))[0]
        return users.get(responsible)

    fill(
        "Visit.created_by",
        Visit.objects.filter(created_by__isnull=True).only("pk", "enterprise_id", "visited_on"),
        "created_by_id",
        lambda v: responsible_user(v.enterprise_id, v.visited_on.year),
    )
    fill(
        "WorkReport.submitted_by",
        WorkReport.objects.filter(submitted_by__isnull=True).select_related("assignment"),
        "submitted_by_id",
        lambda r: users.get(r.assignment.responsible_id),
    )
    fill(
        "Inspection.inspector",
        Inspection.objects.filter(inspector__isnull=True).only("pk"),
        "inspector_id",
        lambda i: supervisor,
    )
    fill(
        "ProjectInspection.inspector",
        ProjectInspection.objects.filter(inspector__isnull=True).only("pk"),
        "inspector_id",
        lambda i: supervisor,
    )
    fill(
        "ProjectEvaluation.confirmed_by",
        ProjectEvaluation.objects.filter(confirmed_by__isnull=True, confirmed_at__isnull=False),
        "confirmed_by_id",
        lambda e: supervisor,
    )

    def actor(event):
        problem = event.problem
        if event.action in (ProblemAction.RAISED, ProblemAction.CONFIRMED):
            return users.get(problem.raised_by_id)
        if event.action == ProblemAction.ASSIGNED:
            sponsor = assignments.get((problem.enterprise_id, problem.raised_on.year))
            return heads.get(sponsor[1]) if sponsor else None
        if event.action in (ProblemAction.FEEDBACK, ProblemAction.SOLVED):
            return heads.get(problem.department_id)
        return None

    fill(
        "ProblemEvent.by",
        ProblemEvent.objects.filter(by__isnull=True)
        .exclude(action=ProblemAction.ESCALATED)
        .select_related("problem"),
        "by_id",
        actor,
    )
    return counts


# --- the sponsorships of a year, read back -------------------------------------------------------


def load_sponsorships(year: int) -> list[Sponsorship]:
    """Return the year's assignments as Sponsorships, read from the database.

    For a caller that did not just write them (a daily run of the current year).
    """
    from .article import plan_firms

    keys = {firm.credit_code: firm.key for firm in plan_firms()}
    heads = {
        official.department_id: official
        for official in Official.objects.filter(rank=OfficialRank.DEPARTMENT_HEAD)
    }
    result = []
    for assignment in (
        Assignment.objects.filter(year=year)
        .select_related("enterprise", "department", "leader", "responsible")
        .prefetch_related("team")
        .order_by("enterprise__credit_code")
    ):
        head = heads.get(assignment.department_id)
        if head is None:
            continue
        others = sorted(
            (o for o in assignment.team.all() if o.pk not in (assignment.responsible_id, head.pk)),
            key=lambda o: o.name,
        )
        result.append(
            Sponsorship(
                firm_key=keys.get(assignment.enterprise.credit_code, ""),
                year=year,
                enterprise=assignment.enterprise,
                department=assignment.department,
                leader=assignment.leader,
                responsible=assignment.responsible,
                head=head,
                team=[assignment.responsible, head, *others],
            )
        )
    return result


def load_people() -> People:
    """Return the demo officials by role, read from the database."""
    officials = list(Official.objects.select_related("department").order_by("pk"))
    staff = defaultdict(list)
    for official in officials:
        if official.rank == OfficialRank.STAFF:
            staff[official.department.code].append(official)
    return People(
        leaders=[o for o in officials if o.rank == OfficialRank.COUNTY_LEADER],
        heads={o.department.code: o for o in officials if o.rank == OfficialRank.DEPARTMENT_HEAD},
        staff=dict(staff),
    )


__all__ = ["link_routine_users", "load_people", "load_sponsorships", "write_routine"]

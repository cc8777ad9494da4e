"""The plan of a year's routine: the visits, problems and steps planned from seeded streams."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from enterprises.choices import ProblemAction, ProblemClock, VisitKind
from enterprises.models import Department, Official
from enterprises.selectors.duties import month_window, quarter_window, week_windows
from enterprises.selectors.problems import clock_days, due_on_for
from projects.models import EvaluationGrade

from ..article.common import SHANGHAI, People, _rng, at
from ..article.sponsorship import Sponsorship
from ..article.texts import (
    EMERGENCIES,
    PROBLEM_TEMPLATES,
    ROUTINE_NOTES,
    of_its_time,
    problem_of_its_time,
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
            entry = visits[key] = PlannedVisit(
                sponsorship, day, notes=of_its_time(rng.choice(VISIT_NOTES), year)
            )
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
            template = problem_of_its_time(rng.choice(PROBLEM_TEMPLATES), year)
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

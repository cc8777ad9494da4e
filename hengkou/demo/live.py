"""The demo as a living zone: history's routine dated as it happened, and this year up to today.

``seed_demo`` writes the article's 2020–2021 records. ``live_demo(today)`` then runs the monthly
routine the way the zone would have: each month closed on day 6 of the next month in the morning
(Asia/Shanghai), its supervision notices answered mostly in time (a few late, a few never) and
accepted by the supervision office; and it brings *this year* up to ``today``: the 2021
sponsorships carried over with their teams and with plans restated from last year's figures,
targets, monthly figures up to last month (a few enterprises still owing), the routine of visits,
problems, work reports and inspections, and the past months closed on their day 6.

Everything is planned from fixed random seeds and dated by the plan, never by the clock: a second
run with the same ``today`` writes nothing, a later ``today`` only adds what has happened since.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Sum

from enterprises.choices import DepartmentKind, Metric, OfficialRank, TitleKind, TitleLevel
from enterprises.models import (
    Assignment,
    Department,
    Enterprise,
    EnterpriseTitle,
    MonthlyReport,
    Official,
    Period,
    Target,
)
from enterprises.services.figures import refresh_monthly_ytd
from projects.choices import ProjectKind, Stage
from projects.models import Project, ProjectPlan, ProjectReport, StageMove

from ..choices import NoticeStatus
from ..models import SupervisionNotice
from ..services import close_month, close_notice, respond_to_notice
from .article import (
    BUILD_STEPS,
    INVESTMENT_OFFICE,
    OP,
    PLAN_STANDARDS,
    PROFILES,
    PROJECTS,
    RENOVATION_STEPS,
    YEARS,
    C,
    Firm,
    People,
    S,
    Writer,
    _rng,
    apportion,
    at,
    cents,
    firm_report_rows,
    money,
    month_end,
    month_starts,
    next_month,
    plan_firms,
)
from .routine import load_people, load_sponsorships, write_routine

CLOSE_DAY = 6
# Growth a year of the zone's enterprises from 2021 to last year, and this year's spread.
YEARLY_GROWTH = (1.02, 1.10)
THIS_YEAR_GROWTH = (0.90, 1.20)
TARGET_RAISE = (1.04, 1.14)
MEASURES = (
    "已召开专题会议分析{metric}滞后原因，逐户对接包抓企业，帮助协调订单和原材料，"
    "督促企业满负荷生产，力争下月追赶至时序进度。",
    "部门主要负责人带队走访包抓企业，梳理影响{metric}的困难问题，已交办相关部门限时解决，"
    "同时督促企业按时报送统计数据。",
    "制定{metric}追赶方案，明确责任人和完成时限，每周调度一次进度，"
    "对停产半停产企业逐户分析原因、落实帮扶措施。",
    "协调金融机构为包抓企业提供流动资金贷款，帮助企业拓展销售渠道，"
    "确保{metric}按月递增、年底完成目标任务。",
)
ACCEPTANCE_NOTES = (
    "整改措施具体可行，同意销号，下月继续跟踪。",
    "措施已落实，予以销号。",
    "已核实整改情况，同意办结。",
)


def close_time(period: datetime.date) -> datetime.datetime:
    """Return when the demo closes ``period``: day 6 of the next month, late morning."""
    minute = _rng(f"close/{period:%Y-%m}").randint(0, 45)
    return at(next_month(period).replace(day=CLOSE_DAY), 11, minute)


def day_end(day: datetime.date) -> datetime.datetime:
    """Return the last moment of ``day`` that the demo writes events for."""
    return at(day, 23, 59)


@dataclass
class LiveTally:
    closed: list = dataclasses.field(default_factory=list)
    responded: int = 0
    accepted: int = 0


@dataclass(frozen=True)
class DemoUsers:
    """Who acts in the routine: the bureau closes, departments respond, the office accepts."""

    bureau: object
    office: object
    by_department: dict

    @classmethod
    def load(cls) -> DemoUsers:
        heads = {
            official.department_id: official
            for official in Official.objects.filter(
                rank=OfficialRank.DEPARTMENT_HEAD, user__isnull=False
            ).select_related("user", "department")
        }

        def head_of(kind):
            return next(
                (o.user for o in heads.values() if o.department.kind == kind),
                None,
            )

        return cls(
            bureau=head_of(DepartmentKind.ECONOMIC_BUREAU),
            office=head_of(DepartmentKind.SUPERVISION_OFFICE),
            by_department={pk: official.user for pk, official in heads.items()},
        )


# --- closes and notices ---------------------------------------------------------------------------


def _working_day_after(day: datetime.date, days: int) -> datetime.date:
    day += datetime.timedelta(days=days)
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day


def answer_notices(period: datetime.date, users: DemoUsers, until: datetime.date, tally) -> None:
    """Answer ``period``'s notices as their departments would have, as far as ``until``.

    Most respond within the ten days, a few after the due date, a few never; the supervision
    office accepts a response one to four working days later.
    """
    notices = SupervisionNotice.objects.filter(period=period).select_related("department")
    for notice in notices.order_by("department__code", "metric"):
        if notice.status in (NoticeStatus.CLOSED, NoticeStatus.WITHDRAWN):
            continue
        rng = _rng(f"notice/{period:%Y-%m}/{notice.department.code}/{notice.metric}")
        draw = rng.random()
        issued = notice.issued_at.date()
        if draw < 0.08:
            continue  # never answered
        if draw < 0.22:
            responded_on = _working_day_after(notice.due_on, rng.randint(1, 6))
        else:
            responded_on = _working_day_after(issued, rng.randint(2, 8))
            responded_on = min(responded_on, notice.due_on)
        responded_at = at(responded_on, rng.randint(9, 17), rng.randint(0, 59))
        accepted_at = at(
            _working_day_after(responded_on, rng.randint(1, 4)), rng.randint(9, 17), 30
        )
        measures = rng.choice(MEASURES).format(metric=notice.get_metric_display())
        note = rng.choice(ACCEPTANCE_NOTES)
        user = users.by_department.get(notice.department_id)
        if notice.status == NoticeStatus.ISSUED and responded_on <= until and user is not None:
            notice = respond_to_notice(
                notice=notice, response=measures, acting_user=user, now=responded_at
            )
            tally.responded += 1
        if (
            notice.status == NoticeStatus.RESPONDED
            and accepted_at.date() <= until
            and users.office is not None
        ):
            close_notice(notice=notice, acting_user=users.office, now=accepted_at, note=note)
            tally.accepted += 1


def close_months(months, users: DemoUsers, until: datetime.date, tally) -> None:
    """Close each month of ``months`` whose day 6 has come by ``until``, and answer its notices."""
    for period in months:
        when = close_time(period)
        if when.date() > until:
            break
        result = close_month(period=period, acting_user=users.bureau, now=when)
        if result.closed_now:
            tally.closed.append(period)
        answer_notices(period, users, until, tally)


# --- this year --------------------------------------------------------------------------------


def _living_firms(year: int) -> list[Firm]:
    """Return the enterprises that report in ``year`` and last year, planned from 2021's output."""
    rng = _rng(f"growth/{year}")
    firms = []
    for firm in plan_firms():
        if 2021 not in firm.output:
            continue
        base = firm.output[2021]
        growth = 1.0
        for _ in range(2022, year):
            growth *= rng.uniform(*YEARLY_GROWTH)
        last_year = round(base * growth)
        this_year = round(last_year * rng.uniform(*THIS_YEAR_GROWTH))
        output, profiles = {}, {}
        for plan_year, annual in ((year - 1, last_year), (year, this_year)):
            if plan_year in YEARS:
                continue  # the article's own figures
            output[plan_year] = annual
            profiles[plan_year] = [w * rng.uniform(0.9, 1.1) for w in PROFILES[2021]]
        firms.append(
            dataclasses.replace(
                firm,
                output=output,
                profiles=profiles,
                missing=set(),
                above={y for y in (year - 1, year) if 2021 in firm.above},
            )
        )
    return firms


def _write_figures(writer: Writer, firms, enterprises, year: int, until: datetime.date):
    """Write last year's and this year's monthly figures submitted by ``until``.

    Return each firm's output of last year by key, in cents (the base of this year's targets).
    """
    rng = _rng(f"monthly-reports/{year}")
    rows, last_year = [], defaultdict(int)
    for firm in firms:
        for row_year, row in firm_report_rows(rng, firm, enterprises[firm.key].pk):
            if row_year == year - 1:
                last_year[firm.key] += cents(row["output_value"])
            if row["submitted_at"] <= day_end(until):
                rows.append(row)
    if year - 1 in YEARS:
        key_of = {firm.credit_code: firm.key for firm in firms}
        totals = (
            MonthlyReport.objects.filter(period__year=year - 1)
            .values_list("enterprise__credit_code")
            .annotate(total=Sum("output_value"))
        )
        for credit_code, total in totals:
            if credit_code in key_of:
                last_year[key_of[credit_code]] = cents(total)
    writer.rows(
        MonthlyReport,
        ("enterprise_id", "period"),
        rows,
        existing=MonthlyReport.objects.filter(period__year__in=(year - 1, year)),
        validation="local",
    )
    refresh_monthly_ytd(
        enterprise_ids=sorted({row["enterprise_id"] for row in rows}), years=[year - 1, year]
    )
    return last_year


def _write_titles(writer: Writer, firms, enterprises, year: int) -> None:
    """List last year's and this year's above-scale enterprises (those of 2021 stay above)."""
    rows = [
        {
            "enterprise_id": enterprises[firm.key].pk,
            "title": TitleKind.ABOVE_SCALE,
            "year": title_year,
            "level": TitleLevel.NONE,
        }
        for firm in firms
        for title_year in sorted(firm.above)
        if title_year not in YEARS
    ]
    writer.rows(
        EnterpriseTitle,
        ("enterprise_id", "title", "year"),
        rows,
        existing=EnterpriseTitle.objects.filter(year__in=(year - 1, year)),
    )


def _goals(firm: Firm, year: int, target: int | None, last_year: int) -> str:
    if target:
        growth = (target - last_year) * 100 / last_year if last_year else 0
        parts = [
            f"{year}年实现工业总产值{target // 100}万元（{year - 1}年完成{last_year // 100}万元，"
            f"增长{growth:.1f}%）"
        ]
    else:
        parts = ["稳定生产经营，按月报送工业经济指标"]
    if year in firm.above:
        parts.append("稳定在规模以上工业企业库")
    parts.append("做好安全生产、环境保护、工资发放和节能降耗工作")
    return "；".join(parts) + "。"


def _write_sponsorships(writer: Writer, firms, enterprises, year: int, last_year: dict):
    """Carry 2021's assignments into ``year`` with their teams, targets and restated plans."""
    rng = _rng(f"targets/{year}")
    by_key = {firm.key: firm for firm in firms}
    key_of = {enterprise.pk: key for key, enterprise in enterprises.items()}
    previous = (
        Assignment.objects.filter(year=2021)
        .select_related("enterprise", "department", "leader", "responsible")
        .prefetch_related("team")
        .order_by("enterprise__credit_code")
    )
    targeted = set(
        Target.objects.filter(year=2021, metric=Metric.OUTPUT_VALUE).values_list(
            "enterprise_id", flat=True
        )
    )
    target_rows, assignment_rows, teams = [], [], {}
    for assignment in previous:
        key = key_of.get(assignment.enterprise_id)
        firm = by_key.get(key)
        target = None
        if firm is not None and assignment.enterprise_id in targeted and last_year.get(key):
            target = max(1000, round(last_year[key] * rng.uniform(*TARGET_RAISE) / 1000) * 1000)
            target_rows.append(
                {
                    "enterprise_id": assignment.enterprise_id,
                    "year": year,
                    "metric": Metric.OUTPUT_VALUE,
                    "value": money(target),
                }
            )
        assignment_rows.append(
            {
                "enterprise_id": assignment.enterprise_id,
                "year": year,
                "leader_id": assignment.leader_id,
                "department_id": assignment.department_id,
                "responsible_id": assignment.responsible_id,
                "plan_goals": _goals(firm, year, target, last_year.get(key, 0))
                if firm
                else "稳定生产经营，按月报送工业经济指标。",
                "plan_standards": PLAN_STANDARDS,
                "plan_deadline": datetime.date(year, 12, 31),
            }
        )
        teams[(assignment.enterprise_id, year)] = [o.pk for o in assignment.team.all()]
    writer.rows(
        Target,
        ("enterprise_id", "year", "metric"),
        target_rows,
        existing=Target.objects.filter(year=year),
        validation="local",
    )
    written = writer.rows(
        Assignment,
        ("enterprise_id", "year"),
        assignment_rows,
        existing=Assignment.objects.filter(year=year),
    )
    writer.links(
        "Assignment.team",
        Assignment.team.through,
        "assignment",
        "official",
        {written[key].pk: set(team) for key, team in teams.items()},
    )
    return written


def _run_routine(writer, year: int, until: datetime.date, people: People) -> None:
    departments = {d.code: d for d in Department.objects.all()}
    write_routine(
        writer,
        load_sponsorships(year),
        year=year,
        until=until,
        departments=departments,
        people=people,
    )


# This year's projects: name, kind, investor (firm key or None), month started (None: still in
# reserve), months of works, total investment (万元), capacity, description.
LIVE_PROJECTS = (
    (
        "恒安玩具智能化生产线技改项目",
        ProjectKind.RENOVATION,
        "hengan",
        3,
        8,
        6800,
        "",
        "引进自动裁剪、充棉和缝制设备，建设毛绒玩具智能化生产线。",
    ),
    (
        "富硒食品精深加工园二期项目",
        ProjectKind.NEW,
        None,
        4,
        15,
        18000,
        "年加工富硒农产品5万吨",
        "建设富硒农产品精深加工厂房、冷链仓储和检测中心。",
    ),
    (
        "海润恒昶新能源汽车零部件扩产项目",
        ProjectKind.EXPANSION,
        "hairun",
        6,
        12,
        12500,
        "年产汽车精密零部件300万件",
        "新建新能源汽车零部件加工车间，扩大精密零部件产能。",
    ),
    (
        "毛绒玩具文创产业园标准化厂房三期",
        ProjectKind.NEW,
        None,
        None,
        18,
        22000,
        "",
        "建设标准化厂房8栋，配套研发设计和电商直播中心。",
    ),
)


def _finish_old_projects(writer: Writer, today: datetime.date) -> None:
    """Complete the article's unfinished projects as planned (their records of 2022-2025 aside)."""
    names = [spec.name for spec in PROJECTS]
    projects = {p.name: p for p in Project.objects.filter(name__in=names)}
    moves, stages = [], []
    for spec in PROJECTS:
        project = projects.get(spec.name)
        if project is None or spec.stage != Stage.STARTED or spec.planned_end is None:
            continue
        rng = _rng(f"project-end/{spec.name}")
        completed = spec.planned_end + datetime.timedelta(days=rng.randint(-10, 25))
        operating = completed + datetime.timedelta(days=rng.randint(15, 45))
        previous = Stage.STARTED
        for stage, day in ((C, completed), (OP, operating)):
            if day <= today:
                moves.append(_move(project, previous, stage, day))
                previous = stage
        stages.append({"name": spec.name, "stage": previous})
    _write_moves(writer, projects.values(), moves)
    writer.rows(Project, ("name",), stages, existing=projects.values())
    _date_stage_changes(projects.values())


def _move(project, from_stage, to_stage, day) -> dict:
    return {
        "project_id": project.pk,
        "from_stage": from_stage,
        "to_stage": to_stage,
        "moved_on": day,
        "recorded_at": at(day, 17, 30),
    }


def _write_moves(writer: Writer, projects, moves) -> None:
    writer.rows(
        StageMove,
        ("project_id", "to_stage"),
        moves,
        existing=StageMove.objects.filter(project__in=list(projects)),
    )


def _date_stage_changes(projects) -> None:
    """Date each project's last change as its last stage move (the Writer stamps it now)."""
    for project in projects:
        last = project.stage_moves.order_by("-moved_on").values_list("recorded_at", flat=True)
        if last and project.updated_at != last[0]:
            Project.objects.filter(pk=project.pk).update(updated_at=last[0])


def _write_live_projects(writer: Writer, year: int, today: datetime.date, people: People):
    """Write this year's projects: started in spring and summer, one completed, one in reserve."""
    key_of = {firm.key: firm.credit_code for firm in plan_firms()}
    sponsors = {
        a.enterprise.credit_code: a
        for a in Assignment.objects.filter(year=year).select_related("enterprise", "department")
    }
    office = Department.objects.get(code=INVESTMENT_OFFICE)
    enterprises = Enterprise.objects.in_bulk(list(key_of.values()), field_name="credit_code")
    rows, plans, reports, moves = [], {}, {}, []
    for name, kind, firm, start_month, months, total, capacity, description in LIVE_PROJECTS:
        rng = _rng(f"live-project/{year}/{name}")
        first = datetime.date(year, start_month or 12, 1)
        last = first
        for _ in range(months - 1):
            last = next_month(last)
        started = first.replace(day=rng.randint(6, 20)) if start_month else None
        planned_end = month_end(last)
        completed = planned_end - datetime.timedelta(days=rng.randint(3, 8)) if started else None
        stage = Stage.RESERVE
        if started and started <= today:
            stage = C if completed <= today else S
        enterprise = enterprises.get(key_of[firm]) if firm else None
        rows.append(
            {
                "name": name,
                "enterprise_id": enterprise.pk if enterprise else None,
                "kind": kind,
                "stage": stage,
                "total_investment": money(cents(total)),
                "capacity": capacity,
                "floor_area": None,
                "planned_start": first if start_month else datetime.date(year + 1, 3, 1),
                "planned_end": planned_end,
                "description": description,
            }
        )
        month_list = []
        month = first
        while start_month and month <= last:
            month_list.append(month)
            month = next_month(month)
        weights = [rng.uniform(0.7, 1.3) for _ in month_list]
        parts = apportion(cents(total), weights) if month_list else []
        this_year = sum(c for m, c in zip(month_list, parts, strict=True) if m.year == year)
        planned = round(this_year * rng.uniform(0.9, 1.1) / 10000) * 10000 if this_year else 0
        sponsor = sponsors.get(enterprise.credit_code) if enterprise else None
        plans[name] = {
            "year": year,
            "planned_investment": money(planned or cents(total // 10)),
            "leader_id": sponsor.leader_id if sponsor else rng.choice(people.leaders).pk,
            "department_id": sponsor.department_id if sponsor else office.pk,
        }
        steps = RENOVATION_STEPS if kind == ProjectKind.RENOVATION else BUILD_STEPS
        cumulative, reports[name] = 0, []
        for month, investment in zip(month_list, parts, strict=True):
            cumulative += investment
            done = completed is not None and month == completed.replace(day=1)
            percent = 100 if done else min(99, cumulative * 100 // cents(total))
            step = [text for threshold, text in steps if threshold <= percent][-1]
            submitted = at(next_month(month).replace(day=rng.randint(2, 5)), rng.randint(9, 17))
            if submitted.date() > today:
                break
            reports[name].append(
                {
                    "period": month,
                    "investment": money(investment),
                    "percent_complete": percent,
                    "progress_note": f"{step}；本月完成投资{money(investment)}万元，"
                    f"累计完成投资{money(cumulative)}万元。",
                    "problems": "",
                    "submitted_at": submitted,
                }
            )
            if done:
                break
        for to_stage, day, from_stage in ((S, started, Stage.RESERVE), (C, completed, S)):
            if day is not None and day <= today:
                moves.append((name, from_stage, to_stage, day))
    written = writer.rows(Project, ("name",), rows, existing=Project.objects.filter(name__in=plans))
    by_name = {name: project for (name,), project in written.items()}
    _write_moves(
        writer,
        by_name.values(),
        [_move(by_name[name], f, t, day) for name, f, t, day in moves],
    )
    _date_stage_changes(by_name.values())
    writer.rows(
        ProjectPlan,
        ("project_id", "year"),
        [{"project_id": by_name[name].pk, **plan} for name, plan in plans.items()],
        existing=ProjectPlan.objects.filter(project__in=by_name.values()),
    )
    writer.rows(
        ProjectReport,
        ("project_id", "period"),
        [
            {"project_id": by_name[name].pk, **report}
            for name, rows_of in reports.items()
            for report in rows_of
        ],
        existing=ProjectReport.objects.filter(project__in=by_name.values()),
        validation="fields",
    )


def bring_this_year(writer: Writer, today: datetime.date) -> int | None:
    """Write this year's sponsorships, targets, figures and routine up to ``today``."""
    year = today.year
    if year <= max(YEARS):
        return None
    firms = _living_firms(year)
    by_code = Enterprise.objects.in_bulk([f.credit_code for f in firms], field_name="credit_code")
    enterprises = {f.key: by_code[f.credit_code] for f in firms if f.credit_code in by_code}
    firms = [firm for firm in firms if firm.key in enterprises]
    last_year = _write_figures(writer, firms, enterprises, year, today)
    _write_titles(writer, firms, enterprises, year)
    _write_sponsorships(writer, firms, enterprises, year, last_year)
    people = load_people()
    _finish_old_projects(writer, today)
    _write_live_projects(writer, year, today, people)
    _run_routine(writer, year, today, people)
    return year


def live_demo(*, today: datetime.date, since: datetime.datetime) -> tuple[LiveTally, Writer]:
    """Run the routine of the demo's history and of this year up to ``today`` (idempotent).

    Rows this run creates (stamped at or after ``since``, when the run began) are then dated as
    the events they record, history rows included.
    """
    tally, writer = LiveTally(), Writer()
    with transaction.atomic():
        users = DemoUsers.load()
        history = [month for year in YEARS for month in month_starts(year)]
        close_months(history, users, today, tally)
        year = bring_this_year(writer, today)
        if year is not None:
            this_year = [m for m in month_starts(year) if next_month(m) <= today]
            close_months(this_year, users, today, tally)
        stamp_dates(since)
    return tally, writer


# The day the zone's records were first entered in the system.
RECORDS_BEGIN = datetime.date(2020, 1, 2)


def stamp_dates(since: datetime.datetime) -> None:
    """Date the rows written at or after ``since`` as the events they record, never as now.

    Standing records (departments, officials, enterprises, titles, projects) as entered when the
    records began; a year's assignments, targets and plans in its first working days; a report as
    submitted; a month as closed. Then every history row of a creation written since takes its
    row's creation date, and the locking of a month's reports takes the month's close.
    """
    from enterprises.models import EnterpriseTitle

    begin = at(RECORDS_BEGIN, 9)
    for model in (Department, Official, Enterprise, EnterpriseTitle):
        model.objects.filter(created_at__gte=since).update(created_at=begin, updated_at=begin)
    Project.objects.filter(created_at__gte=since, plans__year__in=YEARS).update(
        created_at=begin, updated_at=begin
    )
    years = Assignment.objects.values_list("year", flat=True).distinct()
    for year in sorted(set(years) | set(YEARS)):
        opening = at(datetime.date(year, 1, 4), 10)
        Project.objects.filter(created_at__gte=since, plans__year=year).update(
            created_at=opening, updated_at=opening
        )
        for model in (Assignment, Target, ProjectPlan):
            model.objects.filter(created_at__gte=since, year=year).update(
                created_at=opening, updated_at=opening
            )
    _date_stage_changes(Project.objects.all())
    for model in (MonthlyReport, ProjectReport):
        model.objects.filter(created_at__gte=since).exclude(submitted_at=None).update(
            created_at=F("submitted_at"), updated_at=F("submitted_at")
        )
    Period.objects.filter(created_at__gte=since).exclude(closed_at=None).update(
        created_at=F("closed_at"), updated_at=F("closed_at")
    )
    _stamp_ledgers(since)
    _stamp_history(since)


def _stamp_ledgers(since: datetime.datetime) -> None:
    """Date any other row written since: early in its year, or when the records began."""
    from django.apps import apps

    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        if "created_at" not in names or "history_id" in names:
            continue
        stamps = ["created_at"] + (["updated_at"] if "updated_at" in names else [])
        fresh = model.objects.filter(created_at__gte=since)
        if "year" in names:
            for year in set(fresh.values_list("year", flat=True)):
                entered = at(datetime.date(year, 1, 4), 10)
                fresh.filter(year=year).update(**dict.fromkeys(stamps, entered))
        fresh.update(**dict.fromkeys(stamps, at(RECORDS_BEGIN, 9)))


def _stamp_history(since: datetime.datetime) -> None:
    from django.apps import apps
    from django.db.models import OuterRef, Subquery

    for model in apps.get_models():
        historical = getattr(getattr(model, "history", None), "model", None)
        if historical is None or not hasattr(model._meta, "simple_history_manager_attribute"):
            continue
        fields = {f.name for f in historical._meta.fields}
        if "created_at" in fields:
            # A history row copies its row as it was written; the row has been dated since.
            row = model.objects.filter(pk=OuterRef("id"))
            created = historical.objects.filter(history_date__gte=since, history_type="+")
            stamps = {"created_at": Subquery(row.values("created_at")[:1])}
            if "updated_at" in fields:
                stamps["updated_at"] = stamps["created_at"]
            created.update(**stamps)
            created.update(history_date=F("created_at"))
            # A change the demo made since (users linked to what the routine recorded) is dated
            # as the row's own last change.
            stamp = "updated_at" if "updated_at" in fields else "created_at"
            historical.objects.filter(history_date__gte=since, history_type="~").exclude(
                history_change_reason__startswith="close "
            ).update(history_date=Subquery(row.values(stamp)[:1]))
        else:
            # Records without stamps (the zone's ledgers): entered early in their year.
            created = historical.objects.filter(history_date__gte=since, history_type="+")
            if "year" in fields:
                for year in set(created.values_list("year", flat=True)):
                    entered = at(datetime.date(year, 1, 4), 10)
                    created.filter(year=year).update(history_date=entered)
            created.update(history_date=at(RECORDS_BEGIN, 9))
        if {"issued_at", "responded_at", "closed_at"} <= fields:  # notices: their own steps
            from django.db.models import Case, When

            historical.objects.filter(history_date__gte=since).update(
                history_date=Case(
                    When(status=NoticeStatus.RESPONDED, then=F("responded_at")),
                    When(status=NoticeStatus.CLOSED, then=F("closed_at")),
                    default=F("issued_at"),
                )
            )
        if {"period", "submitted_at"} <= fields:  # the reports a close locked
            close = Period.objects.filter(period=OuterRef("period")).values("closed_at")[:1]
            historical.objects.filter(
                history_date__gte=since,
                history_type="~",
                history_change_reason__startswith="close ",
            ).update(history_date=Subquery(close), updated_at=Subquery(close))
            locked = model.objects.filter(status="locked", updated_at__gte=since)
            locked.update(updated_at=Subquery(close))


def is_demo_database() -> bool:
    """Whether the database holds the demo's departments (and so may be brought up to date)."""
    from .article import DEPARTMENTS

    wanted = {code: name for code, name, _kind, _title in DEPARTMENTS}
    found = dict(Department.objects.filter(code__in=wanted).values_list("code", "name"))
    return found == wanted

"""This year of the living demo up to today: firms, figures, sponsorships, routine, projects."""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import Q, Sum

from enterprises.choices import Metric, TitleKind, TitleLevel
from enterprises.models import (
    Assignment,
    Department,
    Enterprise,
    EnterpriseTitle,
    MonthlyReport,
    Target,
)
from enterprises.services import aggregates
from enterprises.services.figures import refresh_monthly_ytd
from hengkou.services import year_turn
from projects.choices import ProjectKind, Stage
from projects.models import Project, ProjectPlan, ProjectReport

from ..article.common import (
    INVESTMENT_OFFICE,
    YEARS,
    People,
    Tally,
    Writer,
    _rng,
    apportion,
    at,
    cents,
    money,
    month_end,
    month_starts,
    next_month,
)
from ..article.firms import PROFILES, Firm, plan_firms
from ..article.projects import (
    BUILD_STEPS,
    OP,
    PROJECTS,
    RENOVATION_STEPS,
    C,
    S,
    move_through_stages,
)
from ..article.sponsorship import PLAN_STANDARDS, firm_report_rows
from ..routine import load_people, load_sponsorships, write_routine
from .channels import log_past_deliveries
from .closes import (
    TARGET_RAISE,
    THIS_YEAR_GROWTH,
    YEARLY_GROWTH,
    DemoUsers,
    LiveTally,
    close_months,
    day_end,
)
from .quality import explain_months_unclosed, explain_planted_jump, plant_quality_flags
from .stamps import _date_stage_changes, stamp_dates

# --- this year --------------------------------------------------------------------------------


def _living_firms(year: int) -> tuple[list[Firm], dict[str, float]]:
    """Return the enterprises that report from 2022 to ``year``, planned from 2021's output.

    The years between the article's and last year carry figures only (the statistics office's
    monthly reports, with the seasonal shape of 2021): no sponsorships or targets, but the
    history that the year-end projection reads (同口径), so it does not rest on 2020 alone.
    And each one's growth into last year: its output of the year before last (the base of last
    year's targets) is last year's divided by it.
    """
    rng, shapes = _rng(f"growth/{year}"), _rng(f"history-shapes/{year}")
    firms, last_growth = [], {}
    for firm in plan_firms():
        if 2021 not in firm.output:
            continue
        base = firm.output[2021]
        growth, output, profiles = 1.0, {}, {}
        for between in range(2022, year):
            last_growth[firm.key] = rng.uniform(*YEARLY_GROWTH)
            growth *= last_growth[firm.key]
            if between < year - 1:
                output[between] = round(base * growth)
                profiles[between] = [w * shapes.uniform(0.9, 1.1) for w in PROFILES[2021]]
        last_year = round(base * growth)
        this_year = round(last_year * rng.uniform(*THIS_YEAR_GROWTH))
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
                above={y for y in range(max(YEARS) + 1, year + 1) if 2021 in firm.above},
            )
        )
    return firms, last_growth


def _write_figures(writer: Writer, firms, enterprises, year: int, until: datetime.date):
    """Write the monthly figures since 2022 submitted by ``until`` (last year's and this year's,
    and the years between the article's and last year).

    Return each firm's output of last year by key, in cents (the base of this year's targets).
    """
    rng = _rng(f"monthly-reports/{year}")
    rows, last_year = [], defaultdict(int)
    for firm in firms:
        # The staff go on from the article's last month (no ramp up again from 2022).
        for row_year, row in firm_report_rows(rng, firm, enterprises[firm.key].pk, start=1.0):
            if row_year == year - 1:
                last_year[firm.key] += cents(row["output_value"])
            if row["submitted_at"] <= day_end(until):
                rows.append(row)
    years = sorted({row["period"].year for row in rows})
    plant_quality_flags(rows, until)
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
        existing=MonthlyReport.objects.filter(period__year__in=years),
        validation="local",
    )
    refresh_monthly_ytd(enterprise_ids=sorted({row["enterprise_id"] for row in rows}), years=years)
    return last_year


def _write_titles(writer: Writer, firms, enterprises, year: int) -> None:
    """List the above-scale enterprises of each year since 2022 (those of 2021 stay above)."""
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
        existing=EnterpriseTitle.objects.filter(year__in=range(max(YEARS) + 1, year + 1)),
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


def _planned_sponsorships(firms, enterprises, year: int, last_year: dict):
    """Return ``year``'s targets and plans of 2021's enterprises, by enterprise id.

    A target is a raise (``TARGET_RAISE``) over the year before's output, ``last_year``.
    """
    rng = _rng(f"targets/{year}")
    by_key = {firm.key: firm for firm in firms}
    key_of = {enterprise.pk: key for key, enterprise in enterprises.items()}
    previous = Assignment.objects.filter(year=2021).order_by("enterprise__credit_code")
    targeted = set(
        Target.objects.filter(year=2021, metric=Metric.OUTPUT_VALUE).values_list(
            "enterprise_id", flat=True
        )
    )
    targets, plans = {}, {}
    for enterprise_id in previous.values_list("enterprise_id", flat=True):
        key = key_of.get(enterprise_id)
        firm = by_key.get(key)
        target = None
        if firm is not None and enterprise_id in targeted and last_year.get(key):
            target = max(1000, round(last_year[key] * rng.uniform(*TARGET_RAISE) / 1000) * 1000)
            targets[(enterprise_id, Metric.OUTPUT_VALUE)] = money(target)
        plans[enterprise_id] = {
            "plan_goals": _goals(firm, year, target, last_year.get(key, 0))
            if firm
            else "稳定生产经营，按月报送工业经济指标。",
            "plan_standards": PLAN_STANDARDS,
            "plan_deadline": datetime.date(year, 12, 31),
        }
    return targets, plans


def _last_years_sponsorships(firms, enterprises, year: int, last_year: dict, growth, following):
    """Return last year's targets and plans, set as this year's were: a raise over its year before.

    ``year`` is last year; its year before's output is not written (the demo has no figures
    between 2021 and last year): it is last year's output over the firm's growth into it. A
    target is never lowered the next year, so each stays at most ``following``'s (this year's)
    over the smallest raise.
    """
    before = {
        key: round(output / growth[key]) for key, output in last_year.items() if growth.get(key)
    }
    targets, plans = _planned_sponsorships(firms, enterprises, year, before)
    key_of = {enterprise.pk: key for key, enterprise in enterprises.items()}
    by_key = {firm.key: firm for firm in firms}
    for (enterprise_id, metric), value in list(targets.items()):
        ceiling = following.get((enterprise_id, metric))
        if ceiling is None:
            continue
        highest = int(cents(ceiling) / TARGET_RAISE[0]) // 1000 * 1000
        if cents(value) > highest:
            key = key_of[enterprise_id]
            targets[(enterprise_id, metric)] = money(highest)
            plans[enterprise_id]["plan_goals"] = _goals(
                by_key[key], year, highest, before.get(key, 0)
            )
    return targets, plans


def _write_sponsorships(writer: Writer, year: int, targets: dict, plans: dict, *, user):
    """Turn the year as the zone does each January: the last year's sponsorships carried over.

    Through the turn of the year (hengkou/services/year_turn.py): the assignments copied as
    drafts with their teams, the plans restated and the targets set from the year before's
    figures, then confirmed at once on its first working day. A year already carried over is
    left as it is.
    """
    if Assignment.objects.filter(year=year).exists():
        return
    opening = at(datetime.date(year, 1, 4), 10)
    turn = year_turn.start_year_turn(year=year, acting_user=user, today=datetime.date(year, 1, 4))
    for draft in turn.assignments.select_related("leader").order_by("pk"):
        year_turn.update_draft_assignment(draft=draft, **plans[draft.enterprise_id])
    year_turn.set_draft_targets(turn=turn, values=targets, acting_user=user)
    year_turn.confirm_year_turn(turn=turn, acting_user=user, now=opening)
    teams = Assignment.team.through.objects.filter(assignment__year=year).count()
    for label, created in (
        ("Target", len(targets)),
        ("Assignment", len(plans)),
        ("Assignment.team", teams),
    ):
        writer.tallies.setdefault(label, Tally()).created += created


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


# Last year's projects (the year before this one), all completed within it: written by the same
# machinery as this year's, so last year's investment, inspections and evaluations are complete.
LAST_YEAR_PROJECTS = (
    (
        "集味魔芋食品精深加工技改项目",
        ProjectKind.RENOVATION,
        "jiwei",
        3,
        7,
        4200,
        "年加工魔芋精粉及制品1.2万吨",
        "更新魔芋精粉提纯和即食制品灌装设备，建设自动化包装线。",
    ),
    (
        "富硒食品精深加工园一期项目",
        ProjectKind.NEW,
        None,
        2,
        10,
        15000,
        "年加工富硒农产品3万吨",
        "建设富硒农产品初加工厂房、原料仓储和园区道路管网。",
    ),
    (
        "鑫安环保建材固废综合利用项目",
        ProjectKind.EXPANSION,
        "xinan",
        5,
        8,
        5600,
        "年利用建筑固废20万吨",
        "新建建筑固废破碎分选和再生骨料生产线，配套环保除尘设施。",
    ),
)


def _finish_old_projects(writer: Writer, today: datetime.date, acting_user=None) -> None:
    """Complete the article's unfinished projects as planned (their records of 2022-2025 aside),
    through the stage service, each move dated as it happened."""
    names = [spec.name for spec in PROJECTS]
    projects = {p.name: p for p in Project.objects.filter(name__in=names)}
    for spec in PROJECTS:
        project = projects.get(spec.name)
        if project is None or spec.stage != Stage.STARTED or spec.planned_end is None:
            continue
        rng = _rng(f"project-end/{spec.name}")
        completed = spec.planned_end + datetime.timedelta(days=rng.randint(-10, 25))
        operating = completed + datetime.timedelta(days=rng.randint(15, 45))
        moves = [(stage, day) for stage, day in ((C, completed), (OP, operating)) if day <= today]
        move_through_stages(writer, project, moves, acting_user=acting_user)
    _date_stage_changes(projects.values())


def _write_live_projects(
    writer: Writer,
    year: int,
    today: datetime.date,
    people: People,
    acting_user=None,
    specs=LIVE_PROJECTS,
):
    """Write ``year``'s projects (``specs``) up to ``today``, each with its plan and reports.

    This year's start in spring and summer, one completes, one stays in reserve.
    """
    key_of = {firm.key: firm.credit_code for firm in plan_firms()}
    sponsors = {
        a.enterprise.credit_code: a
        for a in Assignment.objects.filter(year=year).select_related("enterprise", "department")
    }
    office = Department.objects.get(code=INVESTMENT_OFFICE)
    enterprises = Enterprise.objects.in_bulk(list(key_of.values()), field_name="credit_code")
    rows, plans, reports, moves = [], {}, {}, {}
    for name, kind, firm, start_month, months, total, capacity, description in specs:
        rng = _rng(f"live-project/{year}/{name}")
        first = datetime.date(year, start_month or 12, 1)
        last = first
        for _ in range(months - 1):
            last = next_month(last)
        started = first.replace(day=rng.randint(6, 20)) if start_month else None
        planned_end = month_end(last)
        completed = planned_end - datetime.timedelta(days=rng.randint(3, 8)) if started else None
        enterprise = enterprises.get(key_of[firm]) if firm else None
        rows.append(
            {
                "name": name,
                "enterprise_id": enterprise.pk if enterprise else None,
                "kind": kind,
                # Entered in reserve; the stage service moves it on below, dated.
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
        moves[name] = [
            (to_stage, day)
            for to_stage, day in ((S, started), (C, completed))
            if day is not None and day <= today
        ]
    written = writer.rows(Project, ("name",), rows, existing=Project.objects.filter(name__in=plans))
    by_name = {name: project for (name,), project in written.items()}
    for name, project in by_name.items():
        move_through_stages(writer, project, moves[name], acting_user=acting_user)
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


def _projects_are_last_years(year: int) -> bool:
    """Whether ``LAST_YEAR_PROJECTS`` may be written into ``year``.

    Not when ``year`` was the demo's "this year" when its projects were written (a demo living
    into the next year) or when those projects are planned in another year already.
    """
    names = [spec[0] for spec in LAST_YEAR_PROJECTS]
    plans = ProjectPlan.objects.filter(Q(year=year) | Q(project__name__in=names))
    return not plans.exclude(year=year, project__name__in=names).exists()


def bring_this_year(writer: Writer, today: datetime.date, acting_user=None) -> int | None:
    """Write last year whole and this year up to ``today``: sponsorships, targets, figures and
    routine.

    Last year (unless it is one of the article's) is a complete year of the zone: turned from
    2021 on its first working day, its routine run to its end and into the January after. Its
    sponsorships are written only where the demo has none of a later year (a demo installed
    before last year was complete keeps its years as they are).
    """
    year = today.year
    if year <= max(YEARS):
        return None
    firms, growth = _living_firms(year)
    by_code = Enterprise.objects.in_bulk([f.credit_code for f in firms], field_name="credit_code")
    enterprises = {f.key: by_code[f.credit_code] for f in firms if f.credit_code in by_code}
    firms = [firm for firm in firms if firm.key in enterprises]
    last_year = _write_figures(writer, firms, enterprises, year, today)
    _write_titles(writer, firms, enterprises, year)
    targets, plans = _planned_sponsorships(firms, enterprises, year, last_year)
    if year - 1 not in YEARS and not Assignment.objects.filter(year__gte=year - 1).exists():
        _write_sponsorships(
            writer,
            year - 1,
            *_last_years_sponsorships(firms, enterprises, year - 1, last_year, growth, targets),
            user=acting_user,
        )
    _write_sponsorships(writer, year, targets, plans, user=acting_user)
    # Bulk writes send no signals: the department totals of the years follow here.
    aggregates.refresh_years(years=[year - 1, year])
    people = load_people()
    _finish_old_projects(writer, today, acting_user)
    if year - 1 not in YEARS and Assignment.objects.filter(year=year - 1).exists():
        if _projects_are_last_years(year - 1):
            _write_live_projects(writer, year - 1, today, people, acting_user, LAST_YEAR_PROJECTS)
        _run_routine(writer, year - 1, today, people)
    _write_live_projects(writer, year, today, people, acting_user)
    _run_routine(writer, year, today, people)
    return year


def months_to_close(year: int, today: datetime.date) -> list[datetime.date]:
    """Return the months of last year (when the demo sponsored it) and this year to close."""
    months = [m for m in month_starts(year) if next_month(m) <= today]
    if year - 1 in YEARS or not Assignment.objects.filter(year=year - 1).exists():
        return months
    return month_starts(year - 1) + months


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
        year = bring_this_year(writer, today, acting_user=users.bureau)
        if year is not None:
            close_months(months_to_close(year, today), users, today, tally)
            between = [m for y in range(max(YEARS) + 1, year - 1) for m in month_starts(y)]
            explain_months_unclosed(between, users)
            explain_planted_jump(today, users)
        # The channels' log of the notices and escalations so far, as it would have happened.
        log_past_deliveries(before=since)
        stamp_dates(since)
        # The dates just written include when reports were submitted (on time or late).
        aggregates.rebuild_department_ytd()
    return tally, writer

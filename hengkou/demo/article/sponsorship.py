"""Writing the article's plan of 2020–2021.

Departments, officials, enterprises, titles, sponsorships, monthly reports and targets; the
projects are written by ``projects``.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass

from enterprises.choices import DepartmentKind, Metric, OfficialRank, TitleKind, TitleLevel
from enterprises.models import (
    Assignment,
    Department,
    Enterprise,
    EnterpriseTitle,
    MonthlyReport,
    Official,
    Target,
)
from enterprises.services.figures import refresh_monthly_ytd

from .common import (
    DEPARTMENTS,
    GIVEN_NAMES,
    LEADER_TITLES,
    LEADING_OFFICE,
    NEW_ABOVE_SCALE_2021,
    PLUSH_CHAIN,
    SURNAMES,
    People,
    Writer,
    _rng,
    apportion,
    at,
    cents,
    money,
    month_starts,
    next_month,
)
from .firms import Firm, plan_firms
from .projects import _write_projects
from .texts import of_its_time

# --- writing the plan ---------------------------------------------------------------------------


def write_article(writer: Writer):
    """Write the article's enterprises, sponsorships, figures and projects of 2020–2021.

    Return the sponsorships by (firm key, year), the departments by code and the people, which
    the year's routine (``routine.write_routine``) goes on from.
    """
    departments = _write_departments(writer)
    officials = _write_officials(writer, departments)
    firms = plan_firms()
    enterprises = _write_enterprises(writer, firms)
    _write_titles(writer, firms, enterprises)
    actuals = _write_monthly_reports(writer, firms, enterprises)
    # Bulk writes bypass the report service, so the rollup is brought up to date here.
    refresh_monthly_ytd(
        enterprise_ids=[enterprise.pk for enterprise in enterprises.values()],
        years=[2020, 2021],
    )
    targets = _write_targets(writer, firms, enterprises, actuals)
    assignments = _write_assignments(writer, firms, enterprises, departments, officials, targets)
    _write_projects(writer, enterprises, departments, officials, assignments)
    return assignments, departments, officials


def _write_departments(writer: Writer) -> dict[str, Department]:
    rows = [{"code": code, "name": name, "kind": kind} for code, name, kind, _ in DEPARTMENTS]
    written = writer.rows(
        Department,
        ("code",),
        rows,
        existing=Department.objects.filter(code__in=[r["code"] for r in rows]),
    )
    return {code: obj for (code,), obj in written.items()}


def _write_officials(writer: Writer, departments: dict[str, Department]) -> People:
    rng = _rng("officials")
    used: set[str] = set()

    def person() -> str:
        while True:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
            if name not in used:
                used.add(name)
                return name

    rows = []
    leader_names = []
    for title in LEADER_TITLES:
        leader_names.append(person())
        rows.append(
            {
                "department_id": departments[LEADING_OFFICE].pk,
                "name": leader_names[-1],
                "rank": OfficialRank.COUNTY_LEADER,
                "title": title,
            }
        )
    plan: dict[str, tuple[str, list[str]]] = {}
    for code, _name, kind, head_title in DEPARTMENTS:
        head = person()
        count = rng.randint(2, 4) if kind == DepartmentKind.SPONSOR else 1
        staff = [person() for _ in range(count)]
        plan[code] = (head, staff)
        dept_id = departments[code].pk
        rows.append(
            {
                "department_id": dept_id,
                "name": head,
                "rank": OfficialRank.DEPARTMENT_HEAD,
                "title": head_title,
            }
        )
        for n, name in enumerate(staff):
            title = ("副" + head_title) if n == 0 and kind == DepartmentKind.SPONSOR else "干部"
            rows.append(
                {"department_id": dept_id, "name": name, "rank": OfficialRank.STAFF, "title": title}
            )
    written = writer.rows(
        Official,
        ("department_id", "name"),
        rows,
        existing=Official.objects.filter(department__in=departments.values()),
    )

    def official(code: str, name: str) -> Official:
        return written[(departments[code].pk, name)]

    return People(
        leaders=[official(LEADING_OFFICE, name) for name in leader_names],
        heads={code: official(code, head) for code, (head, _) in plan.items()},
        staff={code: [official(code, n) for n in staff] for code, (_, staff) in plan.items()},
    )


def _write_enterprises(writer: Writer, firms: list[Firm]) -> dict[str, Enterprise]:
    rows = [
        {
            "credit_code": firm.credit_code,
            "name": firm.name,
            "chain": firm.chain,
            "chain_role": firm.role,
            "employees": firm.employees,
            "poverty_employees": firm.poverty,
            "address": firm.address,
        }
        for firm in firms
    ]
    written = writer.rows(
        Enterprise,
        ("credit_code",),
        rows,
        existing=Enterprise.objects.filter(credit_code__in=[r["credit_code"] for r in rows]),
    )
    return {firm.key: written[(firm.credit_code,)] for firm in firms}


def _write_titles(writer: Writer, firms: list[Firm], enterprises) -> None:
    rows = [
        {"enterprise_id": enterprises[f.key].pk, "title": TitleKind.ABOVE_SCALE, "year": year}
        for f in firms
        for year in sorted(f.above)
    ]
    # 集味魔芋 was newly recognised as a provincial high-tech enterprise in 2021.
    rows.append(
        {
            "enterprise_id": enterprises["jiwei"].pk,
            "title": TitleKind.HIGH_TECH,
            "year": 2021,
            "level": TitleLevel.PROVINCIAL,
        }
    )
    for row in rows:
        row.setdefault("level", TitleLevel.NONE)
    writer.rows(
        EnterpriseTitle,
        ("enterprise_id", "title", "year"),
        rows,
        existing=EnterpriseTitle.objects.filter(enterprise__in=enterprises.values()),
    )


@dataclass
class Sponsorship:
    """An assignment as written, with the people the later sections need."""

    firm_key: str
    year: int
    enterprise: Enterprise
    department: Department
    leader: Official
    responsible: Official
    head: Official
    team: list


PLAN_STANDARDS = (
    "县级领导每季度到企帮扶不少于1次，部门主要负责人每月到企帮扶不少于1次，"
    "帮扶责任人每周到企帮扶不少于1次，紧急事项随时到企；"
    "企业诉求1日内交办、3日内反馈、7日内办结（重大事项30日内）；"
    "每月5日前报送工业经济指标，按时向领导小组办公室报送工作开展情况。"
)


def _plan_goals(firm: Firm, year: int, target: int | None) -> str:
    if target:
        parts = [f"{year}年实现工业总产值{target // 100}万元"]  # targets are whole 10万元
    else:
        parts = ["稳定生产经营，按月报送工业经济指标"]
    if year in firm.above:
        parts.append("稳定在规模以上工业企业库")
    elif firm.key in NEW_ABOVE_SCALE_2021:
        parts.append(f"指导完善统计台账，力争{year + 1}年入库纳统")
    parts.append(of_its_time("做好安全生产、环境保护、工资发放和疫情防控工作", year))
    if firm.key in ("jiwei", "boxuda"):
        parts.append("指导完善高新技术企业认定资料")
    if firm.key == "hairun":
        parts.append("指导准备“专精特新”企业申报资料")
    return "；".join(parts) + "。"


def _write_assignments(writer, firms, enterprises, departments, people: People, targets):
    rng = _rng("assignments")
    sponsors = [code for code, _, kind, _ in DEPARTMENTS if kind == DepartmentKind.SPONSOR]
    assigned = [f for f in firms if f.assigned]
    order = assigned[:]
    rng.shuffle(order)
    dept_2021 = {f.key: sponsors[n % len(sponsors)] for n, f in enumerate(order)}
    # A handful of enterprises changed sponsoring department between the two years.
    movers = rng.sample(sorted(f.key for f in assigned if 2020 in f.assigned), 4)
    dept_of = {}
    for firm in assigned:
        dept_of[(firm.key, 2021)] = dept_2021[firm.key]
        dept_of[(firm.key, 2020)] = (
            rng.choice([c for c in sponsors if c != dept_2021[firm.key]])
            if firm.key in movers
            else dept_2021[firm.key]
        )
    leader_of = {f.key: rng.choice(people.leaders) for f in assigned}

    rows, teams, plans = [], {}, []
    for firm in assigned:
        for year in sorted(firm.assigned):
            code = dept_of[(firm.key, year)]
            staff = people.staff[code]
            responsible = rng.choice(staff)
            team = [responsible, people.heads[code]]
            others = [s for s in staff if s is not responsible]
            if others and rng.random() < 0.5:
                team.append(rng.choice(others))
            rows.append(
                {
                    "enterprise_id": enterprises[firm.key].pk,
                    "year": year,
                    "leader_id": leader_of[firm.key].pk,
                    "department_id": departments[code].pk,
                    "responsible_id": responsible.pk,
                    "plan_goals": _plan_goals(firm, year, targets.get((firm.key, year))),
                    "plan_standards": PLAN_STANDARDS,
                    "plan_deadline": datetime.date(year, 12, 31),
                }
            )
            teams[(enterprises[firm.key].pk, year)] = team
            plans.append((firm, year, code, responsible, team))
    written = writer.rows(
        Assignment,
        ("enterprise_id", "year"),
        rows,
        existing=Assignment.objects.filter(enterprise__in=enterprises.values()),
    )
    writer.links(
        "Assignment.team",
        Assignment.team.through,
        "assignment",
        "official",
        {written[key].pk: {o.pk for o in team} for key, team in teams.items()},
    )
    result = {}
    for firm, year, code, responsible, team in plans:
        enterprise = enterprises[firm.key]
        result[(firm.key, year)] = Sponsorship(
            firm_key=firm.key,
            year=year,
            enterprise=enterprise,
            department=departments[code],
            leader=leader_of[firm.key],
            responsible=responsible,
            head=people.heads[code],
            team=team,
        )
    return result


# Electricity (万千瓦时 per 万元 of output) and monthly wage (元 per person) by sector.
INTENSITY = {
    "fibre": 0.12,
    PLUSH_CHAIN: 0.015,
    "富硒食品": 0.04,
    "新型建材": 0.20,
    "装备制造": 0.05,
    "纺织服装": 0.02,
    "生物医药": 0.03,
}
WAGES = {
    PLUSH_CHAIN: (3600, 4200),
    "fibre": (4000, 4600),
    "富硒食品": (3500, 4200),
    "新型建材": (4200, 5000),
    "装备制造": (4500, 5500),
    "纺织服装": (3600, 4300),
    "生物医药": (4500, 5600),
}


def firm_report_rows(
    rng: random.Random, firm: Firm, enterprise_id: int, *, start: float | None = None
):
    """Yield (year, row) for each planned month of ``firm.output``'s years, missing ones left out.

    The staff grow from ``start`` (a share of ``firm.employees``; drawn when not given) to
    ``firm.employees`` in the last month. The random draws per month do not depend on which
    months are missing, so a row is the same whichever months are written.
    """
    wage_low, wage_high = WAGES[firm.sector]
    wage = rng.randint(wage_low, wage_high)
    if start is None:
        start = 0.35 if firm.key == "hengtong" else rng.uniform(0.78, 0.95)
    months = [p for year in sorted(firm.output) for p in month_starts(year)]
    for year in sorted(firm.output):
        outputs = apportion(firm.output[year], firm.profiles[year])
        for period, output in zip(month_starts(year), outputs, strict=True):
            step = months.index(period) / max(len(months) - 1, 1)
            level = start + (1 - start) * step
            if period == months[-1]:
                employees = firm.employees
            else:
                employees = max(1, round(firm.employees * level * rng.uniform(0.985, 1.015)))
            bonus = 1.3 if period.month == 12 else 1.0
            electricity = output * INTENSITY[firm.sector] * rng.uniform(0.9, 1.1)
            row = {
                "enterprise_id": enterprise_id,
                "period": period,
                "output_value": money(output),
                "value_added": money(output * rng.randint(2500, 3000) // 10000),
                "revenue": money(output * rng.randint(9300, 10500) // 10000),
                "profit": money(output * rng.randint(-150, 900) // 10000),
                "tax": money(output * rng.randint(200, 400) // 10000),
                "employees": employees,
                "wages": money(int(employees * wage * bonus) // 100),
                "electricity": money(max(int(electricity), 150 if output == 0 else 1)),
                "submitted_at": _submitted_at(rng, period),
            }
            if period not in firm.missing:
                yield year, row


def _write_monthly_reports(writer: Writer, firms, enterprises) -> dict:
    """Write the monthly figures; return annual sums by (firm key, year) and metric, in cents."""
    rng = _rng("monthly-reports")
    rows = []
    actuals: dict = defaultdict(lambda: defaultdict(int))
    for firm in firms:
        if not firm.output:
            continue
        for year, row in firm_report_rows(rng, firm, enterprises[firm.key].pk):
            rows.append(row)
            for metric in Metric.values:
                if metric != Metric.EMPLOYEES:
                    actuals[(firm.key, year)][metric] += cents(row[metric])
    writer.rows(
        MonthlyReport,
        ("enterprise_id", "period"),
        rows,
        existing=MonthlyReport.objects.filter(enterprise__in=enterprises.values()),
        validation="local",
    )
    return actuals


def _submitted_at(rng: random.Random, period: datetime.date) -> datetime.datetime:
    # Most reports arrive by the 5th of the next month; about one in ten comes on the 6th, in the
    # morning before the month is closed (at 11:00). The draws are the same either way.
    day = rng.randint(1, 5) if rng.random() < 0.9 else rng.randint(6, 12)
    hour, minute = rng.randint(8, 18), rng.randint(0, 59)
    if day > 5:
        day, hour = 6, 8 + hour % 3
    return at(next_month(period).replace(day=day), hour, minute)


def _write_targets(writer: Writer, firms, enterprises, actuals) -> dict:
    """Write the annual targets; return the output targets by (firm key, year), in cents."""
    rng = _rng("targets")
    rows, output_targets = [], {}
    for firm in firms:
        for year in sorted(firm.assigned - firm.untargeted):
            actual = actuals[(firm.key, year)]
            metrics = [Metric.OUTPUT_VALUE]
            if rng.random() < 0.35:
                metrics += [Metric.VALUE_ADDED, Metric.REVENUE, Metric.TAX]
            for metric in metrics:
                # Targets are set at the start of the year; outcomes land within -11%..+18% of
                # them, so that some departments finish ahead of time progress and some behind.
                planned = actual[metric] * rng.uniform(0.85, 1.12)
                step = 1000 if metric != Metric.TAX else 100  # 10万元, or 1万元 for tax
                value = max(step, round(planned / step) * step)
                if metric == Metric.OUTPUT_VALUE:
                    output_targets[(firm.key, year)] = value
                rows.append(
                    {
                        "enterprise_id": enterprises[firm.key].pk,
                        "year": year,
                        "metric": metric,
                        "value": money(value),
                    }
                )
    writer.rows(
        Target,
        ("enterprise_id", "year", "metric"),
        rows,
        existing=Target.objects.filter(enterprise__in=enterprises.values()),
        validation="local",
    )
    return output_targets

"""The routine's reports and inspections.

The monthly work reports, the quarterly inspections of the sponsoring departments, and the
projects' half-year inspections and year-end evaluations.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from enterprises.choices import ProblemAction, ProblemSeverity
from enterprises.models import Assignment, MonthlyReport, Official, Target, WorkReport
from enterprises.selectors.duties import quarter_window, week_windows
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

from ...models import Inspection
from ..article.common import People, Writer, _rng, at, next_month
from ..article.texts import of_its_time
from .plan import (
    GRADE_NAMES,
    INSPECTION_ADVICE,
    NEXT_STEPS,
    PROJECT_ADVICE,
    SUPERVISION_OFFICE,
    Plan,
    PlannedProblem,
    PlannedVisit,
    _days,
    _percent,
    _user_id,
    planned_compliance,
)
from .visits import _stamp

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
            steps = [of_its_time(step, year) for step in rng.sample(NEXT_STEPS, 2)]
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
        last = window.end  # 一季一督查: within its quarter (hengkou.models.Inspection)
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

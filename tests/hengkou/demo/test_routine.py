"""The demo's monthly routine (issue 17): visits at the article's cadence, problems along their
clocks, work reports, inspections and evaluations, planned whole and written as of a day."""

import datetime
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from core.periods import quarter_bounds
from enterprises.choices import ProblemAction, ProblemStatus, VisitKind
from enterprises.models import (
    Assignment,
    Department,
    Official,
    Problem,
    ProblemEvent,
    Visit,
    WorkReport,
)
from enterprises.selectors.duties import get_visit_compliance, year_months
from hengkou.demo.article import Writer
from hengkou.demo.routine import (
    link_routine_users,
    load_people,
    load_sponsorships,
    write_routine,
)
from hengkou.demo.seed import seed_demo
from hengkou.models import Inspection
from projects.models import ProjectEvaluation, ProjectInspection

pytestmark = pytest.mark.django_db
D = datetime.date
SHANGHAI = ZoneInfo("Asia/Shanghai")
AFTERMATH = D(2022, 1, 31)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo data once; each test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():
        seed_demo()
        yield
        transaction.set_rollback(True)


def _local(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(SHANGHAI).date()


def test_2021_visit_compliance_is_high_in_every_department_with_a_few_real_misses(demo):
    compliance = get_visit_compliance(periods=year_months(2021), today=D(2026, 1, 1))
    rates = [row.compliance for row in compliance.departments]
    assert len(rates) == 10
    assert all(0.70 <= rate <= 1 for rate in rates), rates
    assert sum(rate >= 0.85 for rate in rates) >= 7, rates
    assert sum(row.missed for row in compliance.departments) >= 1
    assert all(row.due == 0 for row in compliance.departments)


def test_visits_are_on_working_days_at_the_cadence_with_the_emergencies(demo):
    visits = Visit.objects.filter(visited_on__year=2021)
    assert all(day.weekday() < 5 for day in visits.values_list("visited_on", flat=True))
    assert visits.filter(kind=VisitKind.EMERGENCY).count() == 3
    # About one visit a week per assignment: the responsible person's weekly duty.
    assignments = Assignment.objects.filter(year=2021).count()
    assert 40 * assignments <= visits.count() <= 60 * assignments
    # The leaders meet their quarterly duty on most assignments.
    leader_visits = Visit.participants.through.objects.filter(
        visit__visited_on__year=2021, official__rank="county_leader"
    ).count()
    assert leader_visits >= 3 * assignments
    # A visit is recorded on its day.
    for visit in visits.order_by("pk")[::97]:
        assert _local(visit.created_at) == visit.visited_on == _local(visit.updated_at)


def test_nothing_is_dated_after_the_years_aftermath(demo):
    assert not Visit.objects.filter(visited_on__gt=D(2021, 12, 31)).exists()
    assert not Problem.objects.filter(raised_on__gt=D(2021, 12, 31)).exists()
    assert not Problem.objects.filter(resolved_on__gt=AFTERMATH).exists()
    end = datetime.datetime(2022, 2, 1, tzinfo=SHANGHAI)
    assert not ProblemEvent.objects.filter(at__gte=end).exists()
    assert not WorkReport.objects.filter(created_at__gte=end).exists()
    assert not Inspection.objects.filter(inspected_on__gt=D(2021, 12, 31)).exists()
    assert not ProjectInspection.objects.filter(inspected_on__gt=D(2021, 12, 31)).exists()
    assert not ProjectEvaluation.objects.filter(confirmed_at__gte=end).exists()


def test_every_problem_of_history_is_concluded_along_its_clocks(demo):
    problems = Problem.objects.filter(raised_on__year=2021).prefetch_related("events")
    assert 24 <= problems.count() <= 36  # 2–3 a month across the zone
    late = 0
    for problem in problems:
        assert problem.status == ProblemStatus.RESOLVED
        assert problem.resolved_on <= AFTERMATH
        assert (problem.assigned_on - problem.raised_on).days <= 1
        assert (problem.first_feedback_on - problem.raised_on).days <= 3
        assert problem.first_feedback_on <= problem.solved_on < problem.resolved_on
        steps = {event.action: event for event in problem.events.all()}
        assert _local(steps[ProblemAction.RAISED].at) == problem.raised_on
        assert _local(steps[ProblemAction.ASSIGNED].at) == problem.assigned_on
        assert _local(steps[ProblemAction.FEEDBACK].at) == problem.first_feedback_on
        assert _local(steps[ProblemAction.SOLVED].at) == problem.solved_on
        assert _local(steps[ProblemAction.CONFIRMED].at) == problem.resolved_on
        ordered = [event.action for event in sorted(problem.events.all(), key=lambda e: e.at)]
        assert [a for a in ordered if a != ProblemAction.ESCALATED] == [
            "raised",
            "assigned",
            "feedback",
            "solved",
            "confirmed",
        ]
        assert _local(problem.created_at) == problem.raised_on
        assert _local(problem.updated_at) == problem.resolved_on
        if problem.resolved_on > problem.due_on:
            late += 1
            escalation = steps[ProblemAction.ESCALATED]
            assert escalation.clock == "solve"
            assert _local(escalation.at) == problem.due_on + datetime.timedelta(days=1)
        else:
            assert ProblemAction.ESCALATED not in steps
    assert late >= 1
    assert not Problem.objects.exclude(status=ProblemStatus.RESOLVED).exists()


def test_each_assignment_reports_most_months_by_the_fifth(demo):
    reports = WorkReport.objects.filter(period__year=2021).select_related("assignment__enterprise")
    per_assignment = Counter(report.assignment_id for report in reports)
    assignments = Assignment.objects.filter(year=2021).values_list("pk", flat=True)
    assert all(per_assignment[pk] >= 9 for pk in assignments), per_assignment
    assert sum(per_assignment.values()) < 12 * len(assignments)  # a few months missing
    late = 0
    for report in reports:
        submitted = _local(report.created_at)
        following = D(2021 + report.period.month // 12, report.period.month % 12 + 1, 1)
        assert submitted.replace(day=1) == following
        late += submitted.day > 5
        assert report.assignment.enterprise.name not in ("", None)
        assert report.progress.startswith(f"{report.period.month}月")
        assert report.standards and report.deadlines
    assert 0 < late < len(reports) / 5
    assert len({report.progress for report in reports}) > len(reports) * 0.9


def test_each_sponsor_department_is_inspected_every_quarter(demo):
    sponsors = Department.objects.filter(kind="sponsor")
    for department in sponsors:
        quarters = Inspection.objects.filter(
            year=2021, department=department, assignment__isnull=True
        )
        assert sorted(quarters.values_list("quarter", flat=True)) == [1, 2, 3, 4], department
        for inspection in quarters:
            assert 75 <= inspection.score <= 98
            assert inspection.findings
            # 一季一督查: within its quarter, in its last two weeks; a full_clean agrees.
            _start, end = quarter_bounds(2021, inspection.quarter)
            assert end - datetime.timedelta(days=13) <= inspection.inspected_on <= end
            inspection.full_clean()
            assert _local(inspection.created_at) == inspection.inspected_on
    assert Inspection.objects.filter(year=2021, assignment__isnull=False).count() == 1


def test_projects_are_inspected_each_half_and_graded_in_january(demo):
    inspections = ProjectInspection.objects.filter(year=2021)
    assert {i.half for i in inspections} == {1, 2}
    for inspection in inspections:
        assert (inspection.inspected_on.month <= 6) == (inspection.half == 1)
        assert 0 <= inspection.rating <= 100 and inspection.findings
    evaluations = ProjectEvaluation.objects.filter(year=2021)
    assert evaluations.count() >= 5
    for evaluation in evaluations:
        assert evaluation.grade == evaluation.proposed_grade != ""
        assert _local(evaluation.confirmed_at).replace(day=1) == D(2022, 1, 1)
        assert _local(evaluation.created_at).replace(day=1) == D(2021, 12, 1)
        assert evaluation.updated_at == evaluation.confirmed_at


def _clear_2021_routine():
    ProblemEvent.objects.filter(problem__raised_on__year=2021).delete()
    Problem.objects.filter(raised_on__year=2021).delete()
    Visit.objects.filter(visited_on__year=2021).delete()
    WorkReport.objects.filter(period__year=2021).delete()
    Inspection.objects.filter(year=2021).delete()
    ProjectInspection.objects.filter(year=2021).delete()
    ProjectEvaluation.objects.filter(year=2021).delete()


def _run(until):
    writer = Writer()
    departments = {d.code: d for d in Department.objects.all()}
    write_routine(
        writer,
        load_sponsorships(2021),
        year=2021,
        until=until,
        departments=departments,
        people=load_people(),
    )
    return writer.tallies


def _written():
    return {
        "visits": set(Visit.objects.values_list("enterprise_id", "visited_on", "notes", "kind")),
        "participants": Visit.participants.through.objects.count(),
        "problems": set(Problem.objects.values_list("enterprise_id", "raised_on", "category")),
    }


def test_a_partial_year_is_the_full_plan_cut_at_the_day_and_a_later_day_advances_it(demo):
    full = {
        "visits": set(
            Visit.objects.filter(visited_on__year=2021).values_list(
                "enterprise_id", "visited_on", "notes", "kind"
            )
        )
    }
    # A problem raised on a day and confirmed a few days later.
    problem = (
        Problem.objects.filter(raised_on__year=2021, raised_on__month=6)
        .order_by("raised_on", "pk")
        .first()
    )
    first, later = problem.raised_on, problem.resolved_on
    _clear_2021_routine()

    tallies = _run(first)
    assert tallies["Visit"].created > 0
    assert not Visit.objects.filter(visited_on__gt=first).exists()
    assert {v for v in full["visits"] if v[1] <= first} == set(
        Visit.objects.values_list("enterprise_id", "visited_on", "notes", "kind").filter(
            visited_on__year=2021
        )
    )
    end = datetime.datetime.combine(
        first + datetime.timedelta(days=1), datetime.time(), tzinfo=SHANGHAI
    )
    assert not ProblemEvent.objects.filter(at__gte=end).exists()
    assert not Problem.objects.filter(updated_at__gte=end).exists()
    assert not WorkReport.objects.filter(created_at__gte=end).exists()
    assert not Inspection.objects.filter(inspected_on__gt=first).exists()
    assert not ProjectInspection.objects.filter(inspected_on__gt=first).exists()
    assert not ProjectEvaluation.objects.filter(year=2021).exists()
    open_now = Problem.objects.get(
        enterprise=problem.enterprise, raised_on=first, category=problem.category
    )
    assert open_now.status in (ProblemStatus.OPEN, ProblemStatus.ASSIGNED)
    assert open_now.resolved_on is None
    assert WorkReport.objects.filter(period__year=2021).exists()

    again = _run(first)
    assert all(t.created == t.updated == t.deleted == 0 for t in again.values()), again
    before = _written()

    advanced = _run(later)
    assert advanced["Visit"].created > 0
    assert advanced["Problem"].updated >= 1
    open_now.refresh_from_db()
    assert open_now.status == ProblemStatus.RESOLVED
    assert _local(open_now.updated_at) == later
    after = _written()
    assert before["visits"] < after["visits"]
    assert before["problems"] <= after["problems"]
    assert not Visit.objects.filter(visited_on__gt=later).exists()


def test_writing_the_whole_year_again_writes_nothing(demo):
    tallies = _run(None)
    assert all(t.created == t.updated == t.deleted == 0 for t in tallies.values()), tallies


def test_officials_users_fill_the_routines_user_fields_once(demo):
    User = get_user_model()
    assignment = (
        Assignment.objects.filter(
            year=2021,
            enterprise__in=Problem.objects.filter(raised_on__year=2021).values("enterprise"),
        )
        .select_related("responsible", "department")
        .order_by("enterprise__credit_code")
        .first()
    )
    responsible = assignment.responsible
    head = Official.objects.get(department=assignment.department, rank="department_head")
    supervisor = Official.objects.get(department__code="HK02", rank="department_head")
    for n, official in enumerate((responsible, head, supervisor)):
        official.user = User.objects.create_user(username=f"routine-{n}")
        official.save()

    counts = link_routine_users()
    assert counts["WorkReport.submitted_by"] >= 9
    reports = WorkReport.objects.filter(assignment=assignment)
    assert set(reports.values_list("submitted_by", flat=True)) == {responsible.user_id}
    raised = ProblemEvent.objects.filter(
        action=ProblemAction.RAISED,
        problem__enterprise=assignment.enterprise,
        problem__raised_on__year=2021,
    )
    assert set(raised.values_list("by", flat=True)) == {responsible.user_id}
    routed = ProblemEvent.objects.filter(
        action=ProblemAction.ASSIGNED,
        problem__enterprise=assignment.enterprise,
        problem__raised_on__year=2021,
    )
    assert set(routed.values_list("by", flat=True)) == {head.user_id}
    assert set(Inspection.objects.values_list("inspector", flat=True)) == {supervisor.user_id}
    assert set(ProjectEvaluation.objects.values_list("confirmed_by", flat=True)) == {
        supervisor.user_id
    }
    assert not ProblemEvent.objects.filter(action="escalated", by__isnull=False).exists()
    visits = Visit.objects.filter(enterprise=assignment.enterprise, visited_on__year=2021)
    assert set(visits.values_list("created_by", flat=True)) == {responsible.user_id}
    # The fill-in is recorded in the audit trail, once.
    report = reports.first()
    assert report.history.first().history_user_id is None
    assert report.history.first().submitted_by_id == responsible.user_id

    assert all(n == 0 for n in link_routine_users().values())
    # The routine written now names the same users: nothing to change.
    tallies = _run(None)
    assert all(t.created == t.updated == t.deleted == 0 for t in tallies.values()), tallies

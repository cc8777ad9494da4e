"""The fast visit-duty reads equal the plain window-by-window computation, figure for figure.

``get_visit_compliance`` (every window tallied in Python) is the reference; the pages, the API,
the assessment and the bulletin read ``list_duty_lines``, ``list_department_compliance`` and
``get_scoped_compliance``, which count the visited windows in the database. Generated data with
visits on the windows' edges (first and last days of weeks, months and quarters, the days
around them), several visits in one window, visits by officials without a duty there, to
enterprises assigned only in another year, a department without a head and a head who is also
a responsible person.
"""

import datetime
import random

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from enterprises.models import Department
from enterprises.selectors.duties import (
    DEPARTMENT_DUTIES,
    get_visit_compliance,
    month_window,
    scope_compliance,
    week_windows,
    year_months,
)
from enterprises.selectors.duty_counts import (
    get_scoped_compliance,
    list_department_compliance,
    list_duty_lines,
)
from tests.factories import (
    AssignmentFactory,
    CountyLeaderFactory,
    DepartmentFactory,
    EnterpriseFactory,
    OfficialFactory,
    UserFactory,
    VisitFactory,
)
from tests.roles import user_with_role

D = datetime.date
YEAR = 2021


def _edge_days() -> list[datetime.date]:
    """Return the first and last days of the weeks, months and quarters around 2021, and the
    days either side of them."""
    days = set()
    for period in [D(2020, 12, 1), *year_months(YEAR), D(2022, 1, 1)]:
        month = month_window(period)
        days |= {month.start, month.end}
        for week in week_windows(period):
            days |= {week.start, week.end, week.start + datetime.timedelta(days=3)}
    around = {day + datetime.timedelta(days=shift) for day in days for shift in (-1, 0, 1)}
    return sorted(day for day in around if D(2020, 12, 20) <= day <= D(2022, 1, 10))


@pytest.fixture
def zone(db):
    """Departments, officials and assignments of 2021 (and 2020), with visits on window edges."""
    rng = random.Random(19)
    days = _edge_days()
    leaders = [CountyLeaderFactory() for _index in range(3)]
    departments = [DepartmentFactory() for _index in range(4)]
    staff = {d.pk: [OfficialFactory(department=d) for _index in range(3)] for d in departments}
    heads = {
        d.pk: OfficialFactory(department=d, rank="department_head") for d in departments[:3]
    }  # the fourth department has no head
    outsider = OfficialFactory()
    assignments = []
    for index in range(28):
        department = departments[index % 4]
        responsible = rng.choice(staff[department.pk])
        if index == 2:  # the head is also this enterprise's responsible person
            responsible = heads[department.pk]
        assignment = AssignmentFactory(
            year=YEAR,
            enterprise=EnterpriseFactory(name=f"企业{index:02d}"),
            leader=rng.choice(leaders),
            department=department,
            responsible=responsible,
        )
        assignment.team.add(rng.choice(staff[department.pk]))
        assignments.append(assignment)
    # 2020 only: visits to this enterprise count for no 2021 duty.
    earlier = AssignmentFactory(year=YEAR - 1, department=departments[0])
    for assignment in [*assignments, earlier]:
        people = [assignment.leader, assignment.responsible, outsider]
        if assignment.department_id in heads:
            people.append(heads[assignment.department_id])
        for _visit in range(rng.randint(0, 40)):
            visit = VisitFactory(
                enterprise=assignment.enterprise,
                visited_on=rng.choice(days),
                kind=rng.choice(["routine", "emergency"]),
            )
            visit.participants.add(*rng.sample(people, rng.randint(1, len(people))))
    return {
        "assignments": assignments,
        "departments": departments,
        "heads": heads,
        "staff": staff,
        "leaders": leaders,
    }


PERIODS = [
    [D(YEAR, 1, 1)],
    [D(YEAR, 3, 1)],
    [D(YEAR, 4, 1)],
    [D(YEAR, 11, 1)],
    [D(YEAR, 12, 1)],
    [D(YEAR, 2, 1), D(YEAR, 7, 1), D(YEAR, 8, 1)],  # months apart: windows with gaps
    year_months(YEAR),
]
TODAYS = [
    D(2020, 12, 31),
    D(YEAR, 1, 4),
    D(YEAR, 3, 31),
    D(YEAR, 4, 1),
    D(YEAR, 6, 14),
    D(YEAR, 8, 1),
    D(YEAR, 11, 28),
    D(YEAR, 11, 29),
    D(YEAR, 12, 31),
    D(YEAR + 1, 1, 3),
    D(YEAR + 1, 6, 1),
]


def _summed(lines):
    """Return the department totals (met, missed, due) the reference's lines add up to."""
    totals = {}
    for line in lines:
        if line.duty in DEPARTMENT_DUTIES:
            total = totals.setdefault(line.department_id, [0, 0, 0])
            for index, value in enumerate((line.met, line.missed, line.due)):
                total[index] += value
    return {department_id: tuple(total) for department_id, total in totals.items()}


def test_the_fast_reads_equal_the_reference_on_window_edges(zone):
    some_met = some_missed = some_due = 0
    for periods in PERIODS:
        for today in TODAYS:
            reference = get_visit_compliance(periods=periods, today=today)
            lines = list_duty_lines(periods=periods, today=today)
            assert lines == reference.lines, (periods, today)
            departments = list_department_compliance(periods=periods, today=today)
            assert departments == reference.departments, (periods, today)
            assert {
                row.department_id: (row.met, row.missed, row.due) for row in departments
            } == _summed(reference.lines)
            some_met += sum(line.met for line in lines)
            some_missed += sum(line.missed for line in lines)
            some_due += sum(line.due for line in lines)
    # The data exercise every outcome.
    assert some_met and some_missed and some_due
    assert len(reference.lines) == 28 * 3 - 7  # the fourth department's 7 have no head


def _zone_missed(reference_lines):
    """Return the reference's lines with a missed window, by department code and enterprise."""
    codes = dict(Department.objects.values_list("pk", "code"))
    return sorted(
        (line for line in reference_lines if line.missed),
        key=lambda line: (codes[line.department_id], line.enterprise_name),
    )


def test_the_missed_lines_are_the_references_a_page_at_a_time(zone):
    supervisor = user_with_role("supervision_office", official=True)
    for periods in PERIODS:
        for today in TODAYS:
            reference = get_visit_compliance(periods=periods, today=today)
            expected = _zone_missed(reference.lines)
            scoped = get_scoped_compliance(
                periods=periods, today=today, user=supervisor, lines="missed"
            )
            missed = scoped.lines
            assert scoped.departments == reference.departments
            assert len(missed) == len(expected), (periods, today)
            assert list(missed) == expected, (periods, today)
            for start, stop in ((0, 5), (3, 17), (10, 200), (len(expected) - 3, None)):
                assert missed[start:stop] == expected[start:stop], (start, stop)
            assert missed[::7] == expected[::7]
            if expected:
                assert (missed[0], missed[-1]) == (expected[0], expected[-1])
            for outside in (len(expected), -len(expected) - 1):
                with pytest.raises(IndexError):
                    missed[outside]


def test_a_department_filter_keeps_those_departments_totals(zone):
    first, _second, _third, headless = zone["departments"]
    periods, today = [D(YEAR, 11, 1)], D(YEAR, 11, 17)
    reference = get_visit_compliance(periods=periods, today=today).departments
    chosen = list_department_compliance(
        periods=periods, today=today, department_ids={first.pk, headless.pk}
    )
    assert chosen == [row for row in reference if row.department_id in {first.pk, headless.pk}]


@pytest.mark.parametrize("role", ["supervision_office", "department_user", "official", "leader"])
def test_scoped_before_computing_equals_the_reference_scoped_after(zone, role):
    department = zone["departments"][1]
    if role == "department_user":
        user = user_with_role(role, official=zone["staff"][department.pk][0])
    elif role == "official":
        # A department head, the responsible person of one of its enterprises and in the team
        # of another department's.
        head = zone["heads"][zone["departments"][2].pk]
        zone["assignments"][1].team.add(head)
        user = user_with_role(role, official=head)
    elif role == "leader":
        user = user_with_role("county_leader", official=zone["leaders"][0])
    else:
        user = user_with_role(role, official=True)
    for periods in (PERIODS[3], PERIODS[-1]):
        for today in (D(YEAR, 11, 17), D(YEAR + 1, 1, 3)):
            reference = get_visit_compliance(periods=periods, today=today)
            expected = scope_compliance(reference, user)
            scoped = get_scoped_compliance(periods=periods, today=today, user=user)
            assert scoped == expected, (role, periods, today)
            # Narrowed to one department: its lines, and still every department's totals.
            narrowed = get_scoped_compliance(
                periods=periods, today=today, user=user, assignments=Q(department_id=department.pk)
            )
            assert narrowed.departments == expected.departments
            assert narrowed.lines == [
                line for line in expected.lines if line.department_id == department.pk
            ]
            missed = get_scoped_compliance(periods=periods, today=today, user=user, lines="missed")
            assert list(missed.lines) == _zone_missed(expected.lines)
            assert missed.departments == expected.departments
            # The API's read: made as read, without the names.
            unnamed = get_scoped_compliance(
                periods=periods, today=today, user=user, lines="iterator", names=False
            )
            assert list(unnamed.lines) == [
                line._replace(enterprise_name=None, official_name=None) for line in expected.lines
            ]
            assert unnamed.departments == expected.departments
    assert scoped.lines


def test_a_user_without_a_scope_gets_nothing_without_a_query(zone):
    user = UserFactory()
    with CaptureQueriesContext(connection) as captured:
        scoped = get_scoped_compliance(periods=[D(YEAR, 11, 1)], today=D(YEAR, 12, 1), user=user)
    assert scoped.lines == scoped.departments == []
    assert len(captured) <= 1  # the scope's own query


def _grow(count):
    for _index in range(count):
        assignment = AssignmentFactory(year=YEAR)
        OfficialFactory(department=assignment.department, rank="department_head")
        visit = VisitFactory(enterprise=assignment.enterprise, visited_on=D(YEAR, 11, 10))
        visit.participants.add(assignment.responsible, assignment.leader)


def test_query_counts_are_constant_in_the_number_of_assignments(db, django_assert_num_queries):
    periods, today = year_months(YEAR), D(YEAR + 1, 1, 1)
    user = user_with_role("official", official=True)
    for size in (2, 30):
        _grow(size)
        AssignmentFactory(year=YEAR, responsible=user.official)
        with django_assert_num_queries(3):
            departments = list_department_compliance(periods=periods, today=today)
        with django_assert_num_queries(3):
            lines = list_duty_lines(periods=periods, today=today)
        user = type(user).objects.get(pk=user.pk)  # the scope is worked out again
        # The scope's query, then the lines (the official sees no department's totals).
        with django_assert_num_queries(4):
            scoped = get_scoped_compliance(periods=periods, today=today, user=user)
    # 32 assignments with a head each, the official's two without.
    assert len(departments) == 34
    assert len(lines) == 32 * 3 + 2 * 2
    assert {line.assignment_id for line in scoped.lines} == set(
        user.official.responsible_assignments.values_list("pk", flat=True)
    )

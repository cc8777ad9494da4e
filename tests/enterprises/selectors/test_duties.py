"""Visit duty windows and compliance on hand-made calendars."""

import datetime

import pytest

from enterprises.selectors.duties import (
    Window,
    get_visit_compliance,
    month_window,
    quarter_window,
    week_windows,
    year_months,
)
from tests.factories import AssignmentFactory, OfficialFactory, VisitFactory

D = datetime.date


def test_weeks_belong_to_the_month_of_their_thursday():
    # November 2021: Thursdays 4, 11, 18, 25; the week of Thursday 2 December straddles.
    assert week_windows(D(2021, 11, 1)) == [
        Window(D(2021, 11, 1), D(2021, 11, 7)),
        Window(D(2021, 11, 8), D(2021, 11, 14)),
        Window(D(2021, 11, 15), D(2021, 11, 21)),
        Window(D(2021, 11, 22), D(2021, 11, 28)),
    ]
    assert week_windows(D(2021, 12, 1))[0] == Window(D(2021, 11, 29), D(2021, 12, 5))
    # September 2021 has five Thursdays (2, 9, 16, 23, 30).
    assert len(week_windows(D(2021, 9, 1))) == 5
    # January 2021 starts on a Friday: the week of 1 January belongs to December 2020.
    assert week_windows(D(2021, 1, 1))[0].start == D(2021, 1, 4)
    assert week_windows(D(2020, 12, 1))[-1] == Window(D(2020, 12, 28), D(2021, 1, 3))


def test_months_and_quarters():
    assert month_window(D(2021, 12, 1)) == Window(D(2021, 12, 1), D(2021, 12, 31))
    assert month_window(D(2020, 2, 1)) == Window(D(2020, 2, 1), D(2020, 2, 29))
    assert quarter_window(D(2021, 3, 1)) == Window(D(2021, 1, 1), D(2021, 3, 31))
    assert quarter_window(D(2021, 4, 1)) == Window(D(2021, 4, 1), D(2021, 6, 30))


@pytest.fixture
def sponsorship(db):
    assignment = AssignmentFactory(year=2021)
    head = OfficialFactory(department=assignment.department, rank="department_head")
    return assignment, head


def _visit(assignment, day, *officials, kind="routine"):
    visit = VisitFactory(enterprise=assignment.enterprise, visited_on=day, kind=kind)
    visit.participants.add(*officials)
    return visit


def _lines(compliance):
    return {line.duty: line for line in compliance.lines}


def test_a_visit_with_three_participants_counts_for_each(sponsorship):
    assignment, head = sponsorship
    _visit(assignment, D(2021, 11, 10), assignment.leader, head, assignment.responsible)
    lines = _lines(get_visit_compliance(periods=[D(2021, 11, 1)], today=D(2022, 1, 1)))
    assert (lines["leader_quarterly"].met, lines["leader_quarterly"].required) == (1, 1)
    assert (lines["head_monthly"].met, lines["head_monthly"].missed) == (1, 0)
    weekly = lines["responsible_weekly"]
    assert (weekly.required, weekly.met, weekly.missed, weekly.due) == (4, 1, 3, 0)


def test_a_visit_in_a_straddling_week_counts_for_the_month_of_its_thursday(sponsorship):
    assignment, head = sponsorship
    _visit(assignment, D(2021, 11, 30), assignment.responsible, head)
    november = _lines(get_visit_compliance(periods=[D(2021, 11, 1)], today=D(2022, 1, 1)))
    december = _lines(get_visit_compliance(periods=[D(2021, 12, 1)], today=D(2022, 1, 1)))
    assert november["responsible_weekly"].met == 0
    assert december["responsible_weekly"].met == 1
    # The head's duty is the calendar month: 30 November is November's.
    assert (november["head_monthly"].met, december["head_monthly"].met) == (1, 0)


def test_the_leaders_quarter_ends_on_its_last_day(sponsorship):
    assignment, _head = sponsorship
    _visit(assignment, D(2021, 3, 31), assignment.leader)
    _visit(assignment, D(2021, 4, 1), assignment.leader)
    q1 = _lines(get_visit_compliance(periods=[D(2021, 2, 1)], today=D(2022, 1, 1)))
    q2 = _lines(get_visit_compliance(periods=[D(2021, 6, 1)], today=D(2022, 1, 1)))
    q3 = _lines(get_visit_compliance(periods=[D(2021, 7, 1)], today=D(2022, 1, 1)))
    assert q1["leader_quarterly"].met == q2["leader_quarterly"].met == 1
    assert (q3["leader_quarterly"].met, q3["leader_quarterly"].missed) == (0, 1)


def test_an_emergency_visit_counts(sponsorship):
    assignment, head = sponsorship
    _visit(assignment, D(2021, 11, 3), head, kind="emergency")
    assert (
        _lines(get_visit_compliance(periods=[D(2021, 11, 1)], today=D(2022, 1, 1)))[
            "head_monthly"
        ].met
        == 1
    )


def test_running_windows_are_due_and_department_compliance_counts_ended_ones(sponsorship):
    assignment, head = sponsorship
    _visit(assignment, D(2021, 11, 2), assignment.responsible)
    compliance = get_visit_compliance(periods=[D(2021, 11, 1)], today=D(2021, 11, 16))
    weekly = _lines(compliance)["responsible_weekly"]
    # Weeks 1-7 (met) and 8-14 (ended, missed); 15-21 runs; 22-28 has not begun.
    assert (weekly.met, weekly.missed, weekly.due) == (1, 1, 2)
    (department,) = compliance.departments
    # The head's month still runs: due, not missed.
    assert (department.met, department.missed, department.due, department.ended) == (1, 1, 3, 2)
    assert department.compliance == 0.5


def test_visits_to_another_enterprise_or_by_others_do_not_count(sponsorship):
    assignment, head = sponsorship
    other = AssignmentFactory(year=2021)
    _visit(other, D(2021, 11, 10), head, assignment.responsible, assignment.leader)
    _visit(assignment, D(2021, 11, 10), OfficialFactory())
    lines = _lines(get_visit_compliance(periods=[D(2021, 11, 1)], today=D(2022, 1, 1)))
    assert [lines[d].met for d in ("leader_quarterly", "head_monthly", "responsible_weekly")] == [
        0,
        0,
        0,
    ]


def test_query_count_is_constant(db, django_assert_max_num_queries):
    for _ in range(20):
        assignment = AssignmentFactory(year=2021)
        _visit(assignment, D(2021, 11, 10), assignment.responsible, assignment.leader)
    with django_assert_max_num_queries(3):
        compliance = get_visit_compliance(periods=year_months(2021), today=D(2022, 1, 1))
    assert len(compliance.lines) == 40


def test_duties_due_soon_are_the_unmet_windows_ending_within_two_days(sponsorship):
    from enterprises.selectors.duties import list_duties_due_soon

    assignment, head = sponsorship
    # Friday 2021-12-31: the quarter, the month and the week (ending Sunday 2 January) all close.
    due = list_duties_due_soon(today=D(2021, 12, 31), within_days=2)
    assert {(d.duty, d.official.pk) for d in due} == {
        ("leader_quarterly", assignment.leader.pk),
        ("head_monthly", head.pk),
        ("responsible_weekly", assignment.responsible.pk),
    }
    _visit(assignment, D(2021, 12, 30), head, assignment.responsible)
    due = list_duties_due_soon(today=D(2021, 12, 31), within_days=2)
    assert [d.duty for d in due] == ["leader_quarterly"]
    # Mid-month on a Tuesday: nothing closes within two days.
    assert list_duties_due_soon(today=D(2021, 12, 14), within_days=2) == []

"""The problems (企业诉求) workflow: the "13710" clocks, confirmation, escalation and pages."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from enterprises.models import Problem, ProblemEvent
from enterprises.selectors.problems import list_problems, problem_clocks, problem_permissions
from enterprises.services.escalation import escalate_missed_clocks
from enterprises.services.problems import (
    assign_problem,
    confirm_problem,
    give_feedback,
    raise_problem,
    reject_solution,
    solve_problem,
)
from enterprises.views.problems import SUCCESS
from tests.factories import (
    AssignmentFactory,
    CountyLeaderFactory,
    DepartmentFactory,
    EnterpriseFactory,
    OfficialFactory,
    ProblemFactory,
    UserFactory,
    VisitFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db

D = datetime.date
RAISED = D(2021, 11, 10)
NOW = datetime.datetime(2021, 11, 20, 2, 0, tzinfo=datetime.UTC)  # 2021-11-20 in Shanghai


def _raise(**kwargs):
    kwargs.setdefault("enterprise", EnterpriseFactory())
    kwargs.setdefault("category", "land")
    kwargs.setdefault("description", "用地手续未办结")
    kwargs.setdefault("raised_on", RAISED)
    kwargs.setdefault("acting_user", None)
    kwargs.setdefault("now", NOW)
    return raise_problem(**kwargs)


def _solved(**kwargs):
    problem = _raise(department=kwargs.pop("department", None) or DepartmentFactory(), **kwargs)
    give_feedback(problem=problem, note="已对接", on=D(2021, 11, 12), acting_user=None, now=NOW)
    return solve_problem(
        problem=problem, resolution="已办结用地手续", on=D(2021, 11, 15), acting_user=None, now=NOW
    )


def _states(problem, today):
    return [(c.clock, c.state, c.days_left) for c in problem_clocks(problem, today)]


def _actions(problem):
    return list(problem.events.values_list("action", flat=True))


# --- clocks --------------------------------------------------------------------------------------


def test_clocks_are_met_when_done_by_their_deadlines():
    problem = Problem(
        raised_on=RAISED,
        due_on=D(2021, 11, 17),
        assigned_on=D(2021, 11, 11),
        first_feedback_on=D(2021, 11, 13),
        resolved_on=D(2021, 11, 17),
    )
    clocks = problem_clocks(problem, D(2021, 12, 31))
    assert [c.deadline for c in clocks] == [D(2021, 11, 11), D(2021, 11, 13), D(2021, 11, 17)]
    assert [(c.state, c.days_left, c.days_late) for c in clocks] == [("met", None, 0)] * 3


def test_clocks_run_until_their_deadline_then_are_missed():
    problem = Problem(raised_on=RAISED, due_on=D(2021, 11, 17))
    assert _states(problem, RAISED) == [
        ("assign", "running", 1),
        ("feedback", "running", 3),
        ("solve", "running", 7),
    ]
    assert _states(problem, D(2021, 11, 11))[0] == ("assign", "running", 0)
    assert _states(problem, D(2021, 11, 12))[:2] == [
        ("assign", "missed", -1),
        ("feedback", "running", 1),
    ]
    assert _states(problem, D(2021, 11, 18)) == [
        ("assign", "missed", -7),
        ("feedback", "missed", -5),
        ("solve", "missed", -1),
    ]
    assert problem_clocks(problem, D(2021, 11, 18))[2].days_late == 1


def test_a_clock_done_after_its_deadline_stays_missed():
    problem = Problem(
        raised_on=RAISED, due_on=D(2021, 11, 17), assigned_on=D(2021, 11, 13), resolved_on=None
    )
    assign = problem_clocks(problem, D(2021, 11, 14))[0]
    assert (assign.state, assign.done_on, assign.days_left, assign.days_late) == (
        "missed",
        D(2021, 11, 13),
        None,
        2,
    )


def test_a_major_problem_has_30_days_to_be_solved_an_ordinary_one_7():
    ordinary = _raise()
    major = _raise(severity="major")
    assert ordinary.due_on == D(2021, 11, 17)
    assert major.due_on == D(2021, 12, 10)
    today = D(2021, 11, 20)
    assert problem_clocks(ordinary, today)[2].state == "missed"
    assert problem_clocks(major, today)[2].state == "running"
    assert problem_clocks(major, today)[2].days_left == 20
    # Without a stored due date the clock still follows the severity.
    assert problem_clocks(Problem(raised_on=RAISED, severity="major"), today)[2].deadline == D(
        2021, 12, 10
    )


def test_clock_days_come_from_the_settings(settings):
    settings.HENGKOU_PROBLEM_CLOCKS = {"assign": 2, "solve_ordinary": 10}
    problem = _raise()
    assert problem.due_on == D(2021, 11, 20)
    clocks = problem_clocks(problem, RAISED)
    assert [c.deadline for c in clocks] == [D(2021, 11, 12), D(2021, 11, 13), D(2021, 11, 20)]


# --- raising and the confirmation rule -----------------------------------------------------------


def test_a_problem_raised_with_a_department_is_assigned_at_once():
    department = DepartmentFactory()
    visit = VisitFactory()
    problem = _raise(enterprise=visit.enterprise, visit=visit, department=department)
    assert (problem.status, problem.assigned_on, problem.department) == (
        "assigned",
        RAISED,
        department,
    )
    assert _actions(problem) == ["raised", "assigned"]
    assert problem_clocks(problem, RAISED)[0].state == "met"

    unassigned = _raise()
    assert (unassigned.status, unassigned.assigned_on) == ("open", None)
    assert _actions(unassigned) == ["raised"]
    assign_problem(
        problem=unassigned, department=department, on=D(2021, 11, 11), acting_user=None, now=NOW
    )
    unassigned.refresh_from_db()
    assert (unassigned.status, unassigned.assigned_on) == ("assigned", D(2021, 11, 11))


def test_a_solution_without_confirmation_stays_open():
    problem = _solved()
    problem.refresh_from_db()
    assert problem.status == "solved"
    assert problem.resolved_on is None
    assert problem.first_feedback_on == D(2021, 11, 12)
    solve = problem_clocks(problem, D(2021, 11, 20))[2]
    assert (solve.state, solve.done) == ("missed", False)
    today = D(2021, 11, 20)
    assert list(list_problems(status="open", today=today)) == [problem]
    assert list(list_problems(status="overdue", today=today)) == [problem]
    assert list(list_problems(status="resolved", today=today)) == []


def test_confirming_with_a_satisfaction_resolves_the_problem():
    problem = _solved()
    confirm_problem(problem=problem, satisfaction=4, on=D(2021, 11, 16), acting_user=None, now=NOW)
    problem.refresh_from_db()
    assert (problem.status, problem.resolved_on, problem.satisfaction) == (
        "resolved",
        D(2021, 11, 16),
        4,
    )
    assert [c.state for c in problem_clocks(problem, D(2021, 12, 31))] == ["met"] * 3
    assert _actions(problem) == ["raised", "assigned", "feedback", "solved", "confirmed"]
    assert list(list_problems(status="open", today=D(2021, 12, 31))) == []


def test_rejecting_a_solution_sends_it_back_to_the_department():
    problem = _solved()
    reject_solution(problem=problem, note="问题仍未解决", acting_user=None, now=NOW)
    problem.refresh_from_db()
    assert (problem.status, problem.resolution, problem.solved_on) == ("in_progress", "", None)
    assert problem.events.get(action="rejected").note == "问题仍未解决"
    assert problem.events.get(action="solved").note == "已办结用地手续"

    solve_problem(
        problem=problem, resolution="已取得用地批复", on=D(2021, 11, 18), acting_user=None, now=NOW
    )
    confirm_problem(problem=problem, satisfaction=5, on=D(2021, 11, 19), acting_user=None, now=NOW)
    problem.refresh_from_db()
    assert (problem.status, problem.resolution) == ("resolved", "已取得用地批复")


def test_solving_counts_as_the_first_feedback():
    problem = _raise(department=DepartmentFactory())
    solve_problem(
        problem=problem, resolution="当场解决", on=D(2021, 11, 11), acting_user=None, now=NOW
    )
    problem.refresh_from_db()
    assert problem.first_feedback_on == D(2021, 11, 11)


# --- refused inputs write nothing ----------------------------------------------------------------


def _assigned():
    return _raise(department=DepartmentFactory())


REFUSALS = [
    (
        "future date",
        _assigned,
        lambda p: give_feedback(problem=p, note="x", on=D(2021, 11, 21), acting_user=None, now=NOW),
        "on",
    ),
    (
        "date before raised",
        _assigned,
        lambda p: give_feedback(problem=p, note="x", on=D(2021, 11, 9), acting_user=None, now=NOW),
        "on",
    ),
    (
        "empty feedback",
        _assigned,
        lambda p: give_feedback(problem=p, note="  ", on=RAISED, acting_user=None, now=NOW),
        "note",
    ),
    (
        "empty resolution",
        _assigned,
        lambda p: solve_problem(problem=p, resolution=" ", on=RAISED, acting_user=None, now=NOW),
        "resolution",
    ),
    (
        "satisfaction 6",
        _solved,
        lambda p: confirm_problem(
            problem=p, satisfaction=6, on=D(2021, 11, 16), acting_user=None, now=NOW
        ),
        "satisfaction",
    ),
    (
        "satisfaction 0",
        _solved,
        lambda p: confirm_problem(
            problem=p, satisfaction=0, on=D(2021, 11, 16), acting_user=None, now=NOW
        ),
        "satisfaction",
    ),
    (
        "confirmation before the solution date",
        _solved,
        lambda p: confirm_problem(
            problem=p, satisfaction=5, on=D(2021, 11, 14), acting_user=None, now=NOW
        ),
        "on",
    ),
    (
        "confirm before solve",
        _assigned,
        lambda p: confirm_problem(
            problem=p, satisfaction=5, on=D(2021, 11, 16), acting_user=None, now=NOW
        ),
        None,
    ),
    (
        "reject without a reason",
        _solved,
        lambda p: reject_solution(problem=p, note="", acting_user=None, now=NOW),
        "note",
    ),
    (
        "reject before solve",
        _assigned,
        lambda p: reject_solution(problem=p, note="未解决", acting_user=None, now=NOW),
        None,
    ),
    (
        "assign to the same department",
        _assigned,
        lambda p: assign_problem(
            problem=p, department=p.department, on=RAISED, acting_user=None, now=NOW
        ),
        "department",
    ),
]


@pytest.mark.parametrize(("case", "make", "step", "field"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_refused_step_writes_nothing(case, make, step, field):
    problem = make()
    before = Problem.objects.filter(pk=problem.pk).values().get()
    events = ProblemEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        step(problem)
    if field:
        assert field in refused.value.message_dict
    else:
        assert refused.value.code == "status"
    assert Problem.objects.filter(pk=problem.pk).values().get() == before
    assert ProblemEvent.objects.count() == events


def test_a_problem_cannot_be_raised_in_the_future_or_without_a_description():
    with pytest.raises(ValidationError) as refused:
        _raise(raised_on=D(2021, 11, 21), description=" ")
    assert set(refused.value.message_dict) == {"raised_on", "description"}
    visit = VisitFactory()
    with pytest.raises(ValidationError) as refused:
        _raise(visit=visit)
    assert set(refused.value.message_dict) == {"visit"}
    assert not Problem.objects.exists()
    assert not ProblemEvent.objects.exists()


# --- escalation ----------------------------------------------------------------------------------


def _escalate(today, sent):
    return escalate_missed_clocks(today=today, now=NOW, notify=sent.extend)


def test_each_missed_clock_escalates_once_to_the_sponsoring_leader():
    leader = CountyLeaderFactory(user=UserFactory(username="leader"))
    assignment = AssignmentFactory(year=2021, leader=leader)
    problem = _raise(enterprise=assignment.enterprise)
    sent = []
    assert _escalate(D(2021, 11, 11), sent) == 0
    assert _escalate(D(2021, 11, 12), sent) == 1
    assert [(e.problem, e.clock, e.leader_user) for e in sent] == [(problem, "assign", leader.user)]
    assert _escalate(D(2021, 11, 12), sent) == 0
    assert _escalate(D(2021, 11, 13), sent) == 0
    assert len(sent) == 1

    assign_problem(
        problem=problem,
        department=DepartmentFactory(),
        on=D(2021, 11, 13),
        acting_user=None,
        now=NOW,
    )
    assert _escalate(D(2021, 11, 18), sent) == 2
    assert [e.clock for e in sent] == ["assign", "feedback", "solve"]
    assert _escalate(D(2021, 11, 30), sent) == 0
    escalations = problem.events.filter(action="escalated")
    assert sorted(escalations.values_list("clock", flat=True)) == ["assign", "feedback", "solve"]
    assert {event.note for event in escalations} == {leader.name}

    message = sent[0]
    assert message.url == reverse("problems:detail", args=[problem.pk])
    assert assignment.enterprise.name in message.title
    assert "2021-11-11" in message.body


def test_escalation_is_marked_even_without_a_leader_to_notify():
    assignment = AssignmentFactory(year=2021)  # the leader has no login
    _raise(enterprise=assignment.enterprise)
    _raise()  # no assignment at all
    sent = []
    assert _escalate(D(2021, 11, 12), sent) == 2
    assert sent == []
    assert ProblemEvent.objects.filter(action="escalated", clock="assign").count() == 2


def test_resolved_and_running_problems_are_not_escalated():
    leader = CountyLeaderFactory(user=UserFactory())
    assignment = AssignmentFactory(year=2021, leader=leader)
    problem = _solved(enterprise=assignment.enterprise)
    confirm_problem(problem=problem, satisfaction=3, on=D(2021, 11, 16), acting_user=None, now=NOW)
    _raise(
        enterprise=assignment.enterprise,
        raised_on=D(2021, 11, 30),
        department=DepartmentFactory(),
        now=datetime.datetime(2021, 11, 30, 2, tzinfo=datetime.UTC),
    )
    sent = []
    assert _escalate(D(2021, 12, 1), sent) == 0
    assert sent == []


def test_escalation_runs_a_constant_number_of_queries():
    def run(today):
        with CaptureQueriesContext(connection) as queries:
            escalate_missed_clocks(today=today, now=NOW, notify=lambda escalations: None)
        return len(queries)

    for _index in range(2):
        assignment = AssignmentFactory(year=2021, leader=CountyLeaderFactory(user=UserFactory()))
        _raise(enterprise=assignment.enterprise)
    small = run(D(2021, 11, 12))
    for _index in range(12):
        assignment = AssignmentFactory(year=2021, leader=CountyLeaderFactory(user=UserFactory()))
        _raise(enterprise=assignment.enterprise, raised_on=D(2021, 11, 11))
    large = run(D(2021, 11, 13))
    assert small == large


# --- permissions ---------------------------------------------------------------------------------


def test_permissions_follow_the_roles_and_the_status():
    department = DepartmentFactory()
    staff = OfficialFactory(department=department, user=UserFactory())
    raiser = OfficialFactory(user=UserFactory())
    member = OfficialFactory(user=UserFactory())
    leader = CountyLeaderFactory(user=UserFactory())
    assignment = AssignmentFactory(year=2021, leader=leader)
    assignment.team.add(member)
    assignment.responsible.user = UserFactory()
    assignment.responsible.save()
    clerk = UserFactory()
    clerk.user_permissions.add(Permission.objects.get(codename="change_problem"))
    admin = UserFactory(is_superuser=True)
    outsider = OfficialFactory(user=UserFactory())
    problem = _raise(enterprise=assignment.enterprise, department=department, raised_by=raiser)

    def allowed(user, **kwargs):
        return problem_permissions(user, Problem.objects.get(pk=problem.pk), **kwargs)

    assert allowed(admin) == {"assign", "feedback", "solve"}
    assert allowed(clerk) == {"assign"}
    assert allowed(staff.user) == {"feedback", "solve"}
    assert allowed(raiser.user) == set()
    assert allowed(raiser.user, ignore_status=True) == {"confirm", "reject"}
    assert allowed(outsider.user, ignore_status=True) == set()

    solve_problem(problem=problem, resolution="已解决", on=RAISED, acting_user=None, now=NOW)
    for official in (raiser, member, leader, assignment.responsible):
        assert allowed(official.user) == {"confirm", "reject"}
    assert allowed(admin) == {"confirm", "reject"}
    assert allowed(staff.user) == set()
    assert allowed(clerk) == set()

    confirm_problem(problem=problem, satisfaction=5, on=RAISED, acting_user=None, now=NOW)
    assert allowed(admin) == set()


def test_an_official_of_another_year_cannot_confirm():
    member = OfficialFactory(user=UserFactory())
    assignment = AssignmentFactory(year=2020)
    assignment.team.add(member)
    problem = _solved(enterprise=assignment.enterprise)
    assert problem_permissions(member.user, problem) == set()


# --- the list ------------------------------------------------------------------------------------


def test_the_list_puts_overdue_problems_first_and_filters():
    today = D(2021, 11, 20)
    department = DepartmentFactory()
    recent = _raise(raised_on=D(2021, 11, 19), department=department)
    late = _raise(raised_on=D(2021, 11, 10))
    assign_problem(
        problem=late, department=department, on=D(2021, 11, 15), acting_user=None, now=NOW
    )
    unassigned = _raise(raised_on=D(2021, 11, 12))
    resolved = _solved(department=department)
    confirm_problem(problem=resolved, satisfaction=5, on=D(2021, 11, 16), acting_user=None, now=NOW)

    old_resolved = _solved(raised_on=D(2021, 11, 9))
    confirm_problem(
        problem=old_resolved, satisfaction=5, on=D(2021, 11, 16), acting_user=None, now=NOW
    )
    # Overdue, then open by due date, then resolved newest first (not by their old due dates).
    assert list(list_problems(today=today)) == [late, unassigned, recent, resolved, old_resolved]
    assert list(list_problems(status="overdue", today=today)) == [late, unassigned]
    assert list(list_problems(status="open", today=today)) == [late, unassigned, recent]
    assert list(list_problems(status="resolved", today=today)) == [resolved, old_resolved]
    assert list(list_problems(department=department, today=today)) == [late, recent, resolved]
    assert list(list_problems(enterprise=recent.enterprise, today=today)) == [recent]


def test_a_problem_without_a_stored_due_date_follows_its_severity_in_the_database():
    problem = ProblemFactory(
        severity="major",
        department=DepartmentFactory(),
        status="in_progress",
        assigned_on=RAISED,
        first_feedback_on=RAISED,
    )
    assert problem.due_on is None
    assert list(list_problems(status="overdue", today=D(2021, 12, 10))) == []
    assert list(list_problems(status="overdue", today=D(2021, 12, 11))) == [problem]
    sent = []
    assert _escalate(D(2021, 12, 10), sent) == 0
    assert _escalate(D(2021, 12, 11), sent) == 1
    assert problem.events.get().clock == "solve"


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="admin", is_superuser=True))
    return client


def test_the_list_page_runs_the_same_queries_at_two_sizes(admin_client):
    def count():
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(reverse("problems:list"), {"status": "open"})
        assert response.status_code == 200
        return len(queries), len(response.context["rows"])

    for _index in range(2):
        _raise(department=DepartmentFactory())
    small = count()
    for index in range(30):
        _raise(department=DepartmentFactory(), severity="major" if index % 2 else "ordinary")
    large = count()
    assert small[0] == large[0]
    assert (small[1], large[1]) == (2, 32)


def test_the_list_states_the_configured_clocks(admin_client, settings):
    settings.HENGKOU_PROBLEM_CLOCKS = {"solve_major": 45}
    with translation.override("en"):
        html = admin_client.get(reverse("problems:list"), HTTP_ACCEPT_LANGUAGE="en").content
    assert "重大诉求45天" in html.decode()


def test_the_pages_render_in_chinese(admin_client):
    problem = _raise(department=DepartmentFactory(name="自然资源局"))
    html = admin_client.get(reverse("problems:list")).content.decode()
    assert 'lang="zh-hans"' in html
    assert "已交办" in html and "自然资源局" in html and "筛选" in html
    html = admin_client.get(reverse("problems:detail", args=[problem.pk])).content.decode()
    assert "已交办" in html and "办理记录" in html and "用地手续未办结" in html
    assert f'href="/enterprises/{problem.enterprise_id}/"' in html
    html = admin_client.get(
        reverse("problems:list"), {"enterprise": problem.enterprise_id, "department": "x"}
    ).content.decode()
    assert problem.enterprise.name in html


def _zh(message):
    with translation.override("zh-hans"):
        return str(message)


def _messages(response):
    return [str(message) for message in response.context["messages"]]


def _department_user(department):
    """An official of ``department`` logging in as a department user (answers its problems)."""
    staff = OfficialFactory(department=department)
    user_with_role("department_user", official=staff)
    return staff


def _visiting_official(enterprise_year=2021):
    """An official on a team of an enterprise's assignment (visits it and raises problems)."""
    official = OfficialFactory()
    user_with_role("official", official=official)
    assignment = AssignmentFactory(year=enterprise_year)
    assignment.team.add(official)
    return official, assignment.enterprise


def test_the_detail_page_takes_each_step_for_those_allowed(client):
    department = DepartmentFactory()
    staff = _department_user(department)
    raiser, enterprise = _visiting_official()
    problem = _raise(enterprise=enterprise, department=department, raised_by=raiser)
    url = reverse("problems:detail", args=[problem.pk])

    client.force_login(raiser.user)
    html = client.get(url).content.decode()
    assert 'name="action"' not in html
    response = client.post(url, {"action": "solve", "resolution": "x", "on": "2021-11-12"})
    assert response.status_code == 403

    client.force_login(staff.user)
    html = client.get(url).content.decode()
    assert 'value="feedback"' in html and 'value="solve"' in html and 'value="confirm"' not in html
    response = client.post(
        url, {"action": "feedback", "note": "已联系企业", "on": "2021-11-12"}, follow=True
    )
    assert _messages(response) == [_zh(SUCCESS["feedback"])]
    response = client.post(
        url, {"action": "solve", "resolution": "已办结", "on": "2021-11-14"}, follow=True
    )
    assert _messages(response) == [_zh(SUCCESS["solve"])]

    client.force_login(raiser.user)
    response = client.post(
        url, {"action": "confirm", "satisfaction": "5", "on": "2021-11-15"}, follow=True
    )
    assert _messages(response) == [_zh(SUCCESS["confirm"])]
    problem.refresh_from_db()
    assert (problem.status, problem.satisfaction, problem.first_feedback_on) == (
        "resolved",
        5,
        D(2021, 11, 12),
    )
    assert "5 / 5" in response.content.decode()


def test_the_detail_page_reports_refusals_and_writes_nothing(client):
    department = DepartmentFactory()
    staff = _department_user(department)
    problem = _raise(department=department)
    url = reverse("problems:detail", args=[problem.pk])
    client.force_login(staff.user)

    response = client.post(url, {"action": "feedback", "note": "x", "on": "2999-01-01"})
    assert response.status_code == 200
    with translation.override("zh-hans"):
        expected = translation.gettext("A date cannot be in the future.")
    assert _messages(response) == [expected]
    response = client.post(url, {"action": "solve", "resolution": "", "on": "2021-11-12"})
    assert response.status_code == 200
    assert "invalid-feedback" in response.content.decode()
    problem.refresh_from_db()
    assert problem.status == "assigned"
    assert _actions(problem) == ["raised", "assigned"]

    response = client.post(url, {"action": "confirm", "satisfaction": "5", "on": "2021-11-12"})
    assert response.status_code == 403
    response = client.post(url, {"action": "delete"})
    assert response.status_code == 403
    problem.refresh_from_db()
    assert problem.status == "assigned"


def test_a_step_no_longer_possible_is_reported_not_forbidden(client):
    department = DepartmentFactory()
    staff = _department_user(department)
    problem = _solved(department=department)
    client.force_login(staff.user)
    response = client.post(
        reverse("problems:detail", args=[problem.pk]),
        {"action": "solve", "resolution": "再次办结", "on": "2021-11-16"},
    )
    assert response.status_code == 200
    assert len(_messages(response)) == 1
    problem.refresh_from_db()
    assert problem.resolution == "已办结用地手续"


def test_pages_need_a_login(client):
    response = client.get(reverse("problems:list"))
    assert response.status_code == 302
    assert reverse("login") in response.url

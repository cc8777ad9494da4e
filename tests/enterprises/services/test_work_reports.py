"""Work reports (工作开展情况报送): submission, amendment, refusals, the board and its pages."""

import datetime
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from enterprises.forms.work_reports import WorkReportBoardForm
from enterprises.models import Assignment, Department, WorkReport
from enterprises.selectors.work_reports import can_submit_work_report, get_work_report_board
from enterprises.services.work_reports import submit_work_report
from enterprises.views.work_reports import _department_options, _summary_items
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    EnterpriseFactory,
    OfficialFactory,
    UserFactory,
    WorkReportFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
NOV = datetime.date(2021, 11, 1)
NOW = datetime.datetime(2021, 11, 20, 2, 0, tzinfo=datetime.UTC)  # 10:00 in Asia/Shanghai
LATER = datetime.datetime(2021, 11, 25, 2, 0, tzinfo=datetime.UTC)


def _official(department, **user):
    """A department user: an official of ``department`` logging in with that role."""
    return user_with_role(
        "department_user", official=OfficialFactory(department=department), **user
    )


def _submit(assignment, *, period=NOV, progress="已完成技改设备安装", user=None, now=NOW, **extra):
    return submit_work_report(
        assignment=assignment,
        period=period,
        progress=progress,
        standards=extra.get("standards", "设备调试达标"),
        deadlines=extra.get("deadlines", "12月底前投产"),
        acting_user=user,
        now=now,
    )


@pytest.fixture
def assignment():
    department = DepartmentFactory(code="D1", name="工信局")
    return AssignmentFactory(
        year=2021,
        department=department,
        enterprise=EnterpriseFactory(name="安康毛绒玩具有限公司"),
        plan_goals="年内新增产值2000万元",
        plan_standards="入库纳统",
        plan_deadline=datetime.date(2021, 12, 31),
    )


@pytest.fixture
def member(assignment):
    return _official(assignment.department, username="member")


@pytest.fixture
def outsider():
    return _official(DepartmentFactory(code="D9", name="商务局"), username="outsider")


# Who may submit


def test_superusers_and_officials_of_the_department_may_submit(assignment, member, outsider):
    assert can_submit_work_report(member, assignment)
    assert can_submit_work_report(UserFactory(is_superuser=True), assignment)
    assert not can_submit_work_report(outsider, assignment)
    assert not can_submit_work_report(UserFactory(), assignment)
    assert not can_submit_work_report(_official(assignment.department, is_active=False), assignment)


# The service


def test_submit_records_the_report_with_the_callers_time(assignment, member):
    report = _submit(assignment, period=datetime.date(2021, 11, 17), user=member)
    report.refresh_from_db()
    assert report.period == NOV
    assert (report.progress, report.standards, report.deadlines) == (
        "已完成技改设备安装",
        "设备调试达标",
        "12月底前投产",
    )
    assert report.submitted_by == member
    assert report.created_at == report.updated_at == NOW


def test_a_second_submission_amends_the_same_report(assignment, member):
    first = _submit(assignment, user=member)
    second = _submit(assignment, progress="  设备已投产  ", user=member, now=LATER, deadlines="")
    assert second.pk == first.pk
    report = WorkReport.objects.get()
    assert report.progress == "设备已投产"
    assert report.deadlines == ""
    assert report.created_at == NOW
    assert report.updated_at == LATER


@pytest.mark.parametrize(
    ("period", "progress", "field", "code"),
    [
        (datetime.date(2021, 12, 1), "进展", "period", "work_report_future_month"),
        (datetime.date(2020, 11, 1), "进展", "period", "work_report_other_year"),
        (NOV, "  \n ", "progress", "work_report_no_progress"),
    ],
    ids=["future-month", "other-year", "empty-progress"],
)
def test_refused_submissions_write_nothing(assignment, member, period, progress, field, code):
    with pytest.raises(ValidationError) as refused:
        _submit(assignment, period=period, progress=progress, user=member)
    assert [error.code for error in refused.value.error_dict[field]] == [code]
    assert not WorkReport.objects.exists()


def test_a_refused_amendment_keeps_the_report(assignment, member):
    _submit(assignment, user=member)
    with pytest.raises(ValidationError):
        _submit(assignment, progress="", user=member, now=LATER)
    report = WorkReport.objects.get()
    assert report.progress == "已完成技改设备安装"
    assert report.updated_at == NOW


def test_the_current_month_is_that_of_shanghai(assignment, member):
    # 30 November 17:00 UTC is already 1 December in Asia/Shanghai.
    late = datetime.datetime(2021, 11, 30, 17, 0, tzinfo=datetime.UTC)
    assert _submit(assignment, period=datetime.date(2021, 12, 1), user=member, now=late).pk


def test_another_department_cannot_submit(assignment, outsider):
    with pytest.raises(PermissionDenied):
        _submit(assignment, user=outsider)
    assert not WorkReport.objects.exists()


# The board


def test_board_lists_who_has_not_reported_first(assignment, member):
    other = AssignmentFactory(
        year=2021,
        department=DepartmentFactory(code="D2", name="发改局"),
        enterprise=EnterpriseFactory(name="阿阿富硒食品有限公司"),
    )
    AssignmentFactory(year=2021, department=assignment.department)
    AssignmentFactory(year=2020, department=assignment.department)
    _submit(assignment, user=member)
    _submit(other, period=datetime.date(2021, 10, 1))  # another month does not count

    board = get_work_report_board(period=datetime.date(2021, 11, 1))
    assert [row.reported for row in board.rows] == [False, False, True]
    reported = board.rows[-1]
    assert reported.assignment_id == assignment.pk
    assert reported.plan_goals == "年内新增产值2000万元"
    assert reported.plan_deadline == datetime.date(2021, 12, 31)
    assert reported.report.progress == "已完成技改设备安装"
    assert reported.report.submitted_at == NOW
    assert reported.report.submitted_by == member.official.name
    assert [(d.department_code, d.reported, d.assignments) for d in board.departments] == [
        ("D1", 1, 2),
        ("D2", 0, 1),
    ]
    assert (board.reported, board.assignments, board.missing) == (1, 3, 2)

    only_d2 = get_work_report_board(period=datetime.date(2021, 11, 1), department=other.department)
    assert [row.assignment_id for row in only_d2.rows] == [other.pk]
    assert len(only_d2.departments) == 2  # the summary still covers every department


def test_board_runs_a_constant_number_of_queries(assignment, member):
    def count():
        with CaptureQueriesContext(connection) as queries:
            board = get_work_report_board(period=datetime.date(2021, 11, 1))
        return len(queries), len(board.rows)

    _submit(assignment, user=member)
    small = count()
    for index in range(20):
        extra = AssignmentFactory(year=2021, department=DepartmentFactory())
        if index % 2:
            _submit(extra, user=_official(extra.department))
    large = count()
    assert small[0] == large[0] == 2
    assert (small[1], large[1]) == (1, 21)


# The pages


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


def test_board_page_shows_missing_first_in_chinese(member_client, assignment, member):
    AssignmentFactory(
        year=2021, department=assignment.department, enterprise=EnterpriseFactory(name="未报企业")
    )
    _submit(assignment, user=member)
    response = member_client.get(reverse("work_reports:board"), {"period": "2021-11"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "尚未报送" in html  # an existing translation: "Not reported yet"
    assert html.index("未报企业") < html.index("安康毛绒玩具有限公司")
    assert "2021-11-20" in html  # the date of the report, in Asia/Shanghai
    edit = reverse("work_reports:edit", args=[assignment.pk, "2021-11"])
    assert edit in html
    rows = response.context["page"]
    assert [row.enterprise_name for row in rows] == ["未报企业", "安康毛绒玩具有限公司"]


@pytest.mark.parametrize("period", ["2021-13", "abc", "2021-1-1"])
def test_board_page_explains_a_bad_month(member_client, assignment, period):
    response = member_client.get(
        reverse("work_reports:board"), {"period": period, "department": assignment.department_id}
    )
    assert response.status_code == 200
    assert "YYYY-MM" in response.content.decode()
    # The department filter still applies, to the current month.
    assert response.context["selected_department"] == assignment.department


def test_board_page_ignores_an_unknown_department(member_client, assignment):
    response = member_client.get(
        reverse("work_reports:board"), {"period": "2021-11", "department": "99999"}
    )
    assert response.status_code == 200
    assert [row.assignment_id for row in response.context["page"]] == [assignment.pk]


def test_board_page_runs_the_same_queries_at_two_sizes(member_client, assignment):
    def count():
        with CaptureQueriesContext(connection) as queries:
            response = member_client.get(reverse("work_reports:board"), {"period": "2021-11"})
            assert response.status_code == 200
        return len(queries)

    small = count()
    for index in range(30):
        extra = AssignmentFactory(year=2021, department=DepartmentFactory())
        if index % 3:
            _submit(extra, user=None)
    assert count() == small


def test_pages_need_a_login(client, assignment):
    for url in (
        reverse("work_reports:board"),
        reverse("work_reports:edit", args=[assignment.pk, "2021-11"]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_form_shows_the_plan_and_prefills_the_report(member_client, assignment, member):
    _submit(assignment, user=member)
    response = member_client.get(reverse("work_reports:edit", args=[assignment.pk, "2021-11"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "年内新增产值2000万元" in html and "入库纳统" in html and "2021-12-31" in html
    assert "方案：目标" in html  # the model's existing translation
    assert 'id="work-report-form"' in html
    assert ">已完成技改设备安装</textarea>" in html
    assert ">12月底前投产</textarea>" in html


def test_department_official_submits_then_amends(member_client, assignment):
    url = reverse("work_reports:edit", args=[assignment.pk, "2021-11"])
    response = member_client.post(
        url, {"progress": "完成厂房建设", "standards": "", "deadlines": ""}
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("work_reports:board"))
    report = WorkReport.objects.get()
    assert (report.period, report.progress) == (NOV, "完成厂房建设")

    response = member_client.post(
        url, {"progress": "完成厂房建设并投产", "standards": "达产", "deadlines": ""}, follow=True
    )
    assert response.status_code == 200
    report = WorkReport.objects.get()
    assert (report.progress, report.standards) == ("完成厂房建设并投产", "达产")


def test_empty_progress_is_refused_on_the_page(member_client, assignment):
    url = reverse("work_reports:edit", args=[assignment.pk, "2021-11"])
    response = member_client.post(url, {"progress": "   ", "standards": "x", "deadlines": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["progress"]
    assert not WorkReport.objects.exists()


def test_a_future_month_is_refused_on_the_page(member_client, member):
    future = AssignmentFactory(year=2100, department=member.official.department)
    url = reverse("work_reports:edit", args=[future.pk, "2100-12"])
    response = member_client.get(url)
    assert response.status_code == 200
    assert "2100-12" in response.content.decode()
    assert 'id="work-report-form"' not in response.content.decode()
    response = member_client.post(url, {"progress": "进展", "standards": "", "deadlines": ""})
    assert response.status_code == 200
    assert not WorkReport.objects.exists()


def test_a_month_of_another_year_is_refused_on_the_page(member_client, assignment):
    url = reverse("work_reports:edit", args=[assignment.pk, "2020-11"])
    response = member_client.post(url, {"progress": "进展", "standards": "", "deadlines": ""})
    assert response.status_code == 200
    assert "2020-11" in response.content.decode()
    assert not WorkReport.objects.exists()


def test_another_department_neither_reads_nor_submits(client, assignment, member, outsider):
    # A department user reaches only its own department's assignments (row-level scope).
    _submit(assignment, user=member)
    client.force_login(outsider)
    url = reverse("work_reports:edit", args=[assignment.pk, "2021-11"])
    assert client.get(url).status_code == 404
    response = client.post(url, {"progress": "篡改", "standards": "", "deadlines": ""})
    assert response.status_code == 404
    assert WorkReport.objects.get().progress == "已完成技改设备安装"


def test_the_economic_bureau_may_read_but_not_submit(client, assignment, member):
    _submit(assignment, user=member)
    client.force_login(user_with_role("economic_bureau"))
    url = reverse("work_reports:edit", args=[assignment.pk, "2021-11"])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "已完成技改设备安装" in html
    assert 'id="work-report-form"' not in html
    response = client.post(url, {"progress": "篡改", "standards": "", "deadlines": ""})
    assert response.status_code == 403
    assert WorkReport.objects.get().progress == "已完成技改设备安装"


def test_another_department_cannot_write_the_first_report(client, assignment, outsider):
    client.force_login(outsider)
    url = reverse("work_reports:edit", args=[assignment.pk, "2021-11"])
    response = client.post(url, {"progress": "进展", "standards": "", "deadlines": ""})
    assert response.status_code == 404  # outside its scope: not even found
    client.force_login(user_with_role("economic_bureau"))
    response = client.post(url, {"progress": "进展", "standards": "", "deadlines": ""})
    assert response.status_code == 403  # a reader of every assignment, not its department
    assert not WorkReport.objects.exists()


@pytest.mark.parametrize("period", ["2021-13", "2021-00", "21-11", "abc", "1999-11"])
def test_a_bad_month_in_the_url_is_not_found(member_client, assignment, period):
    response = member_client.get(reverse("work_reports:edit", args=[assignment.pk, period]))
    assert response.status_code == 404


def test_an_unknown_assignment_is_not_found(member_client):
    response = member_client.get(reverse("work_reports:edit", args=[99_999_999_999, "2021-11"]))
    assert response.status_code == 404


# The board's rows, read a slice at a time


def _board_world(seed: int):
    """Assignments of several departments, some reported in November, with clashing names."""
    rng = random.Random(seed)
    departments = [DepartmentFactory(code=code) for code in ("K2", "B7", "X1", "B10", "M")]
    names = ["ALPHA", "BETA", "GAMMA", "DELTA", "ALPHA", "Z9", "A10"]
    for _index in range(rng.randint(60, 90)):
        assignment = AssignmentFactory(
            year=2021,
            department=rng.choice(departments),
            enterprise=EnterpriseFactory(name=rng.choice(names)),
        )
        roll = rng.random()
        if roll < 0.45:
            WorkReportFactory(assignment=assignment, period=NOV)
        elif roll < 0.6:
            WorkReportFactory(assignment=assignment, period=datetime.date(2021, 10, 1))
    AssignmentFactory(year=2020, department=departments[0])  # another year: never listed
    return departments


def _reference_order(department=None) -> list[int]:
    """Return the board's assignment ids in order, sorted in Python from the rows themselves."""
    reported = set(WorkReport.objects.filter(period=NOV).values_list("assignment_id", flat=True))
    assignments = Assignment.objects.filter(year=2021).select_related("department", "enterprise")
    if department is not None:
        assignments = assignments.filter(department=department)
    return [
        a.pk
        for a in sorted(
            assignments,
            key=lambda a: (a.pk in reported, a.department.code, a.enterprise.name, a.pk),
        )
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_board_slices_equal_the_whole_ordered_list(seed):
    departments = _board_world(seed)
    for department in (None, *departments[:2]):
        board = get_work_report_board(period=NOV, department=department)
        expected = _reference_order(department)
        assert [row.assignment_id for row in board.rows] == expected
        assert len(board.rows) == len(expected)
        # Every slice the paginator could ask for, and the odd ones, read the same rows.
        bounds = sorted({0, 1, 7, 13, 29, 30, 31, 49, 50, len(expected) - 1, len(expected)})
        for start in bounds:
            for stop in [*bounds, len(expected) + 5]:
                got = [row.assignment_id for row in board.rows[start:stop]]
                assert got == expected[start:stop], (department, start, stop)
        for index in (0, 5, -1, -len(expected)):
            assert board.rows[index].assignment_id == expected[index]
        assert [row.assignment_id for row in board.rows[::3]] == expected[::3]
        with pytest.raises(IndexError):
            board.rows[len(expected)]


def test_board_rows_read_a_slice_in_one_query_and_count_in_none():
    _board_world(4)
    listed = Assignment.objects.filter(year=2021).count()
    board = get_work_report_board(period=NOV)
    with CaptureQueriesContext(connection) as queries:
        assert len(board.rows) == listed
        assert len(board.rows[10:40]) == 30
    assert len(queries) == 1


def test_board_page_of_a_reader_of_everything_runs_the_same_queries_at_two_sizes(client):
    client.force_login(user_with_role("economic_bureau"))

    def count(page):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(
                reverse("work_reports:board"), {"period": "2021-11", "page": page}
            )
            assert response.status_code == 200
        assert len(response.context["page"]) == 50
        return len(queries)

    departments = [DepartmentFactory() for _ in range(3)]
    for index in range(60):
        assignment = AssignmentFactory(year=2021, department=departments[index % 3])
        if index % 2:
            WorkReportFactory(assignment=assignment, period=NOV)
    small = count(1)
    for index in range(150):
        assignment = AssignmentFactory(year=2021, department=DepartmentFactory())
        if index % 2:
            WorkReportFactory(assignment=assignment, period=NOV)
    assert count(1) == count(2) == count(4) == small


# The template loops the board replaced with Python: the same HTML.

OLD_SUMMARY = """{% load i18n %}{% for row in board.departments %}
    <a class="list-group-item list-group-item-action{% if selected_department.pk == row.department_id %} list-group-item-secondary fw-semibold{% endif %}" href="?period={{ period_param }}&amp;department={{ row.department_id }}"{% if selected_department.pk == row.department_id %} aria-current="true"{% endif %}>
      <div class="d-flex justify-content-between gap-2">
        <span class="text-truncate">{{ row.department_name }}</span>
        <span class="text-nowrap">{{ row.reported }} / {{ row.assignments }}{% if row.missing %} <span class="badge text-bg-warning">{% blocktranslate count missing=row.missing %}{{ missing }} missing{% plural %}{{ missing }} missing{% endblocktranslate %}</span>{% endif %}</span>
      </div>
      <div class="progress mt-1" style="height:4px" role="progressbar" aria-label="{{ row.department_name }}" aria-valuenow="{{ row.percent }}" aria-valuemin="0" aria-valuemax="100"><div class="progress-bar{% if row.missing %} bg-warning{% else %} bg-success{% endif %}" style="width:{{ row.percent }}%"></div></div>
    </a>
  {% endfor %}"""  # noqa: E501

OLD_OPTIONS = """{% for value, label in form.fields.department.choices %}<option value="{{ value }}"{% if selected_department and value == selected_department.pk %} selected{% endif %}>{{ label }}</option>{% endfor %}"""  # noqa: E501


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("selected", [None, 1])
def test_board_summary_and_options_are_the_templates_html(language, selected):
    departments = [
        DepartmentFactory(code="A", name='工信局 <&> "x"'),
        DepartmentFactory(code="B", name="发改局"),
        DepartmentFactory(code="C", name="商务局's"),
    ]
    # (assignments, reported): one missing, none missing, two missing.
    for department, (total, reported) in zip(departments, [(1, 0), (2, 2), (3, 1)], strict=True):
        for number in range(total):
            assignment = AssignmentFactory(year=2021, department=department)
            if number < reported:
                WorkReportFactory(assignment=assignment, period=NOV)
    chosen = departments[selected] if selected is not None else None
    form = WorkReportBoardForm({"period": "2021-11"}, user=UserFactory(is_superuser=True))
    form.fields["department"].queryset = Department.objects.order_by("code")
    with translation.override(language):
        board = get_work_report_board(period=NOV)
        context = {
            "board": board,
            "form": form,
            "period_param": "2021-11",
            "selected_department": chosen,
        }
        old_summary = Template(OLD_SUMMARY).render(Context(context))
        old_options = Template(OLD_OPTIONS).render(Context(context))
        assert _summary_items(board.departments, period_param="2021-11", selected=chosen) == (
            old_summary
        )
        assert _department_options(form, chosen) == old_options
    assert "bg-success" in old_summary and "bg-warning" in old_summary
    assert (" selected" in old_options) is (chosen is not None)

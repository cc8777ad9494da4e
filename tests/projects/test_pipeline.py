"""The pipeline board: stages, investment year to date, lights, filters; stage moves on the page."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.indicators import LightRules, light_for
from projects.models import Project, StageMove
from projects.selectors.board import get_project_board
from projects.services import move_project_stage
from tests.factories import (
    DepartmentFactory,
    EnterpriseFactory,
    OfficialFactory,
    ProjectPlanFactory,
    ProjectReportFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db


def _report(project, month, amount, *, year=2021, percent=None):
    return ProjectReportFactory(
        project=project,
        period=datetime.date(year, month, 1),
        investment=Decimal(amount),
        percent_complete=percent if percent is not None else month,
    )


@pytest.fixture
def example():
    """Five projects of 2021 whose lights at month 6 are worked out by hand in the test."""
    department = DepartmentFactory(code="D01", name="招商局")
    a = ProjectPlanFactory(
        project__name="A",
        project__stage="started",
        planned_investment=Decimal("1200.00"),
        department=department,
    ).project
    b = ProjectPlanFactory(
        project__name="B",
        project__stage="started",
        planned_investment=Decimal("1000.00"),
        department=department,
    ).project
    c = ProjectPlanFactory(
        project__name="C", project__stage="started", planned_investment=Decimal("1000.00")
    ).project
    d = ProjectPlanFactory(
        project__name="D", project__stage="started", planned_investment=Decimal("1000.00")
    ).project
    e = ProjectPlanFactory(project__name="E", planned_investment=Decimal("0.00")).project
    _report(a, 5, "999.00", year=2020)  # last year: not in 2021's year to date
    _report(a, 1, "300.00")
    _report(a, 3, "250.00")  # February is missing and counts as 0
    _report(a, 7, "500.00")  # after month 6
    _report(b, 6, "400.00")
    _report(c, 2, "199.99")
    _report(d, 4, "200.00")
    return {"A": a, "B": b, "C": c, "D": d, "E": e}


def test_investment_ytd_and_lights_on_a_hand_computed_example(example):
    board = get_project_board(year=2021, period=datetime.date(2021, 6, 1))
    lines = {line.name: line for line in board.lines}

    # A: (300 + 0 + 250) / 1200 = 11/24; gap = 11/24 − 1/2 = −1/24: behind, above −0.10 → yellow.
    assert lines["A"].ytd == Decimal("550.00")
    assert lines["A"].completion_rate == Fraction(11, 24)
    assert lines["A"].gap == Fraction(-1, 24)
    assert lines["A"].light == "yellow"
    # B: 400 / 1000 − 1/2 = −0.10 exactly: yellow (floats would say −0.0999… and green).
    assert lines["B"].gap == Fraction(-1, 10)
    assert lines["B"].light == "yellow"
    # C: 199.99 / 1000 − 1/2 = −0.30001 → red; D: 200 / 1000 − 1/2 = −0.30 → red (< −0.10).
    assert lines["C"].gap == Fraction(-30001, 100000)
    assert lines["C"].light == "red"
    assert lines["D"].gap == Fraction(-3, 10)
    assert lines["D"].light == "red"
    # E plans no investment: no rate, no light.
    assert (lines["E"].completion_rate, lines["E"].light) == (None, None)
    assert lines["A"].percent_complete == 3  # the latest report up to month 6
    assert board.time_progress == Fraction(1, 2)
    assert board.ytd == Decimal("1349.99")
    assert board.lights == {"green": 0, "yellow": 2, "red": 2}


def test_the_board_measures_at_the_latest_reported_month_by_default(example):
    board = get_project_board(year=2021)
    lines = {line.name: line for line in board.lines}
    assert board.month == 7
    # A at month 7: 1050 / 1200 − 7/12 = 7/24 → green.
    assert lines["A"].ytd == Decimal("1050.00")
    assert lines["A"].gap == Fraction(7, 24)
    assert lines["A"].percent_complete == 7


def test_a_year_without_reports_has_no_month_and_no_light():
    ProjectPlanFactory(year=2022, planned_investment=Decimal("100.00"))
    board = get_project_board(year=2022)
    assert board.month is None
    assert [line.light for line in board.lines] == [None]


def test_thresholds_come_from_the_settings(settings):
    settings.HENGKOU_RANKING = {"light_green_from": "-0.05", "light_red_below": "-0.20"}
    rules = LightRules.from_settings()
    assert light_for(Fraction(-6, 100), rules) == "yellow"
    assert light_for(Fraction(-21, 100), rules) == "red"
    assert light_for(Fraction(-20, 100), rules) == "yellow"
    assert light_for(Fraction(-5, 100), rules) == "green"


def test_board_groups_the_years_projects_by_their_stage_at_the_years_end():
    reserve = ProjectPlanFactory(project__name="储备项目").project
    started = ProjectPlanFactory(project__name="在建项目").project
    move_project_stage(project=started, to_stage="started", moved_on=datetime.date(2021, 3, 1))
    finished = ProjectPlanFactory(project__name="投产项目").project
    move_project_stage(project=finished, to_stage="started", moved_on=datetime.date(2020, 3, 1))
    move_project_stage(project=finished, to_stage="completed", moved_on=datetime.date(2021, 5, 1))
    move_project_stage(project=finished, to_stage="operating", moved_on=datetime.date(2022, 2, 1))
    ProjectPlanFactory(project__name="别的年份", year=2020)

    board = get_project_board(year=2021)
    by_stage = {column.stage: [line.name for line in column.projects] for column in board.columns}
    assert by_stage == {
        "reserve": [reserve.name],
        "started": [started.name],
        "completed": [finished.name],  # it went into operation only in 2022
        "operating": [],
    }
    assert board.count == 3
    assert {c.stage: c.count for c in board.columns}["completed"] == 1
    line = next(line for line in board.lines if line.name == finished.name)
    assert line.stage_since == datetime.date(2021, 5, 1)


def test_board_counts_and_sums_investment_by_stage():
    ProjectPlanFactory(
        project__stage="started",
        project__total_investment=Decimal("5000.00"),
        planned_investment=Decimal("1000.00"),
    )
    ProjectPlanFactory(
        project__stage="started",
        project__total_investment=Decimal("3000.50"),
        planned_investment=Decimal("800.25"),
    )
    board = get_project_board(year=2021)
    started = next(column for column in board.columns if column.stage == "started")
    assert (started.count, started.total_investment, started.planned_investment) == (
        2,
        Decimal("8000.50"),
        Decimal("1800.25"),
    )
    assert board.planned_investment == Decimal("1800.25")


def test_board_filters_by_department_kind_and_chain():
    department = DepartmentFactory()
    toys = EnterpriseFactory(chain="毛绒玩具")
    ProjectPlanFactory(project__name="部门的", department=department)
    ProjectPlanFactory(project__name="技改", project__kind="renovation")
    ProjectPlanFactory(project__name="玩具", project__enterprise=toys)

    def names(**filters):
        return [line.name for line in get_project_board(year=2021, **filters).lines]

    assert names(department=department.pk) == ["部门的"]
    assert names(kind="renovation") == ["技改"]
    assert names(chain="毛绒玩具") == ["玩具"]
    assert len(names()) == 3


def _board_with(n):
    department = DepartmentFactory()
    for i in range(n):
        plan = ProjectPlanFactory(
            department=department, project__stage="started", project__enterprise=EnterpriseFactory()
        )
        _report(plan.project, 1 + i % 6, "10.00")
        StageMove.objects.create(
            project=plan.project,
            from_stage="reserve",
            to_stage="started",
            moved_on=datetime.date(2021, 1, 5),
        )


def _count_board_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("projects:board"), {"year": 2021})
    assert response.status_code == 200
    return len(queries), response


def test_board_page_runs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    client.force_login(user_with_role("economic_bureau"))
    _board_with(2)
    small, _ = _count_board_queries(client)
    _board_with(30)
    with django_assert_max_num_queries(small):
        large, response = _count_board_queries(client)
    assert large == small
    assert len(response.context["board"].lines) == 32
    # Ten at most for a superuser; a reader holding a role adds their scope (roles and
    # official, one query) and the page's access rule (user and group permissions, two).
    assert small <= 10 + 3


def test_board_page_shows_the_lights_and_links_to_the_investment_ranking(client, example):
    client.force_login(user_with_role("economic_bureau"))
    response = client.get(reverse("projects:board"), {"year": 2021, "month": 6})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-light="red"' in page and 'data-light="yellow"' in page
    assert "/dashboard/?period=2021-06&amp;metric=investment" in page
    assert reverse("projects:detail", args=[example["A"].pk]) in page


def test_board_page_ignores_bad_filters(client, example):
    client.force_login(user_with_role("economic_bureau"))
    response = client.get(
        reverse("projects:board"), {"year": "abc", "month": "13", "department": "x", "kind": "?"}
    )
    assert response.status_code == 200
    assert response.context["board"].year == 2021  # the latest year with plans
    assert response.context["board"].month == 7


def test_pages_need_a_login(client, example):
    for url in (
        reverse("projects:board"),
        reverse("projects:detail", args=[example["A"].pk]),
        reverse("projects:report", args=[example["A"].pk, "2021-06"]),
        reverse("projects:analysis"),
        reverse("projects:evaluations"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


# --- stage moves from the project page ----------------------------------------------------------


@pytest.fixture
def sponsor(client):
    """A user of the sponsoring department of a project in reserve, logged in."""
    year = timezone.localdate().year
    official = OfficialFactory()
    user_with_role("department_user", official=official, username="sponsor")
    plan = ProjectPlanFactory(year=year, department=official.department)
    client.force_login(official.user)
    return plan.project


def _move(client, project, to_stage, moved_on):
    return client.post(
        reverse("projects:stage_move", args=[project.pk]),
        {"to_stage": to_stage, "moved_on": moved_on.isoformat()},
    )


def test_stage_moves_forward_on_the_project_page_dated_and_signed(client, sponsor):
    today = timezone.localdate()
    response = _move(client, sponsor, "started", today)
    assert response.status_code == 302
    move = StageMove.objects.get()
    assert (move.from_stage, move.to_stage, move.moved_on, move.moved_by.username) == (
        "reserve",
        "started",
        today,
        "sponsor",
    )
    page = client.get(reverse("projects:detail", args=[sponsor.pk])).content.decode()
    assert today.isoformat() in page
    assert Project.objects.get().stage == "started"


def test_stage_never_moves_back_on_the_project_page(client, sponsor):
    today = timezone.localdate()
    _move(client, sponsor, "completed", today)
    response = _move(client, sponsor, "started", today)
    assert response.status_code == 400
    assert "to_stage" in response.context["stage_form"].errors
    assert Project.objects.get().stage == "completed"
    assert StageMove.objects.count() == 1


def test_a_stage_move_is_not_dated_in_the_future_nor_before_the_previous_one(client, sponsor):
    today = timezone.localdate()
    response = _move(client, sponsor, "started", today + datetime.timedelta(days=1))
    assert response.status_code == 400
    assert "moved_on" in response.context["stage_form"].errors
    _move(client, sponsor, "started", today)
    response = _move(client, sponsor, "completed", today - datetime.timedelta(days=1))
    assert response.status_code == 400
    assert response.context["stage_form"].non_field_errors()
    assert list(StageMove.objects.values_list("to_stage", flat=True)) == ["started"]


def test_only_the_sponsoring_department_moves_the_stage(client, sponsor):
    # Another department's user does not even reach the project (row-level scope).
    client.force_login(user_with_role("department_user", official=True))
    response = _move(client, sponsor, "started", timezone.localdate())
    assert response.status_code == 404
    assert client.get(reverse("projects:detail", args=[sponsor.pk])).status_code == 404
    # The economic bureau reads every project but does not move their stages.
    client.force_login(user_with_role("economic_bureau"))
    response = _move(client, sponsor, "started", timezone.localdate())
    assert response.status_code == 403
    assert StageMove.objects.count() == 0
    page = client.get(reverse("projects:detail", args=[sponsor.pk])).content.decode()
    assert 'id="stage-form"' not in page

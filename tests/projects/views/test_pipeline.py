"""The pipeline board's page: its queries, lights, links and bad filters."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import StageMove
from tests.factories import (
    DepartmentFactory,
    EnterpriseFactory,
    ProjectPlanFactory,
)
from tests.projects.helpers import _report
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db


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

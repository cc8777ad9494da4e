"""The demo's data-quality flags: last month's board shows the planted ones, and its close asks
about the unexplained unit error."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from enterprises.models import FigureFlag, Period
from hengkou.demo.live.closes import DemoUsers

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 4)
LAST_MONTH = datetime.date(2026, 11, 1)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """Run setup_demo --today 2026-12-04 once; each test runs in a savepoint inside it."""
    with (
        django_db_blocker.unblock(),
        override_settings(VAR_DIR=tmp_path_factory.mktemp("var")),
        transaction.atomic(),
    ):
        call_command("setup_demo", "--today", TODAY.isoformat(), stdout=StringIO())
        yield
        transaction.set_rollback(True)


def test_last_months_board_shows_the_unit_error_and_the_explained_jump(demo, client):
    flags = FigureFlag.objects.filter(period=LAST_MONTH)
    unexplained = list(flags.filter(explanation=""))
    assert len(unexplained) >= 1
    # The unit error: output entered in 千元, ten times the month before.
    errors = [f for f in unexplained if f.metric == "output_value" and f.rule == "month_jump"]
    assert len(errors) == 1 and 5 <= float(errors[0].params["factor"]) <= 20
    assert {f.enterprise_id for f in unexplained} == {errors[0].enterprise_id}
    explained = list(flags.exclude(explanation=""))
    assert explained and len({f.enterprise_id for f in explained}) == 1
    assert all("生产线" in f.explanation and f.explained_by for f in explained)
    assert all(f.explained_at.date() <= TODAY for f in explained)
    assert not Period.is_closed(LAST_MONTH)

    client.force_login(DemoUsers.load().bureau)
    board = client.get(reverse("data_quality")).content.decode()
    assert "2026-11" in board
    assert errors[0].enterprise.name in board and explained[0].enterprise.name in board
    dashboard = client.get(reverse("dashboard"), {"period": "2026-11"}).content.decode()
    assert 'id="unexplained-flags"' in dashboard and errors[0].enterprise.name in dashboard
    assert 'name="confirm_unexplained"' in dashboard


def test_the_closed_months_of_the_year_have_only_explained_flags(demo):
    closed = Period.objects.filter(period__year=2026, status="closed").values_list("period")
    assert closed.count() == 10
    assert not FigureFlag.objects.filter(period__in=closed, explanation="").exists()


def test_the_api_close_of_last_month_asks_about_the_unit_error(demo):
    api = APIClient()
    api.force_authenticate(DemoUsers.load().bureau)
    response = api.post("/api/v1/periods/2026-11/close/")
    assert response.status_code == 409
    body = response.json()
    assert body["count"] >= 1
    assert any(flag["metric"] == "output_value" for flag in body["flags"])
    assert not Period.is_closed(LAST_MONTH)

"""Cached figures: computed once, served until the next write, then computed afresh."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache

from enterprises.services.figures import save_monthly_report
from hengkou.selectors.ranking import get_period_ranking
from hengkou.selectors.zone import get_zone_stats, list_monthly_trend
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    EnterpriseTitleFactory,
    MonthlyReportFactory,
    TargetFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cached(settings):
    settings.HENGKOU_FIGURES_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def zone():
    department = DepartmentFactory(code="D1")
    assignment = AssignmentFactory(year=2021, department=department)
    TargetFactory(enterprise=assignment.enterprise, year=2021, value=Decimal("1200.00"))
    report = MonthlyReportFactory(
        enterprise=assignment.enterprise,
        period=datetime.date(2021, 11, 1),
        output_value=Decimal("100.00"),
    )
    return report


def ranking_ytd():
    return get_period_ranking(period=datetime.date(2021, 11, 1), metric="output_value").rows[0].ytd


def test_a_cached_ranking_costs_no_query_until_a_write(cached, zone, django_assert_num_queries):
    assert ranking_ytd() == Decimal("100.00")
    with django_assert_num_queries(0):
        assert ranking_ytd() == Decimal("100.00")
        get_period_ranking(period=datetime.date(2021, 11, 1), metric="output_value")
    zone.output_value = Decimal("250.00")
    save_monthly_report(report=zone)
    assert ranking_ytd() == Decimal("250.00")


def test_a_target_saved_anywhere_drops_the_cached_figures(cached, zone):
    before = (
        get_period_ranking(period=datetime.date(2021, 11, 1), metric="output_value").rows[0].target
    )
    target = zone.enterprise.targets.get()
    target.value = Decimal("2400.00")
    target.save()  # as the admin does: a plain save
    after = (
        get_period_ranking(period=datetime.date(2021, 11, 1), metric="output_value").rows[0].target
    )
    assert (before, after) == (Decimal("1200.00"), Decimal("2400.00"))


def test_zone_stats_and_the_trend_follow_a_new_report(cached, zone):
    EnterpriseTitleFactory(enterprise=zone.enterprise, year=2021)  # above scale
    stats = get_zone_stats(period=datetime.date(2021, 11, 1))
    trend = list_monthly_trend(year=2021, metric="output_value")
    MonthlyReportFactory(
        enterprise=zone.enterprise, period=datetime.date(2021, 10, 1), output_value=Decimal("7")
    )
    assert get_zone_stats(period=datetime.date(2021, 11, 1)) != stats
    assert list_monthly_trend(year=2021, metric="output_value") != trend


def test_without_a_shared_cache_nothing_is_kept(settings, zone, django_assert_max_num_queries):
    settings.HENGKOU_FIGURES_CACHE_SECONDS = 0
    cache.clear()
    ranking_ytd()
    with django_assert_max_num_queries(5) as captured:
        ranking_ytd()
    assert len(captured) > 0  # computed again: no per-process copy to go stale


def test_the_ranking_endpoint_serves_the_cached_json_until_a_write(cached, zone):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from tests.roles import user_with_role

    client = APIClient()
    client.force_authenticate(user_with_role("economic_bureau"))
    query = {"period": "2021-11", "metric": "output_value"}
    first = client.get("/api/v1/rankings/", query)
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as again:
        second = client.get("/api/v1/rankings/", query)
    assert second.content == first.content
    tables = " ".join(q["sql"] for q in again.captured_queries)
    assert "enterprises_monthlyytd" not in tables and "enterprises_period" not in tables
    zone.output_value = Decimal("300.00")
    save_monthly_report(report=zone)
    third = client.get("/api/v1/rankings/", query).json()
    assert third["results"][0]["ytd"] == "300.00"


def test_the_decorator_keys_each_call_by_its_arguments(cached):
    from core.figures_cache import cached_figures, figures_key

    calls = []

    @cached_figures("probe")
    def probe(*, period: datetime.date, metric: str = "output_value") -> str:
        calls.append((period, metric))
        return f"{period:%Y-%m}:{metric}"

    november, october = datetime.date(2021, 11, 1), datetime.date(2021, 10, 1)
    assert probe(period=november) == "2021-11:output_value"
    assert probe(period=october) == "2021-10:output_value"  # another period: its own entry
    assert probe(period=november) == "2021-11:output_value"  # the same call hits
    assert probe(metric="output_value", period=november) == "2021-11:output_value"  # any order
    assert probe(period=november, metric="revenue") == "2021-11:revenue"
    assert calls == [(november, "output_value"), (october, "output_value"), (november, "revenue")]
    assert figures_key("probe", period=november, metric="revenue") == (
        "probe:metric=revenue,period=2021-11-01"
    )
    with pytest.raises(TypeError):
        probe(november)  # keyword arguments only: a positional one would escape the key

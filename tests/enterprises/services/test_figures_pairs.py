"""refresh_monthly_ytd_pairs: each enterprise is refreshed in the years it was touched only."""

import datetime
from decimal import Decimal

import pytest

from enterprises.models import MonthlyReport, MonthlyYtd
from enterprises.services.figures import refresh_monthly_ytd_pairs
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db


def test_pairs_refresh_each_enterprise_in_its_own_years_only():
    first, second = EnterpriseFactory(), EnterpriseFactory()
    # Written around the services (bulk_create), so no rollup exists yet.
    MonthlyReport.objects.bulk_create(
        [
            MonthlyReport(enterprise=first, period=datetime.date(2021, 3, 1), output_value=5),
            MonthlyReport(enterprise=first, period=datetime.date(2022, 3, 1), output_value=6),
            MonthlyReport(enterprise=second, period=datetime.date(2022, 5, 1), output_value=7),
        ]
    )

    changed = refresh_monthly_ytd_pairs(pairs={(first.pk, 2021), (second.pk, 2022)})

    assert changed == 24
    assert sorted(
        MonthlyYtd.objects.filter(period__month=12).values_list("enterprise_id", "period__year")
    ) == [(first.pk, 2021), (second.pk, 2022)]
    assert MonthlyYtd.objects.get(
        enterprise=second, period=datetime.date(2022, 12, 1)
    ).output_value == Decimal("7")
    assert refresh_monthly_ytd_pairs(pairs={(first.pk, 2021), (second.pk, 2022)}) == 0


def test_no_pairs_change_nothing():
    assert refresh_monthly_ytd_pairs(pairs=set()) == 0

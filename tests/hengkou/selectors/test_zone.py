import datetime
from decimal import Decimal
from fractions import Fraction

import pytest

from hengkou.selectors.zone import get_zone_stats
from tests.factories import (
    AssignmentFactory,
    EnterpriseFactory,
    EnterpriseTitleFactory,
    MonthlyReportFactory,
    ProjectFactory,
    ProjectReportFactory,
)

pytestmark = pytest.mark.django_db


def _reports(enterprise, year, values):
    for month, value in values.items():
        MonthlyReportFactory(
            enterprise=enterprise, period=datetime.date(year, month, 1), output_value=value
        )


def test_above_scale_output_and_its_growth_over_the_same_enterprises():
    grown = EnterpriseFactory()
    new = EnterpriseFactory()
    dropped = EnterpriseFactory()
    EnterpriseTitleFactory(enterprise=grown, year=2021)
    EnterpriseTitleFactory(enterprise=grown, year=2020)
    EnterpriseTitleFactory(enterprise=new, year=2021)
    EnterpriseTitleFactory(enterprise=dropped, year=2020)
    _reports(grown, 2021, {1: "100", 2: "100", 3: "999"})
    _reports(grown, 2020, {1: "80", 2: "70"})
    _reports(new, 2021, {2: "50"})
    _reports(new, 2020, {1: "10"})
    _reports(dropped, 2021, {1: "500"})
    _reports(dropped, 2020, {1: "500"})
    AssignmentFactory(enterprise=grown, year=2021)
    AssignmentFactory(enterprise=dropped, year=2020)

    stats = get_zone_stats(period=datetime.date(2021, 2, 1))
    assert stats.above_scale_enterprises == 2
    assert stats.enterprises == 1
    assert stats.above_scale_output == Decimal("250.00")
    assert stats.above_scale_output_previous == Decimal("160.00")
    assert stats.above_scale_output_yoy == Fraction(250, 160) - 1


def test_investment_and_tech_renovation_investment():
    renovation = ProjectFactory(kind="renovation", stage="started")
    new = ProjectFactory(kind="new", stage="started")
    ProjectReportFactory(project=renovation, period=datetime.date(2021, 1, 1), investment="30")
    ProjectReportFactory(project=renovation, period=datetime.date(2020, 1, 1), investment="20")
    ProjectReportFactory(project=new, period=datetime.date(2021, 1, 1), investment="70")
    ProjectReportFactory(project=new, period=datetime.date(2021, 2, 1), investment="5")

    stats = get_zone_stats(period=datetime.date(2021, 1, 1))
    assert (stats.investment, stats.tech_investment) == (Decimal("100.00"), Decimal("30.00"))
    assert stats.investment_yoy == Fraction(100, 20) - 1
    assert stats.tech_investment_yoy == Fraction(1, 2)


def test_empty_zone_has_zeros_and_null_growth(django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        stats = get_zone_stats(period=datetime.date(2021, 12, 1))
    assert stats.above_scale_output == Decimal("0.00")
    assert stats.above_scale_output_yoy is None
    assert stats.investment_yoy is None

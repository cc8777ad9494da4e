"""chain-stats/ with a year: the chain's output and revenue of that year."""

import datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from tests.factories import EnterpriseFactory, MonthlyReportFactory
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db


def test_chain_stats_with_a_year_sums_the_years_output_and_revenue():
    toys = EnterpriseFactory(chain="毛绒玩具", chain_role="producer")
    other = EnterpriseFactory(chain="富硒食品", chain_role="producer")
    for month, output in ((10, "100.50"), (11, "200.25")):
        MonthlyReportFactory(
            enterprise=toys,
            period=datetime.date(2021, month, 1),
            output_value=Decimal(output),
            revenue=Decimal("10.00"),
        )
    MonthlyReportFactory(enterprise=toys, period=datetime.date(2020, 11, 1), output_value=9)
    MonthlyReportFactory(enterprise=other, period=datetime.date(2021, 11, 1), output_value=7)
    client = APIClient()
    client.force_authenticate(user_with_role("economic_bureau"))
    body = client.get("/api/v1/chain-stats/", {"chain": "毛绒玩具", "year": 2021}).json()
    assert (body["year"], body["output"], body["revenue"]) == (2021, "300.75", "20.00")
    plain = client.get("/api/v1/chain-stats/", {"chain": "毛绒玩具"}).json()
    assert (plain["year"], plain["output"], plain["revenue"]) == (None, None, None)
    bad = client.get("/api/v1/chain-stats/", {"chain": "毛绒玩具", "year": "21x"})
    assert bad.status_code == 400
    assert "year" in bad.json()

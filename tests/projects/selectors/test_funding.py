"""Funding applications (项目资金争取): the year's totals."""

from decimal import Decimal

import pytest

from projects.selectors.funding import funding_totals, list_funding_applications
from tests.factories import (
    FundingApplicationFactory,
)

pytestmark = pytest.mark.django_db


def test_the_year_totals_add_up_only_the_year():
    FundingApplicationFactory(
        status="approved", requested=Decimal("1500"), approved=Decimal("1400"), received=1200
    )
    FundingApplicationFactory(
        status="approved", requested=Decimal("700.50"), approved=Decimal("650.25"), received=0
    )
    FundingApplicationFactory(status="rejected", requested=Decimal("200"))
    FundingApplicationFactory(year=2020, status="approved", requested=999, approved=999)
    totals = funding_totals(list_funding_applications().filter(year=2021))
    assert totals == {
        "applications": 3,
        "requested": Decimal("2400.50"),
        "approved": Decimal("2050.25"),
        "received": Decimal("1200.00"),
    }

"""The funding applications page (项目资金争取) and its export."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import (
    EnterpriseFactory,
    FundingApplicationFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_year_filters_and_exports_its_columns(admin_client):
    project = ProjectFactory(name="通用机械迁建技改项目")
    FundingApplicationFactory(
        project=project,
        enterprise=None,
        status="approved",
        requested=1500,
        approved=1400,
        received=1200,
    )
    FundingApplicationFactory(programme="外贸物流补贴", enterprise=EnterpriseFactory(name="恒安"))
    FundingApplicationFactory(year=2020)
    response = admin_client.get(reverse("projects:funding_list"), {"year": 2021})
    page = response.content.decode()
    assert response.context["totals"]["applications"] == 2
    assert response.context["totals"]["approved"] == Decimal("1400.00")
    assert reverse("projects:detail", args=[project.pk]) in page
    assert 'id="total-received">1,200.00<' in page
    approved = admin_client.get(
        reverse("projects:funding_list"), {"year": 2021, "status": "approved"}
    )
    assert approved.context["totals"]["applications"] == 1
    programme = admin_client.get(
        reverse("projects:funding_list"), {"year": 2021, "programme": "物流"}
    )
    assert "恒安" in programme.content.decode()
    assert programme.context["totals"]["applications"] == 1

    export = admin_client.get(reverse("projects:funding_list"), {"year": 2021, "format": "xlsx"})
    assert "funding-2021.xlsx" in export["Content-Disposition"]
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    headers = [str(column.label) for column in response.context["columns"]]  # the screen's headers
    assert list(rows[0]) == headers
    assert len(rows) == 3
    assert {row[5] for row in rows[1:]} == {1500, 100}


@pytest.mark.parametrize("size", [2, 30])
def test_the_page_runs_a_constant_number_of_queries(client, django_assert_max_num_queries, size):
    for _ in range(size):
        FundingApplicationFactory(project=ProjectFactory())
    user = UserFactory()
    user.groups.add(Group.objects.get(name="economic_bureau"))
    client.force_login(user)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("projects:funding_list"), {"year": 2021})
    assert response.context["page"].paginator.count == size

"""Funding applications (项目资金争取): validation, the year's totals, the page and its export."""

import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from projects.models import FundingApplication
from projects.selectors.funding import funding_totals, list_funding_applications
from tests.factories import (
    EnterpriseFactory,
    FundingApplicationFactory,
    ProjectFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "fields",
    [
        {"status": "approved", "requested": 100, "approved": 120},  # approved > requested
        {"status": "approved", "requested": 100, "approved": 80, "received": 90},
        {"status": "submitted", "requested": 100, "approved": 50},  # approved before approval
        {"requested": -1},
        {"year": 1999},
    ],
)
def test_an_inconsistent_application_is_refused(fields):
    application = FundingApplication(**{"programme": "陕南发展专项", "year": 2021, **fields})
    with pytest.raises(ValidationError):
        application.full_clean()


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


def test_the_api_validates_amounts_and_filters(db):
    client = APIClient()
    client.force_authenticate(UserFactory(is_superuser=True, is_staff=True))
    body = {"programme": "陕南发展专项", "year": 2021, "requested": "100", "approved": "50"}
    refused = client.post("/api/v1/funding-applications/", body, format="json")
    assert refused.status_code == 400
    assert not FundingApplication.objects.exists()
    created = client.post(
        "/api/v1/funding-applications/", {**body, "status": "approved"}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["approved"] == "50.00"
    FundingApplicationFactory(year=2020)
    listed = client.get("/api/v1/funding-applications/", {"year": 2021, "status": "approved"})
    assert [row["id"] for row in listed.json()["results"]] == [created.json()["id"]]
    assert client.get("/api/v1/funding-applications/", {"status": "won"}).status_code == 400

"""Funding applications (项目资金争取) in API v1: amounts validated, filters."""

import pytest
from rest_framework.test import APIClient

from projects.models import FundingApplication
from tests.factories import (
    FundingApplicationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


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

"""Funding applications (项目资金争取): an inconsistent application is refused."""

import pytest
from django.core.exceptions import ValidationError

from projects.models import FundingApplication

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

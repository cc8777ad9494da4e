"""A project's year-end evaluation: one per year, a confirmed one has a grade."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from projects.models import ProjectEvaluation
from tests.projects.helpers import _project_with

pytestmark = pytest.mark.django_db


NOW = datetime.datetime(2021, 12, 20, 10, 0, tzinfo=datetime.UTC)


def test_one_evaluation_per_project_and_year_and_a_confirmed_one_has_a_grade():
    project = _project_with(Decimal("850.00"))
    ProjectEvaluation.objects.create(project=project, year=2021, proposed_grade="good")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectEvaluation.objects.create(project=project, year=2021)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectEvaluation.objects.create(project=project, year=2022, confirmed_at=NOW)
    assert ProjectEvaluation.objects.count() == 1

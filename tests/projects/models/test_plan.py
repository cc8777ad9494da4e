"""A project's yearly plan: one per project and year, led by a county-level leader."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects.models import ProjectPlan
from tests.factories import (
    OfficialFactory,
    ProjectFactory,
    ProjectPlanFactory,
)

pytestmark = pytest.mark.django_db


def test_one_plan_per_project_and_year():
    plan = ProjectPlanFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectPlanFactory(project=plan.project, year=plan.year)
    assert ProjectPlan.objects.count() == 1


def test_plan_leader_must_be_county_level():
    plan = ProjectPlanFactory.build(
        project=ProjectFactory(), leader=OfficialFactory(), department=OfficialFactory().department
    )
    with pytest.raises(ValidationError) as excinfo:
        plan.full_clean()
    assert "leader" in excinfo.value.message_dict

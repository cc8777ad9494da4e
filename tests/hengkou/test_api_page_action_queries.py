"""The lists of the pages' actions cost the same few queries for 2 rows or 20."""

import pytest
from rest_framework.test import APIClient

from tests.factories import (
    AssignmentFactory,
    InspectionFactory,
    ProjectEvaluationFactory,
    ProjectInspectionFactory,
    ProjectPlanFactory,
    UserFactory,
    WorkReportFactory,
)

pytestmark = pytest.mark.django_db


def make_rows(size: int) -> None:
    for _ in range(size):
        assignment = AssignmentFactory(year=2021)
        WorkReportFactory(assignment=assignment)
        InspectionFactory(department=assignment.department, assignment=assignment)
        plan = ProjectPlanFactory(year=2021, department=assignment.department)
        ProjectInspectionFactory(project=plan.project)
        ProjectEvaluationFactory(project=plan.project)


@pytest.mark.parametrize(
    "resource", ["work-reports", "inspections", "project-inspections", "project-evaluations"]
)
@pytest.mark.parametrize("size", [2, 20])
def test_a_list_costs_a_constant_number_of_queries(resource, size, django_assert_max_num_queries):
    make_rows(size)
    client = APIClient()
    client.force_authenticate(UserFactory(is_superuser=True))
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/{resource}/")
    assert response.status_code == 200
    assert response.json()["count"] == size

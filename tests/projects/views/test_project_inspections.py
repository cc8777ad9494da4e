"""Half-year inspections (半年督查) recorded on a project's page."""

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.models import ProjectInspection
from tests.factories import ProjectPlanFactory, UserFactory
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db


def test_an_inspector_records_a_half_year_inspection_on_the_project_page(client):
    project = ProjectPlanFactory(year=timezone.localdate().year).project
    inspector = user_with_role("supervision_office", username="inspector")
    client.force_login(inspector)
    url = reverse("projects:inspection_new", args=[project.pk])
    data = {
        "year": 2021,
        "half": 1,
        "inspected_on": "2021-06-18",
        "findings": "进度滞后，设备未到货",
        "rating": 72,
    }
    response = client.post(url, data)
    assert response.status_code == 302
    inspection = ProjectInspection.objects.get()
    assert (inspection.half, inspection.rating, inspection.inspector) == (1, 72, inspector)
    page = client.get(reverse("projects:detail", args=[project.pk])).content.decode()
    assert "进度滞后，设备未到货" in page

    response = client.post(url, {**data, "inspected_on": "2021-06-20"})
    assert response.status_code == 400  # one per project and half-year
    response = client.post(url, {**data, "half": 2, "inspected_on": "2021-06-20"})
    assert response.status_code == 400  # dated outside the half it inspects
    assert "inspected_on" in response.context["inspection_form"].errors
    assert ProjectInspection.objects.count() == 1


def test_only_inspectors_record_inspections(client):
    project = ProjectPlanFactory().project
    data = {"year": 2021, "half": 1, "inspected_on": "2021-06-18", "findings": "x", "rating": 70}
    url = reverse("projects:inspection_new", args=[project.pk])
    client.force_login(UserFactory())
    assert client.post(url, data).status_code == 403
    # Reading every project is not inspecting them.
    client.force_login(user_with_role("economic_bureau"))
    assert client.post(url, data).status_code == 403
    assert ProjectInspection.objects.count() == 0

"""The year-end evaluation page (年终评比): proposals listed, a supervisor confirms."""

from decimal import Decimal

import pytest
from django.urls import reverse

from projects.models import ProjectEvaluation
from tests.projects.helpers import _project_with, _supervisor
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db


def test_the_evaluations_page_lists_proposals_and_a_supervisor_confirms_there(client):
    project = _project_with(Decimal("650.00"))
    # The economic bureau reads the proposals but does not confirm them.
    client.force_login(user_with_role("economic_bureau"))
    page = client.get(reverse("projects:evaluations"), {"year": 2021}).content.decode()
    assert 'data-grade="pass"' in page
    assert "confirm-form" not in page
    response = client.post(
        reverse("projects:evaluations"), {"project": project.pk, "year": 2021, "grade": "good"}
    )
    assert response.status_code == 403
    assert ProjectEvaluation.objects.count() == 0

    client.force_login(_supervisor(username="chief"))
    response = client.post(
        reverse("projects:evaluations"), {"project": project.pk, "year": 2021, "grade": "good"}
    )
    assert response.status_code == 302
    evaluation = ProjectEvaluation.objects.get()
    assert (evaluation.proposed_grade, evaluation.grade, evaluation.confirmed_by.username) == (
        "pass",
        "good",
        "chief",
    )
    page = client.get(reverse("projects:evaluations"), {"year": 2021}).content.decode()
    assert '<strong data-grade="good">' in page

"""A supervisor confirms a project's year-end grade (年终评比), from December on."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from projects.models import ProjectEvaluation
from projects.services import confirm_project_evaluation
from tests.factories import UserFactory
from tests.projects.helpers import _project_with, _supervisor

pytestmark = pytest.mark.django_db


NOW = datetime.datetime(2021, 12, 20, 10, 0, tzinfo=datetime.UTC)


def test_a_supervisor_confirms_the_grade_with_the_proposal_beside_it():
    project = _project_with(Decimal("850.00"))
    supervisor = _supervisor(username="supervisor")
    evaluation = confirm_project_evaluation(
        project=project,
        year=2021,
        grade="excellent",
        note="投产带动就业",
        acting_user=supervisor,
        now=NOW,
    )
    evaluation.refresh_from_db()
    assert (
        evaluation.proposed_grade,
        evaluation.grade,
        evaluation.confirmed_by,
        evaluation.confirmed_at,
        evaluation.note,
    ) == ("good", "excellent", supervisor, NOW, "投产带动就业")

    again = confirm_project_evaluation(
        project=project, year=2021, grade="good", acting_user=supervisor, now=NOW
    )
    assert again.pk == evaluation.pk
    assert ProjectEvaluation.objects.get().grade == "good"


def test_only_a_supervisor_confirms_and_only_from_december():
    project = _project_with(Decimal("850.00"))
    with pytest.raises(PermissionDenied):
        confirm_project_evaluation(
            project=project, year=2021, grade="good", acting_user=UserFactory(), now=NOW
        )
    with pytest.raises(ValidationError) as excinfo:
        confirm_project_evaluation(
            project=project,
            year=2021,
            grade="good",
            acting_user=_supervisor(),
            now=NOW,
            today=datetime.date(2021, 11, 30),
        )
    assert "year" in excinfo.value.message_dict
    assert ProjectEvaluation.objects.count() == 0

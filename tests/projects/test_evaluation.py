"""Half-year inspections (半年督查) and the year-end evaluation (年终评比) of projects."""

import datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from projects.models import ProjectEvaluation, ProjectInspection
from projects.selectors.grades import list_evaluation_lines, propose_grade
from projects.services import confirm_project_evaluation, move_project_stage
from tests.factories import ProjectPlanFactory, ProjectReportFactory, UserFactory
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2021, 12, 20, 10, 0, tzinfo=datetime.UTC)


def _supervisor(**kwargs):
    """A user of the supervision office, which confirms the year-end grades."""
    user = user_with_role("supervision_office", **kwargs)
    assert user.has_perm("projects.confirm_projectevaluation")
    return user


def _project_with(invested, *, planned="1000.00", planned_end=None, percent=50):
    plan = ProjectPlanFactory(
        planned_investment=Decimal(planned),
        project__stage="started",
        project__planned_end=planned_end,
    )
    for month, amount in ((3, invested / 2), (11, invested - invested / 2)):
        ProjectReportFactory(
            project=plan.project,
            period=datetime.date(2021, month, 1),
            investment=amount,
            percent_complete=percent,
        )
    return plan.project


@pytest.mark.parametrize(
    ("completion", "finished", "planned_end", "grade"),
    [
        (Fraction(1), False, None, "excellent"),
        (Fraction(13, 10), False, datetime.date(2022, 6, 30), "excellent"),
        (Fraction(1), False, datetime.date(2021, 6, 30), "good"),  # due this year, not done
        (Fraction(1), True, datetime.date(2021, 6, 30), "excellent"),
        (Fraction(99999, 100000), True, None, "good"),
        (Fraction(8, 10), False, None, "good"),
        (Fraction(79999, 100000), False, None, "pass"),
        (Fraction(6, 10), False, None, "pass"),
        (Fraction(59999, 100000), False, None, "fail"),
        (Fraction(0), True, None, "fail"),
        (None, True, None, ""),
    ],
)
def test_the_proposed_grade_follows_the_rule(completion, finished, planned_end, grade):
    assert (
        propose_grade(completion=completion, finished=finished, planned_end=planned_end, year=2021)
        == grade
    )


def test_grades_are_proposed_from_the_years_investment_and_progress():
    on_plan = _project_with(Decimal("1000.00"))
    short = _project_with(Decimal("799.98"))
    overdue = _project_with(Decimal("1200.00"), planned_end=datetime.date(2021, 9, 30))
    finished = _project_with(
        Decimal("1000.00"), planned_end=datetime.date(2021, 9, 30), percent=100
    )
    nothing_planned = ProjectPlanFactory(planned_investment=Decimal("0.00")).project

    lines = {line.project.id: line for line in list_evaluation_lines(year=2021)}
    assert lines[on_plan.pk].completion == Fraction(1)
    assert lines[on_plan.pk].proposed_grade == "excellent"
    assert lines[short.pk].completion == Fraction(39999, 50000)
    assert lines[short.pk].proposed_grade == "pass"
    assert lines[overdue.pk].completion == Fraction(1)  # capped
    assert lines[overdue.pk].proposed_grade == "good"
    assert lines[finished.pk].proposed_grade == "excellent"
    assert lines[nothing_planned.pk].proposed_grade == ""


def test_a_project_that_completed_in_the_year_counts_as_finished():
    project = _project_with(Decimal("1000.00"), planned_end=datetime.date(2021, 6, 30))
    move_project_stage(project=project, to_stage="completed", moved_on=datetime.date(2021, 7, 2))
    (line,) = list_evaluation_lines(year=2021)
    assert line.finished and line.proposed_grade == "excellent"


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


def test_one_evaluation_per_project_and_year_and_a_confirmed_one_has_a_grade():
    project = _project_with(Decimal("850.00"))
    ProjectEvaluation.objects.create(project=project, year=2021, proposed_grade="good")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectEvaluation.objects.create(project=project, year=2021)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectEvaluation.objects.create(project=project, year=2022, confirmed_at=NOW)
    assert ProjectEvaluation.objects.count() == 1


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


# --- half-year inspections ----------------------------------------------------------------------


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

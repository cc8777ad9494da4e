"""The quarterly inspections of API v1, recorded through the page's service."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from hengkou.models import Inspection
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    InspectionFactory,
    OfficialFactory,
    UserFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
URL = "/api/v1/inspections/"


def zh(message):
    with translation.override("zh-hans"):
        return gettext(message)


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def inspector():
    return user_with_role("supervision_office")


def body(department, **extra):
    return {
        "year": 2021,
        "quarter": 3,
        "department": department.pk,
        "inspected_on": "2021-09-28",
        "findings": "帮扶台账完整",
        "score": "92.50",
        **extra,
    }


def test_the_supervision_office_records_an_inspection_and_is_named(inspector):
    assignment = AssignmentFactory(year=2021)
    response = api_for(inspector).post(
        URL, body(assignment.department, assignment=assignment.pk), format="json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    inspection = Inspection.objects.get()
    assert data == {
        "id": inspection.pk,
        "year": 2021,
        "quarter": 3,
        "department": assignment.department_id,
        "assignment": assignment.pk,
        "inspected_on": "2021-09-28",
        "findings": "帮扶台账完整",
        "score": "92.50",
        "inspector": inspector.pk,
        "created_at": data["created_at"],
    }
    assert inspection.score == Decimal("92.50")
    [record] = inspection.history.all()
    assert (record.history_type, record.history_user) == ("+", inspector)


def test_an_inspection_is_amended_with_patch(inspector):
    inspection = InspectionFactory(inspector=None)
    response = api_for(inspector).patch(
        f"{URL}{inspection.pk}/", {"score": "75", "findings": "整改不到位"}, format="json"
    )
    assert response.status_code == 200, response.content
    inspection.refresh_from_db()
    assert (inspection.score, inspection.findings) == (Decimal("75"), "整改不到位")
    assert inspection.inspector == inspector
    latest = inspection.history.latest()
    assert (latest.history_type, latest.history_user) == ("~", inspector)


def test_the_models_rules_refuse_with_the_pages_messages(inspector):
    assignment = AssignmentFactory(year=2021)
    client = api_for(inspector)
    response = client.post(URL, body(DepartmentFactory(), assignment=assignment.pk), format="json")
    assert response.status_code == 400
    assert response.json() == {"assignment": [zh("The assignment belongs to another department.")]}
    response = client.post(
        URL, body(assignment.department, inspected_on="2022-01-05"), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "inspected_on": [zh("The inspection date is not in the inspection's year.")]
    }
    assert not Inspection.objects.exists()


def test_missing_fields_and_wrong_types_are_400(inspector):
    department = DepartmentFactory()
    client = api_for(inspector)
    response = client.post(URL, {"department": department.pk}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"year", "quarter", "inspected_on", "findings", "score"}
    for bad in (
        {"quarter": 5},
        {"quarter": "Q3"},
        {"score": "101"},
        {"score": "1e2"},
        {"department": 999999},
        {"inspected_on": "2021-09-31"},
        {"year": 1999},
    ):
        response = client.post(URL, {**body(department), **bad}, format="json")
        assert response.status_code == 400, bad
        assert set(response.json()) == set(bad), response.json()
    assert not Inspection.objects.exists()


def test_recording_needs_the_pages_permission(inspector):
    department = DepartmentFactory()
    inspection = InspectionFactory(department=department, findings="原样")
    for role in ("economic_bureau", "department_user", "county_leader"):
        client = api_for(user_with_role(role))
        assert client.post(URL, body(department), format="json").status_code == 403, role
        response = client.patch(f"{URL}{inspection.pk}/", {"findings": "改"}, format="json")
        assert response.status_code == 403, role
    # Deleting is for administrators.
    assert api_for(inspector).delete(f"{URL}{inspection.pk}/").status_code == 403
    assert APIClient().get(URL).status_code in (401, 403)
    inspection.refresh_from_db()
    assert inspection.findings == "原样"
    assert Inspection.objects.count() == 1
    admin = UserFactory(is_superuser=True)
    assert api_for(admin).delete(f"{URL}{inspection.pk}/").status_code == 204
    assert not Inspection.objects.exists()


def test_a_department_reads_only_its_own_and_names_no_other(db):
    """A department user allowed to read and record inspections stays within its department."""
    ours = DepartmentFactory()
    theirs = DepartmentFactory()
    user = user_with_role("department_user", official=OfficialFactory(department=ours))
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="hengkou",
            codename__in=["view_inspection", "add_inspection", "change_inspection"],
        )
    )
    mine = InspectionFactory(department=ours)
    other = InspectionFactory(department=theirs, findings="原样")
    client = api_for(user)
    assert [row["id"] for row in client.get(URL).json()["results"]] == [mine.pk]
    assert client.get(f"{URL}{other.pk}/").status_code == 404
    assert client.patch(f"{URL}{other.pk}/", {"findings": "改"}, format="json").status_code == 404
    response = client.post(URL, body(theirs), format="json")
    assert response.status_code == 400
    assert response.json() == {"department": [zh("This is outside your department's records.")]}
    response = client.patch(f"{URL}{mine.pk}/", {"department": theirs.pk}, format="json")
    assert response.status_code == 400
    other.refresh_from_db()
    mine.refresh_from_db()
    assert (other.findings, mine.department) == ("原样", ours)
    assert Inspection.objects.count() == 2


def test_filters(inspector):
    department = DepartmentFactory()
    q3 = InspectionFactory(department=department, quarter=3)
    InspectionFactory(department=department, quarter=4)
    InspectionFactory(year=2020)
    client = api_for(inspector)

    def ids(**query):
        response = client.get(URL, query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(year=2021, quarter=3) == [q3.pk]
    assert len(ids(department=department.pk)) == 2
    assert len(ids(year=2020)) == 1
    assert client.get(URL, {"quarter": 9}).status_code == 400


def test_the_page_still_records_through_the_service(client):
    user = user_with_role("supervision_office")
    client.force_login(user)
    department = DepartmentFactory()
    response = client.post(
        "/inspections/",
        {
            "year": 2021,
            "quarter": 2,
            "department": department.pk,
            "inspected_on": datetime.date(2021, 6, 1).isoformat(),
            "findings": "好",
            "score": "80",
        },
    )
    assert response.status_code == 302, response.content.decode()[:500]
    inspection = Inspection.objects.get()
    assert inspection.inspector == user
    assert inspection.history.get().history_user == user

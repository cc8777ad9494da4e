"""The work reports of API v1: the page's rules, through the page's service."""

import datetime

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from enterprises.models import Period, WorkReport
from tests.factories import (
    AssignmentFactory,
    OfficialFactory,
    UserFactory,
    WorkReportFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
URL = "/api/v1/work-reports/"


def zh(message, **params):
    """Return a message as the API writes it (Chinese, the default language)."""
    with translation.override("zh-hans"):
        text = gettext(message)
    return text % params if params else text


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world():
    """Two departments, each with an assignment of 2021 and a department user."""
    ours = AssignmentFactory(year=2021)
    theirs = AssignmentFactory(year=2021)
    return {
        "ours": ours,
        "theirs": theirs,
        "user": user_with_role(
            "department_user", official=OfficialFactory(department=ours.department)
        ),
        "other": user_with_role(
            "department_user", official=OfficialFactory(department=theirs.department)
        ),
    }


def body(assignment, **extra):
    return {
        "assignment": assignment.pk,
        "period": "2021-11",
        "progress": "走访企业两次，协调用工30人",
        **extra,
    }


def test_a_department_submits_its_report_and_is_named_in_the_history(world):
    client = api_for(world["user"])
    response = client.post(URL, body(world["ours"], standards="月产值达标"), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    report = WorkReport.objects.get()
    assert data["id"] == report.pk
    assert (data["assignment"], data["period"]) == (world["ours"].pk, "2021-11")
    assert (data["progress"], data["standards"], data["deadlines"]) == (
        "走访企业两次，协调用工30人",
        "月产值达标",
        "",
    )
    assert data["submitted_by"] == world["user"].pk
    assert report.period == datetime.date(2021, 11, 1)
    [record] = report.history.all()
    assert (record.history_type, record.history_user) == ("+", world["user"])


def test_a_report_is_amended_with_patch_and_the_history_names_who(world):
    report = WorkReportFactory(assignment=world["ours"])
    client = api_for(world["user"])
    response = client.patch(f"{URL}{report.pk}/", {"progress": "新生产线已投产"}, format="json")
    assert response.status_code == 200, response.content
    report.refresh_from_db()
    assert report.progress == "新生产线已投产"
    assert report.submitted_by == world["user"]
    latest = report.history.latest()
    assert (latest.history_type, latest.history_user) == ("~", world["user"])


def test_a_second_report_of_the_month_is_refused(world):
    report = WorkReportFactory(assignment=world["ours"], progress="旧")
    response = api_for(world["user"]).post(URL, body(world["ours"]), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [zh("This assignment already has a work report this month.")]
    }
    report.refresh_from_db()
    assert report.progress == "旧"
    assert WorkReport.objects.count() == 1


def test_a_month_that_has_not_begun_is_refused_with_the_pages_message(world):
    assignment = AssignmentFactory(
        year=timezone.localdate().year, department=world["ours"].department
    )
    next_month = (timezone.localdate().replace(day=28) + datetime.timedelta(days=7)).replace(day=1)
    response = api_for(world["user"]).post(
        URL, body(assignment, period=f"{next_month:%Y-%m}"), format="json"
    )
    assert response.status_code == 400
    message = zh(
        "The month %(period)s has not begun yet: a work report covers the current month or an "
        "earlier one.",
        period=f"{next_month:%Y-%m}",
    )
    assert response.json()["period"] == [message]
    assert not WorkReport.objects.exists()


def test_a_month_of_another_year_and_an_empty_progress_are_refused_together(world):
    response = api_for(world["user"]).post(
        URL, body(world["ours"], period="2020-11", progress="   "), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "period": [
            zh(
                "The month %(period)s is outside the assignment's year %(year)s: report on a "
                "month of %(year)s.",
                period="2020-11",
                year=2021,
            )
        ],
        "progress": [zh("Write the progress made against the plan's goals this month.")],
    }
    assert not WorkReport.objects.exists()


def test_missing_fields_and_wrong_types_are_400(world):
    client = api_for(world["user"])
    response = client.post(URL, {"assignment": world["ours"].pk}, format="json")
    assert response.status_code == 400
    data = response.json()
    assert set(data) == {"period", "progress"}
    assert data["progress"] == [zh("Write the progress made against the plan's goals this month.")]
    for bad in (
        {"assignment": "abc"},
        {"period": 202111},
        {"period": "2021-13"},
        {"progress": ["a"]},
    ):
        response = client.post(URL, {**body(world["ours"]), **bad}, format="json")
        assert response.status_code == 400, bad
        assert set(response.json()) == set(bad), response.json()
    assert not WorkReport.objects.exists()


def test_a_closed_month_does_not_block_a_work_report_as_on_the_page(world):
    """Work reports are not figures: the monthly close locks neither the page nor the API."""
    Period.objects.create(
        period=datetime.date(2021, 11, 1), status="closed", closed_at=timezone.now()
    )
    response = api_for(world["user"]).post(URL, body(world["ours"]), format="json")
    assert response.status_code == 201, response.content


def test_another_departments_report_is_404_and_its_assignment_400(world):
    theirs = WorkReportFactory(assignment=world["theirs"], progress="他们的")
    ours = WorkReportFactory(assignment=world["ours"])
    client = api_for(world["user"])
    listed = client.get(URL).json()
    assert [row["id"] for row in listed["results"]] == [ours.pk]
    assert listed["count"] == 1
    for response in (
        client.get(f"{URL}{theirs.pk}/"),
        client.patch(f"{URL}{theirs.pk}/", {"progress": "改"}, format="json"),
        client.delete(f"{URL}{theirs.pk}/"),
    ):
        assert response.status_code in (403, 404)
    assert client.get(f"{URL}{theirs.pk}/").status_code == 404
    assert client.patch(f"{URL}{theirs.pk}/", {"progress": "改"}, format="json").status_code == 404
    response = client.post(URL, body(world["theirs"], period="2021-10"), format="json")
    assert response.status_code == 400
    assert response.json() == {"assignment": [zh("This is outside your department's records.")]}
    theirs.refresh_from_db()
    assert theirs.progress == "他们的"
    assert WorkReport.objects.count() == 2


def test_a_report_stays_with_its_assignment_and_month(world):
    report = WorkReportFactory(assignment=world["ours"])
    other = AssignmentFactory(year=2021, department=world["ours"].department)
    response = api_for(world["user"]).patch(
        f"{URL}{report.pk}/", {"assignment": other.pk, "period": "2021-10"}, format="json"
    )
    assert response.status_code == 400
    message = [zh("This cannot change once recorded.")]
    assert response.json() == {"assignment": message, "period": message}
    report.refresh_from_db()
    assert (report.assignment, report.period) == (world["ours"], datetime.date(2021, 11, 1))


def test_only_the_sponsoring_department_submits_as_on_the_page(world):
    """An administrator's role without being of the department: the service's 403."""
    admin_role = user_with_role("administrator")
    response = api_for(admin_role).post(URL, body(world["ours"]), format="json")
    assert response.status_code == 403
    assert response.json() == {
        "detail": zh("Only the sponsoring department may report on this assignment.")
    }
    for role in ("economic_bureau", "supervision_office", "official"):
        response = api_for(user_with_role(role)).post(URL, body(world["ours"]), format="json")
        assert response.status_code == 403, role
    assert not WorkReport.objects.exists()


def test_the_leading_office_reads_every_report_and_anonymous_nothing(world):
    WorkReportFactory(assignment=world["ours"])
    WorkReportFactory(assignment=world["theirs"])
    reader = api_for(user_with_role("supervision_office"))
    assert reader.get(URL).json()["count"] == 2
    assert APIClient().get(URL).status_code in (401, 403)
    assert api_for(UserFactory()).get(URL).status_code == 403


def test_filters_and_a_malformed_filter(world):
    nov = WorkReportFactory(assignment=world["ours"])
    WorkReportFactory(assignment=world["ours"], period=datetime.date(2021, 10, 1))
    WorkReportFactory(assignment=world["theirs"])
    client = api_for(user_with_role("supervision_office"))

    def ids(**query):
        response = client.get(URL, query)
        assert response.status_code == 200, response.content
        return sorted(row["id"] for row in response.json()["results"])

    assert len(ids(department=world["ours"].department_id)) == 2
    assert nov.pk in ids(period="2021-11", enterprise=world["ours"].enterprise_id)
    assert len(ids(period="2021-11", enterprise=world["ours"].enterprise_id)) == 1
    assert len(ids(year=2021)) == 3
    assert client.get(URL, {"period": "2021-13"}).status_code == 400


def test_delete_needs_the_permission_and_the_department(world):
    report = WorkReportFactory(assignment=world["ours"])
    assert api_for(world["user"]).delete(f"{URL}{report.pk}/").status_code == 403
    admin_role = user_with_role("administrator")
    response = api_for(admin_role).delete(f"{URL}{report.pk}/")
    assert response.status_code == 403
    assert WorkReport.objects.filter(pk=report.pk).exists()
    superuser = UserFactory(is_superuser=True)
    assert api_for(superuser).delete(f"{URL}{report.pk}/").status_code == 204
    assert not WorkReport.objects.exists()
    latest = WorkReport.history.filter(id=report.pk).latest()
    assert (latest.history_type, latest.history_user) == ("-", superuser)

"""The monthly report page (月报表): filing, amending and the refusals it shows."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from enterprises.models import Period, refuse_closed_month
from projects.models import ProjectReport
from tests.factories import (
    ProjectReportFactory,
    UserFactory,
)
from tests.projects.helpers import _nothing_written, png

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


def _url(project, period=None):
    period = period or f"{timezone.localdate():%Y-%m}"
    return reverse("projects:report", args=[project.pk, period])


def _post(client, project, period=None, **overrides):
    data = {
        "investment": "88.80",
        "percent_complete": "30",
        "progress_note": "钢结构厂房吊装",
        "problems": "",
        **overrides,
    }
    return client.post(_url(project, period), data)


def test_an_official_files_a_report_with_a_photo_and_sees_it_on_the_project_page(client, official):
    response = _post(client, official, photos=[png((400, 300))], problems="施工用电需增容")
    assert response.status_code == 302
    report = ProjectReport.objects.get()
    photo = report.photos.get()
    assert (report.investment, report.percent_complete, report.problems) == (
        Decimal("88.80"),
        30,
        "施工用电需增容",
    )
    page = client.get(response["Location"]).content.decode()
    assert photo.thumbnail.url in page
    assert photo.image.url in page
    assert "钢结构厂房吊装" in page


def test_the_page_form_updates_the_months_report(client, official):
    _post(client, official)
    response = client.get(_url(official))
    assert response.context["form"].initial["investment"] == Decimal("88.80")
    _post(client, official, investment="99.00", percent_complete="31")
    assert list(ProjectReport.objects.values_list("investment", "percent_complete")) == [
        (Decimal("99.00"), 31)
    ]


def test_the_page_refuses_a_decreasing_percent_and_shows_why(client, official):
    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = (this_month - datetime.timedelta(days=1)).replace(day=1)
    ProjectReportFactory(project=official, period=last_month, percent_complete=60)
    response = _post(client, official, percent_complete="59")
    assert response.status_code == 400
    assert response.context["form"].errors["percent_complete"]
    assert ProjectReport.objects.filter(period=this_month).count() == 0


def test_the_page_refuses_a_closed_month_and_shows_its_message(client, official):
    period = timezone.localdate().replace(day=1)
    Period.objects.create(period=period, status="closed")
    response = _post(client, official, photos=[png()])
    assert response.status_code == 400
    with pytest.raises(ValidationError) as expected:
        refuse_closed_month(period)
    message = expected.value.message_dict["period"][0]
    assert message in response.context["form"].non_field_errors()
    assert _nothing_written()


def test_the_page_refuses_photos_that_are_not_images_or_too_large(client, official, settings):
    settings.HENGKOU_PHOTO_MAX_BYTES = 20_000
    fake = SimpleUploadedFile("fake.jpg", b"\xff\xd8 not really", content_type="image/jpeg")
    response = _post(client, official, photos=[fake])
    assert response.status_code == 400
    assert response.context["form"].errors["photos"]
    response = _post(client, official, photos=[png((256, 256), noise=True)])
    assert response.status_code == 400
    assert response.context["form"].errors["photos"]
    assert _nothing_written()


def test_the_page_refuses_a_project_in_reserve(client, official):
    official.stage = "reserve"
    official.save()
    assert 'id="report-refusal"' in client.get(_url(official)).content.decode()
    response = _post(client, official)
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert _nothing_written()


def test_a_stranger_cannot_file_a_report(client, official):
    client.force_login(UserFactory())
    assert _post(client, official).status_code == 403
    assert _nothing_written()


def test_a_malformed_month_is_not_found(client, official):
    assert client.get(_url(official, "2021-13")).status_code == 404

"""Monthly project reports (月报表) through the service: one a month, never decreasing, refusals."""

import datetime
import io
import os
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from enterprises.models import Period
from projects.models import ProjectPhoto, ProjectReport
from projects.services import can_edit_project, submit_project_report
from tests.core.test_images import png_claiming
from tests.factories import (
    DepartmentFactory,
    OfficialFactory,
    ProjectFactory,
    ProjectPlanFactory,
)
from tests.projects.helpers import _nothing_written, png
from tests.roles import user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


NOW = datetime.datetime(2021, 12, 3, 9, 30, tzinfo=datetime.UTC)


TODAY = datetime.date(2021, 12, 3)


NOVEMBER = datetime.date(2021, 11, 1)


def gif():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "blue").save(buffer, "GIF")
    return SimpleUploadedFile("animated.gif", buffer.getvalue(), content_type="image/gif")


def _submit(project, **overrides):
    values = {
        "project": project,
        "period": NOVEMBER,
        "investment": Decimal("120.50"),
        "percent_complete": 40,
        "progress_note": "主体结构施工",
        "problems": "",
        "photos": (),
        "acting_user": None,
        "now": NOW,
        "today": TODAY,
        **overrides,
    }
    return submit_project_report(**values)


def test_a_report_is_recorded_with_its_photos_and_their_thumbnails(media):
    project = ProjectFactory(stage="started")
    report = _submit(project, photos=[png((800, 600)), png((600, 800), name="b.png")])
    assert (report.period, report.investment, report.percent_complete) == (
        NOVEMBER,
        Decimal("120.50"),
        40,
    )
    assert report.submitted_at == NOW
    photos = list(report.photos.all())
    assert len(photos) == 2
    for photo in photos:
        assert photo.image.name.startswith("projects/")
        assert default_storage.exists(photo.image.name)
        assert default_storage.exists(photo.thumbnail.name)
        with default_storage.open(photo.thumbnail.name) as handle, Image.open(handle) as thumb:
            assert max(thumb.size) == 320
            assert thumb.format == "JPEG"
    assert os.path.exists(media / photos[0].image.name)


def test_one_report_per_project_and_month_a_second_submission_updates_it():
    project = ProjectFactory(stage="started")
    first = _submit(project, photos=[png()])
    later = NOW + datetime.timedelta(days=1)
    second = _submit(
        project,
        period=datetime.date(2021, 11, 20),  # any day of the month is the month
        investment=Decimal("130.00"),
        percent_complete=45,
        photos=[png()],
        now=later,
    )
    assert second.pk == first.pk
    assert ProjectReport.objects.count() == 1
    second.refresh_from_db()
    assert (second.investment, second.percent_complete, second.submitted_at) == (
        Decimal("130.00"),
        45,
        NOW,
    )
    assert second.photos.count() == 2


def test_percent_complete_never_decreases_through_the_service():
    project = ProjectFactory(stage="started")
    _submit(project, period=datetime.date(2021, 10, 1), percent_complete=50)
    with pytest.raises(ValidationError) as excinfo:
        _submit(project, percent_complete=49, photos=[png()])
    assert "percent_complete" in excinfo.value.message_dict
    assert ProjectReport.objects.count() == 1
    assert ProjectPhoto.objects.count() == 0
    assert _submit(project, percent_complete=50).percent_complete == 50


def test_a_project_in_reserve_has_no_monthly_reports():
    project = ProjectFactory(stage="reserve")
    with pytest.raises(ValidationError) as excinfo:
        _submit(project, photos=[png()])
    assert excinfo.value.error_dict["period"][0].code == "project_reserve"
    assert _nothing_written()


def test_a_closed_month_is_refused_with_the_month_closed_code():
    project = ProjectFactory(stage="started")
    Period.objects.create(period=NOVEMBER, status="closed")
    with pytest.raises(ValidationError) as excinfo:
        _submit(project, photos=[png()])
    assert excinfo.value.error_dict["period"][0].code == "month_closed"
    assert _nothing_written()


def test_a_month_not_begun_yet_is_refused():
    project = ProjectFactory(stage="started")
    with pytest.raises(ValidationError) as excinfo:
        _submit(project, period=datetime.date(2022, 1, 1))
    assert excinfo.value.error_dict["period"][0].code == "future_month"
    assert _nothing_written()


@pytest.mark.parametrize(
    ("photo", "code"),
    [
        (SimpleUploadedFile("fake.png", b"not an image at all", content_type="image/png"), "type"),
        (png((256, 256), noise=True), "size"),
        (png((16, 16)), "dimensions"),
        (gif(), "type"),
        (png_claiming(12000, 12000), "pixels"),
    ],
    ids=["not-an-image", "oversized", "too-small", "gif", "pixel-flood"],
)
def test_bad_photos_are_refused_and_nothing_is_written(settings, photo, code):
    settings.HENGKOU_PHOTO_MAX_BYTES = 20_000
    project = ProjectFactory(stage="started")
    with pytest.raises(ValidationError) as excinfo:
        _submit(project, photos=[png(), photo])
    assert [error.code for error in excinfo.value.error_dict["photos"]] == [f"photo_{code}"]
    assert _nothing_written()


def test_only_the_sponsoring_department_reports():
    department = DepartmentFactory()
    plan = ProjectPlanFactory(project__stage="started", department=department)
    stranger = user_with_role("department_user", official=OfficialFactory())
    with pytest.raises(PermissionDenied):
        _submit(plan.project, acting_user=stranger)
    member = user_with_role("department_user", official=OfficialFactory(department=department))
    assert _submit(plan.project, acting_user=member).pk
    assert ProjectReport.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("department_user", True),
        ("official", False),
        ("county_leader", False),
        ("supervision_office", False),
    ],
)
def test_a_sponsor_writes_only_when_its_role_writes_project_reports(role, allowed):
    # The plan's leader and an official of its department, each holding only ``role``.
    department = DepartmentFactory()
    plan = ProjectPlanFactory(project__stage="started", department=department)
    for official in (plan.leader, OfficialFactory(department=department)):
        user = user_with_role(role, official=official)
        assert can_edit_project(user, plan.project, year=plan.year) is allowed
        if not allowed:
            with pytest.raises(PermissionDenied):
                _submit(plan.project, acting_user=user)
            assert _nothing_written()


def test_a_county_leader_cannot_post_a_project_report_page(client):
    plan = ProjectPlanFactory(project__stage="started", year=timezone.localdate().year)
    client.force_login(user_with_role("county_leader", official=plan.leader))
    month = timezone.localdate()  # the current month: begun, and of the plan's year
    url = reverse("projects:report", args=[plan.project.pk, f"{month:%Y-%m}"])
    response = client.post(url, {"investment": "10", "percent_complete": "10"})
    assert response.status_code in (403, 404)
    assert _nothing_written()


def test_a_report_holds_at_most_the_photo_limit_over_its_submissions(media, settings):
    settings.HENGKOU_PHOTOS_PER_RECORD = 2
    project = ProjectFactory(stage="started")
    with pytest.raises(ValidationError) as excinfo:
        _submit(project, photos=[png(), png(), png()])
    assert [e.code for e in excinfo.value.error_dict["photos"]] == ["photo_count"]
    assert _nothing_written()
    report = _submit(project, photos=[png()])
    with pytest.raises(ValidationError):
        _submit(project, percent_complete=50, photos=[png(), png()])
    report.refresh_from_db()
    assert (report.percent_complete, report.photos.count()) == (40, 1)

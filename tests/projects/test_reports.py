"""Monthly project reports (月报表): one per month, never decreasing, photos, refusals."""

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

from enterprises.models import Period, refuse_closed_month
from projects.models import ProjectPhoto, ProjectReport
from projects.selectors.analysis import get_monthly_analysis
from projects.selectors.project_page import get_investment_curve
from projects.services import can_edit_project, submit_project_report
from tests.core.test_images import png_claiming
from tests.factories import (
    DepartmentFactory,
    OfficialFactory,
    ProjectFactory,
    ProjectPlanFactory,
    ProjectReportFactory,
    UserFactory,
)
from tests.roles import user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]
NOW = datetime.datetime(2021, 12, 3, 9, 30, tzinfo=datetime.UTC)
TODAY = datetime.date(2021, 12, 3)
NOVEMBER = datetime.date(2021, 11, 1)


def png(size=(64, 64), name="site.png", noise=False):
    image = Image.effect_noise(size, 80).convert("RGB") if noise else Image.new("RGB", size, "red")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


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


def _nothing_written():
    return ProjectReport.objects.count() == 0 and ProjectPhoto.objects.count() == 0


# --- the service --------------------------------------------------------------------------------


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


# --- the page -----------------------------------------------------------------------------------


@pytest.fixture
def official(client):
    """A user of the sponsoring department of a started project this year, logged in."""
    year = timezone.localdate().year
    official = OfficialFactory()
    user_with_role("department_user", official=official, username="li")
    plan = ProjectPlanFactory(year=year, department=official.department, project__stage="started")
    client.force_login(official.user)
    return plan.project


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


# --- the curve and the monthly analysis ---------------------------------------------------------


def test_the_investment_curve_accumulates_months_against_the_plans_straight_line():
    project = ProjectFactory(stage="started")
    for month, amount in ((1, "100.00"), (3, "50.00"), (4, "25.00")):
        ProjectReportFactory(
            project=project,
            period=datetime.date(2021, month, 1),
            investment=Decimal(amount),
            percent_complete=month,
        )
    reports = list(ProjectReport.objects.order_by("period"))
    curve = get_investment_curve(reports=reports, year=2021, planned=Decimal("1200.00"))
    assert [p.cumulative for p in curve[:5]] == [
        Decimal("100.00"),
        Decimal("100.00"),
        Decimal("150.00"),
        Decimal("175.00"),
        None,
    ]
    assert [p.planned for p in (curve[0], curve[5], curve[11])] == [
        Decimal("100.00"),
        Decimal("600.00"),
        Decimal("1200.00"),
    ]


def test_the_monthly_analysis_lists_problems_and_laggards_by_department(client):
    land = DepartmentFactory(code="D01", name="自然资源局")
    invest = DepartmentFactory(code="D02", name="招商局")
    late = ProjectPlanFactory(
        project__name="落后项目", department=land, planned_investment=Decimal("1200.00")
    ).project
    fine = ProjectPlanFactory(
        project__name="正常项目", department=invest, planned_investment=Decimal("1200.00")
    ).project
    ProjectReportFactory(
        project=late,
        period=datetime.date(2021, 6, 1),
        investment=Decimal("100.00"),
        problems="用地报批手续尚在办理",
    )
    ProjectReportFactory(
        project=fine,
        period=datetime.date(2021, 6, 1),
        investment=Decimal("600.00"),
        problems="  ",
    )
    analysis = get_monthly_analysis(period=datetime.date(2021, 6, 1))
    assert [d.department_name for d in analysis.departments] == ["自然资源局"]
    (department,) = analysis.departments
    assert [p.project_name for p in department.problems] == ["落后项目"]
    assert [(line.name, line.light) for line in department.lagging] == [("落后项目", "red")]

    client.force_login(user_with_role("economic_bureau"))
    response = client.get(reverse("projects:analysis"), {"period": "2021-06"})
    page = response.content.decode()
    assert "用地报批手续尚在办理" in page and "落后项目" in page
    assert "正常项目" not in page


def test_a_photo_added_in_the_admin_gets_its_thumbnail(client):
    admin_user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    report = ProjectReportFactory()
    prefix = "photos"
    response = client.post(
        reverse("admin:projects_projectreport_change", args=[report.pk]),
        {
            "project": report.project_id,
            "period": report.period.isoformat(),
            "investment": "80.00",
            "percent_complete": "50",
            "progress_note": "",
            "problems": "",
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
            f"{prefix}-0-image": png((500, 500)),
            f"{prefix}-0-report": report.pk,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    photo = ProjectPhoto.objects.get()
    assert photo.uploaded_by == admin_user
    assert default_storage.exists(photo.thumbnail.name)

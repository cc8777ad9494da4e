"""What several projects tests build on: a photo upload, a reported month, a planned project."""

import datetime
import io
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from projects.models import ProjectPhoto, ProjectReport
from tests.factories import ProjectPlanFactory, ProjectReportFactory
from tests.roles import user_with_role


def png(size=(64, 64), name="site.png", noise=False):
    image = Image.effect_noise(size, 80).convert("RGB") if noise else Image.new("RGB", size, "red")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _report(project, month, amount, *, year=2021, percent=None):
    return ProjectReportFactory(
        project=project,
        period=datetime.date(year, month, 1),
        investment=Decimal(amount),
        percent_complete=percent if percent is not None else month,
    )


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


def _supervisor(**kwargs):
    """A user of the supervision office, which confirms the year-end grades."""
    user = user_with_role("supervision_office", **kwargs)
    assert user.has_perm("projects.confirm_projectevaluation")
    return user


def _nothing_written():
    return ProjectReport.objects.count() == 0 and ProjectPhoto.objects.count() == 0

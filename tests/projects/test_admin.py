"""The projects admin: a photo added there gets its thumbnail."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from projects.models import ProjectPhoto
from tests.factories import (
    ProjectReportFactory,
    UserFactory,
)
from tests.projects.helpers import png

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


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

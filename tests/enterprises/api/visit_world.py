"""A visit recorded by its responsible official, and the people around it, for the API tests."""

import datetime
import io
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from rest_framework.test import APIClient

from enterprises.models import Period, Visit
from enterprises.services.visits import record_visit
from tests.factories import AssignmentFactory, OfficialFactory
from tests.roles import user_with_role

NOV_10 = datetime.date(2021, 11, 10)


def jpeg(name="workshop.jpg", size=(64, 48)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def text_file(name="notes.txt"):
    return SimpleUploadedFile(name, b"not a photo at all", content_type="text/plain")


def files_in(folder) -> list:
    return sorted(path for path in folder.rglob("*") if path.is_file()) if folder.exists() else []


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def close(month: datetime.date) -> None:
    Period.objects.create(period=month, status="closed", closed_at=timezone.now())


@dataclass
class VisitWorld:
    visit: Visit
    author: object  # the responsible official's user, who recorded the visit
    teammate: object  # an official of the team: involved, not the author
    colleague: object  # a department user of the sponsoring department: sees it, not involved
    stranger: object  # an official of another department's assignment: does not see it
    assignment: object


def visit_world() -> VisitWorld:
    assignment = AssignmentFactory(year=2021)
    author = user_with_role("official", official=assignment.responsible, username="author")
    mate = OfficialFactory(department=assignment.department)
    assignment.team.add(assignment.responsible, mate)
    teammate = user_with_role("official", official=mate, username="teammate")
    colleague = user_with_role(
        "department_user",
        official=OfficialFactory(department=assignment.department),
        username="colleague",
    )
    elsewhere = AssignmentFactory(year=2021)
    stranger = user_with_role("official", official=elsewhere.responsible, username="stranger")
    now = timezone.now()
    visit = record_visit(
        enterprise=assignment.enterprise,
        visited_on=NOV_10,
        participants=[assignment.responsible],
        notes="了解订单情况",
        acting_user=author,
        today=timezone.localdate(now),
        now=now,
    )
    return VisitWorld(visit, author, teammate, colleague, stranger, assignment)

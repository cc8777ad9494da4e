"""A service that stamps the caller's time keeps one historical row per change, in step."""

import datetime

import pytest
from django.utils import timezone

from enterprises.models import WorkReport
from enterprises.services.work_reports import submit_work_report
from tests.factories import AssignmentFactory, OfficialFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_work_report_keeps_one_history_row_per_submission_with_the_callers_time():
    assignment = AssignmentFactory(year=2021)
    user = UserFactory(username="clerk")
    OfficialFactory(department=assignment.department, user=user)
    first = timezone.make_aware(datetime.datetime(2021, 11, 30, 9, 0))
    report = submit_work_report(
        assignment=assignment,
        period=datetime.date(2021, 11, 1),
        progress="走访三次",
        acting_user=user,
        now=first,
        today=datetime.date(2021, 11, 30),
    )
    later = first + datetime.timedelta(days=1)
    submit_work_report(
        assignment=assignment,
        period=datetime.date(2021, 11, 1),
        progress="走访四次",
        acting_user=user,
        now=later,
        today=datetime.date(2021, 12, 1),
    )
    report = WorkReport.objects.get(pk=report.pk)
    assert (report.created_at, report.updated_at) == (first, later)
    trail = list(report.history.order_by("history_id"))
    assert [row.history_type for row in trail] == ["+", "~"]
    assert [row.progress for row in trail] == ["走访三次", "走访四次"]
    assert [(row.created_at, row.updated_at) for row in trail] == [(first, first), (first, later)]
    assert {row.history_user for row in trail} == {user}

"""The bulletin's files are rendered once per issue and then served as kept (issue 19)."""

import datetime
import io
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from hengkou.bulletin import files
from hengkou.bulletin.content import get_bulletin
from hengkou.models import BulletinFile, BulletinIssue
from hengkou.services.close import close_month, reopen_month
from tests.factories import AssignmentFactory, DepartmentFactory, MonthlyReportFactory

pytestmark = pytest.mark.django_db

OCT = datetime.date(2021, 10, 1)
CLOSED_AT = datetime.datetime(2021, 11, 6, 2, 0, tzinfo=datetime.UTC)


@pytest.fixture
def closed():
    department = DepartmentFactory(code="D1", name="工信局")
    enterprise = AssignmentFactory(department=department, year=2021).enterprise
    MonthlyReportFactory(enterprise=enterprise, period=OCT, output_value=Decimal("100"))
    close_month(period=OCT, acting_user=None, now=CLOSED_AT)
    return enterprise


@pytest.fixture
def renders(monkeypatch):
    """Count the renders of each kind (the real renderers still run)."""
    counted = dict.fromkeys(files.RENDERERS, 0)
    patched = {}
    for kind, (render, by_language) in files.RENDERERS.items():

        def counting(bulletin, _render=render, _kind=kind):
            counted[_kind] += 1
            return _render(bulletin)

        patched[kind] = (counting, by_language)
    monkeypatch.setattr(files, "RENDERERS", patched)
    return counted


@pytest.mark.parametrize("kind", ["xlsx", "docx", "pdf"])
def test_a_file_is_rendered_on_its_first_request_then_served_as_kept(closed, reader, renders, kind):
    url = reverse(f"bulletin:{kind}", args=["2021-10"])
    first = b"".join(reader.get(url))
    assert renders[kind] == 1
    assert BulletinFile.objects.filter(kind=kind).count() == 1
    second = b"".join(reader.get(url))
    assert second == first
    assert renders[kind] == 1  # not rendered again


def test_the_workbook_is_kept_per_language_and_the_document_once(closed, renders):
    bulletin = get_bulletin(period=OCT)
    with translation.override("en"):
        english = files.bulletin_file(bulletin, "xlsx")
        files.bulletin_file(bulletin, "pdf")
    with translation.override("zh-hans"):
        chinese = files.bulletin_file(bulletin, "xlsx")
        files.bulletin_file(bulletin, "pdf")
    assert renders == {"xlsx": 2, "docx": 0, "pdf": 1}
    titles = {
        language: load_workbook(io.BytesIO(content)).worksheets[0].title
        for language, content in (("en", english), ("zh-hans", chinese))
    }
    assert titles["en"] != titles["zh-hans"]
    kept = set(BulletinFile.objects.values_list("kind", "language"))
    assert kept == {("xlsx", "en"), ("xlsx", "zh-hans"), ("pdf", "")}


def test_a_close_after_a_reopen_renders_the_new_issue(closed, renders):
    first = get_bulletin(period=OCT)
    before = files.bulletin_file(first, "docx")
    reopen_month(period=OCT, acting_user=None, reason="更正", now=CLOSED_AT)
    close_month(period=OCT, acting_user=None, now=CLOSED_AT + datetime.timedelta(days=1))
    second = get_bulletin(period=OCT)
    assert second.issue_id != first.issue_id
    after = files.bulletin_file(second, "docx")
    assert renders["docx"] == 2
    assert after != before  # the new issue lists the earlier one among its versions
    assert BulletinFile.objects.filter(issue_id=first.issue_id).exists()  # the old file stays


def test_the_close_month_command_renders_every_file_once(db, renders):
    department = DepartmentFactory(code="D1", name="工信局")
    enterprise = AssignmentFactory(department=department, year=2021).enterprise
    MonthlyReportFactory(enterprise=enterprise, period=OCT, output_value=Decimal("100"))
    out = StringIO()
    call_command("close_month", "2021-10", stdout=out)
    assert "xlsx, docx, pdf" in out.getvalue()
    issue = BulletinIssue.objects.get()
    assert set(BulletinFile.objects.filter(issue=issue).values_list("kind", "language")) == {
        ("xlsx", "zh-hans"),
        ("xlsx", "en"),
        ("docx", ""),
        ("pdf", ""),
    }
    call_command("close_month", "2021-10", stdout=StringIO())  # run again by cron
    assert renders == {"xlsx": 2, "docx": 1, "pdf": 1}

"""bulletins/: the closed months' bulletins, with links to the pages' downloads (issue 20)."""

import datetime
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.exports import DOCX, PDF, XLSX
from enterprises.models import Period
from hengkou.models import BulletinFile
from hengkou.services.close import close_month, reopen_month
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    MonthlyReportFactory,
    OfficialFactory,
    UserFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
URL = "/api/v1/bulletins/"
UTC = datetime.UTC


def _close(period: datetime.date, *, on: datetime.datetime):
    return close_month(period=period, acting_user=None, now=on)


@pytest.fixture
def months():
    """September and October 2021 closed, November closed then reopened, December open."""
    department = DepartmentFactory(code="D1", name="工信局")
    enterprise = AssignmentFactory(department=department, year=2021).enterprise
    for month in (9, 10, 11, 12):
        MonthlyReportFactory(
            enterprise=enterprise, period=datetime.date(2021, month, 1), output_value=Decimal(100)
        )
    _close(datetime.date(2021, 9, 1), on=datetime.datetime(2021, 10, 6, 2, tzinfo=UTC))
    _close(datetime.date(2021, 10, 1), on=datetime.datetime(2021, 11, 6, 2, tzinfo=UTC))
    _close(datetime.date(2021, 11, 1), on=datetime.datetime(2021, 12, 6, 2, tzinfo=UTC))
    reopen_month(
        period=datetime.date(2021, 11, 1),
        acting_user=UserFactory(is_superuser=True),
        reason="更正报表",
        now=datetime.datetime(2021, 12, 7, 2, tzinfo=UTC),
    )
    return enterprise


def _api(role: str) -> APIClient:
    client = APIClient()
    client.force_authenticate(user_with_role(role))
    return client


def test_only_closed_months_newest_first_with_their_numbers_and_links(months, admin_api):
    response = admin_api.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["next"], body["previous"]) == (2, None, None)
    assert [row["period"] for row in body["results"]] == ["2021-10", "2021-09"]
    assert body["results"][0] == {
        "period": "2021-10",
        "number": "恒示包抓〔2021〕2号",
        "closed_at": "2021-11-06T10:00:00+08:00",
        "url": "http://testserver/bulletin/2021-10/",
        "xlsx": "http://testserver/api/v1/bulletins/2021-10/files/xlsx/",
        "docx": "http://testserver/api/v1/bulletins/2021-10/files/docx/",
        "pdf": "http://testserver/api/v1/bulletins/2021-10/files/pdf/",
    }


def test_the_list_is_the_bulletin_index_page(months, admin_api, reader):
    page = reader.get(reverse("bulletin:index"))
    shown = [
        (f"{month.period:%Y-%m}", month.document_number, month.closed_at)
        for month in page.context["months"]
    ]
    listed = [
        (row["period"], row["number"], datetime.datetime.fromisoformat(row["closed_at"]))
        for row in admin_api.get(URL).json()["results"]
    ]
    assert listed == shown


def test_one_bulletin_by_its_month(months, admin_api):
    response = admin_api.get(f"{URL}2021-09/")
    assert response.status_code == 200
    assert response.json()["number"] == "恒示包抓〔2021〕1号"
    # An open month (reopened or never closed) has no bulletin; one not begun is refused.
    for period in ("2021-11", "2021-12"):
        response = admin_api.get(f"{URL}{period}/")
        assert response.status_code == 404
        assert "detail" in response.json()
    for period in ("2021-13", "abc", "1999-12", "2021-1", "2099-01"):
        response = admin_api.get(f"{URL}{period}/")
        assert response.status_code == 400
        assert list(response.json()) == ["period"]


def test_the_year_filter(months, admin_api):
    Period.objects.create(
        period=datetime.date(2020, 12, 1),
        status="closed",
        closed_at=datetime.datetime(2021, 1, 6, tzinfo=UTC),
    )
    periods = [row["period"] for row in admin_api.get(URL, {"year": 2020}).json()["results"]]
    assert periods == ["2020-12"]
    assert admin_api.get(URL, {"year": 2021}).json()["count"] == 2
    assert admin_api.get(URL, {"year": 2019}).json()["count"] == 0
    # A month closed before bulletins were stored: no number until its bulletin is first read.
    assert admin_api.get(f"{URL}2020-12/").json()["number"] is None
    for year in ("abc", "0", "10000", "2021.5"):
        response = admin_api.get(URL, {"year": year})
        assert response.status_code == 400
        assert list(response.json()) == ["year"]


def test_whoever_reads_the_bulletin_pages_reads_the_bulletins(months):
    for role in ("economic_bureau", "supervision_office", "county_leader"):
        assert _api(role).get(URL).status_code == 200
    clerk = APIClient()
    clerk.force_authenticate(user_with_role("department_user", official=OfficialFactory()))
    assert clerk.get(URL).status_code == 403
    assert clerk.get(f"{URL}2021-10/").status_code == 403
    assert _api("official").get(URL).status_code == 403
    assert APIClient().get(URL).status_code in (401, 403)


@pytest.mark.parametrize(("kind", "content_type"), [("xlsx", XLSX), ("docx", DOCX), ("pdf", PDF)])
def test_each_link_downloads_the_file_with_an_api_token(months, admin_api, kind, content_type):
    link = admin_api.get(f"{URL}2021-10/").json()[kind]
    assert urlsplit(link).path == f"{URL}2021-10/files/{kind}/"
    # A system with a token only (no session), as api.md's integrators are.
    token = Token.objects.create(user=user_with_role("economic_bureau"))
    system = APIClient()
    system.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = system.get(urlsplit(link).path)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert "attachment;" in response["Content-Disposition"]
    content = response.content
    assert content[:4] == (b"%PDF" if kind == "pdf" else b"PK\x03\x04")
    # Rendered on that first request and kept: the page's download serves the same bytes.
    assert BulletinFile.objects.filter(kind=kind).count() == 1
    reader = Client()
    reader.force_login(user_with_role("economic_bureau"))
    page = reader.get(reverse(f"bulletin:{kind}", args=["2021-10"]))
    assert b"".join(page) == content
    # An open month has no file; a month not begun, a bad kind, no login are refused.
    assert system.get(f"{URL}2021-11/files/{kind}/").status_code == 404
    assert system.get(f"{URL}2099-01/files/{kind}/").status_code == 400
    assert system.get(f"{URL}2021-10/files/odt/").status_code == 404
    assert APIClient().get(urlsplit(link).path).status_code in (401, 403)
    clerk = APIClient()
    clerk.force_authenticate(user_with_role("department_user", official=OfficialFactory()))
    assert clerk.get(urlsplit(link).path).status_code == 403


def test_the_page_link_opens_the_bulletin(months, admin_api, reader):
    link = admin_api.get(f"{URL}2021-10/").json()["url"]
    response = reader.get(urlsplit(link).path)
    assert response.status_code == 200
    assert "恒示包抓〔2021〕2号" in response.content.decode()


def test_the_same_queries_whatever_the_number_of_months():
    user = user_with_role("economic_bureau")

    def count() -> int:
        client = APIClient()
        client.force_authenticate(get_user_model().objects.get(pk=user.pk))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    def close(months):
        for month in months:
            _close(
                datetime.date(2020, month, 1),
                on=datetime.datetime(2020, month, 28, tzinfo=UTC) + datetime.timedelta(days=10),
            )

    close([1, 2])
    small = count()
    close(range(3, 13))
    assert count() == small

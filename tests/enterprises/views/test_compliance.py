"""The visit-duty page at scale: the lines a page at a time, the same lines as the reference,
filters and links kept, the Excel download whole, and queries constant in the assignments."""

import datetime
import io

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from enterprises.selectors.duties import get_visit_compliance, scope_compliance
from enterprises.views import compliance as compliance_view
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    OfficialFactory,
    UserFactory,
    VisitFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
D = datetime.date
PERIOD = {"period": "2021-11"}
NOVEMBER = D(2021, 11, 1)


@pytest.fixture(autouse=True)
def small_pages(monkeypatch):
    monkeypatch.setattr(compliance_view, "PAGE_SIZE", 5)


def _zone(count=7):
    """Two departments (the first with a head), assignments of 2021, a few visits."""
    first, second = DepartmentFactory(code="A01"), DepartmentFactory(code="B02")
    head = OfficialFactory(department=first, rank="department_head", name="局长")
    assignments = []
    for index in range(count):
        department = first if index % 2 else second
        assignment = AssignmentFactory(
            year=2021, department=department, enterprise__name=f"企业{count - index:02d}"
        )
        assignments.append(assignment)
    # One assignment meets every window of November: not a missed line.
    met = assignments[1]
    for day in (1, 8, 15, 22):
        VisitFactory(enterprise=met.enterprise, visited_on=D(2021, 11, day)).participants.add(
            met.leader, met.responsible, head
        )
    return first, second, head, assignments


def _rows(response):
    assert response.status_code == 200
    table = lxml.html.fromstring(response.content.decode()).xpath("(//table)[last()]")[0]
    return [
        [" ".join(td.text_content().split()) for td in tr.xpath("./td")]
        for tr in table.xpath("./tbody/tr")
    ]


def _expected(lines):
    return [
        [line.enterprise_name, line.official_name, line.met, line.required, line.missed]
        for line in lines
    ]


def _shown(rows):
    return [
        [row[0], row[1], int(row[3].split("/")[0]), int(row[3].split("/")[1]), int(row[4])]
        for row in rows
    ]


def _all_pages(client, url, query):
    rows, page = [], 1
    while True:
        response = client.get(url, {**query, "page": page})
        rows += _rows(response)
        if f"page={page + 1}" not in response.content.decode():
            return rows, page
        page += 1


def test_the_zones_missed_duties_a_page_at_a_time_are_the_references(client):
    first, second, _head, _assignments = _zone()
    client.force_login(UserFactory(is_superuser=True))
    url = reverse("enterprises:compliance")
    reference = get_visit_compliance(periods=[NOVEMBER], today=D(2026, 1, 1))
    codes = {first.pk: first.code, second.pk: second.code}
    missed = sorted(
        (line for line in reference.lines if line.missed),
        key=lambda line: (codes[line.department_id], line.enterprise_name),
    )
    rows, pages = _all_pages(client, url, PERIOD)
    # 7 assignments × 2 duties, 3 of them with the head's, less the met one's 3.
    assert pages == 3 and len(missed) == 14
    assert _shown(rows) == _expected(missed)
    html = client.get(url, {**PERIOD, "page": 2}).content.decode()
    assert "period=2021-11&amp;page=3" in html and "period=2021-11&amp;page=1" in html
    assert "帮扶任务第 6–10 项，共 14 项。" in html
    # The department totals are whole, with their links; the export holds every line.
    assert html.count("&amp;department=") == 2
    sheet = load_workbook(io.BytesIO(client.get(url, {**PERIOD, "format": "xlsx"}).content))
    assert sheet.active.max_row - 1 == len(missed)
    # A page past the end shows the last.
    assert _rows(client.get(url, {**PERIOD, "page": 99})) == rows[-4:]


def test_a_departments_and_an_officials_duties_are_the_references(client):
    first, _second, head, _assignments = _zone()
    client.force_login(UserFactory(is_superuser=True))
    reference = get_visit_compliance(periods=[NOVEMBER], today=D(2026, 1, 1)).lines
    url = reverse("enterprises:compliance")
    rows, _pages = _all_pages(client, url, {**PERIOD, "department": first.pk})
    department = sorted(
        (line for line in reference if line.department_id == first.pk),
        key=lambda line: (line.missed == 0, line.enterprise_name),
    )
    assert _shown(rows) == _expected(department)
    for official in (head, _assignments[0].responsible, _assignments[0].leader):
        url = reverse("enterprises:official_compliance", args=[official.pk])
        rows, _pages = _all_pages(client, url, PERIOD)
        assert _shown(rows) == _expected(
            [line for line in reference if line.official_id == official.pk]
        )


def test_an_official_sees_the_lines_of_their_assignments(client):
    _first, _second, _head, assignments = _zone()
    official = assignments[2].responsible
    user = user_with_role("official", official=official)
    assignments[3].team.add(official)
    client.force_login(user)
    reference = scope_compliance(
        get_visit_compliance(periods=[NOVEMBER], today=D(2026, 1, 1)), user
    ).lines
    rows, _pages = _all_pages(client, reverse("enterprises:compliance"), PERIOD)
    assert _shown(rows) == _expected(
        sorted((line for line in reference if line.missed), key=lambda line: line.enterprise_name)
    )
    assert {line.assignment_id for line in reference} == {assignments[2].pk, assignments[3].pk}
    # Their heading does not claim the zone's missed duties; the superuser's does.
    html = client.get(reverse("enterprises:compliance"), PERIOD).content.decode()
    assert "您可查看范围内未完成的帮扶任务" in html and "全区未完成的帮扶任务" not in html
    client.force_login(UserFactory(is_superuser=True))
    html = client.get(reverse("enterprises:compliance"), PERIOD).content.decode()
    assert "全区未完成的帮扶任务" in html and "您可查看范围内" not in html


def _count(client, url, query):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["supervisor", "official"])
def test_the_page_reads_a_constant_number_of_queries(client, who):
    first, _second, head, assignments = _zone(4)
    user = UserFactory(is_superuser=True)
    if who == "official":
        user = user_with_role("county_leader", official=assignments[0].leader)
    client.force_login(user)
    # The leader's first assignment of the first department (none: two queries fewer).
    AssignmentFactory(year=2021, department=first, leader=assignments[0].leader)
    pages = [
        (reverse("enterprises:compliance"), PERIOD),
        (reverse("enterprises:compliance"), {**PERIOD, "department": first.pk}),
        (reverse("enterprises:official_compliance", args=[assignments[0].leader_id]), PERIOD),
    ]
    if who == "supervisor":
        pages.append((reverse("enterprises:official_compliance", args=[head.pk]), PERIOD))
    small = [_count(client, url, query) for url, query in pages]
    for index in range(30):
        AssignmentFactory(
            year=2021,
            department=first if index % 2 else DepartmentFactory(),
            leader=assignments[0].leader,
        )
    assert [_count(client, url, query) for url, query in pages] == small

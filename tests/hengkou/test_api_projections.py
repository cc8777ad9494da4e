"""projections/ (issue 21, part 2): the API's year-end projections, its refusals, its readers,
its queries, and docs/api.md's worked examples replayed as written."""

import datetime
import json
import re
import shlex
from decimal import Decimal
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    EnterpriseFactory,
    MonthlyReportFactory,
    TargetFactory,
    UserFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
SECTION = "## Worked examples: year-end projections"
EXAMPLE = re.compile(
    r"```sh\n(?P<command>get .*?)\n# (?P<status>\d{3})\n```\n```json\n(?P<body>.*?)\n```", re.S
)
URL = "/api/v1/projections/"


def _member(department, *, name, monthly_2021, monthly_2020=None, target="1200"):
    enterprise = EnterpriseFactory(name=name)
    AssignmentFactory(enterprise=enterprise, department=department, year=2021)
    for year, monthly in ((2020, monthly_2020 or {}), (2021, monthly_2021)):
        for month, value in monthly.items():
            MonthlyReportFactory(
                enterprise=enterprise,
                period=datetime.date(year, month, 1),
                output_value=Decimal(value),
            )
    TargetFactory(enterprise=enterprise, year=2021, value=Decimal(target))
    return enterprise


@pytest.fixture
def zone():
    """The guide's data: D01's member peaked in the second half of 2020; D02's is new."""
    d01 = DepartmentFactory(code="D01", name="工业园区管委会")
    d02 = DepartmentFactory(code="D02", name="商务局")
    _member(
        d01,
        name="安康毛绒玩具有限公司",
        monthly_2020={month: "50" if month <= 6 else "150" for month in range(1, 13)},
        monthly_2021=dict.fromkeys(range(1, 7), "60"),
    )
    _member(d02, name="安康富硒食品有限公司", monthly_2021=dict.fromkeys(range(1, 7), "80"))
    return d01, d02


def examples() -> list[tuple[str, int, str]]:
    text = DOC.read_text()
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    found = [(m["command"], int(m["status"]), m["body"]) for m in EXAMPLE.finditer(section)]
    assert len(found) >= 4
    return found


def without_ids(value):
    if isinstance(value, dict):
        return {
            key: None if key == "department" and item is not None else without_ids(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [without_ids(item) for item in value]
    return value


def test_the_worked_examples_replay_as_documented(zone):
    client = APIClient()
    client.force_authenticate(UserFactory(is_superuser=True, is_staff=True))
    for command, status, body in examples():
        _verb, path = shlex.split(command)
        response = client.get(f"/api/v1/{path}")
        assert response.status_code == status, (command, response.content.decode())
        assert without_ids(response.json()) == without_ids(json.loads(body)), command


@pytest.fixture
def supervisor():
    client = APIClient()
    client.force_authenticate(user_with_role("supervision_office"))
    return client


def test_each_department_and_the_zone_is_projected_with_its_basis(zone, supervisor):
    body = supervisor.get(URL, {"period": "2021-06", "metric": "output_value"}).json()
    # In rank order: D02 (480 of 1,200 so far) before D01 (360 of 1,200).
    d02, d01 = body["results"]
    assert (d01["method"], d01["seasonal_share"], d01["projected_ytd_year_end"]) == (
        "seasonal",
        0.25,
        "1440.00",
    )
    assert d01["projected_completion_rate"] == 1.2 and not d01["will_miss"]
    assert (d02["method"], d02["seasonal_share"], d02["projected_ytd_year_end"]) == (
        "flat",
        0.5,
        "960.00",
    )
    assert d02["will_miss"]
    assert body["zone"]["department"] is None and body["zone"]["ytd"] == "840.00"


def test_nothing_is_flagged_before_month_three(zone, supervisor):
    body = supervisor.get(URL, {"period": "2021-02", "metric": "output_value"}).json()
    assert body["results"][0]["projected_completion_rate"] < 1
    assert not any(row["will_miss"] for row in body["results"])
    assert not body["zone"]["will_miss"]


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ({"period": "2021-13", "metric": "output_value"}, "period"),
        ({"period": "June", "metric": "output_value"}, "period"),
        ({"metric": "output_value"}, "period"),
        ({"period": "2099-01", "metric": "output_value"}, "period"),
        ({"period": "2021-06", "metric": "visits"}, "metric"),
        ({"period": "2021-06"}, "metric"),
    ],
)
def test_a_bad_or_not_begun_period_or_metric_is_a_400(supervisor, query, key):
    response = supervisor.get(URL, query)
    assert response.status_code == 400
    assert list(response.json()) == [key]


@pytest.mark.parametrize("role", ["official", "department_user"])
def test_only_the_readers_of_the_ranking_read_the_projections(zone, role):
    client = APIClient()
    client.force_authenticate(user_with_role(role, official=True))
    assert client.get(URL, {"period": "2021-06", "metric": "output_value"}).status_code == 403
    assert APIClient().get(URL, {"period": "2021-06", "metric": "output_value"}).status_code in (
        401,
        403,
    )


@pytest.mark.parametrize("role", ["economic_bureau", "supervision_office", "county_leader"])
def test_the_readers_of_the_ranking_read_the_projections(zone, role):
    client = APIClient()
    client.force_authenticate(user_with_role(role))
    assert client.get(URL, {"period": "2021-06", "metric": "output_value"}).status_code == 200


@pytest.mark.parametrize("metric", ["output_value", "investment"])
def test_the_projections_take_the_same_queries_at_two_sizes(
    zone, supervisor, metric, django_assert_max_num_queries
):
    def count():
        with django_assert_max_num_queries(12) as queries:
            response = supervisor.get(URL, {"period": "2021-06", "metric": metric})
        assert response.status_code == 200
        return len(queries)

    small = count()
    for index in range(12):
        department = DepartmentFactory(code=f"X{index:02d}")
        _member(
            department,
            name=f"企业{index}",
            monthly_2020={12: "100"},
            monthly_2021={6: "10"},
        )
    assert count() <= small

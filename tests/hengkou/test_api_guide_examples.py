"""The worked examples of docs/api.md for bulletins/ and completeness/, replayed as written."""

import datetime
import json
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SECTION = "## Worked examples: bulletins and the completeness board"
# The guide's examples are asked on 8 December 2021, three days after November's deadline.
ASKED = datetime.datetime(2021, 12, 8, 10, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))
HOST = "127.0.0.1:8000"


def _section() -> str:
    text = (Path(django_settings.BASE_DIR) / "docs" / "api.md").read_text(encoding="utf-8")
    assert text.count(SECTION) == 1
    section = text[text.index(SECTION) :]
    # Up to the next section of the guide.
    return section.split("\n## ", 1)[0]


def _requests(section: str) -> list[tuple[str, str]]:
    """Return the guide's curl requests to the API, in order, as (method, path)."""
    return [(method, path) for method, path, _body in _requests_with_bodies(section)]


def _requests_with_bodies(section: str) -> list[tuple[str, str, dict | None]]:
    """Return the guide's curl requests, in order, as (method, path, JSON body or None)."""
    found = re.findall(
        r'curl -sS (?:-X (POST) )?-H "\$AUTH" '
        r"(?:-H \"Content-Type: application/json\" -d '(.*?)' )?\"\$API/([^\"]+)\"",
        section,
    )
    return [
        (method or "GET", f"/api/v1/{path}", json.loads(body) if body else None)
        for method, body, path in found
    ]


def _answers(section: str) -> list:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", section, re.S)]


@pytest.fixture
def integrator(settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    client = APIClient(HTTP_HOST=HOST)
    client.force_authenticate(UserFactory(username="integrator", is_staff=True, is_superuser=True))
    return client


def _load_the_first_worked_example(client, post) -> dict:
    """Load what the guide's first worked example loads (see tests/enterprises/api/test_api.py)."""
    department = post("departments", {"code": "D01", "name": "工业园区管委会", "kind": "sponsor"})
    leader = post(
        "officials", {"name": "王县长", "department": department, "rank": "county_leader"}
    )
    staff = post("officials", {"name": "李干事", "department": department, "rank": "staff"})
    enterprise = post(
        "enterprises",
        {
            "credit_code": "91350100M000100Y43",
            "name": "安康毛绒玩具有限公司",
            "chain": "毛绒玩具",
            "chain_role": "producer",
            "above_scale_years": [2021],
            "employees": 120,
            "poverty_employees": 18,
        },
    )
    team = {"leader": leader, "department": department, "responsible": staff, "team": [staff]}
    post("assignments", {"year": 2021, "enterprise": enterprise, **team})
    post(
        "targets",
        {"enterprise": enterprise, "year": 2021, "metric": "output_value", "value": "1200"},
    )
    post("monthly-reports", {"enterprise": enterprise, "period": "2021-11", "output_value": "1000"})
    return {"department": department, "team": team}


def test_the_worked_examples_of_bulletins_and_completeness(integrator):
    section = _section()

    def post(resource, data):
        response = integrator.post(f"/api/v1/{resource}/", data, format="json")
        assert response.status_code == 201, response.content
        return response.json()["id"]

    with time_machine.travel(ASKED, tick=False):
        loaded = _load_the_first_worked_example(integrator, post)
        body = re.search(r"ENT2=\$\(post enterprises '(.*?)' \| jq \.id\)", section, re.S)
        second = post("enterprises", json.loads(body.group(1)))
        post("assignments", {"year": 2021, "enterprise": second, **loaded["team"]})

        requests = _requests(section)
        assert requests == [
            ("GET", "/api/v1/completeness/?period=2021-11"),
            ("POST", "/api/v1/periods/2021-11/close/"),
            ("GET", "/api/v1/bulletins/?year=2021"),
        ]
        answers = {}
        for method, path, body in _requests_with_bodies(section):
            if body is None:
                response = getattr(integrator, method.lower())(path)
            else:
                response = getattr(integrator, method.lower())(path, body, format="json")
            assert response.status_code == 200, response.content
            answers[path] = response.json()

    board, bulletins = _answers(section)
    # The ids the guide shows are those of a fresh database; here they are whatever they are.
    row = board["results"][0]
    row["department"] = loaded["department"]
    row["missing"] = [second]
    row["missing_members"][0]["enterprise"] = second
    assert answers["/api/v1/completeness/?period=2021-11"] == board
    assert answers["/api/v1/bulletins/?year=2021"] == bulletins

"""The worked examples of the newer resources in docs/api.md, replayed through the test client.

Each request of the guide's section is sent in order, as the guide's integrator (a superuser with
a token) sends it; each answer the guide writes as ``# <status> <JSON>`` is compared with the
response: the same status and the same body, where ``"…"`` in the guide stands for any value
(times) and ids may differ.
"""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
GUIDE = Path(settings.BASE_DIR) / "docs" / "api.md"
SECTION = "## Worked examples of the newer resources"
ANSWER = re.compile(r"^# (\d{3}) (\{.*\})$")
VALID_CODE = "91350100M000100Y43"
ID_KEYS = {
    "id",
    "assignment",
    "department",
    "enterprise",
    "project",
    "submitted_by",
    "inspector",
    "confirmed_by",
}


def documented_answers() -> list[tuple[int, object]]:
    """Return the (status, body) pairs the guide's section writes, in order."""
    text = GUIDE.read_text(encoding="utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return [
        (int(match.group(1)), json.loads(match.group(2)))
        for line in section.splitlines()
        if (match := ANSWER.match(line.strip()))
    ]


def matches(documented, actual, key=None) -> bool:
    """Return whether a response body is the documented one ("…" matching any value).

    The ids (of rows, users) are those of a fresh database in the guide; any id matches them.
    """
    if documented == "…":
        return True
    if key in ID_KEYS and isinstance(documented, int) and isinstance(actual, int):
        return True
    if isinstance(documented, dict):
        return (
            isinstance(actual, dict)
            and documented.keys() == actual.keys()
            and all(matches(value, actual[name], name) for name, value in documented.items())
        )
    if isinstance(documented, list):
        return (
            isinstance(actual, list)
            and len(documented) == len(actual)
            and all(matches(a, b) for a, b in zip(documented, actual, strict=True))
        )
    return documented == actual


class Integrator:
    """The guide's shell helpers: ``post`` and ``patch`` with a token, answers kept in order."""

    def __init__(self):
        user = UserFactory(username="integrator", is_staff=True, is_superuser=True)
        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        self.answers: list[tuple[int, object]] = []

    def _keep(self, response):
        self.answers.append((response.status_code, response.json()))
        return response.json()

    def post(self, path, body):
        return self._keep(self.client.post(f"/api/v1/{path}/", body, format="json"))

    def patch(self, path, body):
        return self._keep(self.client.patch(f"/api/v1/{path}/", body, format="json"))

    def get(self, path, query):
        return self._keep(self.client.get(f"/api/v1/{path}/", query))

    def setup(self, path, body):
        """A request of the first worked example (its answers are shown there)."""
        response = self.client.post(f"/api/v1/{path}/", body, format="json")
        assert response.status_code == 201, response.content
        return response.json()["id"]


def replay(api: Integrator) -> None:
    """Send the section's requests in order, after the first worked example's."""
    dept = api.setup("departments", {"code": "D01", "name": "工业园区管委会", "kind": "sponsor"})
    leader = api.setup("officials", {"name": "王县长", "department": dept, "rank": "county_leader"})
    staff = api.setup("officials", {"name": "李干事", "department": dept, "rank": "staff"})
    ent = api.setup(
        "enterprises",
        {"credit_code": VALID_CODE, "name": "安康毛绒玩具有限公司", "employees": 120},
    )
    asg = api.setup(
        "assignments",
        {
            "year": 2021,
            "enterprise": ent,
            "leader": leader,
            "department": dept,
            "responsible": staff,
            "team": [staff],
        },
    )
    api.setup(
        "targets", {"enterprise": ent, "year": 2021, "metric": "output_value", "value": "1200"}
    )
    api.setup("monthly-reports", {"enterprise": ent, "period": "2021-11", "output_value": "1000"})

    # Work reports.
    report = api.post(
        "work-reports",
        {"assignment": asg, "period": "2021-11", "progress": "协调用工30人，新生产线试产"},
    )["id"]
    api.post("work-reports", {"assignment": asg, "period": "2021-11", "progress": "再报一次"})
    api.patch(f"work-reports/{report}", {"progress": "新生产线已投产"})
    api.post("work-reports", {"assignment": asg, "period": "2022-01", "progress": "提前报送"})
    # Quarterly inspections.
    body = {
        "year": 2021,
        "quarter": 4,
        "department": dept,
        "assignment": asg,
        "inspected_on": "2021-12-20",
        "findings": "帮扶台账完整，问题办结及时",
        "score": "92.5",
    }
    api.post("inspections", body)
    api.post("inspections", {**body, "inspected_on": "2022-01-05"})
    # The year-end assessment.
    api.get("assessments", {"year": 2021})
    api.get("assessments", {"year": 2100})
    # A project's stage, its half-year inspection and its year-end evaluation.
    project = api.setup(
        "projects",
        {
            "name": "年产20万吨魔芋精粉技改项目",
            "enterprise": ent,
            "kind": "renovation",
            "total_investment": "12000",
        },
    )
    api.setup(
        "project-plans",
        {
            "project": project,
            "year": 2021,
            "planned_investment": "5000",
            "leader": leader,
            "department": dept,
        },
    )
    api.post(f"projects/{project}/stage", {"to_stage": "started", "moved_on": "2021-03-15"})
    api.post(f"projects/{project}/stage", {"to_stage": "reserve"})
    inspection = {
        "project": project,
        "year": 2021,
        "half": 2,
        "inspected_on": "2021-11-20",
        "findings": "主体工程完工，设备安装滞后两周",
        "rating": 85,
    }
    api.post("project-inspections", inspection)
    api.post("project-inspections", inspection)
    api.post("project-evaluations", {"project": project, "year": 2021, "grade": "good"})
    api.post("project-evaluations", {"project": project, "year": 2021, "grade": "superb"})


def test_the_worked_examples_of_the_newer_resources():
    api = Integrator()
    replay(api)
    documented = documented_answers()
    assert len(documented) == len(api.answers), json.dumps(api.answers, ensure_ascii=False)
    for number, (expected, actual) in enumerate(zip(documented, api.answers, strict=True)):
        assert expected[0] == actual[0], (number, actual)
        assert matches(expected[1], actual[1]), (number, json.dumps(actual[1], ensure_ascii=False))

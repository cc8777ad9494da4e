"""docs/api.md's worked examples of the annual plan and the turn of the year, replayed.

Every request of the section's shell block is sent as written (its variables filled in), and
the answer must have the status and hold every field the comment under it shows.
"""

import json
import re
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from enterprises.models import Assignment
from hengkou.models import YearTurn
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
SECTION = "## Worked examples: the annual plan and the turn of the year"
REQUEST = re.compile(
    r"^(?:(?P<var>[A-Z]+)=\$\()?(?P<verb>post|patch|get) (?P<path>\"[^\"]*\"|\S+)"
    r"(?: (?P<body>'.*?'|\".*?\"))?(?: \| jq (?P<jq>'[^']*'|\S+)\))?$"
)
EXPECTED = re.compile(r"^# (?P<status>\d{3}) (?P<body>.+)$")


def _steps():
    text = DOC.read_text(encoding="utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    steps, lines = [], block.splitlines()
    for index, line in enumerate(lines):
        match = REQUEST.match(line)
        if match is None:
            continue
        expected = EXPECTED.match(lines[index + 1])
        assert expected, f"no expected answer under {line!r}"
        steps.append((match.groupdict(), int(expected["status"]), expected["body"]))
    return steps


def _fill(text: str, names: dict) -> str:
    return re.sub(r"\$([A-Z]+)", lambda m: str(names[m.group(1)]), text)


def _unquote(text: str) -> str:
    if text.startswith("'"):
        return text[1:-1]
    return text[1:-1].replace('\\"', '"') if text.startswith('"') else text


def _jq(data, path: str):
    for part in re.findall(r"\.(\w+)|\[(\d+)\]", _unquote(path)):
        data = data[part[0]] if part[0] else data[int(part[1])]
    return data


def _holds(actual, expected) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and _holds(actual[key], value) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(_holds(a, e) for a, e in zip(actual, expected, strict=True))
        )
    return actual == expected


def _worked_example(api) -> dict:
    """The earlier worked example of docs/api.md: its department, officials and 2021 records."""

    def post(path, body):
        response = api.post(f"/api/v1/{path}/", body, format="json")
        assert response.status_code == 201, response.json()
        return response.json()["id"]

    dept = post("departments", {"code": "D01", "name": "工业园区管委会", "kind": "sponsor"})
    leader = post("officials", {"name": "王县长", "department": dept, "rank": "county_leader"})
    staff = post("officials", {"name": "李干事", "department": dept, "rank": "staff"})
    ent = post("enterprises", {"credit_code": "91350100M000100Y43", "name": "安康毛绒玩具有限公司"})
    post(
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
    post("targets", {"enterprise": ent, "year": 2021, "metric": "output_value", "value": "1200"})
    post("monthly-reports", {"enterprise": ent, "period": "2021-11", "output_value": "1000"})
    return {"DEPT": dept, "LEADER": leader, "STAFF": staff, "ENT": ent}


def test_the_worked_examples_of_the_year_turn_replay_as_documented():
    integrator = UserFactory(is_superuser=True, is_staff=True)
    api = APIClient()
    api.force_authenticate(integrator)
    names = _worked_example(api)
    steps = _steps()
    assert len(steps) >= 12
    for request, status, expected in steps:
        path = _fill(_unquote(request["path"]), names)
        url = f"/api/v1/{path}" + ("" if request["verb"] == "get" else "/")
        if request["verb"] == "get":
            response = api.get(url)
        else:
            body = _fill(_unquote(request["body"] or "''"), names)
            response = getattr(api, request["verb"])(url, body, content_type="application/json")
        answer = response.json()
        assert response.status_code == status, (url, answer)
        assert _holds(answer, json.loads(_fill(expected, names))), (url, answer)
        if request["var"]:
            names[request["var"]] = _jq(answer, request["jq"])
    assert YearTurn.objects.get().confirmed_by == integrator
    assignment = Assignment.objects.get(year=2022)
    assert assignment.history.get().history_user == integrator
    ranking = api.get("/api/v1/rankings/?period=2022-01&metric=output_value").json()
    assert [(row["department"], row["target"]) for row in ranking["results"]] == [
        (names["DEPT"], "1250.00")
    ]

"""Replay docs/api.md's worked examples of the data-quality gate: each request as written, its
status and its body as documented (ids aside; a key ending in ``_at`` by its presence; an
object's keys not written in the example are not compared)."""

import datetime
import json
import re
import shlex
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from enterprises.models import FigureFlag, MonthlyReport, Period
from tests.factories import AssignmentFactory, DepartmentFactory, MonthlyReportFactory
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
SECTION = "## Worked examples: the data-quality gate"
EXAMPLE = re.compile(
    r"```sh\n(?P<command>(?:post|get|patch) .*?)\n# (?P<status>\d{3})\n```\n"
    r"```json\n(?P<body>.*?)\n```",
    re.S,
)
OCT, NOV = datetime.date(2021, 10, 1), datetime.date(2021, 11, 1)


def examples() -> list[tuple[str, int, str]]:
    text = DOC.read_text()
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    found = [(m["command"], int(m["status"]), m["body"]) for m in EXAMPLE.finditer(section)]
    assert len(found) >= 6
    return found


def matches(expected, actual, path="") -> list[str]:
    """Return where ``actual`` differs from ``expected`` (ids and ``*_at`` values aside)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [path]
        wrong = []
        for key, value in expected.items():
            if key not in actual:
                wrong.append(f"{path}.{key} missing")
            elif key == "id" or (key.endswith("_at") and value is not None):
                continue
            else:
                wrong += matches(value, actual[key], f"{path}.{key}")
        return wrong
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path} length"]
        return [
            w
            for i, (e, a) in enumerate(zip(expected, actual, strict=True))
            for w in matches(e, a, f"{path}[{i}]")
        ]
    return [] if expected == actual else [f"{path}: {actual!r} != {expected!r}"]


def world():
    department = DepartmentFactory(name="工业园区管委会")
    a = AssignmentFactory(
        year=2021, department=department, enterprise__name="安康丰泽富硒食品有限公司"
    )
    b = AssignmentFactory(year=2021, department=department, enterprise__name="安康恒安玩具有限公司")
    figures = {"value_added": "230.00", "revenue": "850.00", "tax": "25.00", "electricity": "40.00"}
    MonthlyReportFactory(
        enterprise=a.enterprise, period=OCT, output_value="869.79", employees=35, **figures
    )
    MonthlyReportFactory(
        enterprise=a.enterprise, period=NOV, output_value="8697900", employees=35, **figures
    )
    MonthlyReportFactory(enterprise=b.enterprise, period=OCT, output_value="500", employees=35)
    MonthlyReportFactory(enterprise=b.enterprise, period=NOV, output_value="520", employees=60)
    flag_b = FigureFlag.objects.get(enterprise=b.enterprise)
    report_a = MonthlyReport.objects.get(enterprise=a.enterprise, period=NOV)
    return {
        "$DEPT": department.pk,
        "$ENT_A": a.enterprise_id,
        "$ENT_B": b.enterprise_id,
        "$REP_A": report_a.pk,
        "$REP_B": flag_b.report_id,
        "$FLAG_B": flag_b.pk,
    }


def substitute(text: str, names: dict) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, str(names[name]))
    return text


def call(client, command: str):
    verb, *args = shlex.split(command)
    if verb == "get":
        return client.get(f"/api/v1/{args[0]}")
    send = client.post if verb == "post" else client.patch
    return send(f"/api/v1/{args[0]}/", args[1], content_type="application/json")


def test_the_worked_examples_replay_as_documented():
    names = world()
    client = APIClient()
    client.force_authenticate(user_with_role("economic_bureau", username="赵红梅"))
    for command, status, body in examples():
        response = call(client, substitute(command, names))
        assert response.status_code == status, (command, response.content.decode())
        expected = json.loads(substitute(body, names))
        wrong = matches(expected, response.json())
        assert not wrong, (command, wrong, json.dumps(response.json(), ensure_ascii=False))
    assert Period.is_closed(NOV)
    flag = FigureFlag.objects.get(pk=names["$FLAG_B"])
    assert flag.explained and flag.history.count() == 2

"""Replay docs/api.md's worked examples of the zone's milestones, events, chain history and
standing: each request as written, its status and its body (ids aside) as documented."""

import json
import re
import shlex
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from enterprises.models import ChainYear, Milestone, PromotionEvent, ZoneStanding
from tests.factories import EnterpriseFactory, UserFactory

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
SECTION = "## Worked examples: the zone's milestones, events, chain history and standing"
EXAMPLE = re.compile(
    r"```sh\n(?P<command>(?:post|get) .*?)\n# (?P<status>\d{3})\n```\n```json\n(?P<body>.*?)\n```",
    re.S,
)


def examples() -> list[tuple[str, int, str]]:
    text = DOC.read_text()
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    found = [(m["command"], int(m["status"]), m["body"]) for m in EXAMPLE.finditer(section)]
    assert len(found) >= 8
    return found


def without_ids(value):
    if isinstance(value, dict):
        return {key: without_ids(item) for key, item in value.items() if key != "id"}
    if isinstance(value, list):
        return [without_ids(item) for item in value]
    return value


def call(client, command: str, enterprise: int):
    command = command.replace("$ENT", str(enterprise))
    verb, *args = shlex.split(command)
    if verb == "get":
        return client.get(f"/api/v1/{args[0]}")
    return client.post(f"/api/v1/{args[0]}/", args[1], content_type="application/json")


def test_the_worked_examples_replay_as_documented():
    client = APIClient()
    client.force_authenticate(UserFactory(is_superuser=True, is_staff=True))
    enterprise = EnterpriseFactory(name="安贝斯玩具科创（安康）有限公司", chain="毛绒玩具").pk
    for command, status, body in examples():
        response = call(client, command, enterprise)
        assert response.status_code == status, (command, response.content.decode())
        expected = json.loads(body.replace("$ENT", str(enterprise)))
        assert without_ids(response.json()) == without_ids(expected), command
    assert Milestone.objects.count() == 1
    assert PromotionEvent.objects.count() == 1
    assert ChainYear.objects.count() == 1
    assert ZoneStanding.objects.count() == 1

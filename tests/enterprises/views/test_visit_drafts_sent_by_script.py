"""The visit form answers in JSON a visit kept on the phone and sent by script (offline.js)."""

import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from enterprises.models import Problem, Visit, VisitPhoto
from tests.factories import AssignmentFactory, EnterpriseFactory, OfficialFactory
from tests.roles import user_with_role

from ..api.visit_world import jpeg

pytestmark = pytest.mark.django_db
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def responsible(client):
    """A responsible person (an official) signed in, with one assignment this year."""
    official = OfficialFactory(name="张三")
    user = user_with_role("official", official=official, username="zhang")
    assignment = AssignmentFactory(
        year=timezone.localdate().year,
        responsible=official,
        department=official.department,
        enterprise__name="恒口新材料",
    )
    client.force_login(user)
    return assignment


def _draft(assignment, key, **overrides):
    return {
        "idempotency_key": key,
        "visited_on": timezone.localdate().isoformat(),
        "participants": [assignment.responsible.pk],
        "kind": "routine",
        "notes": "离线记录",
        "problems-TOTAL_FORMS": "1",
        "problems-INITIAL_FORMS": "0",
        "problems-0-category": "land",
        "problems-0-description": "用地手续未办结",
        "problems-0-severity": "ordinary",
        "photos": jpeg(),
        **overrides,
    }


def _send(client, assignment, key, enterprise_id=None, **overrides):
    url = reverse("enterprises:visit_new", args=[enterprise_id or assignment.enterprise_id])
    return client.post(url, _draft(assignment, key, **overrides), **JSON)


def test_a_draft_sent_by_script_is_recorded_and_answered_201_with_the_visit(client, responsible):
    key = str(uuid.uuid4())
    response = _send(client, responsible, key)
    assert response.status_code == 201
    visit = Visit.objects.get()
    assert response.json() == {
        "status": "recorded",
        "visit": visit.pk,
        "url": f"/enterprises/{responsible.enterprise_id}/#visit-{visit.pk}",
        "enterprise": "恒口新材料",
        "visited_on": timezone.localdate().isoformat(),
    }
    assert visit.idempotency_key == key
    assert VisitPhoto.objects.count() == 1 and Problem.objects.count() == 1
    # No message waits in the session for the next page: the script shows the answer.
    assert list(get_messages(response.wsgi_request)) == []
    card = client.get(response.json()["url"].split("#")[0]).content.decode()
    assert f'id="visit-{visit.pk}"' in card


def test_a_draft_sent_again_is_answered_200_and_records_nothing(client, responsible):
    key = str(uuid.uuid4())
    first = _send(client, responsible, key)
    replay = _send(client, responsible, key, notes="另一次发送", participants=[])
    assert replay.status_code == 200
    assert replay.json()["status"] == "already_recorded"
    assert replay.json()["visit"] == first.json()["visit"]
    assert Visit.objects.count() == 1 and VisitPhoto.objects.count() == 1


def test_a_refused_draft_is_answered_400_with_its_messages_and_writes_nothing(client, responsible):
    last_year = timezone.localdate().replace(year=timezone.localdate().year - 1, month=6, day=1)
    response = _send(
        client,
        responsible,
        str(uuid.uuid4()),
        visited_on=last_year.isoformat(),
        **{"problems-0-description": ""},
    )
    assert response.status_code == 400
    answer = response.json()
    assert answer["status"] == "refused"
    assert answer["errors"] == {"problems-0-description": ["该字段是必填项。"]}
    assert answer["messages"] == ["诉求 1 · 诉求: 该字段是必填项。"]
    assert not Visit.objects.exists() and not Problem.objects.exists()
    # The date not begun is refused by the service once the form itself is valid.
    response = _send(client, responsible, str(uuid.uuid4()), visited_on=last_year.isoformat())
    assert response.status_code == 400
    (line,) = response.json()["messages"]
    assert f"{timezone.localdate().year}-01-01" in line and "恒口新材料" in line
    assert not Visit.objects.exists() and not VisitPhoto.objects.exists()


def test_a_draft_for_an_enterprise_out_of_scope_is_answered_404_in_json(client, responsible):
    elsewhere = EnterpriseFactory()
    response = _send(client, responsible, str(uuid.uuid4()), enterprise_id=elsewhere.pk)
    assert response.status_code == 404
    assert response.json()["status"] == "refused"
    assert response.json()["messages"] == ["该企业已不在您的包抓范围内（或已不存在）。"]
    assert not Visit.objects.exists()


def test_a_draft_of_an_enterprise_no_longer_the_officials_is_refused(client, responsible):
    responsible.responsible = OfficialFactory(department=responsible.department)
    responsible.save()
    response = _send(client, responsible, str(uuid.uuid4()))
    assert response.status_code in (400, 404)
    assert response.json()["status"] == "refused" and response.json()["messages"]
    assert not Visit.objects.exists()


def test_the_form_submitted_by_the_browser_still_answers_in_html(client, responsible):
    url = reverse("enterprises:visit_new", args=[responsible.enterprise_id])
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.post(url, _draft(responsible, str(uuid.uuid4())), HTTP_ACCEPT=accept)
    assert response.status_code == 302 and response.url == reverse("enterprises:my_enterprises")
    refused = client.post(url, _draft(responsible, str(uuid.uuid4()), participants=[]))
    assert refused.status_code == 200 and refused["Content-Type"].startswith("text/html")


def test_a_draft_sent_after_the_session_ended_is_sent_to_sign_in(client, responsible):
    client.logout()
    response = _send(client, responsible, str(uuid.uuid4()))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))

"""The pages of the turn of the year (the leading office's) and of the annual plan; the import."""

import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client

from core.imports.engine import run_import
from core.imports.kinds import get_kind
from enterprises.models import Assignment, Target
from hengkou.models import DraftAssignment, DraftTarget, YearTurn
from hengkou.services import year_turn as turns
from tests.core.imports.helpers import xlsx
from tests.factories import (
    AnnualPlanFactory,
    AssignmentFactory,
    EnterpriseFactory,
    MonthlyReportFactory,
    OfficialFactory,
    PlanGoalFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def zone():
    one = AssignmentFactory(year=2021)
    two = AssignmentFactory(year=2021, department=one.department, leader=one.leader)
    MonthlyReportFactory(
        enterprise=one.enterprise, period=datetime.date(2021, 12, 1), output_value=Decimal("200")
    )
    return [one, two]


def _client(role):
    user = user_with_role(role)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def test_the_leading_office_runs_the_turn_of_the_year_on_its_page(zone):
    office = _client("economic_bureau")
    page = office.get("/year/turn/")
    assert page.status_code == 200 and 'value="2022"' in page.content.decode()
    assert office.post("/year/turn/", {"action": "start", "year": 2022}).status_code == 302
    turn = YearTurn.objects.get(year=2022)
    post = lambda **data: office.post("/year/turn/", {"turn": turn.pk, **data})  # noqa: E731
    post(action="seed", metric="output_value", rate="10")
    target = DraftTarget.objects.get(turn=turn)
    assert (target.base, target.value) == (Decimal("200.00"), Decimal("220.00"))
    post(action="targets", **{f"target-{target.pk}": "250.00"})
    post(action="drop", draft=turn.assignments.get(enterprise=zone[1].enterprise).pk)
    newcomer = EnterpriseFactory()
    responsible = OfficialFactory(department=zone[0].department)
    added = office.post(
        f"/year/turn/{turn.pk}/drafts/0/",
        {
            "credit_code": newcomer.credit_code,
            "leader": zone[0].leader_id,
            "department": zone[0].department_id,
            "responsible": responsible.pk,
            "team": [responsible.pk],
            "plan_goals": "新入库",
        },
    )
    assert added.status_code == 302, added.content.decode()
    shown = office.get("/year/turn/?year=2022").content.decode().split("mb-0 drafts")[1]
    assert newcomer.name in shown and zone[1].enterprise.name not in shown
    assert not Assignment.objects.filter(year=2022).exists()
    post(action="confirm")
    assert set(Assignment.objects.filter(year=2022).values_list("enterprise", flat=True)) == {
        zone[0].enterprise_id,
        newcomer.pk,
    }
    assert Target.objects.get(year=2022).value == Decimal("250.00")
    assert {h.history_user for h in Assignment.history.filter(year=2022)} == {office.user}
    # A second confirmation is refused with a message, and writes nothing.
    again = office.post("/year/turn/", {"turn": turn.pk, "action": "confirm"}, follow=True)
    assert "2022" in again.content.decode()
    assert Assignment.objects.filter(year=2022).count() == 2


def test_a_refused_start_says_why_and_writes_nothing(zone):
    office = _client("economic_bureau")
    response = office.post("/year/turn/", {"action": "start", "year": 2031}, follow=True)
    assert "2022" in response.content.decode()
    assert not YearTurn.objects.exists()


@pytest.mark.parametrize("role", ["official", "department_user", "supervision_office"])
def test_the_turn_of_the_year_is_refused_to_everyone_else(zone, role):
    client = _client(role)
    assert client.get("/year/turn/").status_code == 403
    assert client.post("/year/turn/", {"action": "start", "year": 2022}).status_code == 403
    assert not YearTurn.objects.exists()


def test_the_annual_plan_page_shows_its_goals():
    plan = AnnualPlanFactory(year=2022, title="2022年重点工业企业包抓工作实施方案")
    PlanGoalFactory(plan=plan, note="规上工业总产值增长15%")
    page = _client("county_leader").get("/year/plans/")
    assert page.status_code == 200
    html = page.content.decode()
    assert plan.title in html and "规上工业总产值增长15%" in html and "15%" in html
    assert _client("official").get("/year/plans/").status_code == 403


def _targets_xlsx(rows):
    kind = get_kind("year_turn_targets")
    return io.BytesIO(xlsx([[str(c.header()) for c in kind.columns], *rows]))


def test_draft_targets_are_imported_all_or_nothing(zone):
    office = user_with_role("economic_bureau")
    turn = turns.start_year_turn(year=2022, acting_user=office, today=datetime.date(2022, 1, 3))
    one, two = (a.enterprise for a in zone)
    kind = get_kind("year_turn_targets")
    good = [
        [2022, one.credit_code, "", "output_value", "300.00"],
        [2022, two.credit_code, "", "tax", "12.50"],
    ]
    result = run_import(kind=kind, source=_targets_xlsx(good), user=office)
    assert result.ok and result.created == 2
    assert dict(DraftTarget.objects.values_list("enterprise_id", "value")) == {
        one.pk: Decimal("300.00"),
        two.pk: Decimal("12.50"),
    }
    assert not Target.objects.filter(year=2022).exists()  # drafts count only once confirmed
    bad = [
        [2022, one.credit_code, "", "output_value", "999.00"],  # would change: not written
        [2023, one.credit_code, "", "tax", "1"],  # no turn of 2023
        [2022, EnterpriseFactory().credit_code, "", "tax", "1"],  # not among the drafts
        [2022, two.credit_code, "", "tax", "-5"],
    ]
    result = run_import(kind=kind, source=_targets_xlsx(bad), user=office)
    assert not result.ok
    assert sorted({error.row for error in result.errors}) == [3, 4, 5]
    assert DraftTarget.objects.get(enterprise=one).value == Decimal("300.00")
    turns.confirm_year_turn(turn=turn, acting_user=office, now=datetime.datetime.now(datetime.UTC))
    result = run_import(kind=kind, source=_targets_xlsx(good[:1]), user=office)
    assert not result.ok  # a confirmed year takes no more drafts
    assert DraftAssignment.objects.count() == 2


def test_the_admin_edits_a_plan_with_its_goals_inline(client):
    from tests.factories import UserFactory

    admin = client
    admin.force_login(UserFactory(is_superuser=True, is_staff=True))
    plan = AnnualPlanFactory(year=2022)
    PlanGoalFactory(plan=plan)
    assert admin.get("/admin/hengkou/annualplan/").status_code == 200
    page = admin.get(f"/admin/hengkou/annualplan/{plan.pk}/change/")
    assert page.status_code == 200 and "goals-0-growth_rate" in page.content.decode()
    assert admin.get("/admin/hengkou/yearturn/").status_code == 200


def test_the_leading_office_discards_a_draft_turn_on_its_page(zone):
    office = _client("economic_bureau")
    office.post("/year/turn/", {"action": "start", "year": 2022})
    turn = YearTurn.objects.get(year=2022)
    page = office.get("/year/turn/").content.decode()
    assert 'value="discard"' in page and "data-confirm=" in page
    response = office.post("/year/turn/", {"turn": turn.pk, "action": "discard"}, follow=True)
    assert "2022年度的草稿已废弃。" in response.content.decode()
    assert not YearTurn.objects.exists() and not DraftAssignment.objects.exists()
    # A confirmed turn stays, with the reason shown.
    office.post("/year/turn/", {"action": "start", "year": 2022})
    turn = YearTurn.objects.get(year=2022)
    office.post("/year/turn/", {"turn": turn.pk, "action": "confirm"})
    response = office.post("/year/turn/", {"turn": turn.pk, "action": "discard"}, follow=True)
    assert "已确认" in response.content.decode()
    assert YearTurn.objects.filter(pk=turn.pk).exists()
    assert Assignment.objects.filter(year=2022).count() == 2

"""The turn of the year: drafts copied, seeded, adjusted and confirmed; nothing counts before."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from enterprises.models import Assignment, DepartmentYtd, Target
from enterprises.selectors.sponsorship import list_my_cards
from enterprises.services import aggregates
from hengkou.models import DraftAssignment, DraftTarget, GrowthRate, YearTurn
from hengkou.selectors.ranking import list_department_totals
from hengkou.services import year_turn as turns
from tests.factories import (
    AssignmentFactory,
    CountyLeaderFactory,
    DepartmentFactory,
    EnterpriseFactory,
    MonthlyReportFactory,
    OfficialFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
JAN_2022 = datetime.date(2022, 1, 1)
TODAY = datetime.date(2022, 1, 5)
NOW = datetime.datetime(2022, 1, 5, 9, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def english():
    """The messages are matched in English (the site's default language is Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def zone():
    """Two departments, three enterprises sponsored in 2021, with their 2021 figures."""
    first, second = DepartmentFactory(code="D01"), DepartmentFactory(code="D02")
    leader = CountyLeaderFactory()
    one = AssignmentFactory(year=2021, department=first, leader=leader)
    two = AssignmentFactory(year=2021, department=first, leader=leader)
    three = AssignmentFactory(year=2021, department=second, leader=leader)
    helper = OfficialFactory(department=first)
    one.team.add(one.responsible, helper)
    one.plan_deadline = datetime.date(2021, 12, 31)
    one.plan_goals = "2021年目标"
    one.save()
    TargetFactory(enterprise=one.enterprise, year=2021, value=Decimal("250"))
    for enterprise, month, value in (
        (one.enterprise, 11, "100"),
        (one.enterprise, 12, "200"),
        (two.enterprise, 12, "50"),
        (three.enterprise, 1, "1000"),
        (one.enterprise, 13, "80"),  # January 2022: this year's first report
    ):
        period = datetime.date(2021 + (month - 1) // 12, (month - 1) % 12 + 1, 1)
        MonthlyReportFactory(enterprise=enterprise, period=period, output_value=Decimal(value))
    return {"first": first, "second": second, "leader": leader, "a": [one, two, three]}


def _old_year():
    return (
        list(Assignment.objects.filter(year=2021).order_by("pk").values()),
        list(Target.objects.filter(year=2021).order_by("pk").values()),
        sorted(
            Assignment.team.through.objects.filter(assignment__year=2021).values_list(
                "assignment_id", "official_id"
            )
        ),
    )


def test_start_copies_every_assignment_as_a_draft_with_its_team(zone):
    turn = turns.start_year_turn(year=2022, acting_user=None, today=TODAY)
    assert (turn.from_year, turn.status) == (2021, "draft")
    drafts = {d.enterprise_id: d for d in turn.assignments.prefetch_related("team")}
    for assignment in zone["a"]:
        draft = drafts[assignment.enterprise_id]
        assert (draft.leader_id, draft.department_id, draft.responsible_id) == (
            assignment.leader_id,
            assignment.department_id,
            assignment.responsible_id,
        )
        assert {o.pk for o in draft.team.all()} == {o.pk for o in assignment.team.all()}
    one = drafts[zone["a"][0].enterprise_id]
    assert one.plan_goals == "2021年目标"
    assert one.plan_deadline == datetime.date(2022, 12, 31)
    assert not Assignment.objects.filter(year=2022).exists()


@pytest.mark.parametrize(
    ("year", "field_message"),
    [
        (2023, "2022"),  # not the next year, nor the current one
        (2021, "2022"),  # a year that has its assignments
        ("2022", "e.g. 2022"),
        (1999, "e.g. 2022"),
    ],
)
def test_start_refuses_a_year_that_is_not_the_next_one(zone, year, field_message):
    with pytest.raises(ValidationError) as error:
        turns.start_year_turn(year=year, acting_user=None, today=TODAY)
    assert field_message in str(error.value.message_dict["year"])
    assert not YearTurn.objects.exists() and not DraftAssignment.objects.exists()


def test_start_refuses_a_year_already_started_and_a_zone_without_assignments(zone):
    turns.start_year_turn(year=2022, acting_user=None, today=TODAY)
    with pytest.raises(ValidationError, match="already been started"):
        turns.start_year_turn(year=2022, acting_user=None, today=TODAY)
    assert YearTurn.objects.count() == 1
    Assignment.objects.all().delete()
    with pytest.raises(ValidationError, match="no assignments"):
        turns.start_year_turn(year=2023, acting_user=None, today=datetime.date(2023, 1, 3))


def test_a_zone_that_skipped_years_starts_the_current_year(zone):
    turn = turns.start_year_turn(year=2026, acting_user=None, today=datetime.date(2026, 1, 4))
    assert turn.from_year == 2021 and turn.assignments.count() == 3


def test_seed_uses_last_years_actuals_and_a_department_rate_over_the_zone_wide_one(zone):
    turn = turns.start_year_turn(year=2022, acting_user=None, today=TODAY)
    metrics = turns.set_growth_rates(
        turn=turn,
        rates={"output_value": "0.1"},
        department_rates=[(zone["second"].pk, "output_value", 0.5)],
    )
    assert turns.seed_targets(turn=turn, metrics=metrics) == 3
    one, two, three = (a.enterprise_id for a in zone["a"])
    seeded = {t.enterprise_id: (t.base, t.value) for t in turn.targets.all()}
    assert seeded == {
        one: (Decimal("300.00"), Decimal("330.00")),
        two: (Decimal("50.00"), Decimal("55.00")),
        three: (Decimal("1000.00"), Decimal("1500.00")),
    }
    # Seeding again with another rate replaces the seeded values.
    turns.set_growth_rates(turn=turn, rates={"output_value": 0})
    turns.seed_targets(turn=turn, metrics=["output_value"])
    assert DraftTarget.objects.get(enterprise_id=one).value == Decimal("300.00")


@pytest.mark.parametrize("rate", ["abc", 11, -1.5, "NaN", "Infinity", True, None, [0.1]])
def test_an_absurd_or_non_numeric_rate_is_refused_and_writes_nothing(zone, rate):
    turn = turns.start_year_turn(year=2022, acting_user=None, today=TODAY)
    with pytest.raises(ValidationError):
        turns.set_growth_rates(
            turn=turn, rates={"output_value": 0.1}, department_rates=[(zone["first"], "tax", rate)]
        )
    assert not GrowthRate.objects.exists()


def _adjust(zone, turn):
    one, two, three = zone["a"]
    turns.set_growth_rates(turn=turn, rates={"output_value": "0.1"})
    turns.seed_targets(turn=turn, metrics=["output_value"])
    turns.set_draft_targets(turn=turn, values={(one.enterprise_id, "output_value"): "400"})
    turns.drop_draft_assignment(draft=turn.assignments.get(enterprise=two.enterprise))
    newcomer = EnterpriseFactory()
    responsible = OfficialFactory(department=zone["first"])
    turns.add_draft_assignment(
        turn=turn,
        enterprise=newcomer,
        leader=zone["leader"],
        department=zone["first"],
        responsible=responsible,
        team=[responsible],
        plan_goals="新入库企业",
    )
    draft = turn.assignments.get(enterprise=three.enterprise)
    turns.update_draft_assignment(draft=draft, plan_goals="2022年增长50%")
    return newcomer


def test_nothing_counts_before_confirming_and_everything_after(zone):
    user = UserFactory()
    before = _old_year()
    turn = turns.start_year_turn(year=2022, acting_user=user, today=TODAY)
    newcomer = _adjust(zone, turn)
    one, two, three = zone["a"]
    # Drafts are invisible: no member of 2022 in any ranking, no card on /my/.
    assert list_department_totals(period=JAN_2022, metric="output_value") == []
    assert not DepartmentYtd.objects.filter(period__year=2022, members__gt=0).exists()
    assert list_my_cards(official=one.responsible, year=2022, today=TODAY) == []

    turns.confirm_year_turn(turn=turn, acting_user=user, now=NOW)

    assert _old_year() == before
    created = Assignment.objects.filter(year=2022)
    assert set(created.values_list("enterprise_id", flat=True)) == {
        one.enterprise_id,
        three.enterprise_id,
        newcomer.pk,
    }
    assert created.get(enterprise=three.enterprise).plan_goals == "2022年增长50%"
    assert set(created.get(enterprise=one.enterprise).team.values_list("pk", flat=True)) == set(
        one.team.values_list("pk", flat=True)
    )
    assert dict(Target.objects.filter(year=2022).values_list("enterprise_id", "value")) == {
        one.enterprise_id: Decimal("400.00"),
        three.enterprise_id: Decimal("1100.00"),
    }
    history = Assignment.history.filter(year=2022, history_type="+")
    assert history.count() == 3 and {h.history_user_id for h in history} == {user.pk}
    assert {h.history_user_id for h in Target.history.filter(year=2022)} == {user.pk}
    turn.refresh_from_db()
    assert (turn.status, turn.confirmed_by, turn.confirmed_at) == ("confirmed", user, NOW)
    # The department totals equal a rebuild from scratch, and the reports' own sums.
    stored = _department_rows()
    aggregates.rebuild_department_ytd()
    assert _department_rows() == stored
    key = lambda row: row.department_id  # noqa: E731
    live = sorted(list_department_totals(period=JAN_2022, metric="output_value"), key=key)
    assert live == sorted(
        list_department_totals(period=JAN_2022, metric="output_value", from_reports=True), key=key
    )
    assert {row.department_id: row.target for row in live} == {
        zone["first"].pk: Decimal("400.00"),
        zone["second"].pk: Decimal("1100.00"),
    }
    assert len(list_my_cards(official=one.responsible, year=2022, today=TODAY)) == 1


def _department_rows():
    ignore = {"id", "stamp"}
    return [
        {k: v for k, v in row.items() if k not in ignore}
        for row in DepartmentYtd.objects.order_by("department_id", "period").values()
    ]


def test_confirming_twice_is_refused(zone):
    turn = turns.start_year_turn(year=2022, acting_user=None, today=TODAY)
    turns.confirm_year_turn(turn=turn, acting_user=None, now=NOW)
    with pytest.raises(ValidationError, match="already been confirmed"):
        turns.confirm_year_turn(turn=turn, acting_user=None, now=NOW)
    assert Assignment.objects.filter(year=2022).count() == 3
    with pytest.raises(ValidationError, match="already been confirmed"):
        turns.set_draft_targets(turn=turn, values={(zone["a"][0].enterprise_id, "tax"): 1})


def test_confirming_is_refused_when_the_year_already_has_an_enterprises_assignment(zone):
    turn = turns.start_year_turn(year=2022, acting_user=None, today=TODAY)
    one = zone["a"][0]
    AssignmentFactory(year=2022, enterprise=one.enterprise, department=zone["first"])
    with pytest.raises(ValidationError) as error:
        turns.confirm_year_turn(turn=turn, acting_user=None, now=NOW)
    assert one.enterprise.name in str(error.value)
    assert Assignment.objects.filter(year=2022).count() == 1
    assert not Target.objects.filter(year=2022).exists()
    turn.refresh_from_db()
    assert turn.status == "draft"


def test_a_draft_target_needs_an_enterprise_among_the_drafts_and_a_sane_value(zone):
    turn = turns.start_year_turn(year=2022, acting_user=None, today=TODAY)
    stranger = EnterpriseFactory()
    with pytest.raises(ValidationError):
        turns.set_draft_targets(turn=turn, values={(stranger.pk, "output_value"): 1})
    one = zone["a"][0].enterprise_id
    for bad in ("-1", "abc", "1.234", "bogus-metric"):
        values = {(one, "bogus" if bad == "bogus-metric" else "tax"): bad}
        with pytest.raises(ValidationError):
            turns.set_draft_targets(turn=turn, values=values)
    assert not DraftTarget.objects.exists()

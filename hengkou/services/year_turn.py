"""The turn of the year: next year's sponsorships and targets, drafted from the last year.

Every January the leading office starts the new year from the last one: the assignments
(leader, department, responsible person, team, plan) are copied as drafts, enterprises are added
or dropped, targets are seeded from last year's actual figures (the December rollup) and a growth
rate per indicator (zone-wide, or a department's own overriding it), adjusted or imported, and
then the whole is confirmed at once. Drafts live in their own tables, so nothing of the new year
counts (rankings, duties, "my enterprises", the department totals) until it is confirmed, and
nothing of the old year is ever written.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext_lazy as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.audit import record_m2m_history
from core.figures_cache import figures_changed
from enterprises.choices import Metric
from enterprises.models import Assignment, Department, MonthlyYtd, Target, check_plan_deadline
from enterprises.services import aggregates

from ..annual.models import (
    RATE_MAX,
    RATE_MIN,
    DraftAssignment,
    DraftTarget,
    GrowthRate,
    YearTurn,
    YearTurnStatus,
)

CENT = Decimal("0.01")
# The fields of an assignment a draft carries (the team apart: a many-to-many).
CARRIED = (
    "enterprise_id",
    "leader_id",
    "department_id",
    "responsible_id",
    "plan_goals",
    "plan_standards",
    "plan_deadline",
)
EDITABLE = ("leader", "department", "responsible", "plan_goals", "plan_standards", "plan_deadline")


def _shift(day: datetime.date | None, *, from_year: int, to_year: int) -> datetime.date | None:
    """Return a plan's deadline moved from ``from_year``'s assignment to ``to_year``'s; never
    raises.

    29 February becomes 28 February in a common year. A deadline that cannot be moved into the
    new year's bounds (``check_plan_deadline``: e.g. 9999-12-31 or 0001-01-01, stored before
    deadlines were bounded) is dropped, not clamped: the draft gets none, for the office to set
    when it reviews the drafts, rather than a made-up day.
    """
    if day is None:
        return None
    year = day.year + to_year - from_year
    if not datetime.MINYEAR <= year <= datetime.MAXYEAR:
        return None
    try:
        shifted = day.replace(year=year)
    except ValueError:  # 29 February
        shifted = day.replace(year=year, day=28)
    try:
        check_plan_deadline(shifted, to_year)
    except ValidationError:
        return None
    return shifted


def check_new_year(*, year, today: datetime.date) -> int:
    """Return the year to carry over from, or raise why ``year`` cannot be started.

    The new year must come after the last year with assignments, and be either the next one
    or the current year (a zone that skipped years starts this year from its last one).
    """
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise ValidationError({"year": [_("Give the new year as a number, e.g. 2022.")]})
    if YearTurn.objects.filter(year=year).exists():
        raise ValidationError(
            {"year": [_("The year %(year)s has already been started.") % {"year": year}]}
        )
    last = Assignment.objects.aggregate(last=Max("year"))["last"]
    if last is None:
        raise ValidationError({"year": [_("There are no assignments to carry over.")]})
    if year <= last or year not in (last + 1, today.year):
        raise ValidationError(
            {
                "year": [
                    _(
                        "The new year must be the next one: %(next)s, the year after the last "
                        "year with assignments."
                    )
                    % {"next": last + 1}
                ]
            }
        )
    return last


@transaction.atomic
def start_year_turn(*, year, acting_user, today: datetime.date) -> YearTurn:
    """Start ``year`` from the last year: copy every assignment, with its team, as a draft."""
    from_year = check_new_year(year=year, today=today)
    turn = YearTurn(year=year, from_year=from_year, started_by=acting_user)
    turn.full_clean()
    turn.save()
    previous = list(
        Assignment.objects.filter(year=from_year)
        .order_by("enterprise__credit_code")
        .prefetch_related("team")
    )
    drafts = DraftAssignment.objects.bulk_create(
        [
            DraftAssignment(
                turn=turn,
                **{name: getattr(a, name) for name in CARRIED if name != "plan_deadline"},
                plan_deadline=_shift(a.plan_deadline, from_year=from_year, to_year=year),
            )
            for a in previous
        ],
        batch_size=500,
    )
    through = DraftAssignment.team.through
    through.objects.bulk_create(
        [
            through(draftassignment_id=draft.pk, official_id=official.pk)
            for draft, assignment in zip(drafts, previous, strict=True)
            for official in assignment.team.all()
        ],
        batch_size=1000,
    )
    return turn


def _draft_turn(turn: YearTurn) -> YearTurn:
    """Return the turn locked for writing, or raise when it is no longer a draft."""
    locked = YearTurn.objects.select_for_update().get(pk=turn.pk)
    if not locked.is_draft:
        raise ValidationError(
            {"detail": [_("The year %(year)s has already been confirmed.") % {"year": turn.year}]}
        )
    return locked


@transaction.atomic
def add_draft_assignment(*, turn: YearTurn, team: Iterable = (), **fields) -> DraftAssignment:
    """Add an enterprise to the drafts with its leader, department, responsible person and plan."""
    turn = _draft_turn(turn)
    draft = DraftAssignment(turn=turn, **fields)
    draft.full_clean()
    draft.save()
    draft.team.set(list(team))
    return draft


@transaction.atomic
def update_draft_assignment(*, draft: DraftAssignment, team=None, **fields) -> DraftAssignment:
    """Change a draft assignment (leader, department, responsible person, team, plan)."""
    _draft_turn(draft.turn)
    for name, value in fields.items():
        if name not in EDITABLE:
            raise ValidationError({name: [_("This field cannot be changed on a draft.")]})
        setattr(draft, name, value)
    draft.full_clean()
    draft.save()
    if team is not None:
        draft.team.set(list(team))
    return draft


@transaction.atomic
def drop_draft_assignment(*, draft: DraftAssignment) -> None:
    """Drop an enterprise from the drafts, with its draft targets."""
    _draft_turn(draft.turn)
    DraftTarget.objects.filter(turn=draft.turn_id, enterprise=draft.enterprise_id).delete()
    draft.delete()


def parse_rate(value, *, field: str = "rate") -> Decimal:
    """Return a growth rate (a fraction) as a Decimal, or raise when it is no sane number."""
    bad = ValidationError(
        {
            field: [
                _("A growth rate is a number from %(low)s to %(high)s (0.1 is +10%%).")
                % {"low": RATE_MIN, "high": RATE_MAX}
            ]
        }
    )
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise bad
    try:
        rate = Decimal(str(value).strip())
    except InvalidOperation:
        raise bad from None
    if not rate.is_finite() or not RATE_MIN <= rate <= RATE_MAX:
        raise bad
    stored = rate.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)
    if stored != rate:  # more decimals than stored are refused, never rounded away
        raise ValidationError(
            {field: [_("A growth rate has at most six decimals, e.g. 0.123456 for +12.3456%.")]}
        )
    return stored


def _metric(value, field: str = "metric") -> str:
    if value not in Metric.values:
        raise ValidationError({field: [_("Unknown indicator: %(metric)s.") % {"metric": value}]})
    return value


def last_year_actuals(
    *, year: int, enterprise_ids: Iterable[int], metrics: Iterable[str]
) -> dict[tuple[int, str], Decimal]:
    """Return last year's actual figure of each (enterprise, metric): the December rollup.

    The year's total of a flow metric, December's value of a stock (employees).
    """
    ids, metrics = list(enterprise_ids), list(metrics)
    rows = MonthlyYtd.objects.filter(
        period=datetime.date(year - 1, 12, 1), enterprise_id__in=ids
    ).values_list("enterprise_id", *metrics)
    return {
        (row[0], metric): Decimal(row[index + 1])
        for row in rows
        for index, metric in enumerate(metrics)
    }


@transaction.atomic
def set_growth_rates(
    *,
    turn: YearTurn,
    rates: Mapping[str, object],
    department_rates: Iterable[tuple[object, object, object]] = (),
) -> list[str]:
    """Store zone-wide rates ({metric: rate}) and department overrides; return the metrics.

    Every rate is checked before anything is written.
    """
    turn = _draft_turn(turn)
    zone = {
        _metric(metric, "rates"): parse_rate(rate, field="rates") for metric, rate in rates.items()
    }
    departments, seen = [], set()
    for department, metric, rate in department_rates:
        if not isinstance(department, Department):
            department = Department.objects.filter(pk=department).first()
            if department is None:
                raise ValidationError({"department_rates": [_("Unknown department.")]})
        metric = _metric(metric, "department_rates")
        if (department.pk, metric) in seen:
            raise ValidationError(
                {
                    "department_rates": [
                        _("%(department)s has two rates for %(metric)s: give one.")
                        % {"department": department, "metric": Metric(metric).label}
                    ]
                }
            )
        seen.add((department.pk, metric))
        departments.append((department, metric, parse_rate(rate, field="department_rates")))
    for metric, rate in zone.items():
        GrowthRate.objects.update_or_create(
            turn=turn, metric=metric, department=None, defaults={"rate": rate}
        )
    for department, metric, rate in departments:
        GrowthRate.objects.update_or_create(
            turn=turn, metric=metric, department=department, defaults={"rate": rate}
        )
    return sorted(set(zone) | {metric for _d, metric, _r in departments})


@transaction.atomic
def seed_targets(*, turn: YearTurn, metrics: Iterable[str], acting_user=None) -> int:
    """Seed the draft targets of ``metrics`` from last year's actuals and the growth rates.

    target = actual × (1 + rate), to the cent; a department's own rate overrides the zone-wide
    one. Enterprises without last year's figures, or without a rate, get no seeded target (a
    draft target of theirs is left as it is). Return the targets seeded.
    """
    turn = _draft_turn(turn)
    metrics = [_metric(metric) for metric in metrics]
    rates = {
        (rate.department_id, rate.metric): rate.rate
        for rate in GrowthRate.objects.filter(turn=turn, metric__in=metrics)
    }
    drafts = dict(turn.assignments.values_list("enterprise_id", "department_id"))
    actuals = last_year_actuals(year=turn.year, enterprise_ids=drafts, metrics=metrics)
    seeded = []
    for (enterprise_id, metric), base in sorted(actuals.items()):
        rate = rates.get((drafts[enterprise_id], metric), rates.get((None, metric)))
        if rate is None:
            continue
        value = max(Decimal(0), (base * (1 + rate)).quantize(CENT, rounding=ROUND_HALF_EVEN))
        seeded.append(
            DraftTarget(
                turn=turn, enterprise_id=enterprise_id, metric=metric, base=base, value=value
            )
        )
    keys = {(t.enterprise_id, t.metric) for t in seeded}
    for metric in metrics:
        DraftTarget.objects.filter(
            turn=turn, metric=metric, enterprise_id__in=[e for e, m in keys if m == metric]
        ).delete()
    bulk_create_with_history(seeded, DraftTarget, batch_size=500, default_user=acting_user)
    return len(seeded)


@transaction.atomic
def set_draft_targets(
    *, turn: YearTurn, values: Mapping[tuple[int, str], object], acting_user=None
) -> int:
    """Set draft targets by hand ({(enterprise id, metric): value}); return the rows written.

    Only enterprises in the drafts may have a draft target; each value is checked first.
    """
    turn = _draft_turn(turn)
    in_drafts = set(turn.assignments.values_list("enterprise_id", flat=True))
    checked = {}
    for (enterprise_id, metric), value in values.items():
        if enterprise_id not in in_drafts:
            raise ValidationError(
                {"enterprise": [_("This enterprise is not among the year's draft assignments.")]}
            )
        target = DraftTarget(
            turn=turn, enterprise_id=enterprise_id, metric=_metric(metric), value=value
        )
        target.full_clean(exclude=["turn", "enterprise"], validate_unique=False)
        checked[(enterprise_id, metric)] = target.value
    stored = {
        (t.enterprise_id, t.metric): t
        for t in DraftTarget.objects.filter(turn=turn, enterprise_id__in={e for e, _m in checked})
    }
    new, changed = [], []
    for key, value in checked.items():
        target = stored.get(key)
        if target is None:
            new.append(DraftTarget(turn=turn, enterprise_id=key[0], metric=key[1], value=value))
        elif target.value != value:
            target.value = value
            changed.append(target)
    bulk_create_with_history(new, DraftTarget, batch_size=500, default_user=acting_user)
    if changed:
        bulk_update_with_history(
            changed, DraftTarget, ["value"], batch_size=500, default_user=acting_user
        )
    return len(new) + len(changed)


def _refuse_taken(turn: YearTurn, drafts: list[DraftAssignment]) -> None:
    enterprise_ids = [d.enterprise_id for d in drafts]
    taken = list(
        Assignment.objects.filter(year=turn.year, enterprise_id__in=enterprise_ids)
        .order_by("enterprise__name")
        .values_list("enterprise__name", flat=True)[:5]
    )
    taken += list(
        Target.objects.filter(year=turn.year, enterprise_id__in=enterprise_ids)
        .order_by("enterprise__name")
        .values_list("enterprise__name", flat=True)
        .distinct()[:5]
    )
    if taken:
        raise ValidationError(
            {
                "detail": [
                    _(
                        "The year %(year)s already has assignments or targets for: %(names)s. "
                        "Nothing was confirmed."
                    )
                    % {"year": turn.year, "names": "、".join(sorted(set(taken)))}
                ]
            }
        )


def _assignments_from_drafts(turn: YearTurn, drafts, reason: str) -> list[Assignment]:
    """Build (unsaved, checked) the year's assignments from the drafts; one whose team was
    changed on its draft carries a change reason naming the team before and after."""
    assignments = [
        Assignment(year=turn.year, **{name: getattr(d, name) for name in CARRIED}) for d in drafts
    ]
    last_teams = _teams_of_year(turn.from_year, [d.enterprise_id for d in drafts])
    for assignment, draft in zip(assignments, drafts, strict=True):
        assignment.leader = draft.leader
        assignment.full_clean(validate_unique=False, validate_constraints=False)
        # A team changed on the draft: its history row says from what to what.
        before = last_teams.get(draft.enterprise_id)
        after = sorted(draft.team.all(), key=lambda official: (official.name, official.pk))
        if before is not None and [o.pk for o in before] != [o.pk for o in after]:
            # Stored text, like ``reason`` (not translated): the history keeps what was written.
            assignment._change_reason = f"{reason}; team: {_names(before)} → {_names(after)}"
    return assignments


def _teams_of_year(year: int, enterprise_ids: list[int]) -> dict[int, list]:
    """Return the team of each enterprise's assignment of ``year`` (sorted by name)."""
    found = Assignment.objects.filter(year=year, enterprise_id__in=enterprise_ids).prefetch_related(
        "team"
    )
    return {
        a.enterprise_id: sorted(a.team.all(), key=lambda official: (official.name, official.pk))
        for a in found
    }


def _names(officials) -> str:
    return "、".join(official.name for official in officials) or "—"


@transaction.atomic
def confirm_year_turn(*, turn: YearTurn, acting_user, now: datetime.datetime) -> YearTurn:
    """Write the drafts as the year's assignments and targets, all at once, and close the turn.

    Refused when the turn was confirmed already, holds no draft, or the year already has an
    assignment or a target of one of its enterprises. The history rows name ``acting_user``;
    the department totals of the year are recomputed in the same transaction.
    """
    turn = _draft_turn(turn)
    drafts = list(turn.assignments.select_related("leader").prefetch_related("team").order_by("pk"))
    if not drafts:
        raise ValidationError({"detail": [_("There is no draft assignment to confirm.")]})
    _refuse_taken(turn, drafts)
    reason = f"year turn {turn.year}"
    assignments = _assignments_from_drafts(turn, drafts, reason)
    created = bulk_create_with_history(
        assignments,
        Assignment,
        batch_size=500,
        default_user=acting_user,
        default_change_reason=reason,
    )
    by_enterprise = {a.enterprise_id: a.pk for a in created}
    Assignment.team.through.objects.bulk_create(
        [
            Assignment.team.through(
                assignment_id=by_enterprise[d.enterprise_id], official_id=official.pk
            )
            for d in drafts
            for official in d.team.all()
        ],
        batch_size=1000,
    )
    # Each new assignment's history row holds its team (the many-to-many's history).
    record_m2m_history(Assignment, "team", by_enterprise.values())
    targets = [
        Target(year=turn.year, enterprise_id=t.enterprise_id, metric=t.metric, value=t.value)
        for t in turn.targets.order_by("pk")
    ]
    bulk_create_with_history(
        targets, Target, batch_size=500, default_user=acting_user, default_change_reason=reason
    )
    turn.status = YearTurnStatus.CONFIRMED
    turn.confirmed_by = acting_user
    turn.confirmed_at = now
    turn.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    # Bulk writes send no signals: the department totals and the cached figures follow here.
    aggregates.refresh_years(years=[turn.year])
    figures_changed()
    return turn


@transaction.atomic
def discard_year_turn(*, turn: YearTurn) -> None:
    """Discard a turn that was never confirmed, with its drafts."""
    turn = _draft_turn(turn)
    turn.delete()


@transaction.atomic
def delete_draft_target(*, target: DraftTarget) -> None:
    """Remove one draft target (the enterprise then starts the year without it)."""
    _draft_turn(target.turn)
    target.delete()

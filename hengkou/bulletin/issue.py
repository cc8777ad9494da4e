"""The stored bulletin (月通报): its content computed at the close, its number, its issues.

A month's bulletin is computed once, when the month is closed, and stored as a BulletinIssue:
every section as it stood then, so that it reads the same forever. States are taken as at the
month's last day (project stages, overdue problems, unanswered notices), the lagging
departments with the notices of this close, visit compliance as judged on the close's day.
A month closed again after a reopen gets a new issue with the same number; the old one is kept.

The content is plain JSON: exact amounts and rates as Decimal strings, dates in ISO form.
``hengkou.bulletin.content`` reads it back into the ``Bulletin``.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.jobs import lock_key
from core.numbers import cents
from enterprises.choices import PeriodStatus, ProblemStatus
from enterprises.models import Department, Period, Problem
from enterprises.selectors.duty_counts import list_department_compliance
from enterprises.selectors.quality import count_flags
from projects.choices import Stage
from projects.models import Project, ProjectPlan, StageMove

from ..choices import NoticeStatus, RankedMetric
from ..models import BulletinIssue, NoticeEvent, RankingSnapshot, SupervisionNotice
from ..projections import Projection
from ..selectors.projections import list_projections
from ..selectors.zone import get_zone_stats

CONTENT_VERSION = 1
DEFAULT_NUMBER_PREFIX = "恒示包抓"
# Snapshot columns that say which row it is, not what the bulletin shows.
SNAPSHOT_KEYS = ("id", "period")


def document_number(*, year: int, number: int) -> str:
    """Return a bulletin's document number (发文字号), e.g. 恒示包抓〔2021〕7号.

    机关代字 (setting HENGKOU_BULLETIN_NUMBER_PREFIX) + the reported month's year in 六角括号 +
    the number without leading zeros + 号, as GB/T 9704 writes it.
    """
    prefix = getattr(settings, "HENGKOU_BULLETIN_NUMBER_PREFIX", DEFAULT_NUMBER_PREFIX)
    return f"{prefix}〔{year}〕{number}号"


def month_end(period: datetime.date) -> datetime.date:
    """Return the last day of the month starting on ``period``."""
    return _next_month(period) - datetime.timedelta(days=1)


def _next_month(period: datetime.date) -> datetime.date:
    return (period.replace(day=1) + datetime.timedelta(days=31)).replace(day=1)


def _start_of(day: datetime.date) -> datetime.datetime:
    """Return the first instant of ``day`` in the zone's time (Asia/Shanghai)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _json(value):
    """Return a value as JSON holds it: Decimals and Fractions exact as strings, dates in ISO
    form."""
    if isinstance(value, Decimal | Fraction):
        return str(value)
    if isinstance(value, datetime.date):  # datetimes too
        return value.isoformat()
    return value


# The sections, each computed as the close sees it.


def _rankings(month: Period) -> tuple[list[dict], list[dict]]:
    """Return the ranked metrics with every column of their snapshot rows, and all output rows.

    Every snapshot column is kept (the exact Decimal strings, ``ytd_targeted`` included), so a
    column added to the ranking tables later can be rendered from an old bulletin too. A metric
    is listed when at least one department has a rate, in the order of RankedMetric.
    """
    columns = [
        field.attname
        for field in RankingSnapshot._meta.concrete_fields
        if field.name not in SNAPSHOT_KEYS
    ]
    by_metric: dict[str, list[dict]] = {metric: [] for metric in RankedMetric.values}
    for row in (
        RankingSnapshot.objects.filter(period=month)
        .order_by("metric", F("rank").asc(nulls_last=True), "department_code")
        .values(*columns)
    ):
        by_metric.setdefault(row["metric"], []).append({k: _json(v) for k, v in row.items()})
    rankings = [
        {"metric": metric, "rows": rows}
        for metric, rows in by_metric.items()
        if any(row["completion_rate"] is not None for row in rows)
    ]
    return rankings, by_metric[RankedMetric.OUTPUT_VALUE]


def _projections(month: Period, rankings: list[dict]) -> list[dict]:
    """Return each ranked metric's year-end projection for the zone, then for the departments
    projected to miss their target (lowest projected rate first), from the month's snapshot.

    One query for the snapshot and one per ranked metric for its members' earlier years.
    """
    metrics = [ranking["metric"] for ranking in rankings]
    rows = defaultdict(list)
    for snapshot in RankingSnapshot.objects.filter(period=month, metric__in=metrics).order_by(
        "metric", F("rank").asc(nulls_last=True), "department_code"
    ):
        rows[snapshot.metric].append(snapshot.to_row(month=month.period.month))
    names = [field.name for field in dataclasses.fields(Projection)]
    lines = []
    for metric in metrics:
        projections = list_projections(period=month.period, metric=metric, rows=rows[metric])
        for line in (projections.zone, *projections.missing):
            lines.append({name: _json(getattr(line, name)) for name in names})
    return lines


def _notice_states(notices: list[SupervisionNotice], at: datetime.datetime) -> dict[int, str]:
    """Return each notice's status as it stood just before ``at``, from its dated steps.

    A notice without any recorded step (older data) is judged from its own dates: responded or
    closed before ``at`` if its timestamps say so, withdrawn if it is withdrawn now. One query.
    """
    states: dict[int, str] = {}
    with_steps: set[int] = set()
    for notice_id, status, step_at in (
        NoticeEvent.objects.filter(notice__in=[notice.pk for notice in notices])
        .order_by("notice_id", "at", "id")
        .values_list("notice_id", "status", "at")
    ):
        with_steps.add(notice_id)
        if step_at < at:
            states[notice_id] = status
    for notice in notices:
        if notice.pk in with_steps:
            continue
        if notice.status == NoticeStatus.WITHDRAWN:
            states[notice.pk] = NoticeStatus.WITHDRAWN
        elif notice.closed_at and notice.closed_at < at:
            states[notice.pk] = NoticeStatus.CLOSED
        elif notice.responded_at and notice.responded_at < at:
            states[notice.pk] = NoticeStatus.RESPONDED
        elif notice.issued_at < at:
            states[notice.pk] = NoticeStatus.ISSUED
    return states


def _lagging(
    rankings: list[dict], period: datetime.date, closed_at: datetime.datetime
) -> list[dict]:
    """Return the lagging departments of every ranked metric with the notice this close issued.

    The notice's status and whether it was overdue are as at the close (a notice kept from an
    earlier close of the month may already be answered, or overdue). Two queries.
    """
    notices = list(
        SupervisionNotice.objects.filter(period=period).exclude(status=NoticeStatus.WITHDRAWN)
    )
    # Just after the close: its own steps are dated at the close.
    states = _notice_states(notices, closed_at + datetime.timedelta(microseconds=1))
    by_key = {(notice.department_id, notice.metric): notice for notice in notices}
    closed_on = timezone.localdate(closed_at)
    lines = []
    for ranking in rankings:
        for row in ranking["rows"]:
            if not row["lagging"]:
                continue
            notice = by_key.get((row["department_id"], row["metric"]))
            status = states.get(notice.pk, "") if notice else ""
            lines.append(
                {
                    "metric": row["metric"],
                    "department_id": row["department_id"],
                    "department_code": row["department_code"],
                    "department_name": row["department_name"],
                    "completion_rate": row["completion_rate"],
                    "time_progress": row["time_progress"],
                    "gap": row["gap"],
                    "notice_id": notice.pk if notice else None,
                    "notice_due_on": _json(notice.due_on) if notice else None,
                    "notice_status": status,
                    "notice_overdue": bool(
                        notice and status == NoticeStatus.ISSUED and notice.due_on < closed_on
                    ),
                }
            )
    return lines


def _completeness(output_rows: list[dict]) -> list[dict]:
    """Return each department's members and how many reported, from the output-value rows."""
    return [
        {
            "department_code": row["department_code"],
            "department_name": row["department_name"],
            "members": row["members"],
            "reported": row["reported"],
        }
        for row in sorted(output_rows, key=lambda row: row["department_code"])
    ]


def _visit_compliance(period: datetime.date, today: datetime.date) -> list[dict]:
    """Return each department's visit duty windows of the month as judged on ``today``.

    Four queries: three for the duties (the department totals alone, from plain rows), one for
    the departments' codes and names.
    """
    departments = list_department_compliance(periods=[period], today=today)
    names = {
        pk: (code, name)
        for pk, code, name in Department.objects.filter(
            pk__in=[line.department_id for line in departments]
        ).values_list("pk", "code", "name")
    }
    lines = [
        {
            "department_code": names[line.department_id][0],
            "department_name": names[line.department_id][1],
            "met": line.met,
            "missed": line.missed,
            "due": line.due,
        }
        for line in departments
    ]
    return sorted(lines, key=lambda line: line["department_code"])


def stage_on(day: datetime.date):
    """Return an expression for a project's stage on ``day``, from its dated moves.

    The stage entered by the last move dated on or before the day; before any move, the stage
    the first later move left; a project without recorded moves is at its current stage.
    """
    moves = StageMove.objects.filter(project=OuterRef("pk"))
    return Coalesce(
        Subquery(
            moves.filter(moved_on__lte=day).order_by("-moved_on", "-id").values("to_stage")[:1]
        ),
        Subquery(
            moves.filter(moved_on__gt=day).order_by("moved_on", "id").values("from_stage")[:1]
        ),
        F("stage"),
    )


def existed_on(day: datetime.date) -> Q:
    """Return the condition that a project existed on ``day``.

    Recorded by then in any of three ways: created on or before the day, planned for the
    day's year or an earlier one, or moved to a stage on or before the day. (Imported
    historical projects are created later than the months they were planned in.)
    """
    return (
        Q(created_at__lt=_start_of(day + datetime.timedelta(days=1)))
        | Exists(ProjectPlan.objects.filter(project=OuterRef("pk"), year__lte=day.year))
        | Exists(StageMove.objects.filter(project=OuterRef("pk"), moved_on__lte=day))
    )


def _projects(day: datetime.date) -> list[dict]:
    """Return the projects that existed on ``day`` by their stage that day. One query."""
    found = {
        row["stage_then"]: row
        for row in Project.objects.filter(existed_on(day))
        .annotate(stage_then=stage_on(day))
        .values("stage_then")
        .annotate(projects=Count("id"), planned=Sum("total_investment"))
        .order_by()
    }
    return [
        {
            "stage": stage,
            "projects": found.get(stage, {}).get("projects", 0),
            "planned_investment": _json(cents(found.get(stage, {}).get("planned"))),
        }
        for stage in Stage.values
    ]


def _overdue_problems(day: datetime.date) -> list[dict]:
    """Return, per responsible department, the problems overdue and unresolved on ``day``.

    Due on or before the day, raised by then, and not confirmed resolved by then (a problem
    resolved without a recorded date counts as resolved). One query.
    """
    rows = (
        Problem.objects.filter(due_on__lte=day, raised_on__lte=day)
        .exclude(resolved_on__lte=day)
        .exclude(status=ProblemStatus.RESOLVED, resolved_on__isnull=True)
        .values("department__code", "department__name")
        .annotate(problems=Count("id"), earliest=Min("due_on"))
        .order_by(F("department__code").asc(nulls_last=True))
    )
    return [
        {
            "department_code": row["department__code"] or "",
            "department_name": row["department__name"] or "",
            "problems": row["problems"],
            "earliest_due_on": _json(row["earliest"]),
        }
        for row in rows
    ]


def _overdue_notices(period: datetime.date, day: datetime.date) -> list[dict]:
    """Return the 督办 notices unanswered at the end of ``day`` and past their due date then.

    Notices of this month and earlier ones, issued by then and neither responded to, closed nor
    withdrawn by then (from their dated steps), with the days overdue on ``day``. Two queries.
    """
    end = _start_of(day + datetime.timedelta(days=1))
    notices = list(
        SupervisionNotice.objects.filter(period__lte=period, due_on__lt=day)
        .select_related("department")
        .order_by("due_on", "department__code", "metric")
    )
    states = _notice_states(notices, end)
    return [
        {
            "department_name": notice.department.name,
            "period": _json(notice.period),
            "metric": notice.metric,
            "due_on": _json(notice.due_on),
            "days_overdue": (day - notice.due_on).days,
        }
        for notice in notices
        if states.get(notice.pk) == NoticeStatus.ISSUED
    ]


def build_content(*, month: Period) -> dict:
    """Return everything the bulletin of a closed month shows, as at its close.

    Rankings and completeness from the month's snapshot, the zone statistics from its locked
    reports, lagging departments with the notices of this close, visit compliance as judged
    on the close's day, and projects by stage, overdue problems and unanswered notices as at
    the month's last day. Reads nothing of the clock: the close's time is the month's.
    """
    period = month.period
    closed_at = month.closed_at
    last_day = month_end(period)
    closed_on = timezone.localdate(closed_at)
    rankings, output_rows = _rankings(month)
    zone = get_zone_stats(period=period)
    return {
        "version": CONTENT_VERSION,
        "period": _json(period),
        "closed_at": _json(closed_at),
        "as_at": _json(last_day),
        "closed_on": _json(closed_on),
        "zone": {key: _json(value) for key, value in dataclasses.asdict(zone).items()},
        "rankings": rankings,
        "lagging": _lagging(rankings, period, closed_at),
        "projections": _projections(month, rankings),
        "completeness": _completeness(output_rows),
        "visit_compliance": _visit_compliance(period, closed_on),
        "projects": _projects(last_day),
        "overdue_problems": _overdue_problems(last_day),
        "overdue_notices": _overdue_notices(period, last_day),
        "data_quality": dict(zip(("flags", "explained"), count_flags(period=period), strict=True)),
    }


# Issues and their numbers.


def _lock_year(year: int) -> None:
    """Serialise the numbering of a year, so two closes never take the same next number.

    On PostgreSQL a transaction-level advisory lock on the year, which exists even when no
    month row of the year has been committed yet (the first closes of a year); SQLite
    serialises its writers by itself.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(f"bulletin-number:{year}")])


def _next_number(year: int) -> int:
    used = BulletinIssue.objects.filter(year=year).aggregate(last=Max("number"))["last"]
    return (used or 0) + 1


def _build(month: Period, *, number: int, now: datetime.datetime) -> BulletinIssue:
    year = month.period.year
    content = build_content(month=month)
    content["number"] = number
    content["document_number"] = document_number(year=year, number=number)
    issue = BulletinIssue(
        period=month,
        year=year,
        number=number,
        document_number=content["document_number"],
        closed_at=month.closed_at,
        built_at=now,
        content=content,
    )
    # The constraints are the database's to check: validating them here would cost a query each.
    issue.full_clean(validate_constraints=False)
    issue.save()
    return issue


def _issue(month: Period, *, now: datetime.datetime) -> BulletinIssue:
    """Store the issue of the month's latest close and return it.

    The month's first issue takes the year's next number; a later one (a close after a
    reopen) supersedes the current issue and keeps its number.
    """
    year = month.period.year
    # The current issue if there is one, else the latest superseded one.
    latest = (
        BulletinIssue.objects.filter(period=month)
        .order_by(F("superseded_at").desc(nulls_first=True), "-closed_at", "-id")
        .only("pk", "number", "superseded_at")
        .first()
    )
    if latest is not None and latest.superseded_at is None:
        latest.superseded_at = now
        latest.save(update_fields=["superseded_at"])
    number = latest.number if latest is not None else _next_number(year)
    return _build(month, number=number, now=now)


def _backfill_year(year: int, *, now: datetime.datetime, skip: int | None = None) -> int:
    """Build the missing issues of the year's closed months (closed before issues existed).

    In close order, so their numbers follow the order the months were closed in. Returns how
    many were built.
    """
    missing = (
        Period.objects.filter(period__year=year, status=PeriodStatus.CLOSED)
        .exclude(
            Exists(BulletinIssue.objects.filter(period=OuterRef("pk"), superseded_at__isnull=True))
        )
        .exclude(pk=skip)
        .order_by(F("closed_at").asc(nulls_first=True), "period")
    )
    built = 0
    for month in missing:
        if month.closed_at is None:
            # Closed before close times were kept: date its issue at the end of its month.
            month.closed_at = _start_of(_next_month(month.period))
        _issue(month, now=now)
        built += 1
    return built


@transaction.atomic
def issue_bulletin(*, month: Period, now: datetime.datetime) -> BulletinIssue:
    """Compute and store the bulletin of a month just closed; return its issue.

    Called by the close, after the snapshot and the notices. The month's first close takes the
    year's next number (months of the year closed before bulletins were stored are numbered
    first, in close order); a close after a reopen supersedes the current issue and keeps its
    number. Called once per close: a repeated close of a closed month returns before it
    (``close_month`` is idempotent), so it builds nothing new.
    """
    year = month.period.year
    _lock_year(year)
    _backfill_year(year, now=now, skip=month.pk)
    return _issue(month, now=now)


@transaction.atomic
def ensure_bulletin_issue(*, period: datetime.date, now: datetime.datetime) -> BulletinIssue | None:
    """Return the current issue of a closed month, building it first if it has none.

    For months closed before bulletins were stored: their year's missing issues are built in
    close order, with the same as-at rules as at a close. None when the month is not closed.
    """
    month = Period.objects.filter(period=period, status=PeriodStatus.CLOSED).first()
    if month is None:
        return None
    _lock_year(period.year)
    current = BulletinIssue.objects.filter(period=month, superseded_at__isnull=True).first()
    if current is None:
        _backfill_year(period.year, now=now)
        current = BulletinIssue.objects.get(period=month, superseded_at__isnull=True)
    return current

"""Dating the rows the living demo writes as the events they record, never as now."""

from __future__ import annotations

import datetime

from django.db.models import F

from enterprises.models import (
    Assignment,
    Department,
    Enterprise,
    MonthlyReport,
    Official,
    Period,
    Target,
)
from projects.models import Project, ProjectPlan, ProjectReport

from ...choices import NoticeStatus
from ..article.common import YEARS, at


def _date_stage_changes(projects) -> None:
    """Date each project's last change as its last stage move (the Writer stamps it now)."""
    for project in projects:
        last = project.stage_moves.order_by("-moved_on").values_list("recorded_at", flat=True)
        if last and project.updated_at != last[0]:
            Project.objects.filter(pk=project.pk).update(updated_at=last[0])


# The day the zone's records were first entered in the system.
RECORDS_BEGIN = datetime.date(2020, 1, 2)


def stamp_dates(since: datetime.datetime) -> None:
    """Date the rows written at or after ``since`` as the events they record, never as now.

    Standing records (departments, officials, enterprises, titles, projects) as entered when the
    records began; a year's assignments, targets and plans in its first working days; a report as
    submitted; a month as closed. Then every history row of a creation written since takes its
    row's creation date, and the locking of a month's reports takes the month's close.
    """
    from django.db.models import OuterRef, Subquery

    from enterprises.models import EnterpriseTitle, FigureFlag

    begin = at(RECORDS_BEGIN, 9)
    for model in (Department, Official, Enterprise, EnterpriseTitle):
        model.objects.filter(created_at__gte=since).update(created_at=begin, updated_at=begin)
    Project.objects.filter(created_at__gte=since, plans__year__in=YEARS).update(
        created_at=begin, updated_at=begin
    )
    years = Assignment.objects.values_list("year", flat=True).distinct()
    for year in sorted(set(years) | set(YEARS)):
        opening = at(datetime.date(year, 1, 4), 10)
        Project.objects.filter(created_at__gte=since, plans__year=year).update(
            created_at=opening, updated_at=opening
        )
        for model in (Assignment, Target, ProjectPlan):
            model.objects.filter(created_at__gte=since, year=year).update(
                created_at=opening, updated_at=opening
            )
    _enter_projects_before_their_moves()
    _date_stage_changes(Project.objects.all())
    for model in (MonthlyReport, ProjectReport):
        model.objects.filter(created_at__gte=since).exclude(submitted_at=None).update(
            created_at=F("submitted_at"), updated_at=F("submitted_at")
        )
    # A flag is raised when its report is written.
    FigureFlag.objects.filter(created_at__gte=since).update(
        created_at=Subquery(
            MonthlyReport.objects.filter(pk=OuterRef("report_id")).values("submitted_at")[:1]
        )
    )
    Period.objects.filter(created_at__gte=since).exclude(closed_at=None).update(
        created_at=F("closed_at"), updated_at=F("closed_at")
    )
    _stamp_facts(since)
    _stamp_ledgers(since)
    _stamp_history(since)
    _date_project_history(since)


def _enter_projects_before_their_moves() -> None:
    """Date each project's entry no later than the morning of its first stage move.

    A project is entered in reserve and moved on by the stage service; one that started before
    the records began (or before its first plan's year) was entered on the day it started.
    """
    from django.db.models import Min

    firsts = (
        Project.objects.annotate(first=Min("stage_moves__moved_on"))
        .exclude(first=None)
        .values_list("pk", "first", "created_at")
    )
    for pk, first, created in firsts:
        entered = at(first, 9)
        if created > entered:
            Project.objects.filter(pk=pk).update(created_at=entered)


def _date_project_history(since: datetime.datetime) -> None:
    """Give every history row of a project written since its project's (dated) creation."""
    from django.db.models import OuterRef, Subquery

    historical = Project.history.model
    row = Project.objects.filter(pk=OuterRef("id")).values("created_at")[:1]
    historical.objects.filter(created_at__gte=since).update(created_at=Subquery(row))


def _stamp_facts(since: datetime.datetime) -> None:
    """Date the zone's facts as entered on their day, and a year's figures early the next."""
    from enterprises.models import ChainYear, Milestone, PromotionEvent, ZoneStanding

    # Never at or after the run began: what was written since would be dated again below.
    latest = since - datetime.timedelta(seconds=1)
    for model, day in ((Milestone, "happened_on"), (PromotionEvent, "held_on")):
        for row in model.objects.filter(created_at__gte=since):
            entered = min(at(getattr(row, day), 17), latest)
            model.objects.filter(pk=row.pk).update(created_at=entered, updated_at=entered)
    for model in (ChainYear, ZoneStanding):
        fresh = model.objects.filter(created_at__gte=since)
        for year in set(fresh.values_list("year", flat=True)):
            entered = min(at(datetime.date(year + 1, 1, 20), 10), latest)
            fresh.filter(year=year).update(created_at=entered, updated_at=entered)


def _stamp_ledgers(since: datetime.datetime) -> None:
    """Date any other row written since: early in its year, or when the records began."""
    from django.apps import apps

    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        if "created_at" not in names or "history_id" in names:
            continue
        stamps = ["created_at"] + (["updated_at"] if "updated_at" in names else [])
        fresh = model.objects.filter(created_at__gte=since)
        if "year" in names:
            for year in set(fresh.values_list("year", flat=True)):
                entered = at(datetime.date(year, 1, 4), 10)
                fresh.filter(year=year).update(**dict.fromkeys(stamps, entered))
        fresh.update(**dict.fromkeys(stamps, at(RECORDS_BEGIN, 9)))


def _stamp_history(since: datetime.datetime) -> None:
    from django.apps import apps
    from django.db.models import OuterRef, Subquery
    from django.db.models.functions import Coalesce

    for model in apps.get_models():
        historical = getattr(getattr(model, "history", None), "model", None)
        if historical is None or not hasattr(model._meta, "simple_history_manager_attribute"):
            continue
        fields = {f.name for f in historical._meta.fields}
        if "created_at" in fields:
            # A history row copies its row as it was written; the row has been dated since.
            row = model.objects.filter(pk=OuterRef("id"))
            created = historical.objects.filter(history_date__gte=since, history_type="+")
            stamps = {"created_at": Subquery(row.values("created_at")[:1])}
            if "updated_at" in fields:
                stamps["updated_at"] = stamps["created_at"]
            created.update(**stamps)
            created.update(history_date=F("created_at"))
            # A change copied its row's creation as it stood then, not yet dated (whenever the
            # change itself is dated): the row's, dated since.
            historical.objects.filter(history_type="~", created_at__gte=since).update(
                created_at=Coalesce(Subquery(row.values("created_at")[:1]), F("created_at"))
            )
            # A change the demo made since (users linked to what the routine recorded) is dated
            # as the row's own last change.
            stamp = "updated_at" if "updated_at" in fields else "created_at"
            historical.objects.filter(history_date__gte=since, history_type="~").exclude(
                history_change_reason__startswith="close "
            ).update(history_date=Subquery(row.values(stamp)[:1]))
        else:
            # Records without stamps (the zone's ledgers): entered early in their year.
            created = historical.objects.filter(history_date__gte=since, history_type="+")
            if "year" in fields:
                for year in set(created.values_list("year", flat=True)):
                    entered = at(datetime.date(year, 1, 4), 10)
                    created.filter(year=year).update(history_date=entered)
            created.update(history_date=at(RECORDS_BEGIN, 9))
        if {"issued_at", "responded_at", "closed_at"} <= fields:  # notices: their own steps
            from django.db.models import Case, When

            historical.objects.filter(history_date__gte=since).update(
                history_date=Case(
                    When(status=NoticeStatus.RESPONDED, then=F("responded_at")),
                    When(status=NoticeStatus.CLOSED, then=F("closed_at")),
                    default=F("issued_at"),
                )
            )
        if {"period", "submitted_at"} <= fields:  # the reports a close locked
            close = Period.objects.filter(period=OuterRef("period")).values("closed_at")[:1]
            historical.objects.filter(
                history_date__gte=since,
                history_type="~",
                history_change_reason__startswith="close ",
            ).update(history_date=Subquery(close), updated_at=Subquery(close))
            locked = model.objects.filter(status="locked", updated_at__gte=since)
            locked.update(updated_at=Subquery(close))


def is_demo_database() -> bool:
    """Whether the database holds the demo's departments (and so may be brought up to date)."""
    from ..article.common import DEPARTMENTS

    wanted = {code: name for code, name, _kind, _title in DEPARTMENTS}
    found = dict(Department.objects.filter(code__in=wanted).values_list("code", "name"))
    return found == wanted

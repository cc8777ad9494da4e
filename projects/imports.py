"""The projects' kinds of Excel import: project plans and monthly project reports.

Found and registered by ``core.imports.kinds.autodiscover``, so neither the import machinery
nor the enterprises app knows of projects.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.imports.kinds import DECIMAL, INTEGER, MONTH, TEXT, YEAR, Column, ImportKind, register
from enterprises import choices as enterprise_choices
from enterprises.imports import (
    SPONSOR_DEPARTMENT,
    closed_message,
    closed_months,
    ids_in_scope,
    officials,
    resolve_department,
    resolve_official,
    sample_row_message,
)
from enterprises.models import Official

from .choices import Stage
from .models import Project, ProjectPlan, ProjectReport

PERCENT_DEFAULT = ProjectReport._meta.get_field("percent_complete").get_default()

# A key's project id stands for the project column that named it.
PROJECT_REFERENCE = {"project_id": "project"}
PROJECT = Column(
    "project",
    _("project"),
    TEXT,
    required=True,
    help=_("The project's exact name, or its number written #12."),
    example="年产20万吨魔芋精深加工项目",
)


def _projects(ctx) -> tuple[dict[str, list[tuple[int, str]]], dict[int, str]]:
    def load():
        by_name = defaultdict(list)
        stages = {}
        for pk, name, stage in Project.objects.values_list("pk", "name", "stage"):
            by_name[name.strip()].append((pk, stage))
            stages[pk] = stage
        return by_name, stages

    return ctx.once("projects", load)


def resolve_projects(ctx, rows, column: Column) -> None:
    """Set ``project_id`` from the project's name or number; one scope query per chunk."""
    by_name, stages = _projects(ctx)
    for row in rows:
        value = row.values.get(column.key)
        if not value:
            continue
        text = str(value).strip()
        if text.startswith("#") and text[1:].isdigit():
            pk = int(text[1:])
            if pk in stages:
                row.values["project_id"] = pk
            else:
                row.error(
                    column, value, _("No project has the number %(value)s.") % {"value": text}
                )
            continue
        found = by_name.get(text, [])
        if not found and text == column.example:
            row.error(column, value, sample_row_message(row))
        elif not found:
            row.error(column, value, _("No project is named “%(value)s”.") % {"value": text})
        elif len(found) > 1:
            row.error(
                column,
                value,
                _("Several projects are named “%(value)s”: write the project's number, e.g. #12.")
                % {"value": text},
            )
        else:
            row.values["project_id"] = found[0][0]
    allowed = ids_in_scope(
        ctx, Project, {row.values["project_id"] for row in rows if "project_id" in row.values}
    )
    if allowed is None:
        return
    for row in rows:
        pk = row.values.get("project_id")
        if pk is not None and pk not in allowed:
            del row.values["project_id"]
            row.error(
                column,
                row.values[column.key],
                _("The project “%(value)s” is outside the projects you may change.")
                % {"value": row.values[column.key]},
            )


class ProjectPlanKind(ImportKind):
    key = "project_plans"
    label = _("project plans")
    model = ProjectPlan
    natural_key = ("project_id", "year")
    key_references = PROJECT_REFERENCE

    columns = [
        Column("year", _("year"), YEAR, required=True, field="year", example=2021),
        PROJECT,
        Column(
            "planned_investment",
            _("planned investment"),
            DECIMAL,
            required=True,
            field="planned_investment",
            example="1000.00",
        ),
        Column(
            "leader",
            _("sponsoring leader"),
            TEXT,
            required=True,
            help=_("The name of a county-level leader."),
            example="张三",
        ),
        SPONSOR_DEPARTMENT,
    ]

    def resolve(self, ctx, rows):
        resolve_projects(ctx, rows, self.columns[1])
        for row in rows:
            resolve_department(ctx, row, self.columns[4], "department_id")
            resolve_official(
                ctx,
                row,
                self.columns[3],
                "leader_id",
                rank=enterprise_choices.OfficialRank.COUNTY_LEADER,
            )

    def check(self, ctx, row):
        leader_id = row.values.get("leader_id")
        if leader_id is None:
            return
        name = str(row.values["leader"]).strip()
        rank = next((c[2] for c in officials(ctx).get(name, []) if c[0] == leader_id), None)
        try:
            ProjectPlan(leader=Official(pk=leader_id, rank=rank)).clean()
        except ValidationError as error:
            for messages in error.message_dict.values():
                for message in messages:
                    row.error(self.columns[3], row.values["leader"], message)

    def export_queryset(self, user=None):
        return ProjectPlan.objects.select_related("project", "leader", "department")

    def export_row(self, obj):
        return {
            "year": obj.year,
            "project": obj.project.name,
            "planned_investment": obj.planned_investment,
            "leader": obj.leader.name,
            "department": obj.department.code,
        }


class ProjectReportKind(ImportKind):
    key = "project_reports"
    label = _("project monthly reports")
    model = ProjectReport
    natural_key = ("project_id", "period")
    key_references = PROJECT_REFERENCE

    columns = [
        PROJECT,
        Column("period", _("month"), MONTH, required=True, field="period", example="2021-11"),
        Column(
            "investment",
            _("investment of the month"),
            DECIMAL,
            field="investment",
            example="80.00",
        ),
        Column(
            "percent_complete",
            _("percent complete"),
            INTEGER,
            field="percent_complete",
            example=50,
        ),
        Column("progress_note", _("progress (形象进度)"), TEXT, field="progress_note"),
        Column("problems", _("problems"), TEXT, field="problems"),
    ]

    def notes(self):
        return [
            _(
                "The investment of the month itself, in 万元. Percent complete never decreases "
                "from one month to the next. Projects in reserve, months not begun yet and "
                "closed months are refused."
            )
        ]

    def resolve(self, ctx, rows):
        resolve_projects(ctx, rows, self.columns[0])
        # Which rows with a blank percent complete update a stored report (they keep its
        # figure) — before this chunk is written; one query, and only when there are some.
        blank = [
            (row.values["project_id"], row.values["period"])
            for row in rows
            if row.blanks
            and "percent_complete" in row.blanks
            and "project_id" in row.values
            and "period" in row.values
        ]
        if blank:
            stored = ctx.cache.setdefault("stored_reports", set())
            stored.update(
                ProjectReport.objects.filter(
                    project_id__in={p for p, _m in blank}, period__in={m for _p, m in blank}
                ).values_list("project_id", "period")
            )

    def check(self, ctx, row):
        period = row.values.get("period")
        project_id = row.values.get("project_id")
        if period is None or project_id is None:
            return
        if period in closed_months(ctx):
            row.error(self.columns[1], f"{period:%Y-%m}", closed_message(period))
        elif period > ctx.today.replace(day=1):
            row.error(
                self.columns[1],
                f"{period:%Y-%m}",
                _("The month %(period)s has not begun yet.") % {"period": f"{period:%Y-%m}"},
            )
        _by_name, stages = _projects(ctx)
        if stages.get(project_id) == Stage.RESERVE:
            row.error(
                self.columns[0],
                row.values["project"],
                _("A project in reserve has no monthly reports."),
            )
        if "percent_complete" in row.values:
            ctx.cache.setdefault("percent", defaultdict(dict))[project_id][period] = (
                row.values["percent_complete"],
                row.number,
            )
        elif (
            row.blanks
            and "percent_complete" in row.blanks
            and (project_id, period) not in ctx.cache.get("stored_reports", ())
        ):
            # A blank keeps a stored report's figure; a new report takes the default, checked.
            ctx.cache.setdefault("percent", defaultdict(dict))[project_id][period] = (
                PERCENT_DEFAULT,
                row.number,
            )

    def finish(self, ctx):
        """Refuse a percent complete that decreases over the months, file and stored together."""
        in_file = ctx.cache.get("percent", {})
        if not in_file:
            return []
        stored = defaultdict(dict)
        for project_id, period, percent in ProjectReport.objects.filter(
            project_id__in=list(in_file)
        ).values_list("project_id", "period", "percent_complete"):
            stored[project_id][period] = (percent, None)
        errors = []
        label = self.columns[3].header()
        for project_id, months in in_file.items():
            merged = {**stored[project_id], **months}
            highest, highest_row = None, None
            for period in sorted(merged):
                percent, number = merged[period]
                if highest is not None and percent < highest:
                    if number is not None:
                        message = _(
                            "Percent complete never decreases: an earlier month already "
                            "reports %(before)s%%."
                        ) % {"before": highest}
                        errors.append((number, label, percent, str(message)))
                    elif highest_row is not None:
                        message = _(
                            "Percent complete never decreases: a later month reports only "
                            "%(after)s%%."
                        ) % {"after": percent}
                        errors.append((highest_row, label, highest, str(message)))
                if highest is None or percent >= highest:
                    highest, highest_row = percent, number
        return errors

    def export_queryset(self, user=None):
        return ProjectReport.objects.select_related("project")

    def export_row(self, obj):
        return {
            "project": obj.project.name,
            "period": obj.period.strftime("%Y-%m"),
            "investment": obj.investment,
            "percent_complete": obj.percent_complete,
            "progress_note": obj.progress_note,
            "problems": obj.problems,
        }


register(ProjectPlanKind())
register(ProjectReportKind())

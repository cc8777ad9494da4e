"""A year's routine as a whole, and what it reads back.

The users linked after seeding, and a year's sponsorships and people read back from the
database.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from enterprises.choices import DepartmentKind, OfficialRank, ProblemAction
from enterprises.models import Assignment, Official, ProblemEvent, Visit, WorkReport
from projects.models import ProjectEvaluation, ProjectInspection

from ...models import Inspection
from ..article.common import People, Writer, _has_history
from ..article.sponsorship import Sponsorship
from .plan import SUPERVISION_OFFICE, plan_problems, plan_visits
from .reports import (
    _write_inspections,
    _write_project_evaluations,
    _write_project_inspections,
    _write_work_reports,
)
from .visits import _write_problems, _write_visits


def write_routine(writer: Writer, sponsorships, *, year: int, until, departments, people) -> None:
    """Write the routine of ``year`` as it stood on ``until`` (None: the year and its aftermath).

    ``sponsorships`` are the year's assignments as the demo wrote them; ``departments`` maps
    codes to departments; ``people`` holds the demo officials by role.
    """
    cutoff = until or datetime.date.max
    sponsorships = sorted(
        (s for s in sponsorships if s.year == year), key=lambda s: s.enterprise.credit_code
    )
    if not sponsorships or cutoff < datetime.date(year, 1, 1):
        return
    plan = plan_visits(sponsorships, year)
    plan_problems(plan, departments, people)
    visits = _write_visits(writer, plan, cutoff)
    _write_problems(writer, plan, cutoff, visits)
    _write_work_reports(writer, plan, cutoff)
    _write_inspections(writer, plan, cutoff, departments, people)
    inspector = people.heads.get(SUPERVISION_OFFICE)
    _write_project_inspections(writer, year, cutoff, inspector)
    _write_project_evaluations(writer, year, cutoff, inspector)


# --- users linked after seeding -----------------------------------------------------------------


def link_routine_users() -> dict[str, int]:
    """Fill the routine's empty user fields from the officials' logins; return rows filled.

    The demo writes the routine before the officials have logins; once they do, each step names
    who took it: the responsible person recorded the visits, submitted the work reports, raised
    the problems and confirmed their solutions; the sponsoring department's head routed them; the
    handling department's head gave feedback and solved them; the supervision office's head
    recorded the inspections and confirmed the year-end grades. Escalations stay the system's.
    """
    from core.audit import update_with_history

    users = dict(Official.objects.filter(user__isnull=False).values_list("pk", "user_id"))
    heads = dict(
        Official.objects.filter(rank=OfficialRank.DEPARTMENT_HEAD, user__isnull=False).values_list(
            "department_id", "user_id"
        )
    )
    supervisor = (
        Official.objects.filter(
            rank=OfficialRank.DEPARTMENT_HEAD,
            department__kind=DepartmentKind.SUPERVISION_OFFICE,
            user__isnull=False,
        )
        .values_list("user_id", flat=True)
        .first()
    )
    assignments = {
        (enterprise_id, year): (responsible_id, department_id)
        for enterprise_id, year, responsible_id, department_id in Assignment.objects.values_list(
            "enterprise_id", "year", "responsible_id", "department_id"
        )
    }
    counts: dict[str, int] = {}

    def fill(label, queryset, field_name, user_of) -> None:
        groups = defaultdict(list)
        for obj in queryset:
            user_id = user_of(obj)
            if user_id is not None:
                groups[user_id].append(obj.pk)
        total = 0
        for user_id, pks in sorted(groups.items()):
            rows = queryset.model.objects.filter(pk__in=pks)
            if _has_history(queryset.model):
                total += update_with_history(rows, reason="demo users", **{field_name: user_id})
            else:
                total += rows.update(**{field_name: user_id})
        counts[label] = total

    def responsible_user(enterprise_id, year):
        responsible = assignments.get((enterprise_id, year), (None, None))[0]
        return users.get(responsible)

    fill(
        "Visit.created_by",
        Visit.objects.filter(created_by__isnull=True).only("pk", "enterprise_id", "visited_on"),
        "created_by_id",
        lambda v: responsible_user(v.enterprise_id, v.visited_on.year),
    )
    fill(
        "WorkReport.submitted_by",
        WorkReport.objects.filter(submitted_by__isnull=True).select_related("assignment"),
        "submitted_by_id",
        lambda r: users.get(r.assignment.responsible_id),
    )
    fill(
        "Inspection.inspector",
        Inspection.objects.filter(inspector__isnull=True).only("pk"),
        "inspector_id",
        lambda i: supervisor,
    )
    fill(
        "ProjectInspection.inspector",
        ProjectInspection.objects.filter(inspector__isnull=True).only("pk"),
        "inspector_id",
        lambda i: supervisor,
    )
    fill(
        "ProjectEvaluation.confirmed_by",
        ProjectEvaluation.objects.filter(confirmed_by__isnull=True, confirmed_at__isnull=False),
        "confirmed_by_id",
        lambda e: supervisor,
    )

    def actor(event):
        problem = event.problem
        if event.action in (ProblemAction.RAISED, ProblemAction.CONFIRMED):
            return users.get(problem.raised_by_id)
        if event.action == ProblemAction.ASSIGNED:
            sponsor = assignments.get((problem.enterprise_id, problem.raised_on.year))
            return heads.get(sponsor[1]) if sponsor else None
        if event.action in (ProblemAction.FEEDBACK, ProblemAction.SOLVED):
            return heads.get(problem.department_id)
        return None

    fill(
        "ProblemEvent.by",
        ProblemEvent.objects.filter(by__isnull=True)
        .exclude(action=ProblemAction.ESCALATED)
        .select_related("problem"),
        "by_id",
        actor,
    )
    return counts


# --- the sponsorships of a year, read back -------------------------------------------------------


def load_sponsorships(year: int) -> list[Sponsorship]:
    """Return the year's assignments as Sponsorships, read from the database.

    For a caller that did not just write them (a daily run of the current year).
    """
    from ..article.firms import plan_firms

    keys = {firm.credit_code: firm.key for firm in plan_firms()}
    heads = {
        official.department_id: official
        for official in Official.objects.filter(rank=OfficialRank.DEPARTMENT_HEAD)
    }
    result = []
    for assignment in (
        Assignment.objects.filter(year=year)
        .select_related("enterprise", "department", "leader", "responsible")
        .prefetch_related("team")
        .order_by("enterprise__credit_code")
    ):
        head = heads.get(assignment.department_id)
        if head is None:
            continue
        others = sorted(
            (o for o in assignment.team.all() if o.pk not in (assignment.responsible_id, head.pk)),
            key=lambda o: o.name,
        )
        result.append(
            Sponsorship(
                firm_key=keys.get(assignment.enterprise.credit_code, ""),
                year=year,
                enterprise=assignment.enterprise,
                department=assignment.department,
                leader=assignment.leader,
                responsible=assignment.responsible,
                head=head,
                team=[assignment.responsible, head, *others],
            )
        )
    return result


def load_people() -> People:
    """Return the demo officials by role, read from the database."""
    officials = list(Official.objects.select_related("department").order_by("pk"))
    staff = defaultdict(list)
    for official in officials:
        if official.rank == OfficialRank.STAFF:
            staff[official.department.code].append(official)
    return People(
        leaders=[o for o in officials if o.rank == OfficialRank.COUNTY_LEADER],
        heads={o.department.code: o for o in officials if o.rank == OfficialRank.DEPARTMENT_HEAD},
        staff=dict(staff),
    )


__all__ = ["link_routine_users", "load_people", "load_sponsorships", "write_routine"]

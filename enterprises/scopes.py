"""Who reaches which rows of the sponsorship, and how each enterprises model reaches them.

The scope of a user (``resolve_scope``, registered with core/scoping.py's resolver):

- administrators, the economic bureau and the supervision office: every row;
- a department user: the rows of the department of their official record — its assignments
  (五个一), the enterprises it sponsors (in any year) and their reports, visits and problems, its
  projects and its notices;
- an official or a county leader: the assignments they take part in (as leader, responsible
  person or team member), those enterprises and their records;
- anyone else: nothing (deny by default).

The rules (``by_enterprise``, ``by_assignment``, ``by_department``, ``by_user``) say how a row
reaches that scope; projects and hengkou use them to register their own models.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q

from core.scoping import (
    NOTHING,
    Rule,
    Scope,
    any_of,
    everyone,
    readers_of_everything,
    register,
    set_resolver,
)

from . import models

EVERYTHING_ROLES = frozenset({"administrator", "economic_bureau", "supervision_office"})
DEPARTMENT_ROLES = frozenset({"department_user"})
PARTICIPANT_ROLES = frozenset({"official", "county_leader"})


@dataclass(frozen=True)
class SponsorScope(Scope):
    """A scope of the sponsorship: some departments' rows, or one official's assignments."""

    department_ids: frozenset[int] = frozenset()
    official_id: int | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.department_ids or self.official_id)

    def assignment_ids(self):
        """Return a subquery of the ids of the assignments within the scope."""
        return models.Assignment.objects.filter(self._assignment_q()).values("pk")

    def enterprise_ids(self):
        """Return a subquery of the ids of the enterprises within the scope."""
        return models.Assignment.objects.filter(self._assignment_q()).values("enterprise_id")

    def _assignment_q(self) -> Q:
        q = NOTHING
        if self.department_ids:
            q |= Q(department_id__in=sorted(self.department_ids))
        if self.official_id:
            q |= (
                Q(leader_id=self.official_id)
                | Q(responsible_id=self.official_id)
                | Q(team__id=self.official_id)
            )
        return q


def resolve_scope(user) -> Scope:
    """Return the scope of an active, authenticated user who is not a superuser (one query)."""
    rows = list(
        get_user_model()
        .objects.filter(pk=user.pk)
        .values_list("groups__name", "official__id", "official__department_id")
    )
    roles = frozenset(name for name, _official, _department in rows if name)
    official_id = rows[0][1] if rows else None
    department_id = rows[0][2] if rows else None
    if roles & EVERYTHING_ROLES:
        return SponsorScope(everything=True, user_id=user.pk, roles=roles, official_id=official_id)
    return SponsorScope(
        department_ids=frozenset({department_id})
        if department_id and roles & DEPARTMENT_ROLES
        else frozenset(),
        official_id=official_id if roles & PARTICIPANT_ROLES else None,
        user_id=user.pk,
        roles=roles,
    )


# -- the rules, by the way a model's rows reach the scope -------------------------------------


def by_enterprise(path: str) -> Rule:
    """Rows belonging to an enterprise within the scope (``path`` leads to the enterprise id)."""
    return lambda scope: Q(**{f"{path}__in": scope.enterprise_ids()})


def by_assignment(path: str) -> Rule:
    """Rows belonging to an assignment within the scope."""
    return lambda scope: Q(**{f"{path}__in": scope.assignment_ids()})


def by_department(path: str) -> Rule:
    """Rows of a department within the scope (participants reach no department-wide rows)."""

    def rule(scope: SponsorScope) -> Q:
        if not scope.department_ids:
            return NOTHING
        return Q(**{f"{path}__in": sorted(scope.department_ids)})

    return rule


def by_user(path: str) -> Rule:
    """Rows addressed to the user themself (notifications, reminders)."""
    return lambda scope: Q(**{path: scope.user_id}) if scope.user_id else NOTHING


def _own_official(scope) -> Q:
    return Q(pk=scope.official_id) if scope.official_id else NOTHING


# A problem is also its handling department's (it was assigned there to be solved) and its
# raiser's (who confirms the solution).
def _raised_by_them(scope) -> Q:
    return Q(raised_by_id=scope.official_id) if scope.official_id else NOTHING


problem_rule = any_of(by_enterprise("enterprise"), by_department("department"), _raised_by_them)


def _problem_event(scope) -> Q:
    return Q(problem__in=models.Problem.objects.filter(problem_rule(scope)).values("pk"))


def _matchmaking(scope) -> Q:
    taking_part = models.Matchmaking.objects.filter(enterprises__in=scope.enterprise_ids()).values(
        "pk"
    )
    return Q(pk__in=taking_part)


def _taking_part(model):
    """Rows whose enterprises include one within the scope (the zone's rows: every-row roles)."""

    def rule(scope) -> Q:
        rows = model.objects.filter(enterprises__in=scope.enterprise_ids()).values("pk")
        return Q(pk__in=rows)

    return rule


def register_all() -> None:
    """Register the scope resolver, and every enterprises model with its scope rule."""
    set_resolver(resolve_scope)
    register(models.Department, by_department("pk"))
    register(models.DepartmentYtd, by_department("department"))
    register(
        models.Official, any_of(by_department("department"), _own_official), check_references=False
    )
    register(models.Enterprise, by_enterprise("pk"))
    register(models.Assignment, by_assignment("pk"))
    register(models.WorkReport, by_assignment("assignment"))
    for model in (
        models.EnterpriseTitle,
        models.Visit,
        models.Target,
        models.MonthlyReport,
        models.MonthlyYtd,
        models.FigureFlag,
        models.Cultivation,
        models.Loan,
        models.NewInvestor,
        models.SafetyInspection,
    ):
        register(model, by_enterprise("enterprise"))
    register(models.VisitPhoto, by_enterprise("visit__enterprise"))
    register(models.PendingVisitPhoto, by_user("user"))
    register(models.Problem, problem_rule)
    register(models.ProblemEvent, _problem_event)
    register(models.StandardFactory, by_enterprise("occupant"))
    register(models.Matchmaking, _matchmaking)
    register(models.Period, everyone, check_references=False)
    register(models.PeriodEvent, everyone, check_references=False)
    register(models.SafetyActivity, readers_of_everything)
    register(models.ServiceFacility, readers_of_everything)
    register(models.Milestone, _taking_part(models.Milestone))
    register(models.PromotionEvent, _taking_part(models.PromotionEvent))
    register(models.ChainYear, by_enterprise("enterprise"))
    register(models.ZoneStanding, readers_of_everything)

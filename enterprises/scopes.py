"""How the rows of each enterprises model reach a user's scope (see scoping.py)."""

from django.db.models import Q

from . import models, zone_models
from .scoping import (
    NOTHING,
    any_of,
    by_assignment,
    by_department,
    by_enterprise,
    by_user,
    everyone,
    readers_of_everything,
    register,
)


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
    taking_part = zone_models.Matchmaking.objects.filter(
        enterprises__in=scope.enterprise_ids()
    ).values("pk")
    return Q(pk__in=taking_part)


def register_all() -> None:
    """Register every enterprises model with its scope rule."""
    register(models.Department, by_department("pk"))
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
        zone_models.Cultivation,
        zone_models.Loan,
        zone_models.NewInvestor,
        zone_models.SafetyInspection,
    ):
        register(model, by_enterprise("enterprise"))
    register(models.VisitPhoto, by_enterprise("visit__enterprise"))
    register(models.PendingVisitPhoto, by_user("user"))
    register(models.Problem, problem_rule)
    register(models.ProblemEvent, _problem_event)
    register(zone_models.StandardFactory, by_enterprise("occupant"))
    register(zone_models.Matchmaking, _matchmaking)
    register(models.Period, everyone, check_references=False)
    register(models.PeriodEvent, everyone, check_references=False)
    register(zone_models.SafetyActivity, readers_of_everything)
    register(zone_models.ServiceFacility, readers_of_everything)

"""How the rows of each enterprises model reach a user's scope (see scoping.py)."""

from django.db.models import Q

from . import models, zone_models
from .scoping import (
    NOTHING,
    any_of,
    by_assignment,
    by_department,
    by_enterprise,
    everyone,
    readers_of_everything,
    register,
)


def _own_official(scope) -> Q:
    return Q(pk=scope.official_id) if scope.official_id else NOTHING


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
        models.Problem,
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
    register(models.ProblemEvent, by_enterprise("problem__enterprise"))
    register(zone_models.StandardFactory, by_enterprise("occupant"))
    register(zone_models.Matchmaking, _matchmaking)
    register(models.Period, everyone, check_references=False)
    register(models.PeriodEvent, everyone, check_references=False)
    register(zone_models.SafetyActivity, readers_of_everything)
    register(zone_models.ServiceFacility, readers_of_everything)

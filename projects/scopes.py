"""How the rows of each projects model reach a user's scope (see core/scoping.py)."""

from django.db.models import Q

from core.scoping import NOTHING, any_of, register
from enterprises.scopes import by_enterprise

from . import models


def _sponsored(scope) -> Q:
    """Projects whose yearly plan names a department or leader within the scope."""
    q = NOTHING
    if scope.department_ids:
        q |= Q(department_id__in=sorted(scope.department_ids))
    if scope.official_id:
        q |= Q(leader_id=scope.official_id)
    if q == NOTHING:
        return NOTHING
    return Q(pk__in=models.ProjectPlan.objects.filter(q).values("project_id"))


project_rule = any_of(by_enterprise("enterprise"), _sponsored)


def by_project(path: str):
    """Rows of a project within the scope."""
    return lambda scope: Q(
        **{f"{path}__in": models.Project.objects.filter(project_rule(scope)).values("pk")}
    )


def register_all() -> None:
    """Register every projects model with its scope rule."""
    register(models.Project, project_rule)
    for model in (
        models.StageMove,
        models.ProjectPlan,
        models.ProjectReport,
        models.ProjectInspection,
        models.ProjectEvaluation,
    ):
        register(model, by_project("project"))
    register(models.ProjectPhoto, by_project("report__project"))
    register(
        models.FundingApplication,
        any_of(by_enterprise("enterprise"), by_project("project")),
    )

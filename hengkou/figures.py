"""Cached figures are dropped whenever one of their inputs is saved or deleted."""

from django.db.models.signals import post_delete, post_save

from core.figures_cache import figures_changed
from enterprises import models as enterprises
from projects import models as projects

from . import models as site

# Every model a ranking, the zone statistics, the trend or the completeness board reads. Monthly
# reports reach the figures through the rollup, whose refresh drops them itself; they are here
# too for writes that skip the services.
FIGURE_INPUTS = (
    enterprises.Department,
    enterprises.Enterprise,
    enterprises.EnterpriseTitle,
    enterprises.Assignment,
    enterprises.Target,
    enterprises.MonthlyReport,
    enterprises.Period,
    projects.Project,
    projects.ProjectPlan,
    projects.ProjectReport,
    projects.StageMove,
    site.RankingSnapshot,
)


def _changed(sender, **kwargs):
    figures_changed()


def drop_figures_on_writes() -> None:
    """Connect the saves and deletes of every figure input to ``figures_changed``."""
    for model in FIGURE_INPUTS:
        uid = f"hengkou.figures.{model._meta.label_lower}"
        post_save.connect(_changed, sender=model, dispatch_uid=f"{uid}.save", weak=False)
        post_delete.connect(_changed, sender=model, dispatch_uid=f"{uid}.delete", weak=False)

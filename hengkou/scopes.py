"""How the rows of each hengkou model reach a user's scope (see core/scoping.py)."""

from core.scoping import any_of, everyone, readers_of_everything, register
from enterprises.scopes import by_assignment, by_department, by_user

from . import models


def register_all() -> None:
    """Register every hengkou model with its scope rule."""
    # Every role that may see rankings sees all of them: they rank departments against each other.
    register(models.RankingSnapshot, everyone, check_references=False)
    register(models.OpenRanking, everyone, check_references=False)
    # The projections' stored earlier years: derived from the rankings, read with them.
    register(models.ProjectionHistory, everyone, check_references=False)
    register(models.BulletinIssue, everyone, check_references=False)
    register(models.BulletinFile, everyone, check_references=False)
    register(models.RankingMemberSnapshot, everyone, check_references=False)
    register(models.SupervisionNotice, by_department("department"))
    register(models.NoticeEvent, by_department("notice__department"))
    register(models.Inspection, any_of(by_department("department"), by_assignment("assignment")))
    register(models.Notification, by_user("recipient"))
    register(models.Reminder, by_user("recipient"))
    # The channels hold webhook secrets and the log names every recipient: the zone's roles only.
    register(models.DeliveryChannel, readers_of_everything, check_references=False)
    register(models.Delivery, readers_of_everything, check_references=False)
    # The year's plan and the turn of the year are the zone's: their permissions say who reads.
    for model in (
        models.AnnualPlan,
        models.PlanGoal,
        models.YearTurn,
        models.GrowthRate,
        models.DraftAssignment,
        models.DraftTarget,
    ):
        register(model, everyone, check_references=False)

"""Choices of the projects app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectKind(models.TextChoices):
    NEW = "new", _("New construction")
    EXPANSION = "expansion", _("Expansion")
    RENOVATION = "renovation", _("Technical renovation")


class Stage(models.TextChoices):
    """Project stages, in the only order a project may move through them."""

    RESERVE = "reserve", _("Reserve")
    STARTED = "started", _("Under construction")
    COMPLETED = "completed", _("Completed")
    OPERATING = "operating", _("In operation")


STAGE_ORDER = {stage: position for position, stage in enumerate(Stage.values)}

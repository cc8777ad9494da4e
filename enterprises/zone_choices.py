"""Choices of the cultivation, financing, safety and park records (the rest of the article)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CultivationStatus(models.TextChoices):
    CANDIDATE = "candidate", _("Candidate")
    APPLYING = "applying", _("Applying")
    RECOGNISED = "recognised", _("Recognised")
    REJECTED = "rejected", _("Rejected")


DECIDED_CULTIVATION = (CultivationStatus.RECOGNISED, CultivationStatus.REJECTED)


class InspectionKind(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled spot check")
    RANDOM = "random", _("Random spot check")
    HOLIDAY = "holiday", _("Holiday inspection")


class SafetyActivityKind(models.TextChoices):
    TRAINING = "training", _("Training")
    DRILL = "drill", _("Drill")
    DOCUMENT = "document", _("Document issued")


class FacilityKind(models.TextChoices):
    SERVICE_CENTRE = "service_centre", _("Service centre")
    CANTEEN = "canteen", _("Staff canteen")
    APARTMENT = "apartment", _("Talent apartment")
    OTHER = "other", _("Other")

"""Choices of the site's workflows."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from enterprises.choices import Metric

# The metrics a department is ranked on: every enterprise Metric (value and label from there,
# in its order), then the project investments. Built from Metric so that a metric is defined
# once; the functional form is the only way an enum can extend another's members.
RankedMetric = models.TextChoices(
    "RankedMetric",
    [(metric.name, (metric.value, metric.label)) for metric in Metric]
    + [
        ("INVESTMENT", ("investment", _("Industrial investment"))),
        ("TECH_INVESTMENT", ("tech_investment", _("Tech-renovation investment"))),
    ],
    module=__name__,
    qualname="RankedMetric",
)
RankedMetric.__doc__ = "The metrics a department is ranked on: every Metric, then the investments."


class Light(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


class NoticeStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    RESPONDED = "responded", _("Responded")
    CLOSED = "closed", pgettext_lazy("supervision notice", "Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class MemberKind(models.TextChoices):
    """What a department's members are for a metric (the drill-down)."""

    ENTERPRISE = "enterprise", _("enterprise")
    PROJECT = "project", _("project")


class MemberReportStatus(models.TextChoices):
    """A member's report of the month: first submitted by the deadline, after it, or none."""

    REPORTED = "reported", _("reported on time")
    LATE = "late", _("reported late")
    MISSING = "missing", _("not reported")

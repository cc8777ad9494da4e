"""Choices of the site's workflows."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RankedMetric(models.TextChoices):
    OUTPUT_VALUE = "output_value", _("Gross industrial output")
    VALUE_ADDED = "value_added", _("Industrial value added")
    REVENUE = "revenue", _("Operating revenue")
    PROFIT = "profit", _("Total profit")
    TAX = "tax", _("Total tax")
    EMPLOYEES = "employees", _("Employees")
    WAGES = "wages", _("Wages payable")
    ELECTRICITY = "electricity", _("Electricity consumption")
    INVESTMENT = "investment", _("Industrial investment")
    TECH_INVESTMENT = "tech_investment", _("Tech-renovation investment")


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

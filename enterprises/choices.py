"""Choices of the enterprises app (stored values are the English names of domain.md), the
sponsorship's and the rest of the article's (cultivation, financing, safety, parks)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DepartmentKind(models.TextChoices):
    SPONSOR = "sponsor", _("Sponsoring department")
    ECONOMIC_BUREAU = "economic_bureau", _("Economic bureau")
    SUPERVISION_OFFICE = "supervision_office", _("Supervision office")
    LEADING_OFFICE = "leading_office", _("Leading group office")


class OfficialRank(models.TextChoices):
    COUNTY_LEADER = "county_leader", _("County-level leader")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    STAFF = "staff", _("Staff")


class ChainRole(models.TextChoices):
    HEADQUARTERS = "headquarters", _("Headquarters")
    PRODUCER = "producer", _("Producer")
    WHOLESALER = "wholesaler", _("Raw-material wholesaler")
    BRANCH_FACTORY = "branch_factory", _("Branch factory")
    ECOMMERCE_DESIGN = "ecommerce_design", _("E-commerce / design")
    WORKSHOP = "workshop", _("Family workshop")


class TitleKind(models.TextChoices):
    ABOVE_SCALE = "above_scale", _("Above designated size")
    HIGH_TECH = "high_tech", _("High-tech enterprise")
    SPECIALIZED = "specialized", _("Specialised and innovative (专精特新)")


class TitleLevel(models.TextChoices):
    NONE = "", _("—")
    PROVINCIAL = "provincial", _("Provincial")
    NATIONAL = "national", _("National")


class VisitKind(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    EMERGENCY = "emergency", _("Emergency")


class ProblemCategory(models.TextChoices):
    STATISTICAL_INCLUSION = "statistical_inclusion", _("Statistical inclusion")
    ANNUAL_INVESTMENT = "annual_investment", _("Annual investment")
    CONSTRUCTION_PROGRESS = "construction_progress", _("Construction progress")
    WORK_SAFETY = "work_safety", _("Work safety")
    ENVIRONMENT = "environment", _("Environmental protection")
    WAGES = "wages", _("Wage payment")
    PROJECT_FUNDING = "project_funding", _("Project funding")
    EPIDEMIC = "epidemic", _("Epidemic prevention")
    FINANCING = "financing", _("Financing")
    LAND = "land", _("Land")
    LABOUR = "labour", _("Labour")
    OTHER = "other", _("Other")


class ProblemSeverity(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary")
    MAJOR = "major", _("Major")


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("Raised")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("Feedback given")
    SOLVED = "solved", _("Solved, awaiting confirmation")
    RESOLVED = "resolved", _("Resolved")


class Metric(models.TextChoices):
    """The MonthlyReport metrics (当月值) that a Target can name."""

    OUTPUT_VALUE = "output_value", _("Gross industrial output")
    VALUE_ADDED = "value_added", _("Industrial value added")
    REVENUE = "revenue", _("Operating revenue")
    PROFIT = "profit", _("Total profit")
    TAX = "tax", _("Total tax")
    EMPLOYEES = "employees", _("Employees")
    WAGES = "wages", _("Wages payable")
    ELECTRICITY = "electricity", _("Electricity consumption")


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Open")
    LOCKED = "locked", _("Locked")


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ProblemAction(models.TextChoices):
    RAISED = "raised", _("Raised")
    ASSIGNED = "assigned", _("Assigned")
    FEEDBACK = "feedback", _("Feedback to the enterprise")
    SOLVED = "solved", _("Solution written")
    CONFIRMED = "confirmed", _("Confirmed by the enterprise")
    REJECTED = "rejected", _("Not confirmed: reopened")
    ESCALATED = "escalated", _("Escalated to the leader")


class ProblemClock(models.TextChoices):
    """The clocks of the "13710" rule."""

    ASSIGN = "assign", _("Assigned to a department")
    FEEDBACK = "feedback", _("First feedback")
    SOLVE = "solve", _("Solved")


# The rest of the article: cultivation, financing, safety and parks.


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
    PUBLICITY = "publicity", _("Publicity")


class FacilityKind(models.TextChoices):
    SERVICE_CENTRE = "service_centre", _("Service centre")
    CANTEEN = "canteen", _("Staff canteen")
    APARTMENT = "apartment", _("Talent apartment")
    OTHER = "other", _("Other")


class MilestoneKind(models.TextChoices):
    RECOGNITION = "recognition", _("Recognition")
    PLATFORM = "platform", _("Platform")
    PRODUCT = "product", _("Product")
    OTHER = "other", _("Other")


class MilestoneLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    # The level (市级); the plain "City" is a city's name (城市), e.g. where a fair was held.
    CITY = "city", pgettext_lazy("level", "City")


class StandingIndicator(models.TextChoices):
    VALUE_ADDED = "value_added", _("Industrial value added")
    ABOVE_SCALE_OUTPUT = "above_scale_output", _("Above-scale industrial output")
    INDUSTRIAL_INVESTMENT = "industrial_investment", _("Industrial investment")
    TECH_INVESTMENT = "tech_investment", _("Technical renovation investment")


class FlagRule(models.TextChoices):
    """The data-quality rules a monthly report is checked against (enterprises/quality.py)."""

    VALUE_ADDED_OVER_OUTPUT = "value_added_over_output", _("Value added above output")
    TAX_OVER_REVENUE = "tax_over_revenue", _("Tax above revenue")
    PROFIT_OVER_REVENUE = "profit_over_revenue", _("Profit above revenue")
    NO_EMPLOYEES = "no_employees", _("Output without employees")
    MONTH_JUMP = "month_jump", _("Month-on-month jump")
    YEAR_CHANGE = "year_change", _("Year-on-year change")
    EMPLOYEES_CHANGE = "employees_change", _("Employees change")
    ELECTRICITY_VS_OUTPUT = "electricity_vs_output", _("Electricity against output")

"""The models of the enterprises app, one module per family of records.

``org`` departments and officials, ``enterprise`` enterprises and their titles, ``sponsorship``
the 五个一 assignments and the annual targets, ``visits``, ``problems``, ``figures`` the monthly
reports, the reporting month and the year-to-date rollup, ``work_reports``, and the rest of the
article: ``cultivation``, ``finance`` (matchmaking, loans), ``safety`` and ``parks``; ``facts``
the zone's milestones, promotion events, chain years and standing in the city.
"""

from .base import (
    BEGUN_DATE_VALIDATORS,
    BEGUN_YEAR_VALIDATORS,
    MONEY,
    NON_NEGATIVE,
    YEAR_RANGE,
    YEAR_VALIDATORS,
    TimeStampedModel,
)
from .cultivation import Cultivation
from .enterprise import Enterprise, EnterpriseTitle
from .facts import ChainYear, Milestone, PromotionEvent, ZoneStanding
from .figures import (
    DEPARTMENT_PARTS,
    NON_NEGATIVE_REPORT_FIELDS,
    ROLLUP_METRICS,
    DepartmentYtd,
    MonthlyReport,
    MonthlyYtd,
    Period,
    PeriodEvent,
    month_not_begun_message,
    refuse_closed_month,
    refuse_month_not_begun,
)
from .finance import Loan, Matchmaking
from .org import Department, Official
from .parks import MAJOR_INVESTMENT, NewInvestor, ServiceFacility, StandardFactory
from .problems import Problem, ProblemEvent
from .quality import EXPLANATION_MAX, FigureFlag
from .safety import SafetyActivity, SafetyInspection
from .sponsorship import PLAN_DEADLINE_HELP, Assignment, Target, check_plan_deadline
from .visits import PendingVisitPhoto, Visit, VisitPhoto, pending_photo_path, validate_photo
from .work_reports import WorkReport

__all__ = [
    "MAJOR_INVESTMENT",
    "MONEY",
    "NON_NEGATIVE",
    "NON_NEGATIVE_REPORT_FIELDS",
    "PLAN_DEADLINE_HELP",
    "DEPARTMENT_PARTS",
    "ROLLUP_METRICS",
    "YEAR_RANGE",
    "BEGUN_DATE_VALIDATORS",
    "BEGUN_YEAR_VALIDATORS",
    "YEAR_VALIDATORS",
    "Assignment",
    "EXPLANATION_MAX",
    "FigureFlag",
    "check_plan_deadline",
    "ChainYear",
    "Cultivation",
    "Department",
    "Enterprise",
    "EnterpriseTitle",
    "Loan",
    "Matchmaking",
    "Milestone",
    "MonthlyReport",
    "DepartmentYtd",
    "MonthlyYtd",
    "NewInvestor",
    "Official",
    "PendingVisitPhoto",
    "Period",
    "PeriodEvent",
    "PromotionEvent",
    "Problem",
    "ProblemEvent",
    "SafetyActivity",
    "SafetyInspection",
    "ServiceFacility",
    "StandardFactory",
    "Target",
    "TimeStampedModel",
    "Visit",
    "VisitPhoto",
    "WorkReport",
    "ZoneStanding",
    "month_not_begun_message",
    "pending_photo_path",
    "refuse_closed_month",
    "refuse_month_not_begun",
    "validate_photo",
]

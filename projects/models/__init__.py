"""Models of the projects app: projects, plans, monthly reports, inspections, grades, funding.

Django finds the models of the app here; each lives in the module of its concern.
"""

from .evaluation import EvaluationGrade, ProjectEvaluation
from .funding import FUNDING_PROGRAMMES, FundingApplication, FundingStatus
from .inspection import ProjectInspection
from .plan import ProjectPlan
from .project import Project, StageMove
from .report import ProjectPhoto, ProjectReport, validate_image_content

__all__ = [
    "FUNDING_PROGRAMMES",
    "EvaluationGrade",
    "FundingApplication",
    "FundingStatus",
    "Project",
    "ProjectEvaluation",
    "ProjectInspection",
    "ProjectPhoto",
    "ProjectPlan",
    "ProjectReport",
    "StageMove",
    "validate_image_content",
]

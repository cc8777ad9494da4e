"""factory_boy factories of the projects' models; each sets only what a valid row needs."""

import datetime
from decimal import Decimal

import factory

from projects.models import (
    FundingApplication,
    Project,
    ProjectEvaluation,
    ProjectInspection,
    ProjectPhoto,
    ProjectPlan,
    ProjectReport,
    StageMove,
)

from .enterprises import PHOTO, CountyLeaderFactory, DepartmentFactory, EnterpriseFactory


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"项目{n}")
    kind = "new"
    total_investment = Decimal("5000.00")


class ProjectPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectPlan

    project = factory.SubFactory(ProjectFactory)
    year = 2021
    planned_investment = Decimal("1000.00")
    leader = factory.SubFactory(CountyLeaderFactory)
    department = factory.SubFactory(DepartmentFactory)


class ProjectReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectReport

    project = factory.SubFactory(ProjectFactory, stage="started")
    period = datetime.date(2021, 11, 1)
    investment = Decimal("80.00")
    percent_complete = 50


class FundingApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingApplication

    programme = "陕南发展专项"
    year = 2021
    enterprise = factory.SubFactory(EnterpriseFactory)
    requested = Decimal("100.00")


class StageMoveFactory(factory.django.DjangoModelFactory):
    """A project moved from the reserve to construction."""

    class Meta:
        model = StageMove

    project = factory.SubFactory(ProjectFactory, stage="started")
    from_stage = "reserve"
    to_stage = "started"
    moved_on = datetime.date(2021, 3, 1)


class ProjectPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectPhoto

    report = factory.SubFactory(ProjectReportFactory)
    image = factory.django.ImageField(filename="site.jpg", **PHOTO)


class ProjectInspectionFactory(factory.django.DjangoModelFactory):
    """A half-year inspection, dated inside the half it inspects."""

    class Meta:
        model = ProjectInspection

    project = factory.SubFactory(ProjectFactory, stage="started")
    year = 2021
    half = 2
    inspected_on = factory.LazyAttribute(
        lambda row: datetime.date(row.year, 6 if row.half == 1 else 12, 10)
    )
    findings = "形象进度与月报一致"
    rating = 85


class ProjectEvaluationFactory(factory.django.DjangoModelFactory):
    """A year-end evaluation not yet graded."""

    class Meta:
        model = ProjectEvaluation

    project = factory.SubFactory(ProjectFactory, stage="started")
    year = 2021

"""factory_boy factories of the domain models; each sets only what a valid row needs."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from enterprises import choices
from enterprises.models import (
    Assignment,
    Department,
    Enterprise,
    EnterpriseTitle,
    MonthlyReport,
    Official,
    Problem,
    Target,
    Visit,
)
from enterprises.services import refresh_monthly_ytd
from enterprises.validators import build_credit_code
from projects.models import Project, ProjectPlan, ProjectReport


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pass-word-123")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"D{n:04d}")
    name = factory.Sequence(lambda n: f"部门{n:04d}")
    kind = choices.DepartmentKind.SPONSOR


class OfficialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Official

    name = factory.Sequence(lambda n: f"干部{n}")
    department = factory.SubFactory(DepartmentFactory)
    rank = choices.OfficialRank.STAFF


class CountyLeaderFactory(OfficialFactory):
    rank = choices.OfficialRank.COUNTY_LEADER


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    credit_code = factory.Sequence(lambda n: build_credit_code(10_000_000 + n))
    name = factory.Sequence(lambda n: f"企业{n}有限公司")


class EnterpriseTitleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnterpriseTitle

    enterprise = factory.SubFactory(EnterpriseFactory)
    title = choices.TitleKind.ABOVE_SCALE
    year = 2021


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    year = 2021
    enterprise = factory.SubFactory(EnterpriseFactory)
    leader = factory.SubFactory(CountyLeaderFactory)
    department = factory.SubFactory(DepartmentFactory)
    responsible = factory.SubFactory(
        OfficialFactory, department=factory.SelfAttribute("..department")
    )


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    enterprise = factory.SubFactory(EnterpriseFactory)
    visited_on = datetime.date(2021, 11, 10)


class ProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Problem

    enterprise = factory.SubFactory(EnterpriseFactory)
    category = choices.ProblemCategory.LAND
    description = "用地手续未办结"
    raised_on = datetime.date(2021, 11, 10)


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Target

    enterprise = factory.SubFactory(EnterpriseFactory)
    year = 2021
    metric = choices.Metric.OUTPUT_VALUE
    value = Decimal("1200.00")


class MonthlyReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonthlyReport

    enterprise = factory.SubFactory(EnterpriseFactory)
    period = datetime.date(2021, 11, 1)
    output_value = Decimal("100.00")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        # A report written by any path refreshes the year-to-date rollup, as the services do.
        if create:
            refresh_monthly_ytd(
                enterprise_ids=[instance.enterprise_id], years=[instance.period.year]
            )


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

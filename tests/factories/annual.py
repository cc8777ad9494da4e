"""Factories of the year's plan and the turn of the year (hengkou/annual/)."""

from decimal import Decimal

import factory

from enterprises.choices import Metric
from hengkou.choices import RankedMetric
from hengkou.models import (
    AnnualPlan,
    DraftAssignment,
    DraftTarget,
    GrowthRate,
    PlanGoal,
    YearTurn,
)

from .enterprises import CountyLeaderFactory, DepartmentFactory, EnterpriseFactory, OfficialFactory


class AnnualPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AnnualPlan

    year = factory.Sequence(lambda n: 2022 + n % 70)
    title = factory.LazyAttribute(lambda row: f"{row.year}年重点工业企业包抓工作实施方案")


class PlanGoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanGoal

    plan = factory.SubFactory(AnnualPlanFactory)
    metric = RankedMetric.OUTPUT_VALUE
    growth_rate = Decimal("0.15")
    unit = "%"


class YearTurnFactory(factory.django.DjangoModelFactory):
    """A draft turn from 2021 to 2022 (or a later pair, one turn per year)."""

    class Meta:
        model = YearTurn
        django_get_or_create = ("year",)

    year = 2022
    from_year = factory.LazyAttribute(lambda row: row.year - 1)


class GrowthRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GrowthRate

    turn = factory.SubFactory(YearTurnFactory)
    metric = Metric.OUTPUT_VALUE
    rate = Decimal("0.1")


class DraftAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DraftAssignment

    turn = factory.SubFactory(YearTurnFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    leader = factory.SubFactory(CountyLeaderFactory)
    department = factory.SubFactory(DepartmentFactory)
    responsible = factory.SubFactory(
        OfficialFactory, department=factory.SelfAttribute("..department")
    )


class DraftTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DraftTarget

    turn = factory.SubFactory(YearTurnFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    metric = Metric.OUTPUT_VALUE
    value = Decimal("1100.00")

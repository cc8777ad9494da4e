"""Factories of the user and the enterprises' models; each sets only what a valid row needs."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from enterprises import choices
from enterprises.models import (
    Assignment,
    Cultivation,
    Department,
    DepartmentYtd,
    Enterprise,
    EnterpriseTitle,
    FigureFlag,
    Loan,
    Matchmaking,
    MonthlyReport,
    MonthlyYtd,
    NewInvestor,
    Official,
    PendingVisitPhoto,
    Period,
    PeriodEvent,
    Problem,
    ProblemEvent,
    SafetyActivity,
    SafetyInspection,
    ServiceFacility,
    StandardFactory,
    Target,
    Visit,
    VisitPhoto,
    WorkReport,
)
from enterprises.services.figures import refresh_monthly_ytd
from enterprises.validators import build_credit_code

# The smallest photo the upload checks accept (core.images: JPEG, PNG or WebP, 32 to 12 000 px a
# side).
PHOTO = {"format": "JPEG", "width": 64, "height": 48, "color": "green"}


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
    # Output with no employees is a data-quality flag (enterprises/quality.py): a plain report
    # has staff, so a close of its month asks nothing.
    employees = 10

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        # A report written by any path refreshes the year-to-date rollup, as the services do.
        if create:
            refresh_monthly_ytd(
                enterprise_ids=[instance.enterprise_id], years=[instance.period.year]
            )


class FigureFlagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FigureFlag

    report = factory.SubFactory(MonthlyReportFactory)
    enterprise = factory.SelfAttribute("report.enterprise")
    period = factory.SelfAttribute("report.period")
    rule = choices.FlagRule.MONTH_JUMP
    metric = choices.Metric.OUTPUT_VALUE
    params = factory.LazyFunction(
        lambda: {"value": "1000000", "compared": "100", "factor": "10000", "limit": "3"}
    )


# --- the zone's records (issue 9) -----------------------------------------------------------------


class CultivationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cultivation

    enterprise = factory.SubFactory(EnterpriseFactory)
    title = choices.TitleKind.ABOVE_SCALE
    year = 2021
    status = "candidate"
    identified_on = datetime.date(2021, 2, 1)


class MatchmakingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Matchmaking

    held_on = datetime.date(2021, 3, 18)
    title = factory.Sequence(lambda n: f"银企对接会{n}")
    banks = "中国工商银行安康分行"
    loans_amount = Decimal("100.00")


class LoanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Loan

    enterprise = factory.SubFactory(EnterpriseFactory)
    bank = "中国农业银行安康分行"
    amount = Decimal("100.00")
    granted_on = datetime.date(2021, 4, 1)
    term_months = 12


class SafetyInspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SafetyInspection

    inspected_on = datetime.date(2021, 6, 1)
    kind = "scheduled"
    enterprise = factory.SubFactory(EnterpriseFactory)
    area = "工业"


class SafetyActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SafetyActivity

    kind = "training"
    held_on = datetime.date(2021, 6, 16)
    title = factory.Sequence(lambda n: f"安全生产培训{n}")


class StandardFactoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StandardFactory

    park = "毛绒玩具产业园"
    building = factory.Sequence(lambda n: f"{n}#厂房")
    area = Decimal("4800.00")
    year_built = 2021


class ServiceFacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceFacility

    name = factory.Sequence(lambda n: f"客商服务中心{n}")
    kind = "service_centre"
    year = 2021


class NewInvestorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NewInvestor

    enterprise = factory.SubFactory(EnterpriseFactory)
    year = 2021
    investment = Decimal("1500.00")


# --- months, rollups, photos, problem steps and work reports --------------------------------------


class PeriodFactory(factory.django.DjangoModelFactory):
    """A reporting month, open unless told otherwise."""

    class Meta:
        model = Period
        django_get_or_create = ("period",)

    period = datetime.date(2021, 11, 1)


class PeriodEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PeriodEvent

    period = factory.SubFactory(PeriodFactory, status="closed")
    action = PeriodEvent.Action.CLOSE


class DepartmentYtdFactory(factory.django.DjangoModelFactory):
    """A department's totals as stored; tests of the totals write reports and assignments."""

    class Meta:
        model = DepartmentYtd

    department = factory.SubFactory(DepartmentFactory)
    period = datetime.date(2021, 11, 1)
    members = 1


class MonthlyYtdFactory(factory.django.DjangoModelFactory):
    """A rollup row as stored; a test of the rollup itself writes reports and refreshes it."""

    class Meta:
        model = MonthlyYtd

    enterprise = factory.SubFactory(EnterpriseFactory)
    period = datetime.date(2021, 11, 1)


class VisitPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitPhoto

    visit = factory.SubFactory(VisitFactory)
    image = factory.django.ImageField(filename="visit.jpg", **PHOTO)


class PendingVisitPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PendingVisitPhoto

    user = factory.SubFactory(UserFactory)
    image = factory.django.ImageField(filename="draft.jpg", **PHOTO)


class ProblemEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProblemEvent

    problem = factory.SubFactory(ProblemFactory)
    action = "raised"


class WorkReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkReport

    assignment = factory.SubFactory(AssignmentFactory)
    period = datetime.date(2021, 11, 1)
    progress = "走访企业两次，协调解决用工问题"

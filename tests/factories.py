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
from enterprises.services.figures import refresh_monthly_ytd
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


# --- the zone's records (issue 9) -----------------------------------------------------------------

from enterprises.models import (  # noqa: E402
    Cultivation,
    Loan,
    Matchmaking,
    NewInvestor,
    SafetyActivity,
    SafetyInspection,
    ServiceFacility,
    StandardFactory,
)
from projects.models import FundingApplication  # noqa: E402


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


class FundingApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FundingApplication

    programme = "陕南发展专项"
    year = 2021
    enterprise = factory.SubFactory(EnterpriseFactory)
    requested = Decimal("100.00")


# --- the site's workflows (hengkou) ---------------------------------------------------------------
# Ranking snapshots and bulletin issues have no factory: close_month writes them, and a test that
# needs one closes a month, so the rows stay what a close produces.

from hengkou.choices import RankedMetric  # noqa: E402
from hengkou.models import Inspection, Notification, SupervisionNotice  # noqa: E402


class SupervisionNoticeFactory(factory.django.DjangoModelFactory):
    """An issued notice for November 2021: half the target done against 11/12 of the year."""

    class Meta:
        model = SupervisionNotice

    department = factory.SubFactory(DepartmentFactory)
    period = datetime.date(2021, 11, 1)
    metric = RankedMetric.OUTPUT_VALUE
    completion_rate = Decimal("0.5")
    time_progress = Decimal("0.916666667")
    gap = factory.LazyAttribute(lambda notice: notice.completion_rate - notice.time_progress)
    due_on = datetime.date(2021, 12, 13)


class InspectionFactory(factory.django.DjangoModelFactory):
    """A quarterly inspection of a whole department, in the quarter's last month."""

    class Meta:
        model = Inspection

    department = factory.SubFactory(DepartmentFactory)
    year = 2021
    quarter = 4
    inspected_on = factory.LazyAttribute(lambda row: datetime.date(row.year, row.quarter * 3, 10))
    findings = "台账齐全"
    score = Decimal("90")


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    title = "月度通报"
    url = "/"

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.periods import format_period, parse_period
from enterprises.models import Assignment, Enterprise, MonthlyReport, Official, Problem, Target
from tests.factories import (
    AssignmentFactory,
    CountyLeaderFactory,
    DepartmentFactory,
    EnterpriseFactory,
    MonthlyReportFactory,
    OfficialFactory,
    ProblemFactory,
    TargetFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db


def _refused(callable_):
    """Run a write that the database must refuse, keeping the test's transaction usable."""
    with pytest.raises(IntegrityError), transaction.atomic():
        callable_()


def test_credit_code_is_unique_in_the_database():
    enterprise = EnterpriseFactory()
    _refused(lambda: Enterprise.objects.create(credit_code=enterprise.credit_code, name="重复"))
    assert Enterprise.objects.count() == 1


def test_enterprise_with_wrong_credit_code_is_refused_by_full_clean_and_not_saved():
    enterprise = Enterprise(credit_code="91110000600037341M", name="某公司")
    with pytest.raises(ValidationError) as excinfo:
        enterprise.full_clean()
    assert "credit_code" in excinfo.value.message_dict
    assert Enterprise.objects.count() == 0


def test_credit_code_is_normalised_before_validation():
    enterprise = Enterprise(credit_code=" 91350100m000100y43 ", name="某公司")
    enterprise.full_clean()
    assert enterprise.credit_code == "91350100M000100Y43"


def test_poverty_employees_cannot_exceed_employees():
    _refused(lambda: EnterpriseFactory(employees=10, poverty_employees=11))
    assert Enterprise.objects.count() == 0


def test_one_department_head_per_department():
    department = DepartmentFactory()
    OfficialFactory(department=department, rank="department_head")
    _refused(lambda: OfficialFactory(department=department, rank="department_head"))
    second = Official(name="王五", department=department, rank="department_head")
    with pytest.raises(ValidationError) as excinfo:
        second.full_clean()
    assert "主要负责人" in str(excinfo.value)


def test_one_assignment_per_enterprise_and_year():
    assignment = AssignmentFactory()
    _refused(lambda: AssignmentFactory(enterprise=assignment.enterprise, year=assignment.year))
    AssignmentFactory(enterprise=assignment.enterprise, year=assignment.year - 1)
    assert Assignment.objects.count() == 2


def test_assignment_leader_must_be_county_level():
    assignment = AssignmentFactory.build(
        leader=OfficialFactory(rank="department_head"),
        enterprise=EnterpriseFactory(),
        department=DepartmentFactory(),
        responsible=OfficialFactory(),
    )
    with pytest.raises(ValidationError) as excinfo:
        assignment.full_clean()
    assert excinfo.value.message_dict["leader"] == ["包抓领导必须是县级领导。"]
    assignment.leader = CountyLeaderFactory()
    assignment.full_clean()


def test_visit_cannot_be_in_the_future():
    visit = VisitFactory.build(
        enterprise=EnterpriseFactory(), visited_on=timezone.localdate() + datetime.timedelta(days=1)
    )
    with pytest.raises(ValidationError) as excinfo:
        visit.full_clean()
    assert "visited_on" in excinfo.value.message_dict
    visit.visited_on = timezone.localdate()
    visit.full_clean()


def test_one_monthly_report_per_enterprise_and_month():
    report = MonthlyReportFactory()
    _refused(lambda: MonthlyReportFactory(enterprise=report.enterprise, period=report.period))
    duplicate = MonthlyReport(enterprise=report.enterprise, period=report.period)
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "该企业本月已报送指标。" in excinfo.value.messages
    assert MonthlyReport.objects.count() == 1


@pytest.mark.parametrize("field", ["output_value", "value_added", "revenue", "tax", "wages"])
def test_negative_money_is_refused(field):
    enterprise = EnterpriseFactory()
    _refused(
        lambda: MonthlyReport.objects.create(
            enterprise=enterprise, period=datetime.date(2021, 1, 1), **{field: Decimal("-1")}
        )
    )
    report = MonthlyReport(
        enterprise=enterprise, period=datetime.date(2021, 1, 1), **{field: Decimal("-0.01")}
    )
    with pytest.raises(ValidationError) as excinfo:
        report.full_clean()
    assert field in excinfo.value.message_dict
    assert MonthlyReport.objects.count() == 0


def test_a_loss_is_a_negative_profit():
    report = MonthlyReportFactory.build(enterprise=EnterpriseFactory(), profit=Decimal("-12.50"))
    report.full_clean()
    report.save()
    assert MonthlyReport.objects.get().profit == Decimal("-12.50")


def test_a_month_is_stored_as_its_first_day():
    _refused(
        lambda: MonthlyReport.objects.create(
            enterprise=EnterpriseFactory(), period=datetime.date(2021, 3, 15)
        )
    )
    report = MonthlyReport(enterprise=EnterpriseFactory(), period=datetime.date(2021, 3, 15))
    report.full_clean()
    assert report.period == datetime.date(2021, 3, 1)


def test_one_target_per_enterprise_year_and_metric():
    target = TargetFactory()
    _refused(
        lambda: TargetFactory(enterprise=target.enterprise, year=target.year, metric=target.metric)
    )
    TargetFactory(enterprise=target.enterprise, year=target.year, metric="revenue")
    assert Target.objects.count() == 2


def test_negative_target_is_refused():
    _refused(lambda: TargetFactory(value=Decimal("-1")))
    assert Target.objects.count() == 0


def test_problem_is_resolved_only_with_confirmation():
    problem = ProblemFactory()
    problem.status = "resolved"
    problem.resolution = "已协调办理用地手续"
    _refused(problem.save)
    problem.refresh_from_db()
    assert problem.status == "open"

    problem.status = "resolved"
    problem.resolution = "已协调办理用地手续"
    problem.resolved_on = datetime.date(2021, 11, 20)
    problem.satisfaction = 5
    problem.full_clean()
    problem.save()
    assert Problem.objects.get().status == "resolved"


def test_satisfaction_is_between_1_and_5():
    _refused(lambda: ProblemFactory(satisfaction=6))
    assert Problem.objects.count() == 0


def test_year_out_of_range_is_refused():
    _refused(lambda: TargetFactory(year=1999))


def test_periods_parse_and_format():
    assert parse_period("2021-11") == datetime.date(2021, 11, 1)
    assert format_period(datetime.date(2021, 11, 30)) == "2021-11"
    for bad in ("2021-13", "2021-00", "21-11", "2021/11", "", "2021-1", "0000-01", "0001-01"):
        with pytest.raises(ValidationError):
            parse_period(bad)

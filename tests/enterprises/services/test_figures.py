"""The year-to-date rollup stays equal to a from-scratch sum through every write path."""

import contextlib
import datetime
import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import ProtectedError
from django.urls import reverse

from enterprises.models import MonthlyReport, MonthlyYtd
from enterprises.services.figures import (
    delete_monthly_reports,
    rebuild_monthly_ytd,
    save_monthly_report,
)
from hengkou.ranking import METRICS
from hengkou.selectors.ranking import list_department_totals
from hengkou.services.close import close_month, reopen_month
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    EnterpriseFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _by_department(totals):
    return totals.department_id


def assert_rollup_matches_reports(years=(2021,), months=range(1, 13)):
    for year in years:
        for month in months:
            for metric in METRICS:
                # In no particular order (GROUP BY's, on PostgreSQL): compared by department.
                live = list_department_totals(period=datetime.date(year, month, 1), metric=metric)
                resummed = list_department_totals(
                    period=datetime.date(year, month, 1), metric=metric, from_reports=True
                )
                assert sorted(live, key=_by_department) == sorted(resummed, key=_by_department), (
                    year,
                    month,
                    metric,
                )
    assert rebuild_monthly_ytd() == 0


def test_rollup_follows_a_random_sequence_of_saves_edits_moves_and_deletes():
    rng = random.Random(20211130)
    departments = [DepartmentFactory() for _ in range(3)]
    enterprises = []
    for index in range(6):
        enterprise = AssignmentFactory(year=2020, department=departments[index % 3]).enterprise
        # Half of them change department between the years.
        AssignmentFactory(year=2021, enterprise=enterprise, department=departments[index // 2 % 3])
        TargetFactory(enterprise=enterprise, year=2021, value=Decimal("500"))
        enterprises.append(enterprise)

    for _step in range(60):
        action = rng.choice(["create", "create", "edit", "move", "delete"])
        reports = list(MonthlyReport.objects.all())
        if action == "create" or not reports:
            report = MonthlyReport(
                enterprise=rng.choice(enterprises),
                period=datetime.date(rng.choice([2020, 2021]), rng.randint(1, 12), 1),
            )
        else:
            report = rng.choice(reports)
        if action == "delete" and reports:
            delete_monthly_reports(reports=MonthlyReport.objects.filter(pk=report.pk))
            continue
        if action == "move":
            report.enterprise = rng.choice(enterprises)
            report.period = datetime.date(rng.choice([2020, 2021]), rng.randint(1, 12), 1)
        report.output_value = Decimal(rng.randint(0, 20000)) / 100
        report.tax = Decimal(rng.randint(0, 900)) / 100
        report.profit = Decimal(rng.randint(-500, 900)) / 100
        report.employees = rng.randint(0, 300)
        with contextlib.suppress(ValidationError):  # a duplicate month: refused, nothing written
            save_monthly_report(report=report)
    assert MonthlyReport.objects.count() > 10
    assert_rollup_matches_reports(years=(2021,), months=(1, 6, 11, 12))


def test_a_refused_save_leaves_reports_and_rollup_unchanged():
    assignment = AssignmentFactory()
    report = save_monthly_report(
        report=MonthlyReport(
            enterprise=assignment.enterprise, period=datetime.date(2021, 3, 1), output_value=5
        )
    )
    before = list(MonthlyYtd.objects.values())
    report.output_value = Decimal("-1")
    with pytest.raises(ValidationError):
        save_monthly_report(report=report)
    assert MonthlyReport.objects.get().output_value == Decimal("5.00")
    assert list(MonthlyYtd.objects.values()) == before


def test_admin_edit_and_delete_keep_the_rollup(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assignment = AssignmentFactory()
    TargetFactory(enterprise=assignment.enterprise)
    report = save_monthly_report(
        report=MonthlyReport(
            enterprise=assignment.enterprise, period=datetime.date(2021, 2, 1), output_value=5
        )
    )
    url = reverse("admin:enterprises_monthlyreport_change", args=[report.pk])
    data = {
        "enterprise": assignment.enterprise.pk,
        "period": "2021-02-01",
        "output_value": "77.50",
        "value_added": "0",
        "revenue": "0",
        "profit": "0",
        "tax": "0",
        "employees": "3",
        "wages": "0",
        "electricity": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    ytd = MonthlyYtd.objects.get(
        enterprise=assignment.enterprise, period=datetime.date(2021, 12, 1)
    )
    assert ytd.output_value == Decimal("77.50")
    assert_rollup_matches_reports(months=(2, 12))

    client.post(
        reverse("admin:enterprises_monthlyreport_delete", args=[report.pk]), {"post": "yes"}
    )
    assert MonthlyReport.objects.count() == 0
    assert MonthlyYtd.objects.count() == 0


def test_locked_reports_are_read_only_in_the_admin_until_reopened(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assignment = AssignmentFactory()
    report = save_monthly_report(
        report=MonthlyReport(enterprise=assignment.enterprise, period=datetime.date(2021, 2, 1))
    )
    close_month(period=report.period, acting_user=None, now=datetime.datetime.now(datetime.UTC))
    url = reverse("admin:enterprises_monthlyreport_change", args=[report.pk])
    response = client.post(url, {"output_value": "1"})
    assert response.status_code == 403
    reopen_month(
        period=report.period,
        acting_user=None,
        reason="更正",
        now=datetime.datetime.now(datetime.UTC),
    )
    assert client.get(url).status_code == 200
    assert_rollup_matches_reports(months=(2,))


def test_demo_data_ranks_the_same_from_the_rollup_and_from_the_reports():
    call_command("seed_demo", verbosity=0)
    assert MonthlyYtd.objects.exists()
    assert_rollup_matches_reports(years=(2021,), months=(3, 11, 12))


def test_rebuild_rollups_command_reports_what_it_fixed():
    from io import StringIO

    assignment = AssignmentFactory()
    save_monthly_report(
        report=MonthlyReport(enterprise=assignment.enterprise, period=datetime.date(2021, 1, 1))
    )
    MonthlyReport.objects.update(output_value=Decimal("9"))  # a write that bypassed the service
    out = StringIO()
    call_command("rebuild_rollups", stdout=out)
    assert "12 row(s)" in out.getvalue()
    assert MonthlyYtd.objects.get(period=datetime.date(2021, 12, 1)).output_value == 9


def test_an_enterprise_deleted_takes_its_rollup_rows_along():
    """The rollup has no database foreign key (derived rows, written set-based): Django's
    cascade is what removes an enterprise's rows, and a report still protects the enterprise."""
    enterprise = EnterpriseFactory()
    save_monthly_report(
        report=MonthlyReport(
            enterprise=enterprise, period=datetime.date(2021, 3, 1), output_value=5
        )
    )
    assert MonthlyYtd.objects.filter(enterprise=enterprise).count() == 12
    with pytest.raises(ProtectedError):
        enterprise.delete()
    delete_monthly_reports(reports=MonthlyReport.objects.filter(enterprise=enterprise))
    assert not MonthlyYtd.objects.filter(enterprise=enterprise).exists()
    MonthlyYtd.objects.create(enterprise=enterprise, period=datetime.date(2020, 1, 1))
    enterprise.delete()
    assert not MonthlyYtd.objects.exists()

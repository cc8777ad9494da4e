"""The department totals (DepartmentYtd) equal a from-scratch computation after any writes.

Hypothesis draws a sequence of writes through every path that can change them: the API
(reports created, changed and deleted; assignments moved between departments; targets set and
deleted), the admin (a target added through its form, reports deleted by its action), the Excel
imports (reports, assignments, targets), and the monthly close and reopen. After the sequence,
every row of DepartmentYtd must equal what plain Python computes from the reports, the
assignments and the targets, and no row may be missing or extra. Runs on SQLite and on
PostgreSQL (the CI runs the suite on both).
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from decimal import Decimal

from django.contrib.admin.sites import site as admin_site
from django.test import Client, RequestFactory
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from core.imports.engine import run_import
from core.imports.kinds import get_kind
from core.periods import on_time_cutoff
from enterprises.models import (
    DEPARTMENT_PARTS,
    ROLLUP_METRICS,
    Assignment,
    DepartmentYtd,
    MonthlyReport,
    Target,
)
from hengkou.services.close import close_month, reopen_month
from tests.core.imports.helpers import MONTHLY_HEADER, monthly_row, xlsx
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    EnterpriseFactory,
    UserFactory,
)

YEARS = (2020, 2021)
NOW = datetime.datetime(2022, 3, 1, tzinfo=datetime.UTC)
FLOW = [metric for metric in ROLLUP_METRICS if metric != "employees"]

enterprise_index = st.integers(0, 3)
department_index = st.integers(0, 2)
year = st.sampled_from(YEARS)
month = st.integers(1, 12)
amount = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False)
metric = st.sampled_from(["output_value", "revenue", "employees", "tax"])

operations = st.one_of(
    st.tuples(st.just("api_report"), enterprise_index, year, month, amount),
    st.tuples(st.just("api_report_delete"), enterprise_index, year, month),
    st.tuples(st.just("api_move"), enterprise_index, year, department_index),
    st.tuples(st.just("api_target"), enterprise_index, year, metric, amount),
    st.tuples(st.just("api_target_delete"), enterprise_index, year, metric),
    st.tuples(st.just("admin_target"), enterprise_index, year, metric, amount),
    st.tuples(st.just("admin_report_delete"), enterprise_index, year),
    st.tuples(st.just("import_reports"), st.lists(st.tuples(enterprise_index, month), max_size=4)),
    st.tuples(st.just("import_assignment"), enterprise_index, year, department_index),
    st.tuples(st.just("import_target"), enterprise_index, year, amount),
    st.tuples(st.just("close"), month),
    st.tuples(st.just("reopen"), month),
)


def expected_rows() -> dict:
    """Compute every department's totals from the reports, assignments and targets in Python."""
    reports = {(r.enterprise_id, r.period): r for r in MonthlyReport.objects.all()}
    targets = {(t.enterprise_id, t.year, t.metric): t.value for t in Target.objects.all()}

    def ytd(enterprise_id, period, metric_name):
        if metric_name == "employees":
            report = reports.get((enterprise_id, period))
            return Decimal(report.employees) if report else Decimal(0)
        return sum(
            (
                getattr(reports[(enterprise_id, period.replace(month=m))], metric_name)
                for m in range(1, period.month + 1)
                if (enterprise_id, period.replace(month=m)) in reports
            ),
            Decimal(0),
        )

    members = defaultdict(list)
    for assignment in Assignment.objects.all():
        members[(assignment.department_id, assignment.year)].append(assignment.enterprise_id)
    rows = {}
    for (department_id, member_year), enterprise_ids in members.items():
        for m in range(1, 13):
            period = datetime.date(member_year, m, 1)
            row = {"members": len(enterprise_ids), "reported": 0, "on_time": 0}
            for enterprise_id in enterprise_ids:
                report = reports.get((enterprise_id, period))
                row["reported"] += report is not None
                row["on_time"] += bool(
                    report and report.submitted_at < on_time_cutoff(period=period)
                )
            for name in ROLLUP_METRICS:
                with_target = [e for e in enterprise_ids if (e, member_year, name) in targets]
                row[f"target_{name}"] = sum(
                    (targets[(e, member_year, name)] for e in with_target), Decimal(0)
                )
                row[f"targeted_{name}"] = len(with_target)
                row[f"ytd_{name}"] = sum((ytd(e, period, name) for e in enterprise_ids), Decimal(0))
                row[f"ytd_targeted_{name}"] = sum(
                    (ytd(e, period, name) for e in with_target), Decimal(0)
                )
                last = period.replace(year=member_year - 1)
                row[f"ytd_previous_{name}"] = sum(
                    (ytd(e, last, name) for e in enterprise_ids), Decimal(0)
                )
            rows[(department_id, period)] = row
    return rows


def stored_rows() -> dict:
    fields = ["members", "reported", "on_time"] + [
        f"{part}_{name}" for name in ROLLUP_METRICS for part in DEPARTMENT_PARTS
    ]
    return {
        (row["department_id"], row["period"]): {field: row[field] for field in fields}
        for row in DepartmentYtd.objects.values("department_id", "period", *fields)
    }


class DepartmentTotalsProperty(TestCase):
    def setUp(self):
        self.departments = [DepartmentFactory() for _ in range(3)]
        self.enterprises = [EnterpriseFactory() for _ in range(4)]
        for index, enterprise in enumerate(self.enterprises[:3]):
            for member_year in YEARS:
                AssignmentFactory(
                    enterprise=enterprise,
                    year=member_year,
                    department=self.departments[(index + member_year) % 3],
                )
        self.user = UserFactory(is_superuser=True, is_staff=True)
        self.client = Client()
        self.client.force_login(self.user)

    # --- the paths ----------------------------------------------------------------------------

    def api_report(self, e, y, m, value):
        enterprise = self.enterprises[e]
        period = datetime.date(y, m, 1)
        existing = MonthlyReport.objects.filter(enterprise=enterprise, period=period).first()
        body = {"enterprise": enterprise.pk, "period": f"{y}-{m:02d}", "output_value": str(value)}
        body.update(revenue=str(value / 2), tax="1.00", employees=int(value) % 300)
        if existing:
            self.client.patch(
                f"/api/v1/monthly-reports/{existing.pk}/", body, content_type="application/json"
            )
        else:
            self.client.post("/api/v1/monthly-reports/", body, content_type="application/json")

    def api_report_delete(self, e, y, m):
        report = MonthlyReport.objects.filter(
            enterprise=self.enterprises[e], period=datetime.date(y, m, 1)
        ).first()
        if report:
            self.client.delete(f"/api/v1/monthly-reports/{report.pk}/")

    def api_move(self, e, y, d):
        assignment = Assignment.objects.filter(enterprise=self.enterprises[e], year=y).first()
        if assignment:
            self.client.patch(
                f"/api/v1/assignments/{assignment.pk}/",
                {"department": self.departments[d].pk},
                content_type="application/json",
            )

    def api_target(self, e, y, name, value):
        enterprise = self.enterprises[e]
        target = Target.objects.filter(enterprise=enterprise, year=y, metric=name).first()
        body = {"enterprise": enterprise.pk, "year": y, "metric": name, "value": str(value)}
        if target:
            self.client.patch(
                f"/api/v1/targets/{target.pk}/", body, content_type="application/json"
            )
        else:
            self.client.post("/api/v1/targets/", body, content_type="application/json")

    def api_target_delete(self, e, y, name):
        target = Target.objects.filter(enterprise=self.enterprises[e], year=y, metric=name).first()
        if target:
            self.client.delete(f"/api/v1/targets/{target.pk}/")

    def admin_target(self, e, y, name, value):
        enterprise = self.enterprises[e]
        if Target.objects.filter(enterprise=enterprise, year=y, metric=name).exists():
            return
        self.client.post(
            reverse("admin:enterprises_target_add"),
            {"enterprise": enterprise.pk, "year": y, "metric": name, "value": str(value)},
        )

    def admin_report_delete(self, e, y):
        request = RequestFactory().post("/admin/")
        request.user = self.user
        model_admin = admin_site._registry[MonthlyReport]
        queryset = MonthlyReport.objects.filter(
            enterprise=self.enterprises[e], period__year=y, status="open"
        )
        model_admin.delete_queryset(request, queryset)

    def import_reports(self, cells):
        rows = [MONTHLY_HEADER] + [
            monthly_row(self.enterprises[e].credit_code, period=f"2021-{m:02d}", output=f"{m}7.50")
            for e, m in dict(cells).items()
        ]
        # Imported on the 3rd of the next month: reports first written then are on time.
        run_import(
            kind=get_kind("monthly_reports"),
            source=io.BytesIO(xlsx(rows)),
            user=self.user,
            now=datetime.datetime(2021, 12, 3, tzinfo=datetime.UTC),
        )

    def import_assignment(self, e, y, d):
        kind = get_kind("assignments")
        assignment = Assignment.objects.filter(enterprise=self.enterprises[e], year=y).first()
        if assignment is None:
            return
        row = kind.export_row(assignment)
        row["department"] = self.departments[d].name
        headers = [column.header() for column in kind.columns]
        values = [row.get(column.key) for column in kind.columns]
        run_import(kind=kind, source=io.BytesIO(xlsx([headers, values])), user=self.user)

    def import_target(self, e, y, value):
        kind = get_kind("targets")
        enterprise = self.enterprises[e]
        headers = [column.header() for column in kind.columns]
        values = [y, enterprise.credit_code, enterprise.name, "output_value", str(value)]
        run_import(kind=kind, source=io.BytesIO(xlsx([headers, values])), user=self.user)

    def close(self, m):
        close_month(period=datetime.date(2021, m, 1), acting_user=self.user, now=NOW)

    def reopen(self, m):
        period = datetime.date(2021, m, 1)
        if MonthlyReport.objects.filter(period=period, status="locked").exists():
            reopen_month(period=period, acting_user=self.user, reason="property test", now=NOW)

    # --- the property ----------------------------------------------------------------------------

    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(operations, min_size=1, max_size=8))
    def test_totals_equal_a_computation_from_scratch(self, steps):
        for name, *arguments in steps:
            getattr(self, name)(*arguments)
        assert stored_rows() == expected_rows()

"""The drill-down shows its department's year-end projection with the basis that checks it."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    EnterpriseFactory,
    MonthlyReportFactory,
    TargetFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db


def seasonal_member(department, *, june_2021="60", name="季节企业"):
    enterprise = EnterpriseFactory(name=name)
    for year in (2020, 2021):
        AssignmentFactory(enterprise=enterprise, department=department, year=year)
    for month in range(1, 13):
        MonthlyReportFactory(
            enterprise=enterprise,
            period=datetime.date(2020, month, 1),
            output_value=Decimal(50 if month <= 6 else 150),
        )
    MonthlyReportFactory(
        enterprise=enterprise, period=datetime.date(2021, 6, 1), output_value=Decimal(june_2021)
    )
    TargetFactory(enterprise=enterprise, year=2021, value=Decimal(1200))


@pytest.fixture
def page(client):
    client.force_login(user_with_role("supervision_office"))

    def get(department, period="2021-06"):
        url = reverse("department_members", args=[department.pk])
        return client.get(url, {"period": period, "metric": "output_value"})

    return get


def test_the_drill_down_shows_the_projection_and_its_basis(page):
    department = DepartmentFactory(code="D1", name="工信局")
    seasonal_member(department, june_2021="270")  # ytd 270 ÷ 1/4 = 1,080 of 1,200
    html = page(department).content.decode()
    assert 'id="department-projection"' in html
    assert "预计全年完成率（按往年季节规律）" in html
    assert "25.00%" in html and "季节规律：同口径对象往年1年均值" in html
    assert "1,080.00" in html
    assert '<dd class="col-6 col-md-3 fw-semibold" id="projected-rate">90.0%</dd>' in html
    assert '<span class="badge text-bg-warning">是</span>' in html


def test_before_march_nothing_is_flagged(page):
    department = DepartmentFactory(code="D1")
    seasonal_member(department)
    MonthlyReportFactory(
        enterprise=AssignmentFactory(department=department, year=2021).enterprise,
        period=datetime.date(2021, 2, 1),
        output_value=Decimal(1),
    )
    html = page(department, period="2021-02").content.decode()
    assert "自3月起标示预计完不成目标的部门。" in html


def test_the_projection_costs_the_same_queries_at_two_sizes(page, django_assert_max_num_queries):
    department = DepartmentFactory(code="D1")
    seasonal_member(department)
    counts = []
    for size in (1, 10):
        for index in range(size):
            seasonal_member(department, name=f"企业{size}-{index}")
        with django_assert_max_num_queries(30) as queries:
            assert page(department).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]

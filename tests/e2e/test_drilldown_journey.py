import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    MonthlyReportFactory,
    TargetFactory,
)
from tests.roles import user_with_role

NOV = datetime.date(2021, 11, 1)


@pytest.mark.django_db(transaction=True)
def test_a_supervisor_reads_a_departments_members_on_a_phone(live_server, browser, screenshot):
    department = DepartmentFactory(code="D1", name="工业园区管委会")
    for index in range(6):
        assignment = AssignmentFactory(department=department, year=2021)
        assignment.enterprise.name = f"安康第{index}毛绒玩具有限公司"
        assignment.enterprise.save()
        if index:
            TargetFactory(enterprise=assignment.enterprise, value=Decimal(1200 * index))
        MonthlyReportFactory(enterprise=assignment.enterprise, period=NOV, output_value=100 * index)
    user_with_role("supervision_office", username="office")

    # An iPhone-sized screen: 390 CSS pixels wide.
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("office")
    page.get_by_label("密码").fill("pass-word-123")
    page.get_by_role("button", name="登录").click()
    page.goto(
        f"{live_server.url}/dashboard/departments/{department.pk}/"
        "?period=2021-11&metric=output_value"
    )
    expect(page.locator("h1")).to_contain_text("工业园区管委会")
    expect(page.locator("#members-table tbody tr")).to_have_count(6)
    # The largest shortfall first: 6,000 × 11/12 − 500.
    expect(page.locator("#members-table tbody tr").first).to_contain_text("安康第5毛绒玩具有限公司")
    expect(page.locator("#members-table tbody tr").first).to_contain_text("5,000.00")
    # Nothing but the table scrolls sideways: the page itself fits the phone.
    screenshot("department-members-390px", page)
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391"
        " && !e.closest('.table-responsive')).map(e => e.tagName + '.' + e.className).slice(0, 8)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, wide
    page.locator("#members-table tbody tr").first.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text("安康第5毛绒玩具有限公司")
    page.close()

import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from enterprises.models import MonthlyReport
from tests.core.imports.helpers import xlsx
from tests.factories import EnterpriseFactory, MonthlyReportFactory
from tests.roles import user_with_role

NOV = datetime.date(2021, 11, 1)
HEADER = ["统一社会信用代码", "企业", "月份", "工业总产值", "营业收入", "税金总额"]


@pytest.mark.django_db(transaction=True)
def test_a_clerk_reads_what_an_import_changes_then_confirms(
    live_server, page, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    stored = MonthlyReportFactory(
        enterprise=EnterpriseFactory(name="安康中和毛绒玩具有限公司"),
        period=NOV,
        output_value=Decimal("1200.00"),
        revenue=Decimal("980.00"),
        tax=Decimal("12.50"),
    )
    same = MonthlyReportFactory(period=NOV, output_value=Decimal("300.00"))
    newcomer = EnterpriseFactory(name="安康天宇玩具有限公司")
    path = tmp_path / "figures.xlsx"
    path.write_bytes(
        xlsx(
            [
                HEADER,
                [stored.enterprise.credit_code, stored.enterprise.name, "2021-11", 1350, 1064.5],
                [same.enterprise.credit_code, same.enterprise.name, "2021-11", 300],
                [newcomer.credit_code, newcomer.name, "2021-11", "1,234.5", 1100, 0.75],
            ]
        )
    )
    user_with_role("economic_bureau", username="clerk")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill("pass-word-123")
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/imports/monthly_reports/")
    page.set_input_files("input[type=file]", str(path))
    page.get_by_role("button", name="检查文件").click()

    expect(page.locator("#import-counts")).to_contain_text("新增 1")
    expect(page.locator("#import-counts")).to_contain_text("更新 1")
    expect(page.locator("#import-counts")).to_contain_text("无变化 1")
    changes = page.locator("#import-changes")
    expect(changes).to_contain_text("安康中和毛绒玩具有限公司")
    expect(changes.locator("tr", has_text="工业总产值")).to_contain_text("1,200.00")
    expect(changes.locator("tr", has_text="工业总产值")).to_contain_text("1,350.00")
    expect(changes.locator("tr", has_text="营业收入")).to_contain_text("1,064.50")
    expect(changes).not_to_contain_text("税金总额")  # left blank: not a change
    expect(page.locator("#import-additions")).to_contain_text("1,234.50")
    expect(page.locator(".btn-danger")).to_have_count(1)
    screenshot("import-preview")

    page.locator("#import-confirm-button").click()
    expect(page.locator(".alert-success, .alert")).to_contain_text("导入完成")
    stored.refresh_from_db()
    assert (stored.output_value, stored.revenue, stored.tax) == (
        Decimal("1350.00"),
        Decimal("1064.50"),
        Decimal("12.50"),
    )
    assert MonthlyReport.objects.count() == 3

import pytest
from playwright.sync_api import expect

from enterprises.models import Enterprise
from tests.roles import user_with_role


@pytest.mark.django_db(transaction=True)
def test_clerk_adds_an_enterprise_in_chinese_after_a_credit_code_error(
    live_server, page, screenshot
):
    # Registering enterprises is the administrators' (docs/security.md): staff, not superuser.
    user_with_role("administrator", username="clerk", is_staff=True)

    page.goto(f"{live_server.url}/admin/")
    expect(page).to_have_title("登录 | 恒口示范区工业包抓平台")
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill("pass-word-123")
    page.get_by_role("button", name="登录").click()

    page.get_by_role("link", name="企业", exact=True).first.click()
    page.get_by_role("link", name="增加 企业").click()
    page.get_by_label("统一社会信用代码").fill("91110000600037341M")
    page.get_by_label("名称").fill("安康恒口某某玩具有限公司")
    page.get_by_label("产业链").fill("毛绒玩具")
    page.get_by_role("button", name="保存", exact=True).click()

    expect(page.locator(".errorlist")).to_contain_text("统一社会信用代码的校验码（第18位）错误。")
    screenshot("admin-enterprise-credit-code-error")
    assert Enterprise.objects.count() == 0

    page.get_by_label("统一社会信用代码").fill("91110000600037341L")
    page.get_by_role("button", name="保存", exact=True).click()

    expect(page.locator(".messagelist")).to_contain_text("成功添加了")
    screenshot("admin-enterprise-added")
    enterprise = Enterprise.objects.get()
    assert (enterprise.credit_code, enterprise.chain) == ("91110000600037341L", "毛绒玩具")

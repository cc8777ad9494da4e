"""At phone size: an official logs a visit with a problem, the department head resolves it."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from enterprises.models import Problem, Visit
from tests.factories import AssignmentFactory, DepartmentFactory, OfficialFactory
from tests.roles import user_with_role

PHONE = {"width": 360, "height": 740}


def _login(page, base, username):
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("pass-word-123")
    page.get_by_role("button", name="登录").click()


@pytest.mark.django_db(transaction=True)
def test_an_official_logs_a_visit_with_a_problem_and_the_head_resolves_it(
    live_server, browser, screenshot
):
    year = timezone.localdate().year
    land_bureau = DepartmentFactory(name="自然资源局")
    head = OfficialFactory(name="王局长", department=land_bureau, rank="department_head")
    user_with_role("department_user", official=head, username="wang")
    official = OfficialFactory(name="张帮扶")
    user_with_role("official", official=official, username="zhang")
    sponsor = OfficialFactory(name="李科长", department=official.department)
    user_with_role("department_user", official=sponsor, username="li")
    assignment = AssignmentFactory(
        year=year,
        responsible=official,
        department=official.department,
        enterprise__name="安康恒口通用机械有限公司",
    )

    # The responsible person, on a phone.
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    _login(page, live_server.url, "zhang")
    page.goto(f"{live_server.url}/my/")
    card = page.locator(".my-enterprise", has_text="安康恒口通用机械有限公司")
    expect(card).to_contain_text("待完成")
    card.get_by_role("link", name="记录帮扶").click()
    expect(page.get_by_label("张帮扶")).to_be_checked()
    page.get_by_label("帮扶情况").fill("查看生产线改造进度")
    page.get_by_role("button", name="添加诉求").click()
    page.locator("select[name='problems-0-category']").select_option("land")
    page.locator("textarea[name='problems-0-description']").fill("新厂房用地手续未办结")
    # An official reaches no department's records: the problem is raised unassigned.
    expect(page.locator("select[name='problems-0-department'] option")).to_have_count(1)
    screenshot("phone-visit-form", page)
    page.get_by_role("button", name="保存帮扶记录").click()
    expect(page.locator(".alert-success")).to_contain_text(
        "已记录对安康恒口通用机械有限公司的到企帮扶"
    )
    expect(card).to_contain_text("已完成")
    screenshot("phone-my-enterprises", page)
    visit = Visit.objects.get()
    problem = Problem.objects.get()
    assert (visit.enterprise, problem.department, problem.status) == (
        assignment.enterprise,
        None,
        "open",
    )
    context.close()

    # The sponsoring department routes it (交办) to the land bureau, which will handle it.
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    _login(page, live_server.url, "li")
    page.goto(f"{live_server.url}/problems/{problem.pk}/")
    page.locator("select[name='department']").select_option(str(land_bureau.pk))
    page.get_by_role("button", name="交办", exact=True).click()
    expect(page.locator(".alert-success")).to_be_visible()
    problem.refresh_from_db()
    assert (problem.department, problem.status) == (land_bureau, "assigned")
    context.close()

    # The head of the land bureau answers and writes the resolution, on a phone.
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    _login(page, live_server.url, "wang")
    page.goto(f"{live_server.url}/problems/{problem.pk}/")
    expect(page.locator("body")).to_contain_text("新厂房用地手续未办结")
    page.get_by_label("向企业反馈").fill("已受理，正在协调用地指标")
    page.get_by_role("button", name="提交反馈").click()
    expect(page.locator(".alert-success")).to_contain_text("已记录反馈")
    page.locator("textarea[name='resolution']").fill("用地手续已办结，证书已送达企业")
    page.get_by_role("button", name="提交办理结果").click()
    expect(page.locator(".alert-success")).to_contain_text("等待企业确认")
    screenshot("phone-problem-solved", page)
    problem.refresh_from_db()
    assert problem.status == "solved"
    context.close()

    # The official confirms on the enterprise's behalf: only now is it resolved.
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    _login(page, live_server.url, "zhang")
    page.goto(f"{live_server.url}/problems/{problem.pk}/")
    page.locator("select[name='satisfaction']").select_option("5")
    page.get_by_role("button", name="确认", exact=True).click()
    expect(page.locator(".alert-success")).to_contain_text("诉求已解决")
    problem.refresh_from_db()
    assert (problem.status, problem.satisfaction) == ("resolved", 5)
    assert head.user.username == "wang"
    context.close()

import io

import pytest
from django.core.management import call_command
from docx import Document
from openpyxl import load_workbook
from playwright.sync_api import expect

from enterprises.models import Period
from hengkou.models import SupervisionNotice
from tests.roles import user_with_role


@pytest.mark.django_db(transaction=True)
def test_supervisor_sees_the_figures_closes_a_month_and_downloads_the_bulletin(
    live_server, page, screenshot
):
    call_command("seed_demo", verbosity=0)
    # The economic bureau watches the figures, closes the month and issues the bulletin.
    user_with_role("economic_bureau", username="supervisor", is_staff=True)

    page.goto(f"{live_server.url}/accounts/login/?next=/dashboard/%3Fperiod%3D2021-12")
    page.get_by_label("用户名").fill("supervisor")
    page.get_by_label("密码").fill("pass-word-123")
    page.get_by_role("button", name="登录").click()

    # The article's 2021 figures, on the December dashboard.
    expect(page.locator("h1")).to_contain_text("2021-12")
    cards = page.locator(".card-body")
    expect(cards.filter(has_text="规上工业总产值累计")).to_contain_text("299,000.00")
    expect(cards.filter(has_text="规上工业总产值累计")).to_contain_text("19.4%")
    expect(cards.filter(has_text="工业投资累计")).to_contain_text("97,200.00")
    expect(cards.filter(has_text="技术改造投资累计")).to_contain_text("43.4%")

    # November: the ranking, then the close.
    page.get_by_label("月份", exact=True).fill("2021-11")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#ranking-table tbody tr").first).to_be_visible()
    screenshot("dashboard-2021-11-open")
    # The close first shows the month's flagged figures nobody explained (the article's
    # enterprises that grew several times over 2020) and asks for confirmation.
    expect(page.locator("#unexplained-flags")).to_contain_text("尚未说明")
    expect(page.locator("#unexplained-flags .unexplained-flag").first).to_be_visible()
    page.get_by_label("仍然关账：我已查看未说明的标记。").check()
    page.locator("#close-with-flags").get_by_role("button", name="关账").click()
    expect(page.locator(".alert-success")).to_contain_text("2021-11 已关账")
    assert Period.objects.get(period__year=2021, period__month=11).status == "closed"
    notices = SupervisionNotice.objects.filter(period__year=2021, period__month=11).count()
    assert notices > 0
    screenshot("dashboard-2021-11-closed")

    # The notices of the month.
    page.goto(f"{live_server.url}/notices/?period=2021-11")
    expect(page.locator("tbody tr")).to_have_count(notices)

    # The bulletin, in its three formats.
    page.goto(f"{live_server.url}/bulletin/2021-11/")
    expect(page.locator("h1")).to_contain_text("2021年11月")
    screenshot("bulletin-2021-11")
    with page.expect_download() as excel:
        page.get_by_role("link", name="下载 Excel").click()
    workbook = load_workbook(io.BytesIO(excel.value.path().read_bytes()))
    assert len(workbook.sheetnames) >= 3
    with page.expect_download() as word:
        page.get_by_role("link", name="下载 Word").click()
    document = Document(io.BytesIO(word.value.path().read_bytes()))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "2021年11月" in text and "万元" in text
    with page.expect_download() as pdf:
        page.get_by_role("link", name="下载 PDF").click()
    assert pdf.value.path().read_bytes().startswith(b"%PDF")

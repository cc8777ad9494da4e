"""A newcomer opens the year and month pages of the demo with no parameters and sees figures.

Whatever period the demo's data ends in, each page opens on the latest period with data: the
assessment ranks departments with real totals, the overview quotes real output, the visit-duty
page counts met duties; pages without any data render on the current period.
"""

import datetime

import pytest
from django.db.models import Max
from django.utils import timezone

from enterprises.models import MonthlyReport, Target, Visit, WorkReport
from hengkou.models import Inspection
from tests.e2e.demo_world import load_demo, sign_in


def _picker(page, name: str) -> str:
    return page.locator(f"main input[name='{name}']").first.input_value()


@pytest.mark.django_db(transaction=True)
def test_year_and_month_pages_open_on_the_latest_period_with_data(
    live_server, page, settings, tmp_path, screenshot
):
    logins = load_demo(settings, tmp_path)
    today = timezone.localdate()
    reviewed = today.year if today.month == 12 else today.year - 1
    sign_in(page, live_server.url, logins["administrator"])

    # The assessment: the latest year with targets, departments ranked on real totals.
    latest_target = Target.objects.filter(year__lte=reviewed).aggregate(y=Max("year"))["y"]
    page.goto(f"{live_server.url}/assessment/")
    screenshot("default-assessment")
    assert _picker(page, "year") == str(latest_target)
    totals = page.locator("tbody td.fw-semibold").all_inner_texts()
    assert totals and any(float(total) > 0 for total in totals)
    if latest_target != reviewed:
        assert f"显示有数据的最近年份：{latest_target}" in page.content()

    # The overview: the latest year with monthly figures, with its above-scale output.
    latest_report = MonthlyReport.objects.filter(
        period__lte=datetime.date(reviewed, 12, 31)
    ).aggregate(p=Max("period"))["p"]
    page.goto(f"{live_server.url}/overview/")
    screenshot("default-overview")
    assert _picker(page, "year") == str(latest_report.year)
    output = page.locator("#figure-output .fs-4").inner_text().split()[0]
    assert float(output.replace(",", "")) > 0

    # Visit duties: the latest month with a visit, with duties met.
    latest_visit = Visit.objects.filter(visited_on__lte=today).aggregate(d=Max("visited_on"))["d"]
    page.goto(f"{live_server.url}/compliance/")
    screenshot("default-compliance")
    assert _picker(page, "period") == f"{latest_visit:%Y-%m}"
    met = page.locator("main table").first.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert any(int(value) > 0 for value in met)

    # Work reports and inspections: the latest period with some, else the current one.
    latest_work = WorkReport.objects.aggregate(p=Max("period"))["p"] or today.replace(day=1)
    page.goto(f"{live_server.url}/work-reports/")
    screenshot("default-work-reports")
    assert _picker(page, "period") == f"{latest_work:%Y-%m}"
    latest_inspection = Inspection.objects.aggregate(y=Max("year"))["y"] or today.year
    page.goto(f"{live_server.url}/inspections/")
    screenshot("default-inspections")
    assert _picker(page, "year") == str(latest_inspection)

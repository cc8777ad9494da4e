"""The data-quality board, its API, and the close that asks about unexplained flags."""

import datetime
import io
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from rest_framework.test import APIClient

from enterprises.models import FigureFlag, Period
from enterprises.services.quality import explain_figure_flag
from hengkou.bulletin.content import get_bulletin
from hengkou.bulletin.document import official_document
from hengkou.bulletin.xlsx import render_bulletin_xlsx
from hengkou.services.close import close_month
from tests.factories import AssignmentFactory, DepartmentFactory, MonthlyReportFactory
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
OCT, NOV = datetime.date(2021, 10, 1), datetime.date(2021, 11, 1)


def unit_error(department=None, *, name=None):
    """Plant a 万元 figure entered in 元: November's output ten thousand times October's."""
    assignment = AssignmentFactory(year=2021, **({"department": department} if department else {}))
    if name:
        assignment.enterprise.name = name
        assignment.enterprise.save()
    MonthlyReportFactory(enterprise=assignment.enterprise, period=OCT, output_value=100)
    MonthlyReportFactory(enterprise=assignment.enterprise, period=NOV, output_value=1000000)
    return assignment


def a_world(departments: int, per_department: int):
    bureau = user_with_role("economic_bureau")
    for _ in range(departments):
        department = DepartmentFactory()
        for _ in range(per_department):
            unit_error(department)
    return bureau


def explain_all(user, **filters):
    for flag in FigureFlag.objects.filter(**filters):
        explain_figure_flag(flag=flag, explanation="属实", acting_user=user, now=timezone.now())


def test_the_board_counts_flags_by_department_explained_or_not(client):
    bureau = user_with_role("economic_bureau")
    first, second = DepartmentFactory(name="甲局"), DepartmentFactory(name="乙局")
    unit_error(first, name="甲企业")
    unit_error(first, name="乙企业")
    unit_error(second, name="丙企业")
    explain_all(bureau, enterprise__name="甲企业")
    client.force_login(bureau)
    page = client.get(reverse("data_quality"), {"period": "2021-11"}).content.decode()
    assert "2021-11：3 户企业的数据共有标记 3 条，已说明 1 条，未说明 2 条" in page
    assert page.count('class="quality-flag') == 3
    assert page.count('class="quality-flag table-warning"') == 2
    assert "属实" in page
    shown = client.get(reverse("data_quality"), {"period": "2021-11", "shown": "unexplained"})
    assert shown.content.decode().count('class="quality-flag') == 2

    api = APIClient()
    api.force_authenticate(bureau)
    body = api.get("/api/v1/data-quality/", {"period": "2021-11"}).json()
    assert (body["flags"], body["explained"], body["unexplained"], body["enterprises"]) == (
        3,
        1,
        2,
        3,
    )
    by_name = {row["department_name"]: row for row in body["departments"]}
    assert by_name["甲局"]["flags"] == 2 and by_name["甲局"]["explained"] == 1
    assert by_name["乙局"]["unexplained"] == 1
    listed = api.get("/api/v1/figure-flags/", {"period": "2021-11", "explained": "false"}).json()
    assert listed["count"] == 2
    assert {row["enterprise_name"] for row in listed["results"]} == {"乙企业", "丙企业"}
    assert api.get("/api/v1/data-quality/", {"period": "2021-13"}).status_code == 400


def test_the_boards_counts_add_up_to_the_rows_beside_them(client):
    bureau = user_with_role("economic_bureau", is_staff=True)
    first, second = DepartmentFactory(name="甲局"), DepartmentFactory(name="乙局")
    unit_error(first, name="甲企业")
    unit_error(first, name="乙企业")
    unit_error(second, name="丙企业")
    explain_all(bureau, enterprise__name="甲企业")
    client.force_login(bureau)
    page = client.get(reverse("data_quality"), {"period": "2021-11"}).content.decode()
    total = re.search(r'<tr[^>]*id="quality-departments-total">(.*?)</tr>', page, re.S)
    cells = re.findall(r'<td class="text-end">(\d+)</td>', total.group(1))
    assert "合计" in total.group(1) and cells == ["3", "3", "1", "2"]
    assert "被标记企业（户）" in page and "未说明（条）" in page
    assert "本月全部标记（3 条）" in page and page.count('class="quality-flag') == 3
    shown = client.get(reverse("data_quality"), {"period": "2021-11", "shown": "unexplained"})
    shown = shown.content.decode()
    assert "未说明的标记（2 条）" in shown and shown.count('class="quality-flag') == 2
    shown = client.get(reverse("data_quality"), {"period": "2021-11", "shown": "explained"})
    assert "已说明的标记（1 条）" in shown.content.decode()


def test_the_board_links_each_open_flag_to_its_reports_correction(client):
    assignment = unit_error()
    report = FigureFlag.objects.get().report
    bureau = user_with_role("economic_bureau", is_staff=True)
    client.force_login(bureau)
    page = client.get(reverse("data_quality"), {"period": "2021-11"}).content.decode()
    change = reverse("admin:enterprises_monthlyreport_change", args=[report.pk])
    assert f'class="quality-correct" href="{change}"' in page
    assert client.get(change).status_code == 200
    # Not once the month is closed (the report is locked), nor for a reader without the admin.
    close_month(period=NOV, acting_user=bureau, now=timezone.now(), confirm_unexplained=True)
    page = client.get(reverse("data_quality"), {"period": "2021-11"}).content.decode()
    assert "quality-correct" not in page
    client.force_login(user_with_role("supervision_office"))
    page = client.get(reverse("data_quality"), {"period": "2021-11"}).content.decode()
    assert assignment.enterprise.name in page and "quality-correct" not in page


def test_the_board_opens_on_the_latest_month_with_figures_and_refuses_one_not_begun(client):
    unit_error()
    client.force_login(user_with_role("economic_bureau"))
    page = client.get(reverse("data_quality")).content.decode()
    assert "2021-11：1 户企业的数据共有标记 1 条" in page
    page = client.get(reverse("data_quality"), {"period": "2099-01"}).content.decode()
    assert "2099-01 尚未开始" in page and "2021-11：1 户企业的数据共有标记 1 条" in page
    page = client.get(reverse("data_quality"), {"period": "2021-13"}).content.decode()
    assert 'class="invalid-feedback"' in page and "2021-11：1 户企业的数据共有" in page


def test_a_department_sees_and_explains_only_its_own_flags(client):
    own = unit_error()
    unit_error()
    reporter = user_with_role("department_user", official=True)
    reporter.official.department = own.department
    reporter.official.save()
    client.force_login(reporter)
    page = client.get(reverse("data_quality"), {"period": "2021-11"}).content.decode()
    assert page.count('class="quality-flag') == 1
    assert 'class="quality-explain"' in page
    mine = FigureFlag.objects.get(enterprise=own.enterprise)
    other = FigureFlag.objects.exclude(pk=mine.pk).get()
    url = reverse("data_quality_explain", args=[other.pk])
    assert client.post(url, {"explanation": "属实"}).status_code == 404
    response = client.post(
        reverse("data_quality_explain", args=[mine.pk]), {"explanation": "  新生产线投产  "}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.explanation == "新生产线投产" and mine.explained_by == reporter
    # A blank reason is refused with a message, and nothing changes.
    client.post(reverse("data_quality_explain", args=[mine.pk]), {"explanation": " "})
    mine.refresh_from_db()
    assert mine.explanation == "新生产线投产"


def test_the_api_explains_a_flag_with_history_and_refuses_others():
    assignment = unit_error()
    flag = FigureFlag.objects.get()
    api = APIClient()
    api.force_authenticate(user_with_role("county_leader"))
    url = f"/api/v1/figure-flags/{flag.pk}/explain/"
    assert api.post(url, {"explanation": "属实"}, format="json").status_code in (403, 404)
    bureau = user_with_role("economic_bureau")
    api.force_authenticate(bureau)
    assert api.post(url, {"explanation": ""}, format="json").status_code == 400
    assert api.post(url, {"explanation": "x" * 301}, format="json").status_code == 400
    response = api.post(url, {"explanation": "季度集中交货"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["explained"] is True and body["explanation"] == "季度集中交货"
    assert body["department"] == assignment.department_id
    history = api.get("/api/v1/history/", {"model": "enterprises.figureflag", "object_id": flag.pk})
    assert history.status_code == 200, history.content
    assert "季度集中交货" in history.content.decode()


def test_the_page_close_shows_the_unexplained_flags_and_closes_once_confirmed(client):
    unit_error(name="丰泽食品")
    bureau = user_with_role("economic_bureau")
    client.force_login(bureau)
    page = client.get(reverse("dashboard"), {"period": "2021-11"}).content.decode()
    assert 'id="unexplained-flags"' in page and "丰泽食品" in page
    assert 'name="confirm_unexplained"' in page
    refused = client.post(
        reverse("dashboard_close"), {"period": "2021-11", "metric": "output_value"}
    )
    assert refused.status_code == 302
    assert not Period.is_closed(NOV)
    closed = client.post(
        reverse("dashboard_close"),
        {"period": "2021-11", "metric": "output_value", "confirm_unexplained": "1"},
    )
    assert closed.status_code == 302
    assert Period.is_closed(NOV)


def test_block_mode_refuses_the_close_until_every_flag_is_explained(client, settings):
    settings.HENGKOU_DQ_CLOSE_MODE = "block"
    unit_error()
    bureau = user_with_role("economic_bureau")
    client.force_login(bureau)
    page = client.get(reverse("dashboard"), {"period": "2021-11"}).content.decode()
    assert 'name="confirm_unexplained"' not in page
    data = {"period": "2021-11", "metric": "output_value", "confirm_unexplained": "1"}
    client.post(reverse("dashboard_close"), data)
    assert not Period.is_closed(NOV)
    api = APIClient()
    api.force_authenticate(bureau)
    response = api.post(
        "/api/v1/periods/2021-11/close/", {"confirm_unexplained": True}, format="json"
    )
    assert response.status_code == 409 and response.json()["blocked"] is True
    explain_all(bureau)
    assert api.post("/api/v1/periods/2021-11/close/").status_code == 200
    assert Period.is_closed(NOV)


def test_the_api_close_answers_409_listing_the_flags_unless_confirmed():
    unit_error(name="丰泽食品")
    api = APIClient()
    api.force_authenticate(user_with_role("economic_bureau"))
    response = api.post("/api/v1/periods/2021-11/close/")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "unexplained_flags" and body["count"] == 1 and not body["blocked"]
    (flag,) = body["flags"]
    assert flag["enterprise_name"] == "丰泽食品" and flag["rule"] == "month_jump"
    assert "1,000,000.00" in flag["message"]
    assert not Period.is_closed(NOV)
    bad = api.post("/api/v1/periods/2021-11/close/", {"confirm_unexplained": "yes"}, format="json")
    assert bad.status_code == 400
    done = api.post("/api/v1/periods/2021-11/close/", {"confirm_unexplained": True}, format="json")
    assert done.status_code == 200, done.content
    assert Period.is_closed(NOV)


def test_the_bulletin_notes_how_many_figures_were_explained(client):
    bureau = user_with_role("economic_bureau")
    unit_error()
    unit_error(name="已说明企业")
    explain_all(bureau, enterprise__name="已说明企业")
    close_month(period=NOV, acting_user=bureau, now=timezone.now(), confirm_unexplained=True)
    bulletin = get_bulletin(period=NOV)
    assert (bulletin.flags, bulletin.flags_explained) == (2, 1)
    note = "疑似异常标记 2 条（一项数据触犯一条规则计一条），已由报送单位说明 1 条，未说明 1 条"
    assert note in bulletin.data_quality_note
    texts = [paragraph.text for paragraph in official_document(bulletin).body]
    # The official document writes numbers without the spaces around them.
    assert any(note.replace(" ", "") in text for text in texts)
    sheet = load_workbook(io.BytesIO(render_bulletin_xlsx(bulletin))).worksheets[0]
    cells = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert bulletin.data_quality_note in cells
    client.force_login(bureau)
    page = client.get(reverse("bulletin:detail", args=["2021-11"])).content.decode()
    assert 'id="data-quality-note"' in page and "已由报送单位说明 1 条" in page


@pytest.mark.parametrize("size", [(2, 2), (4, 6)])
def test_the_board_and_its_api_take_a_bounded_number_of_queries(
    client, size, django_assert_max_num_queries
):
    bureau = a_world(*size)
    client.force_login(bureau)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("data_quality"), {"period": "2021-11"}).status_code == 200
    api = APIClient()
    api.force_authenticate(bureau)
    with django_assert_max_num_queries(8):
        assert api.get("/api/v1/data-quality/", {"period": "2021-11"}).status_code == 200
    with django_assert_max_num_queries(8):
        assert api.get("/api/v1/figure-flags/", {"period": "2021-11"}).status_code == 200
    with django_assert_max_num_queries(40):
        assert client.get(reverse("dashboard"), {"period": "2021-11"}).status_code == 200
    assert FigureFlag.objects.count() == size[0] * size[1]
    assert Decimal(FigureFlag.objects.first().params["compared"]) == 100


def test_the_close_command_refuses_unexplained_flags_unless_confirmed(settings, tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.MEDIA_ROOT = tmp_path
    unit_error()
    with pytest.raises(CommandError, match="未说明"):
        call_command("close_month", "2021-11")
    assert not Period.is_closed(NOV)
    call_command("close_month", "2021-11", "--confirm-unexplained", stdout=StringIO())
    assert Period.is_closed(NOV)

"""The admin's changelists taken away as .xlsx: the filtered rows with the changelist's columns."""

import html
import io
import re
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.admin.sites import site
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.models.query import QuerySet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from core.admin import CHUNK_SIZE
from enterprises.models import Department
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    EnterpriseFactory,
    OfficialFactory,
    ProblemFactory,
    UserFactory,
)
from tests.hengkou.test_admin import ADMIN_MODELS, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(client):
    client.force_login(UserFactory(username="clerk", is_staff=True, is_superuser=True))
    return client


def _model(app_label, model_name):
    return next(
        model
        for model in site._registry
        if (model._meta.app_label, model._meta.model_name) == (app_label, model_name)
    )


def _workbook_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _changelist_table(page: str) -> tuple[list[str], list[list[str]]]:
    """Return the header texts and the cell texts of a rendered changelist (no checkbox column)."""
    table = re.search(r'<table id="result_list">(.*?)</table>', page, re.S).group(1)
    thead = re.search(r"<thead>(.*?)</thead>", table, re.S).group(1)
    headers = [
        _text(cell)
        for cell in re.findall(r'<div class="text">(.*?)</div>', thead, re.S)
        if _text(cell)
    ]
    tbody = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    rows = [
        [_text(cell) for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)][1:]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", tbody, re.S)
    ]
    return headers, rows


def _export(client, app_label, model_name, query):
    url = reverse(f"admin:{app_label}_{model_name}_export_xlsx")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, query)
    return _workbook_rows(response), len(queries)


@pytest.mark.parametrize(("app_label", "model_name"), ADMIN_MODELS)
def test_export_of_a_filtered_changelist_has_its_columns_and_only_its_rows(
    clerk, app_label, model_name
):
    build_world(2)
    model = _model(app_label, model_name)
    wanted = model.objects.order_by("pk").first()
    query = {"pk__in": str(wanted.pk)}
    changelist = clerk.get(reverse(f"admin:{app_label}_{model_name}_changelist"), query)
    assert changelist.status_code == 200
    page = changelist.content.decode()
    headers, shown = _changelist_table(page)
    assert reverse(f"admin:{app_label}_{model_name}_export_xlsx") + "?pk__in=" in page

    rows, _queries = _export(clerk, app_label, model_name, query)

    assert rows[0] == headers
    assert len(rows) == 2 == len(shown) + 1
    for value, text in zip(rows[1], shown[0], strict=True):
        # Text is written as the changelist shows it; numbers and dates keep their type.
        if isinstance(value, str) and "是" not in value and "否" not in value:
            assert value == text


@pytest.mark.parametrize(("app_label", "model_name"), ADMIN_MODELS)
def test_export_runs_a_constant_number_of_queries(clerk, app_label, model_name):
    model = _model(app_label, model_name)
    build_world(2)
    small_rows, small = _export(clerk, app_label, model_name, {})
    build_world(20)
    large_rows, large = _export(clerk, app_label, model_name, {})
    assert len(small_rows) - 1 == model.objects.count() - (len(large_rows) - len(small_rows))
    assert len(large_rows) - 1 == model.objects.count()
    assert small == large <= 15


def test_values_are_shown_as_on_the_changelist(clerk):
    department = DepartmentFactory(name="一局")
    ProblemFactory(
        department=department,
        enterprise=EnterpriseFactory(name="甲公司"),
        status="assigned",
        category="land",
    )
    rows, _queries = _export(
        clerk, "enterprises", "problem", {"department__id__exact": department.pk}
    )
    assert rows[0][:5] == ["企业", "类别", "程度", "责任部门", "状态"]
    # A related object as its text, choices as their labels.
    assert rows[1][0] == "甲公司"
    assert rows[1][3] == "一局"
    assert rows[1][4] == "已交办"
    assert rows[1][1] == "用地"


def test_booleans_are_yes_and_no(clerk):
    build_world(1)
    rows, _queries = _export(clerk, "enterprises", "loan", {})
    header = rows[0]
    column = next(i for i, label in enumerate(header) if "风险" in label)
    assert rows[1][column] in {"是", "否"}


def test_search_and_ordering_apply(clerk):
    for code, name in [("D2", "乙局"), ("D1", "甲局"), ("D3", "丙办")]:
        DepartmentFactory(code=code, name=name)
    rows, _queries = _export(clerk, "enterprises", "department", {"q": "局", "o": "-1"})
    assert [row[0] for row in rows[1:]] == ["D2", "D1"]


def test_bad_filters_are_refused_with_a_message_and_no_file(clerk):
    clerk.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = clerk.get(
        reverse("admin:enterprises_problem_export_xlsx"), {"raised_on__gte": "not a date"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:enterprises_problem_changelist")
    page = clerk.get(response["Location"]).content.decode()
    assert "The filters of this list are not valid: nothing exported." in page


def test_the_action_exports_the_selected_rows(clerk):
    departments = [DepartmentFactory(code=f"D{i}", name=f"{i}局") for i in range(3)]
    response = clerk.post(
        reverse("admin:enterprises_department_changelist"),
        {
            "action": "export_selected_xlsx",
            "_selected_action": [departments[0].pk, departments[2].pk],
        },
    )
    rows = _workbook_rows(response)
    assert rows[0] == ["编码", "名称", "类型"]
    assert [row[0] for row in rows[1:]] == ["D0", "D2"]
    clerk.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = clerk.get(reverse("admin:enterprises_department_changelist")).content.decode()
    assert 'value="export_selected_xlsx"' in page
    assert "Export selected departments to Excel" in page
    assert "Export to Excel" in page


def test_export_needs_the_view_permission(client):
    DepartmentFactory()
    url = reverse("admin:enterprises_department_export_xlsx")
    client.force_login(UserFactory(username="anonymous-ish"))
    assert client.get(url).status_code == 302  # not staff: to the admin's login
    staff = UserFactory(username="staff", is_staff=True)
    client.force_login(staff)
    assert client.get(url).status_code == 403
    response = client.post(
        reverse("admin:enterprises_department_changelist"),
        {"action": "export_selected_xlsx", "_selected_action": [Department.objects.get().pk]},
    )
    assert response.status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="view_department"))
    client.force_login(staff)
    shown = client.get(reverse("admin:enterprises_department_changelist")).context["cl"]
    # Whatever rows the changelist gives this user (its scope applies), the export gives too.
    assert len(_workbook_rows(client.get(url))) == shown.result_count + 1


def test_export_applies_the_admins_own_queryset(clerk):
    DepartmentFactory(code="D1")
    DepartmentFactory(code="D2")
    admin = site._registry[Department]
    original = type(admin).get_queryset

    def scoped(self, request):
        return original(self, request).filter(code="D2")

    with mock.patch.object(type(admin), "get_queryset", scoped):
        rows, _queries = _export(clerk, "enterprises", "department", {})
    assert [row[0] for row in rows[1:]] == ["D2"]


def test_twenty_thousand_rows_are_read_in_chunks(clerk):
    Department.objects.bulk_create(
        Department(code=f"C{index:05d}", name=f"部门{index:05d}") for index in range(20_500)
    )
    calls = []
    iterator = QuerySet.iterator

    def spy(self, chunk_size=None):
        calls.append(chunk_size)
        return iterator(self, chunk_size=chunk_size)

    with mock.patch.object(QuerySet, "iterator", spy):
        rows, queries = _export(clerk, "enterprises", "department", {})
    assert calls == [CHUNK_SIZE]
    assert len(rows) == 20_501
    assert rows[-1] == ["C20499", "部门20499", "包抓部门"]
    assert queries <= 15


def test_a_department_user_exports_only_the_rows_of_their_department(client):
    own, other = DepartmentFactory(name="一局"), DepartmentFactory(name="二局")
    for department, name in [(own, "甲公司"), (other, "乙公司")]:
        assignment = AssignmentFactory(department=department, enterprise__name=name)
        ProblemFactory(department=department, enterprise=assignment.enterprise)
    user = UserFactory(username="clerk-of-one", is_staff=True)
    user.groups.add(Group.objects.get(name="department_user"))
    OfficialFactory(user=user, department=own)
    client.force_login(user)
    rows = _workbook_rows(client.get(reverse("admin:enterprises_problem_export_xlsx")))
    assert [row[0] for row in rows[1:]] == ["甲公司"]

"""The enterprises' kinds of import: targets, enterprises, assignments, months, the sample row."""

import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.imports.engine import run_import
from core.imports.kinds import get_kind
from core.imports.templates import render_template
from enterprises.imports import SAMPLE_CREDIT_CODE
from enterprises.models import Enterprise, MonthlyReport, Target
from tests.core.imports.helpers import MONTHLY_HEADER, monthly_row, xlsx
from tests.factories import (
    AssignmentFactory,
    EnterpriseFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

KIND = "monthly_reports"


def run(rows, *, user=None, dry_run=False, title_rows=()):
    return run_import(
        kind=get_kind(KIND),
        source=io.BytesIO(xlsx(rows, title_rows=title_rows)),
        user=user,
        dry_run=dry_run,
    )


def messages(result):
    return [(error.row, error.column, error.message) for error in result.errors]


@pytest.fixture
def clerk(client):
    user = UserFactory(is_superuser=True)
    client.force_login(user)
    return user


def upload(client, content, kind="monthly_reports"):
    response = client.post(
        reverse("imports:upload", args=[kind]),
        {"file": SimpleUploadedFile("figures.xlsx", content)},
    )
    assert response.status_code == 200
    return response.content.decode()


def table(page, element_id):
    found = re.search(rf'<table[^>]*id="{element_id}".*?</table>', page, re.S)
    return found.group(0) if found else ""


def test_targets_refuse_a_bad_choice_and_accept_labels_and_values():
    enterprise = EnterpriseFactory()
    header = ["年度", "统一社会信用代码", "指标", "目标值"]
    result = run_import(
        kind=get_kind("targets"),
        source=io.BytesIO(
            xlsx(
                [
                    header,
                    [2021, enterprise.credit_code, "工业总产值", "1,200"],
                    [2021, enterprise.credit_code, "revenue", 900],
                    [2021, enterprise.credit_code, "产量", 5],
                ]
            )
        ),
    )
    assert [(e.row, e.column) for e in result.errors] == [(4, "指标")]
    assert Target.objects.count() == 0
    result = run_import(
        kind=get_kind("targets"),
        source=io.BytesIO(xlsx([header, [2021, enterprise.credit_code, "工业总产值", "1,200"]])),
    )
    assert result.written
    assert Target.objects.get().value == Decimal("1200")


def test_round_trip_of_enterprises_assignments_and_targets_changes_nothing():
    from tests.factories import TargetFactory

    AssignmentFactory.create_batch(2, enterprise__chain_role="producer", plan_goals="目标")
    TargetFactory.create_batch(2)
    for key in ("enterprises", "assignments", "targets"):
        kind = get_kind(key)
        content = render_template(kind, (kind.export_row(o) for o in kind.export_queryset()))
        result = run_import(kind=kind, source=io.BytesIO(content))
        assert result.ok, (key, messages(result))
        assert result.created == result.updated == 0
        assert result.unchanged == kind.model.objects.count()


def test_enterprises_are_created_with_their_code_checked():
    from enterprises.models import Enterprise
    from enterprises.validators import build_credit_code

    good = build_credit_code(123)
    header = ["统一社会信用代码", "名称", "链上角色", "从业人员", "带动脱贫人口就业"]
    rows = [
        header,
        [good.lower(), "新企业有限公司", "生产企业", 10, 2],
        [good[:-1] + "0", "校验位错", "", 1, 0],
        [build_credit_code(124), "贫困就业过多", "", 1, 5],
    ]
    clerk = UserFactory(is_superuser=True)
    result = run_import(kind=get_kind("enterprises"), source=io.BytesIO(xlsx(rows)), user=clerk)
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "统一社会信用代码"),
        (4, "带动脱贫人口就业"),
    ]
    assert Enterprise.objects.count() == 0
    result = run_import(kind=get_kind("enterprises"), source=io.BytesIO(xlsx(rows[:2])), user=clerk)
    enterprise = Enterprise.objects.get()
    assert (enterprise.credit_code, enterprise.chain_role, enterprise.employees) == (
        good,
        "producer",
        10,
    )
    assert enterprise.history.get().history_user == clerk


def test_a_month_not_begun_yet_is_refused_row_by_row_and_nothing_is_written():
    enterprise = EnterpriseFactory()
    result = run(
        [
            MONTHLY_HEADER,
            monthly_row(enterprise.credit_code, "2021-11"),
            monthly_row(enterprise.credit_code, "2035-01"),
            monthly_row(enterprise.credit_code, "2100-12"),
        ]
    )
    assert not result.written and MonthlyReport.objects.count() == 0
    assert [(error.row, error.column, error.value) for error in result.errors] == [
        (3, "月份", "2035-01"),
        (4, "月份", "2100-12"),
    ]
    assert "尚未开始" in result.errors[0].message


def test_the_sample_row_of_an_old_template_is_refused_naming_the_row(client, clerk):
    enterprise = EnterpriseFactory()
    sample = monthly_row(SAMPLE_CREDIT_CODE, "2021-11")
    page = upload(client, xlsx([MONTHLY_HEADER, sample, monthly_row(enterprise.credit_code)]))
    errors = table(page, "import-errors")
    assert "第 2 行是旧版模板中的示例行" in errors and SAMPLE_CREDIT_CODE in errors
    assert "没有统一社会信用代码" not in errors  # not the misleading "no such enterprise"
    assert 'id="import-confirm"' not in page
    assert MonthlyReport.objects.count() == 0


def test_the_sample_row_is_refused_even_if_its_enterprise_was_created_by_an_old_import():
    EnterpriseFactory(credit_code=SAMPLE_CREDIT_CODE, name="示例企业有限公司")
    rows = [MONTHLY_HEADER, monthly_row(SAMPLE_CREDIT_CODE, "2021-11")]
    result = run_import(kind=get_kind("monthly_reports"), source=io.BytesIO(xlsx(rows)))
    assert not result.written and [e.row for e in result.errors] == [2]
    enterprises = [["统一社会信用代码", "名称"], [SAMPLE_CREDIT_CODE, "示例企业有限公司"]]
    Enterprise.objects.all().delete()
    result = run_import(kind=get_kind("enterprises"), source=io.BytesIO(xlsx(enterprises)))
    assert not result.written and "示例行" in result.errors[0].message
    assert not Enterprise.objects.exists()

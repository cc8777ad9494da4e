"""Imports of the zone's milestones, promotion events and chains by year: enterprises named by
name (an unknown one refused at its row), bounds, dates not begun, all or nothing, the round
trip, formulas kept as text and guarded on export, templates to download."""

import datetime
import io
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from core.imports.engine import run_import
from core.imports.kinds import get_kind
from core.imports.templates import render_template
from enterprises.models import ChainYear, Milestone, PromotionEvent
from tests.core.imports.helpers import xlsx
from tests.enterprises.test_fact_imports import _text_cell_workbook
from tests.factories import ChainYearFactory, EnterpriseFactory, MilestoneFactory
from tests.roles import user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

MILESTONE_HEADER = ["日期", "类型", "标题", "级别", "企业", "合作单位", "备注"]
EVENT_HEADER = ["日期", "活动", "城市", "企业", "备注"]
CHAIN_HEADER = [
    "产业链",
    "年度",
    "企业",
    "产值（万元）",
    "累计产值（万元）",
    "就业人数",
    "带动脱贫人口就业人数",
    "支部工厂数",
    "家庭作坊数",
    "人均增收（元）",
    "带动配套企业数",
    "数据来源说明",
]
ANBEISI = "安贝斯玩具科创（安康）有限公司"
HENGAN = "安康恒安玩具有限公司"


@pytest.fixture(autouse=True)
def today():
    noon = datetime.datetime(2026, 12, 4, 12, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(noon, tick=False):
        yield


@pytest.fixture
def firms():
    return EnterpriseFactory(name=ANBEISI, chain="毛绒玩具"), EnterpriseFactory(
        name=HENGAN, chain="毛绒玩具"
    )


def run(kind, rows, *, user=None, dry_run=False):
    return run_import(
        kind=get_kind(kind), source=io.BytesIO(xlsx(rows)), user=user, dry_run=dry_run
    )


def errors(result):
    return [(error.row, error.column, error.message) for error in result.errors]


def test_the_headers_are_the_templates():
    for key, header in (
        ("milestones", MILESTONE_HEADER),
        ("promotion_events", EVENT_HEADER),
        ("chain_years", CHAIN_HEADER),
    ):
        assert [column.header() for column in get_kind(key).columns] == header, key


def test_milestones_are_previewed_then_written_with_their_enterprises(firms):
    anbeisi, hengan = firms
    base, centre, both = (
        "国家外贸转型升级基地",
        "纳米多功能性纤维协同创新中心",
        f"{ANBEISI}、{HENGAN}",
    )
    rows = [
        MILESTONE_HEADER,
        ["2021-06-30", "recognition", base, "national", None, None, None],
        ["2021-10-13", "平台", centre, "city", both, "苏州大学", None],
    ]
    preview = run("milestones", rows, dry_run=True)
    assert preview.ok, errors(preview)
    assert preview.created == 2 and not Milestone.objects.exists()
    bureau = user_with_role("economic_bureau")
    result = run("milestones", rows, user=bureau)
    assert result.ok, errors(result)
    centre = Milestone.objects.get(happened_on=datetime.date(2021, 10, 13))
    assert set(centre.enterprises.all()) == {anbeisi, hengan}
    assert centre.institutions == "苏州大学" and centre.kind == "platform"
    assert not Milestone.objects.get(level="national").enterprises.exists()
    # The many-to-many's history names the importer.
    assert centre.history.first().history_user == bureau
    # A filled cell replaces the list, a blank one leaves it.
    rows[2][4] = ANBEISI
    assert run("milestones", rows).ok
    assert list(centre.enterprises.all()) == [anbeisi]
    rows[2][4] = None
    again = run("milestones", rows)
    assert again.ok and again.unchanged == 2
    assert list(centre.enterprises.all()) == [anbeisi]


def test_an_unknown_enterprise_is_refused_at_its_row_and_nothing_is_written(firms):
    rows = [
        MILESTONE_HEADER,
        ["2021-06-30", "recognition", "基地", "national", ANBEISI, None, None],
        ["2021-10-09", "platform", "创新中心", "provincial", f"{ANBEISI}、无此企业", None, None],
        ["2021-10-10", "platform", "另一中心", "provincial", "也无此企业", None, None],
    ]
    result = run("milestones", rows)
    assert not result.ok
    assert [(row, column) for row, column, _message in errors(result)] == [(3, "企业"), (4, "企业")]
    assert "无此企业" in errors(result)[0][2]
    assert not Milestone.objects.exists()
    events = [EVENT_HEADER, ["2021-09-10", "展销活动", "南宁", "无此企业", None]]
    result = run("promotion_events", events)
    assert [(row, column) for row, column, _message in errors(result)] == [(2, "企业")]
    assert not PromotionEvent.objects.exists()


@pytest.mark.parametrize(
    ("row", "column"),
    [
        (["2026-12-05", "recognition", "明天的基地", "national", None, None, None], "日期"),
        (["2021-06-30", "recognition", "基地", "世界级", None, None, None], "级别"),
        (["2021-06-30", "recognition", "题" * 201, "national", None, None, None], "标题"),
    ],
    ids=["a-day-not-begun", "an-unknown-level", "a-title-too-long"],
)
def test_a_bad_milestone_is_refused_naming_its_cell(row, column):
    result = run("milestones", [MILESTONE_HEADER, row])
    assert [(r, c) for r, c, _message in errors(result)] == [(2, column)]
    assert not Milestone.objects.exists()


def test_a_cell_naming_too_many_enterprises_is_refused():
    names = "、".join(f"企业{n}" for n in range(51))
    result = run(
        "promotion_events", [EVENT_HEADER, ["2021-09-10", "展销活动", "南宁", names, None]]
    )
    assert [(r, c) for r, c, _message in errors(result)] == [(2, "企业")]
    assert "50" in errors(result)[0][2]


def test_promotion_events_with_their_enterprises(firms):
    anbeisi, hengan = firms
    rows = [
        EVENT_HEADER,
        ["2021-05-11", "名优特色产品展销活动", "西安", f"{ANBEISI}、{HENGAN}", None],
        ["2021-09-10", "名优特色产品展销活动", "南宁", HENGAN, "日期为示例"],
    ]
    result = run("promotion_events", rows)
    assert result.ok and result.created == 2, errors(result)
    assert set(PromotionEvent.objects.get(city="西安").enterprises.all()) == {anbeisi, hengan}
    assert list(PromotionEvent.objects.get(city="南宁").enterprises.all()) == [hengan]


def test_chain_years_of_the_chain_and_of_its_enterprises_round_trip(firms):
    anbeisi, hengan = firms
    chain, none = "毛绒玩具", [None] * 3
    rows = [
        CHAIN_HEADER,
        [chain, 2021, None, "60924.12", "109800", 3107, 378, 15, None, "30000", None, "截至年底"],
        [chain, 2021, HENGAN, "25000", None, 1046, *none, None, None, "1046人"],
        [chain, 2021, ANBEISI, None, None, None, *none, None, 10, "10余家"],
    ]
    result = run("chain_years", rows)
    assert result.ok and result.created == 3, errors(result)
    whole = ChainYear.objects.get(enterprise=None)
    assert (whole.output, whole.cumulative_output, whole.employment) == (
        Decimal("60924.12"),
        Decimal("109800.00"),
        3107,
    )
    assert ChainYear.objects.get(enterprise=hengan).employment == 1046
    # The chain's own row (no enterprise) is found again by its key: a change, not a duplicate.
    rows[1][3] = "61000"
    again = run("chain_years", rows)
    assert again.ok and (again.updated, again.unchanged, again.created) == (1, 2, 0), errors(again)
    whole.refresh_from_db()
    assert whole.output == Decimal("61000.00")
    # The round trip: the exported rows read back unchanged.
    kind = get_kind("chain_years")
    exported = render_template(kind, (kind.export_row(o) for o in kind.export_queryset()))
    back = run_import(kind=kind, source=io.BytesIO(exported))
    assert back.ok and back.unchanged == 3 and back.created == 0, errors(back)


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({1: 2099}, "年度"),
        ({3: "-5"}, "产值（万元）"),
        ({5: 10, 6: 20}, "带动脱贫人口就业人数"),
        ({2: "无此企业"}, "企业"),
        ({5: "许多"}, "就业人数"),
    ],
    ids=[
        "year-not-begun",
        "negative-output",
        "poverty-beyond-employment",
        "unknown",
        "not-a-number",
    ],
)
def test_a_bad_chain_year_is_refused_and_nothing_is_written(firms, changes, column):
    good = ["毛绒玩具", 2021, None, "100", None, None, None, None, None, None, None, None]
    bad = ["毛绒玩具", 2020, None, "100", None, None, None, None, None, None, None, None]
    for index, value in changes.items():
        bad[index] = value
    result = run("chain_years", [CHAIN_HEADER, good, bad])
    assert [(r, c) for r, c, _message in errors(result)] == [(3, column)]
    assert not ChainYear.objects.exists()


def test_formula_text_is_stored_as_text_and_guarded_on_export(firms):
    formula = '=HYPERLINK("http://evil.example","点击")'
    kind = get_kind("milestones")
    content = _text_cell_workbook(
        [
            MILESTONE_HEADER,
            ["2021-06-30", "recognition", formula, "national", ANBEISI, formula, None],
        ]
    )
    result = run_import(kind=kind, source=io.BytesIO(content))
    assert result.ok, errors(result)
    assert Milestone.objects.get().title == formula
    exported = render_template(kind, (kind.export_row(o) for o in kind.export_queryset()))
    sheet = load_workbook(io.BytesIO(exported)).worksheets[0]
    cells = [cell.value for row in sheet.iter_rows() for cell in row if cell.value]
    assert formula not in cells and "'" + formula in cells
    assert ANBEISI in cells
    again = run_import(kind=kind, source=io.BytesIO(exported))
    assert again.ok and again.unchanged == 1


def test_the_templates_download_for_the_bureau_and_not_for_a_department_user(client):
    MilestoneFactory()
    ChainYearFactory(year=2021)
    client.force_login(user_with_role("economic_bureau"))
    for key in ("milestones", "promotion_events", "chain_years"):
        response = client.get(reverse("imports:template", args=[key]))
        assert response.status_code == 200, key
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    client.force_login(user_with_role("department_user", official=True))
    for key in ("milestones", "promotion_events", "chain_years"):
        assert client.get(reverse("imports:template", args=[key])).status_code == 403, key

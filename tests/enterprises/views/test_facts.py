"""The zone's facts on the pages: the chain page's history by year, milestones and trade fairs;
the overview's standing in the city, milestones and fairs; the safety activities' counts."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import (
    ChainYearFactory,
    EnterpriseFactory,
    MilestoneFactory,
    PromotionEventFactory,
    SafetyActivityFactory,
    ZoneStandingFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
D = datetime.date


def section(page, element_id):
    found = re.search(
        rf'<section[^>]*(?:id|aria-labelledby)="{element_id}".*?</section>', page, re.S
    )
    assert found, element_id
    return found.group(0)


@pytest.fixture
def facts():
    firm = EnterpriseFactory(name="安贝斯玩具科创（安康）有限公司", chain="毛绒玩具")
    centre = MilestoneFactory(
        happened_on=D(2021, 10, 13),
        kind="platform",
        title="纳米多功能性纤维纤维协同创新中心揭牌投用",
        level="city",
        institutions="苏州大学",
    )
    centre.enterprises.add(firm)
    MilestoneFactory(happened_on=D(2020, 5, 1), title="旧的里程碑")
    fair = PromotionEventFactory(held_on=D(2021, 9, 10), city="南宁", title="展销活动")
    fair.enterprises.add(firm)
    PromotionEventFactory(held_on=D(2020, 9, 10), city="成都", title="旧展会")
    ChainYearFactory(
        year=2021,
        cumulative_output=Decimal("109800.00"),
        employment=3107,
        income_increase=Decimal("30000.00"),
        note="截至2021年底累计",
    )
    ChainYearFactory(year=2021, enterprise=firm, supporting_enterprises=10, note="10余家")
    ChainYearFactory(year=2020, output=Decimal("20000.00"), employment=None)
    ZoneStandingFactory(year=2021, rank=2, out_of=13, note="位居全市前列")
    return firm


def test_the_chain_page_shows_the_chains_history_with_units_and_sources(client, facts):
    client.force_login(user_with_role("county_leader"))
    response = client.get(reverse("zone:chain"), {"chain": "毛绒玩具", "year": 2021})
    assert response.status_code == 200
    page = response.content.decode()
    history = section(page, "chain-history")
    assert history.index("2020") < history.index("2021")
    for text in ("109,800.00 万元", "3107 人", "30,000.00 元/人", "截至2021年底累计"):
        assert text in history, text
    assert "20,000.00 万元" in history
    # A row's source is on its own line below the row, not a narrow last column.
    source_line = r'<tr class="chain-year-source">[^\n]*?数据来源: [^<]*截至2021年底累计'
    assert re.search(source_line, history)
    # An enterprise's own figures follow the reader's scope: not this leader's enterprise.
    assert "安贝斯玩具科创（安康）有限公司" not in history and "10 家企业" not in history
    milestones = section(page, "milestones")
    assert "纳米多功能性纤维纤维协同创新中心揭牌投用" in milestones
    assert "苏州大学" in milestones and "市级" in milestones
    events = section(page, "promotion-events")
    assert "南宁" in events and "成都" not in events
    client.force_login(user_with_role("economic_bureau"))
    page = client.get(reverse("zone:chain"), {"chain": "毛绒玩具", "year": 2021}).content.decode()
    history = section(page, "chain-history")
    assert "安贝斯玩具科创（安康）有限公司" in history and "10 家企业" in history


def test_the_overview_shows_the_standing_the_years_milestones_and_fairs(client, facts):
    SafetyActivityFactory(kind="publicity", held_on=D(2021, 6, 1), materials_distributed=200)
    SafetyActivityFactory(kind="training", held_on=D(2021, 7, 22), people_trained=12)
    SafetyActivityFactory(kind="drill", held_on=D(2021, 5, 12))
    client.force_login(user_with_role("economic_bureau"))
    response = client.get(reverse("overview:overview"), {"year": 2021})
    assert response.status_code == 200
    page = response.content.decode()
    standing = section(page, "overview-standing")
    assert "工业增加值" in standing and "13" in standing and "位居全市前列" in standing
    milestones = section(page, "milestones")
    assert "纳米多功能性纤维纤维协同创新中心揭牌投用" in milestones
    assert "旧的里程碑" not in milestones
    assert "南宁" in section(page, "promotion-events")
    assert re.search(r'id="figure-materials">[^<]*200', page)
    assert re.search(r'id="figure-trained">[^<]*12', page)


def test_the_overview_leaves_out_counts_no_row_recorded(client):
    SafetyActivityFactory(held_on=D(2021, 6, 1))
    client.force_login(user_with_role("economic_bureau"))
    page = client.get(reverse("overview:overview"), {"year": 2021}).content.decode()
    assert 'id="figure-materials"' not in page
    assert "No standing recorded" in page or "未录入" in page


def test_the_safety_activities_list_shows_the_new_counts(client):
    SafetyActivityFactory(kind="publicity", held_on=D(2021, 6, 1), materials_distributed=200)
    SafetyActivityFactory(held_on=D(2021, 7, 22), people_trained=12, venue="安康市区")
    client.force_login(user_with_role("economic_bureau"))
    response = client.get(reverse("zone:activity_list"), {"year": 2021})
    page = response.content.decode()
    assert re.search(r'id="total-materials">[^<]*200', page)
    assert re.search(r'id="total-trained">[^<]*12', page)
    assert "安康市区" in page


def test_a_department_user_sees_no_zone_milestone_on_a_page_it_may_not_open(client, facts):
    client.force_login(user_with_role("department_user", official=True))
    assert client.get(reverse("zone:chain")).status_code == 403
    assert client.get(reverse("overview:overview")).status_code == 403


def test_the_chain_page_adds_up_the_chains_output_beside_the_years(client):
    for year, output in ((2018, "2540.55"), (2019, "10000.00"), (2020, "36335.33")):
        ChainYearFactory(year=year, output=Decimal(output))
    ChainYearFactory(year=2021, output=Decimal("60924.12"), cumulative_output=Decimal("109800.00"))
    firm = EnterpriseFactory(chain="毛绒玩具")
    ChainYearFactory(year=2021, enterprise=firm, output=Decimal("25000.00"))
    client.force_login(user_with_role("economic_bureau"))
    page = client.get(reverse("zone:chain"), {"chain": "毛绒玩具", "year": 2021}).content.decode()
    history = section(page, "chain-history")
    assert "自2018年起逐年产值累计" in history
    sums = re.findall(r'chain-output-since">([^<]*)<', history)
    # The chain's rows add up year by year; the enterprise's row (25,000) adds nothing.
    assert [s.strip() for s in sums] == [
        "2,540.55 万元",
        "12,540.55 万元",
        "48,875.88 万元",
        "109,800.00 万元",
        "",
    ]
    assert "累计产值（来源所载）" in history


def test_a_year_without_the_chains_output_ends_the_sum(client):
    ChainYearFactory(year=2019, output=Decimal("100.00"))
    ChainYearFactory(year=2020, output=None)
    ChainYearFactory(year=2021, output=Decimal("300.00"))
    client.force_login(user_with_role("economic_bureau"))
    page = client.get(reverse("zone:chain"), {"chain": "毛绒玩具", "year": 2021}).content.decode()
    sums = re.findall(r'chain-output-since">([^<]*)<', section(page, "chain-history"))
    assert [s.strip() for s in sums] == ["100.00 万元", "", ""]

"""The demo holds the article's facts that are not monthly figures, each found through a page
and the API: honours and platforms, trade fairs, the plush-toy chain by year, the zone's
standing, the safety publicity and training, and 恒通纤维's 产值2.1亿."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from rest_framework.test import APIClient

from enterprises.models import Enterprise, MonthlyReport
from hengkou.overview.selectors import get_zone_overview
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
D = datetime.date
API = "/api/v1"


@pytest.fixture
def bureau(demo):
    return user_with_role("economic_bureau")


@pytest.fixture
def api(bureau):
    client = APIClient()
    client.force_authenticate(bureau)
    return client


def listed(api, resource, **params):
    response = api.get(f"{API}/{resource}/", {"page_size": 1000, **params})
    assert response.status_code == 200
    return response.json()["results"]


def firm(fragment):
    return Enterprise.objects.get(name__contains=fragment)


def test_the_honours_and_platforms_are_the_articles(api, bureau, client):
    rows = {row["happened_on"]: row for row in listed(api, "milestones", year=2021)}
    assert sorted(rows) == ["2021-06-30", "2021-10-09", "2021-10-13", "2021-12-15"]
    base, toys, nano, sample = (rows[day] for day in sorted(rows))
    assert "国家外贸转型升级基地" in base["title"] and base["level"] == "national"
    assert "唯一新基地" in base["note"]
    assert "陕西智慧玩具创新中心" in toys["title"] and toys["level"] == "provincial"
    assert "6家" in toys["note"]
    assert "纳米" in nano["title"] and nano["institutions"] == "苏州大学"
    assert nano["enterprises"] == [firm("安贝斯").pk]
    assert "智能毛绒玩具样品" in sample["title"] and sample["kind"] == "product"
    client.force_login(bureau)
    for url in (reverse("overview:overview") + "?year=2021", reverse("zone:chain") + "?year=2021"):
        page = client.get(url).content.decode()
        for text in ("国家外贸转型升级基地", "陕西智慧玩具创新中心", "苏州大学", "2021-12-15"):
            assert text in page, (url, text)


def test_the_trade_fairs_are_in_xian_nanning_and_suzhou_with_the_three_enterprises(
    api, bureau, client
):
    rows = listed(api, "promotion-events", year=2021)
    assert [row["city"] for row in rows] == ["苏州", "南宁", "西安"]
    named = {firm(name).pk for name in ("集味魔芋", "恒安玩具", "安贝斯")}
    assert all(set(row["enterprises"]) == named for row in rows)
    client.force_login(bureau)
    page = client.get(reverse("overview:overview"), {"year": 2021}).content.decode()
    for city in ("西安", "南宁", "苏州"):
        assert city in page


def test_the_plush_chain_by_year_holds_the_articles_figures(api, bureau, client):
    whole = {row["year"]: row for row in listed(api, "chain-years", whole_chain="true")}
    latest = whole[2021]
    assert latest["cumulative_output"] == "109800.00"  # 累计实现产值10.98亿元
    assert (latest["employment"], latest["poverty_employment"]) == (3107, 378)
    assert latest["income_increase"] == "30000.00"  # 人均增收3万元
    assert latest["branch_factories"] == 15
    assert "总部+支部工厂+家庭作坊" in latest["note"] and "2018年7月" in latest["note"]
    assert "2018年7月" in whole[2018]["note"]
    own = {
        (row["enterprise"], row["year"]): row
        for row in listed(api, "chain-years", whole_chain="false")
    }
    hengan = firm("恒安玩具").pk
    assert own[(hengan, 2019)]["employment"] == 100 and "100多人" in own[(hengan, 2019)]["note"]
    assert own[(hengan, 2021)]["employment"] == 1046
    assert own[(hengan, 2021)]["output"] == "25000.00"
    assert own[(firm("恒通纤维").pk, 2021)]["output"] == "21000.00"
    anbeisi = own[(firm("安贝斯").pk, 2021)]
    assert anbeisi["supporting_enterprises"] == 10 and "10余家" in anbeisi["note"]
    client.force_login(bureau)
    page = client.get(reverse("zone:chain"), {"chain": "毛绒玩具", "year": 2021}).content.decode()
    for text in ("109,800.00 万元", "3107 人", "378 人", "30,000.00 元/人", "1046 人", "10 家企业"):
        assert text in page, text
    assert "21,000.00 万元" in page


def test_the_zones_standing_in_the_city_is_on_the_overview(api, bureau, client):
    (row,) = listed(api, "zone-standings", year=2021)
    assert row["indicator"] == "value_added" and row["rank"] <= 3 and row["out_of"] > row["rank"]
    assert "位居全市前列" in row["note"]
    client.force_login(bureau)
    page = client.get(reverse("overview:overview"), {"year": 2021}).content.decode()
    assert "位居全市前列" in page


def test_the_safety_publicity_and_the_city_wide_training(api, bureau, client):
    rows = listed(api, "safety-activities", year=2021)
    assert sum(row["materials_distributed"] or 0 for row in rows) == 200  # 宣传资料200余份
    city = [row for row in rows if row["title"] == "全市工信系统安全生产培训会"]
    assert len(city) == 1 and city[0]["venue"] == "安康市区" and city[0]["people_trained"]
    trainings = [r for r in rows if r["kind"] == "training" and not r["venue"]]
    assert len(trainings) == 2  # 重点企业安全生产培训2次
    assert sum(1 for row in rows if row["kind"] == "drill") == 2  # 消防演练2次
    overview = get_zone_overview(year=2021, as_of=D(2021, 12, 31))
    assert overview.activity_materials == 200
    client.force_login(bureau)
    page = client.get(reverse("zone:activity_list"), {"year": 2021}).content.decode()
    assert "全市工信系统安全生产培训会" in page


def test_hengtong_fibres_2021_output_is_the_articles_210_million(api, bureau, client):
    hengtong = firm("恒通纤维")
    total = MonthlyReport.objects.filter(enterprise=hengtong, period__year=2021).aggregate(
        total=Sum("output_value")
    )["total"]
    assert total == Decimal("21000.00")  # 产值2.1亿
    reports = listed(api, "monthly-reports", enterprise=hengtong.pk, year=2021)
    assert sum(Decimal(row["output_value"]) for row in reports) == Decimal("21000.00")
    assert all(Decimal(r["output_value"]) == 0 for r in reports if r["period"] < "2021-03")

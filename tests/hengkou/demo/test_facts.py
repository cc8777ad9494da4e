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


def test_the_plush_chains_yearly_output_adds_up_to_the_articles_1098_million(api, bureau, client):
    whole = {row["year"]: row for row in listed(api, "chain-years", whole_chain="true")}
    assert sorted(whole) == [2018, 2019, 2020, 2021]
    outputs = {year: Decimal(row["output"]) for year, row in whole.items()}
    assert all(value > 0 for value in outputs.values())
    # 自2018年7月以来累计实现产值10.98亿元: the years' output to the end of 2021, exactly.
    assert (
        sum(outputs.values()) == Decimal("109800.00") == Decimal(whole[2021]["cumulative_output"])
    )
    # The reported years are the chain's monthly reports, as chain-stats gives them.
    for year in (2020, 2021):
        stats = api.get(f"{API}/chain-stats/", {"chain": "毛绒玩具", "year": year}).json()
        assert Decimal(str(stats["output"])) == outputs[year], year
        reported = MonthlyReport.objects.filter(
            enterprise__chain="毛绒玩具", period__year=year
        ).aggregate(total=Sum("output_value"))["total"]
        assert reported == outputs[year]
    client.force_login(bureau)
    page = client.get(reverse("zone:chain"), {"chain": "毛绒玩具", "year": 2021}).content.decode()
    assert "自2018年起逐年产值累计" in page
    running, sums = Decimal("0"), []
    for year in sorted(outputs):
        running += outputs[year]
        sums.append(f"{running:,.2f} 万元")
    for text in sums:
        assert text in page, text


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


def test_the_annual_plans_of_2021_and_2022_are_the_articles(api, bureau, client):
    plans = {row["year"]: row for row in listed(api, "annual-plans")}
    plan = plans[2021]
    assert plan["title"] == "《2021年重点工业企业包抓工作实施方案》"
    for text in (
        "一个企业、一名领导、一个部门、一套班子、一个方案",  # 五个一
        "一月一通报，一季一督查，年终一考核",  # 三个一
        "入库纳统、年度投资、形象进度、安全生产、环境保护、工资发放、项目争取、疫情防控",
        "县级领导每季度到企帮扶不少于1次",
        "帮扶责任人每周到企帮扶不少于1次",
        "抓落实办",
    ):
        assert text in plan["text"], text
    assert "工业强市、产业强市" in plans[2022]["text"]
    assert "未载2022年的指标数值" in plans[2022]["text"]  # no goal figure is invented
    client.force_login(bureau)
    page = client.get(reverse("annual:plans")).content.decode()
    for text in ("《2021年重点工业企业包抓工作实施方案》", "一月一通报", "工业强市、产业强市"):
        assert text in page, text


def test_hengtong_meets_600_plush_firms_6000_tonnes_and_came_from_yangzhou(api, bureau, client):
    (project,) = listed(api, "projects", search="恒通PP棉")
    assert "600余家" in project["capacity"] and "6000吨" in project["capacity"]
    assert "陕西乃至西北" in project["description"] and "扬州" in project["description"]
    own = {
        (row["enterprise"], row["year"]): row
        for row in listed(api, "chain-years", whole_chain="false")
    }
    hengtong, hengan = firm("恒通纤维").pk, firm("恒安玩具").pk
    assert "600余家" in own[(hengtong, 2021)]["note"] and "6000吨" in own[(hengtong, 2021)]["note"]
    for key in ((hengtong, 2021), (hengan, 2019), (firm("安贝斯").pk, 2021)):
        assert "扬州" in own[key]["note"], key
    whole = {row["year"]: row for row in listed(api, "chain-years", whole_chain="true")}
    assert "恒安玩具、恒通纤维（PP棉）等一批扬州企业" in whole[2018]["note"]
    client.force_login(bureau)
    page = client.get(reverse("projects:detail", args=[project["id"]])).content.decode()
    for text in ("600余家", "6000吨", "扬州"):
        assert text in page, text
    page = client.get(reverse("zone:chain"), {"chain": "毛绒玩具", "year": 2021}).content.decode()
    for text in ("6000吨", "扬州"):
        assert text in page, text


def test_hengtong_went_from_start_to_production_in_two_months(api, bureau, client):
    (project,) = listed(api, "projects", search="恒通PP棉")
    moves = {move["stage"]: move["moved_on"] for move in project["stage_moves"]}
    assert moves == {"started": "2021-01-05", "completed": "2021-02-22", "operating": "2021-03-01"}
    start, production = (D.fromisoformat(moves[s]) for s in ("started", "operating"))
    assert (production - start).days <= 62  # 从落地到投产仅历时2个月
    assert "2个月" in project["description"]
    client.force_login(bureau)
    page = client.get(reverse("projects:detail", args=[project["id"]])).content.decode()
    for text in ("2021-01-05", "2021-03-01", "恒口速度"):
        assert text in page, text


def test_the_projects_state_at_the_end_of_2021_is_read_through_the_api(api):
    rows = {row["name"]: row for row in listed(api, "projects")}

    def stage_at_end_of_2021(row):
        moves = [m for m in row["stage_moves"] if m["moved_on"] <= "2021-12-31"]
        return moves[-1]["stage"] if moves else "reserve"

    built = (
        "通用机械迁建技改项目",
        "恒通PP棉项目一期",
        "鑫安环保建材项目",
        "海润恒昶精密制造产业园",
    )
    assert all(stage_at_end_of_2021(rows[name]) == "operating" for name in built)
    assert stage_at_end_of_2021(rows["安贝斯文创产业园项目"]) == "started"
    assert stage_at_end_of_2021(rows["魔芋特色产业融合发展项目"]) == "started"
    for row in rows.values():
        dates = [m["moved_on"] for m in row["stage_moves"]]
        assert dates == sorted(dates)


def test_the_eight_major_new_investors_are_park_firms(api, bureau, client):
    rows = listed(api, "new-investors", year=2021)
    major = [row for row in rows if Decimal(row["investment"]) >= 1000]
    assert len(major) == 8  # 2021年新增投资千万元以上入园企业8户
    enterprises = {row["id"]: row for row in listed(api, "enterprises")}
    parks = ("毛绒玩具文创产业园", "大健康富硒食品产业园", "先进制造业园区")
    for row in rows:
        enterprise = enterprises[row["enterprise"]]
        assert any(park in enterprise["address"] for park in parks), enterprise
        assert "支部工厂" not in enterprise["name"] and "村" not in enterprise["address"]
        assert enterprise["chain_role"] != "branch_factory"
    assert all(enterprises[row["enterprise"]]["employees"] >= 20 for row in major)
    client.force_login(bureau)
    page = client.get(reverse("zone:investor_list"), {"year": 2021}).content.decode()
    for row in major:
        assert enterprises[row["enterprise"]]["name"] in page
    some = major[1]["enterprise"]
    detail = client.get(reverse("enterprises:enterprise_detail", args=[some])).content.decode()
    assert "毛绒玩具文创产业园" in detail


def test_explosives_and_petrol_inspections_are_at_their_own_sites(api, bureau, client):
    rows = listed(api, "safety-inspections", year=2021)
    assert len(rows) == 108
    kinds = [row["kind"] for row in rows]
    assert (kinds.count("scheduled"), kinds.count("random"), kinds.count("holiday")) == (48, 36, 24)
    explosives = [row["area"] for row in rows if row["area"].startswith("民爆")]
    petrol = [row["area"] for row in rows if row["area"].startswith("成品油")]
    assert explosives and not any("加油站" in area for area in explosives)
    assert all("民爆器材" in area or "爆破作业" in area for area in explosives)
    stations = {area.split("·")[1].removesuffix("（复查）") for area in petrol}
    assert {"恒口加油站", "月河加油站", "梧桐加油站"} <= stations
    client.force_login(bureau)
    page = client.get(reverse("zone:inspection_list"), {"year": 2021, "area": "民爆"})
    assert "民爆器材仓库" in page.content.decode()
    page = client.get(reverse("zone:inspection_list"), {"year": 2021, "area": "成品油"})
    assert "月河加油站" in page.content.decode()


def test_the_city_level_and_the_fairs_city_read_differently(api, bureau, client):
    nano = next(row for row in listed(api, "milestones", year=2021) if "纳米" in row["title"])
    sample = next(r for r in listed(api, "milestones", year=2021) if "智能毛绒" in r["title"])
    for row in (nano, sample):
        assert row["level"] == "city" and "市级为示例" in row["note"]
    client.force_login(bureau)
    page = client.get(reverse("zone:chain"), {"year": 2021}).content.decode()
    assert "市级为示例" in page
    overview = client.get(reverse("overview:overview"), {"year": 2021}).content.decode()
    assert "<th>城市</th>" in overview and "市级" in overview

"""The zone's annual overview: the year's totals from the records, the demo's 2021, query counts."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from enterprises.choices import (
    ChainRole,
    CultivationStatus,
    InspectionKind,
    SafetyActivityKind,
    TitleKind,
)
from enterprises.models import (
    Cultivation,
    Loan,
    Matchmaking,
    NewInvestor,
    SafetyActivity,
    SafetyInspection,
    ServiceFacility,
    StandardFactory,
)
from hengkou.demo.zone import seed_zone_demo
from hengkou.overview.selectors import get_zone_overview
from projects.models import FundingApplication, FundingStatus
from tests.factories import EnterpriseFactory, EnterpriseTitleFactory
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db
D = datetime.date
AS_OF = D(2022, 1, 15)
OVERVIEW_QUERIES = 16


def make_records(n: int, year: int = 2021) -> None:
    """Write ``n`` records of each kind in ``year`` and one of each the year before."""
    for i in range(n):
        chain_firm = EnterpriseFactory(
            chain="毛绒玩具", chain_role=ChainRole.PRODUCER, employees=10, poverty_employees=2
        )
        EnterpriseTitleFactory(enterprise=chain_firm, title=TitleKind.ABOVE_SCALE, year=year)
        Cultivation.objects.create(
            enterprise=chain_firm,
            title=TitleKind.HIGH_TECH,
            year=year,
            status=CultivationStatus.APPLYING,
            identified_on=D(year, 2, 1),
            applied_on=D(year, 3, 1),
        )
        FundingApplication.objects.create(
            programme=f"专项{i % 3}",
            year=year,
            enterprise=chain_firm,
            status=FundingStatus.APPROVED,
            requested=100,
            approved=80,
            received=60,
        )
        meeting = Matchmaking.objects.create(
            held_on=D(year, 3, 1 + i % 28), title=f"对接会{i}", banks="工行", loans_amount=100
        )
        meeting.enterprises.add(chain_firm)
        Loan.objects.create(
            enterprise=chain_firm,
            bank="工行",
            amount=100,
            granted_on=D(year, 4, 1),
            term_months=12,
            under_risk_fund=i % 2 == 0,
            matchmaking=meeting,
        )
        SafetyInspection.objects.create(
            inspected_on=D(year, 12, 1),
            kind=InspectionKind.values[i % 3],
            enterprise=chain_firm,
            area="工业",
            hazards_found=2,
            hazards_rectified=1,
            rectify_deadline=D(year, 12, 31),
        )
        SafetyActivity.objects.create(
            kind=SafetyActivityKind.values[i % 3], held_on=D(year, 6, 1), title=f"活动{i}"
        )
        StandardFactory.objects.create(park="园区", building=f"{i}#", area=1000, year_built=year)
        ServiceFacility.objects.create(name=f"中心{i}", kind="service_centre", year=year)
        NewInvestor.objects.create(enterprise=chain_firm, year=year, investment=500 + 500 * i)
    last_year = EnterpriseFactory()
    Loan.objects.create(
        enterprise=last_year, bank="农行", amount=999, granted_on=D(year - 1, 12, 31), term_months=6
    )
    SafetyInspection.objects.create(
        inspected_on=D(year - 1, 12, 31), kind=InspectionKind.HOLIDAY, area="商贸"
    )
    StandardFactory.objects.create(park="园区", building="旧厂房", area=777, year_built=year - 1)


def test_year_totals_count_only_the_year():
    make_records(3)
    kept = EnterpriseFactory(name="老规上企业")
    for year in (2020, 2021):
        EnterpriseTitleFactory(enterprise=kept, title=TitleKind.ABOVE_SCALE, year=year)
    EnterpriseTitleFactory(enterprise=kept, title=TitleKind.HIGH_TECH, year=2021)

    overview = get_zone_overview(year=2021, as_of=AS_OF)

    assert len(overview.new_above_scale) == 3
    assert "老规上企业" not in {line.enterprise_name for line in overview.new_above_scale}
    assert [line.enterprise_name for line in overview.new_high_tech] == ["老规上企业"]
    assert len(overview.cultivating) == 3
    assert overview.chain_enterprises == 3
    assert overview.chain_employees == 30
    assert overview.chain_poverty_employees == 6
    assert overview.funding_applications == 3
    assert overview.funding_requested == Decimal("300.00")
    assert overview.funding_approved == Decimal("240.00")
    assert overview.funding_received == Decimal("180.00")
    assert sorted(line.programme for line in overview.programmes) == ["专项0", "专项1", "专项2"]
    assert overview.matchmakings == 3
    assert overview.matchmaking_loans_agreed == Decimal("300.00")
    assert (overview.loans, overview.loans_amount) == (3, Decimal("300.00"))
    assert (overview.risk_fund_loans, overview.risk_fund_amount) == (2, Decimal("200.00"))
    assert overview.inspections == {"scheduled": 1, "random": 1, "holiday": 1}
    assert (overview.hazards_found, overview.hazards_rectified) == (6, 3)
    assert overview.hazards_overdue == 3
    assert overview.activities == {"training": 1, "drill": 1, "document": 1, "publicity": 0}
    assert (overview.factories, overview.factory_area) == (3, Decimal("3000.00"))
    assert overview.facilities == 3
    assert overview.new_investors == 3
    assert (overview.major_investors, overview.major_investment) == (2, Decimal("2500.00"))


def test_hazards_are_not_overdue_before_their_deadline():
    make_records(2)
    assert get_zone_overview(year=2021, as_of=D(2021, 12, 31)).hazards_overdue == 0


def test_an_empty_year_shows_zeroes():
    overview = get_zone_overview(year=2030, as_of=AS_OF)
    assert overview.loans_amount == Decimal("0.00")
    assert overview.inspections_total == 0
    assert overview.chain_roles == []


@pytest.mark.parametrize("size", [2, 12])
def test_overview_queries_are_constant(size, django_assert_num_queries):
    make_records(size)
    with django_assert_num_queries(OVERVIEW_QUERIES):
        get_zone_overview(year=2021, as_of=AS_OF)


@pytest.mark.parametrize("size", [2, 12])
def test_overview_page_queries_are_constant(size, client, django_assert_max_num_queries):
    make_records(size)
    client.force_login(user_with_role("economic_bureau"))
    # The page adds session, user, the navigation and so on (four), and for a user who is not
    # a superuser their scope (one query) and the page's access rule (user and group
    # permissions, two queries). Then the year's standings, milestones and fairs (three).
    with django_assert_max_num_queries(OVERVIEW_QUERIES + 4 + 3 + 3):
        response = client.get(reverse("overview:overview"), {"year": 2021})
    assert response.status_code == 200


def test_overview_requires_login(client):
    response = client.get(reverse("overview:overview"))
    assert response.status_code == 302


def test_overview_links_each_figure_to_its_records(admin_client):
    make_records(2)
    response = admin_client.get(reverse("overview:overview"), {"year": 2021})
    links = response.context["links"]
    page = response.content.decode()
    for name, url in links.items():
        assert url.replace("&", "&amp;") in page, name
        assert admin_client.get(url).status_code == 200, name  # an unknown filter redirects
    assert admin_client.get(links["loans"]).context["page"].paginator.count == 2


def test_a_bad_year_falls_back_to_the_default(admin_client):
    response = admin_client.get(reverse("overview:overview"), {"year": "abc"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_the_demo_overview_reproduces_the_article(demo):
    overview = get_zone_overview(year=2021, as_of=D(2021, 12, 31))

    assert overview.stats.above_scale_output == Decimal("299000.00")  # 29.9亿元
    assert round(overview.stats.above_scale_output_yoy * 1000) == 194  # 19.4%
    assert overview.stats.investment == Decimal("97200.00")  # 9.72亿元
    assert overview.stats.tech_investment == Decimal("38500.00")  # 3.85亿元
    assert round(overview.stats.tech_investment_yoy * 1000) == 434  # 43.4%
    assert {line.enterprise_name[2:6] for line in overview.new_above_scale} == {
        "恒通纤维",
        "集味魔芋",
        "恒口通用",
    }
    assert [line.enterprise_name[2:6] for line in overview.new_high_tech] == ["集味魔芋"]
    assert {(line.enterprise_name[2:5], line.status) for line in overview.cultivating} == {
        ("博旭达", "applying"),
        ("海润恒", "applying"),
    }
    roles = {line.role: line.enterprises for line in overview.chain_roles}
    assert roles == {
        "headquarters": 1,
        "producer": 29,
        "wholesaler": 38,
        "branch_factory": 15,
        "ecommerce_design": 13,
    }
    assert overview.chain_enterprises == 96
    assert (overview.chain_employees, overview.chain_poverty_employees) == (3107, 378)
    assert overview.funding_received > 5000 and overview.funding_approved > 5000  # 5000余万元
    assert {line.programme for line in overview.programmes} == {
        "陕南发展专项",
        "省级汽车发展专项",
        "省级技术改造专项",
        "外贸物流补贴",
        "加工贸易梯度转移",
        "市级工业产业发展",
    }
    assert overview.matchmakings == 3
    assert overview.loans_amount == Decimal("15000.00")  # 1.5亿元
    assert overview.matchmaking_loans_agreed == Decimal("15000.00")
    assert 0 < overview.risk_fund_loans < overview.loans
    assert overview.inspections_total >= 100
    assert all(overview.inspections.values())
    # 重点企业安全生产培训2次, and the city-wide training the zone's people attended.
    assert overview.activities["training"] == 3
    assert overview.activities["publicity"] == 1 and overview.activity_materials == 200
    assert overview.activities["drill"] == 2
    assert overview.activities["document"] >= 10
    assert overview.factory_area == Decimal("40000.00")  # 4万平方米
    assert overview.major_investors == 8
    assert overview.hazards_overdue == 0


def test_the_demo_overview_page_shows_the_figures(demo, client):
    client.force_login(user_with_role("economic_bureau"))
    page = client.get(reverse("overview:overview"), {"year": 2021}).content.decode()
    for figure in ("299,000.00", "97,200.00", "38,500.00", "19.4%", "43.4%", "15,000.00"):
        assert figure in page
    for figure in ("3107", "378", "96", "40,000.00 m²", "安康集味魔芋食品有限公司"):
        assert figure in page


def test_the_zone_demo_is_idempotent(demo):
    tallies = seed_zone_demo()
    assert all(t.created == t.updated == t.deleted == 0 for t in tallies.values()), tallies
    assert SafetyInspection.objects.count() >= 100

"""The zone's record lists: filters, totals, flags, the .xlsx of the screen's columns, queries."""

import datetime
import html
import io
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from enterprises.choices import ChainRole, TitleKind
from enterprises.models import Loan, NewInvestor, SafetyInspection, StandardFactory
from tests.factories import (
    AssignmentFactory,
    CultivationFactory,
    EnterpriseFactory,
    EnterpriseTitleFactory,
    FundingApplicationFactory,
    LoanFactory,
    MatchmakingFactory,
    MonthlyReportFactory,
    NewInvestorFactory,
    OfficialFactory,
    SafetyActivityFactory,
    SafetyInspectionFactory,
    ServiceFacilityFactory,
    StandardFactoryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
D = datetime.date

LISTS = [
    "zone:cultivation_list",
    "zone:matchmaking_list",
    "zone:loan_list",
    "zone:inspection_list",
    "zone:activity_list",
    "zone:factory_list",
    "zone:facility_list",
    "zone:investor_list",
    "projects:funding_list",
]


def make_records(n: int, year: int = 2021) -> None:
    """Write ``n`` records of each zone kind in ``year``."""
    for i in range(n):
        firm = EnterpriseFactory(chain="毛绒玩具", chain_role=ChainRole.PRODUCER, employees=10)
        CultivationFactory(enterprise=firm, year=year)
        meeting = MatchmakingFactory(held_on=D(year, 3, 18))
        meeting.enterprises.add(firm, EnterpriseFactory())
        LoanFactory(enterprise=firm, granted_on=D(year, 4, 1), matchmaking=meeting)
        SafetyInspectionFactory(enterprise=firm, inspected_on=D(year, 6, 1))
        SafetyActivityFactory(held_on=D(year, 6, 16))
        StandardFactoryFactory(occupant=firm if i % 2 else None, year_built=year)
        ServiceFacilityFactory(year=year)
        NewInvestorFactory(enterprise=firm, year=year)
        FundingApplicationFactory(enterprise=firm, year=year)


def header_of_page(page: str) -> list[str]:
    """Return the texts of the <th> of the page's list table."""
    table = re.search(r'<table[^>]*id="zone-table".*?</thead>', page, re.S).group(0)
    cells = re.findall(r"<th[^>]*>(.*?)</th>", table, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]


def workbook_rows(response) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


def role_user(role: str, **kwargs):
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=role))
    return user


# --- access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", [*LISTS, "zone:chain", "zone:index"])
def test_lists_require_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url_name", [*LISTS, "zone:chain"])
def test_lists_need_the_view_permission(client, url_name):
    client.force_login(UserFactory())
    assert client.get(reverse(url_name)).status_code == 403
    client.force_login(role_user("supervision_office"))
    assert client.get(reverse(url_name)).status_code == 200


def test_the_index_shows_only_the_lists_the_user_may_open(client):
    client.force_login(role_user("official"))
    page = client.get(reverse("zone:index")).content.decode()
    assert reverse("zone:chain") not in page
    assert reverse("zone:loan_list") not in page
    client.force_login(role_user("county_leader"))
    page = client.get(reverse("zone:index")).content.decode()
    assert reverse("zone:chain") in page
    assert reverse("zone:loan_list") not in page
    client.force_login(role_user("economic_bureau"))
    page = client.get(reverse("zone:index")).content.decode()
    for url_name in LISTS:
        assert reverse(url_name) in page


# --- years and bad input --------------------------------------------------------------------------


def test_a_year_page_defaults_to_the_current_year(admin_client):
    this_year = timezone.localdate().year
    LoanFactory(granted_on=D(this_year, 1, 2), amount=Decimal("7"))
    LoanFactory(granted_on=D(this_year - 1, 12, 31), amount=Decimal("9"))
    response = admin_client.get(reverse("zone:loan_list"))
    assert response.context["year"] == this_year
    assert response.context["totals"]["amount"] == Decimal("7.00")


@pytest.mark.parametrize("year", ["abc", "1999", "2101", "-1"])
def test_a_bad_year_falls_back_with_a_message(admin_client, year):
    response = admin_client.get(reverse("zone:loan_list"), {"year": year})
    assert response.status_code == 200
    assert response.context["year"] == timezone.localdate().year
    assert response.context["errors"]


@pytest.mark.parametrize(
    "url_name,params",
    [
        ("zone:loan_list", {"enterprise": "abc"}),
        ("zone:loan_list", {"matchmaking": "0"}),
        ("zone:inspection_list", {"kind": "weekly"}),
        ("zone:cultivation_list", {"status": "dreaming"}),
        ("zone:factory_list", {"year_built": "x"}),
        ("projects:funding_list", {"project": "999999"}),
    ],
)
def test_a_bad_filter_is_named_and_never_a_server_error(admin_client, url_name, params):
    response = admin_client.get(reverse(url_name), params)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "alert-warning" in response.content.decode()
    export = admin_client.get(reverse(url_name), {**params, "format": "xlsx"})
    assert export.status_code == 400


# --- totals and flags on hand-made data -----------------------------------------------------------


def test_loans_totals_and_the_risk_fund_flag(admin_client):
    LoanFactory(amount=Decimal("300.50"), under_risk_fund=True)
    LoanFactory(amount=Decimal("200.00"))
    LoanFactory(amount=Decimal("999.00"), granted_on=D(2020, 12, 31))
    response = admin_client.get(reverse("zone:loan_list"), {"year": 2021})
    assert response.context["totals"] == {
        "loans": 2,
        "amount": Decimal("500.50"),
        "risk_loans": 1,
        "risk_amount": Decimal("300.50"),
    }
    page = response.content.decode()
    assert page.count("badge text-bg-warning") == 1
    risk_only = admin_client.get(
        reverse("zone:loan_list"), {"year": 2021, "under_risk_fund": "true"}
    )
    assert risk_only.context["totals"]["loans"] == 1
    assert "300.50" in risk_only.content.decode()


def test_matchmaking_totals_and_enterprises(admin_client):
    meeting = MatchmakingFactory(loans_amount=Decimal("1500"), title="第一次银企对接会")
    meeting.enterprises.add(EnterpriseFactory(name="甲公司"), EnterpriseFactory(name="乙公司"))
    MatchmakingFactory(loans_amount=Decimal("500"), held_on=D(2021, 11, 10))
    MatchmakingFactory(loans_amount=Decimal("700"), held_on=D(2020, 11, 10))
    response = admin_client.get(reverse("zone:matchmaking_list"), {"year": 2021})
    assert response.context["totals"] == {"meetings": 2, "agreed": Decimal("2000.00")}
    assert "乙公司、甲公司" in response.content.decode()  # by name
    export = admin_client.get(reverse("zone:matchmaking_list"), {"year": 2021, "format": "xlsx"})
    assert "乙公司、甲公司" in {row[3] for row in workbook_rows(export)}


def test_inspections_count_by_kind_and_flag_the_overdue(admin_client):
    today = timezone.localdate()
    year = today.year
    SafetyInspectionFactory(
        inspected_on=D(year, 1, 1),
        kind="holiday",
        hazards_found=3,
        hazards_rectified=1,
        rectify_deadline=D(year, 1, 1),
    )
    SafetyInspectionFactory(
        inspected_on=D(year, 1, 1),
        kind="random",
        hazards_found=2,
        hazards_rectified=2,
    )
    SafetyInspectionFactory(
        inspected_on=D(year, 1, 1),
        kind="random",
        hazards_found=1,
        rectify_deadline=today + datetime.timedelta(days=30),
    )
    response = admin_client.get(reverse("zone:inspection_list"), {"year": year})
    totals = response.context["totals"]
    labels = dict(totals["by_kind"])
    assert totals["total"] == 3
    assert list(labels.values()) == [0, 2, 1]  # scheduled, random, holiday
    assert (totals["found"], totals["rectified"]) == (6, 3)
    assert totals["overdue"] == 1 or (today == D(year, 1, 1) and totals["overdue"] == 0)
    overdue = admin_client.get(reverse("zone:inspection_list"), {"year": year, "overdue": "true"})
    assert overdue.context["totals"]["total"] == totals["overdue"]
    assert response.content.decode().count("badge text-bg-danger") == totals["overdue"]


def test_activities_count_by_kind_and_participants(admin_client):
    SafetyActivityFactory(kind="training", participants=86)
    SafetyActivityFactory(kind="drill", participants=32)
    SafetyActivityFactory(kind="document", participants=0)
    SafetyActivityFactory(kind="document", held_on=D(2020, 1, 6))
    totals = admin_client.get(reverse("zone:activity_list"), {"year": 2021}).context["totals"]
    assert totals["total"] == 3
    assert [count for _label, count in totals["by_kind"]] == [1, 1, 1, 0]
    assert totals["participants"] == 118


def test_factories_total_area_and_occupants(admin_client):
    firm = EnterpriseFactory(name="恒安玩具")
    StandardFactoryFactory(area=Decimal("4800"), occupant=firm)
    StandardFactoryFactory(area=Decimal("5600.50"))
    StandardFactoryFactory(area=Decimal("3000"), year_built=2020, park="食品产业园")
    response = admin_client.get(reverse("zone:factory_list"))
    assert response.context["year"] is None
    assert response.context["totals"] == {
        "buildings": 3,
        "area": Decimal("13400.50"),
        "occupied": 1,
        "occupied_area": Decimal("4800.00"),
    }
    assert "恒安玩具" in response.content.decode()
    built = admin_client.get(reverse("zone:factory_list"), {"year_built": 2021})
    assert built.context["totals"]["area"] == Decimal("10400.50")
    vacant = admin_client.get(reverse("zone:factory_list"), {"occupied": "false"})
    assert vacant.context["totals"]["buildings"] == 2


def test_facilities_by_kind(admin_client):
    ServiceFacilityFactory(kind="service_centre")
    ServiceFacilityFactory(kind="canteen", year=2020)
    response = admin_client.get(reverse("zone:facility_list"))
    assert response.context["totals"]["total"] == 2
    assert [n for _label, n in response.context["totals"]["by_kind"]] == [1, 1, 0, 0]
    assert (
        admin_client.get(reverse("zone:facility_list"), {"year": 2021}).context["totals"]["total"]
        == 1
    )


def test_new_investors_flag_ten_million_or_more(admin_client):
    NewInvestorFactory(investment=Decimal("1000.00"))
    NewInvestorFactory(investment=Decimal("999.99"))
    NewInvestorFactory(investment=Decimal("5000"), year=2020)
    response = admin_client.get(reverse("zone:investor_list"), {"year": 2021})
    assert response.context["totals"] == {
        "enterprises": 2,
        "investment": Decimal("1999.99"),
        "major": 1,
        "major_investment": Decimal("1000.00"),
    }
    assert response.content.decode().count("badge text-bg-success") == 1
    major = admin_client.get(reverse("zone:investor_list"), {"year": 2021, "major": "true"})
    assert major.context["totals"]["enterprises"] == 1


def test_cultivation_counts_new_titles_and_filters_by_title_and_status(admin_client):
    kept = EnterpriseFactory()
    EnterpriseTitleFactory(enterprise=kept, year=2020)
    EnterpriseTitleFactory(enterprise=kept, year=2021)
    for _ in range(3):
        EnterpriseTitleFactory(year=2021)
    EnterpriseTitleFactory(year=2021, title=TitleKind.HIGH_TECH)
    CultivationFactory(status="candidate")
    CultivationFactory(
        status="recognised",
        title=TitleKind.HIGH_TECH,
        applied_on=D(2021, 3, 1),
        decided_on=D(2021, 6, 1),
    )
    CultivationFactory(year=2020)
    response = admin_client.get(reverse("zone:cultivation_list"), {"year": 2021})
    assert (response.context["new_above_scale"], response.context["new_high_tech"]) == (3, 1)
    assert response.context["totals"]["total"] == 2
    assert response.context["totals"]["recognised"] == 1
    high_tech = admin_client.get(
        reverse("zone:cultivation_list"), {"year": 2021, "title": TitleKind.HIGH_TECH}
    )
    assert high_tech.context["totals"]["total"] == 1
    candidates = admin_client.get(
        reverse("zone:cultivation_list"), {"year": 2021, "status": "candidate"}
    )
    assert candidates.context["totals"] == {
        "total": 1,
        "candidate": 1,
        "applying": 0,
        "recognised": 0,
        "rejected": 0,
    }


def test_cultivation_page_says_the_counts_in_english(admin_client):
    for _ in range(3):
        EnterpriseTitleFactory(year=2021)
    EnterpriseTitleFactory(year=2021, title=TitleKind.HIGH_TECH)
    admin_client.cookies["django_language"] = "en"
    page = admin_client.get(reverse("zone:cultivation_list"), {"year": 2021}).content.decode()
    assert "3 new above-scale, 1 new high-tech" in page


def test_department_users_see_only_their_department(client):
    department_official = OfficialFactory()
    user = role_user("department_user")
    department_official.user = user
    department_official.save()
    own = AssignmentFactory(department=department_official.department).enterprise
    other = AssignmentFactory().enterprise
    LoanFactory(enterprise=own, amount=Decimal("10"))
    LoanFactory(enterprise=other, amount=Decimal("20"))
    user.user_permissions.add(Permission.objects.get(codename="view_loan"))
    client.force_login(user)
    response = client.get(reverse("zone:loan_list"), {"year": 2021})
    assert response.context["totals"]["loans"] == 1
    assert response.context["totals"]["amount"] == Decimal("10.00")
    rows = workbook_rows(client.get(reverse("zone:loan_list"), {"year": 2021, "format": "xlsx"}))
    assert len(rows) == 2


# --- the export -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", LISTS)
def test_the_export_has_the_screen_columns_and_every_filtered_row(admin_client, url_name):
    make_records(3)
    make_records(1, year=2020)
    params = {"year": 2021} if url_name not in ("zone:factory_list", "zone:facility_list") else {}
    page = admin_client.get(reverse(url_name), params)
    export = admin_client.get(reverse(url_name), {**params, "format": "xlsx"})
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = workbook_rows(export)
    assert list(rows[0]) == header_of_page(page.content.decode())
    assert len(rows) - 1 == page.context["page"].paginator.count
    assert 'id="export-xlsx"' in page.content.decode()


def test_the_export_keeps_types(admin_client):
    LoanFactory(amount=Decimal("123.45"), under_risk_fund=True)
    rows = workbook_rows(
        admin_client.get(reverse("zone:loan_list"), {"year": 2021, "format": "xlsx"})
    )
    granted_on, _enterprise, _bank, amount, term, risk, *meeting = rows[1]
    assert granted_on == datetime.datetime(2021, 4, 1)
    assert amount == 123.45 and term == 12 and risk is True and meeting in ([], [None])


# --- query counts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", LISTS)
@pytest.mark.parametrize("size", [2, 30])
def test_list_queries_are_constant(client, django_assert_max_num_queries, url_name, size):
    make_records(size)
    client.force_login(role_user("economic_bureau"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse(url_name), {"year": 2021})
    assert response.status_code == 200
    assert response.context["page"].paginator.count >= size


@pytest.mark.parametrize("size", [2, 30])
def test_chain_queries_are_constant(client, django_assert_max_num_queries, size):
    make_records(size)
    client.force_login(role_user("economic_bureau"))
    # Beside the chain's figures: its history by year, the milestones and the year's fairs.
    with django_assert_max_num_queries(13):
        response = client.get(reverse("zone:chain"), {"chain": "毛绒玩具", "year": 2021})
    assert response.status_code == 200


# --- the industry chain ---------------------------------------------------------------------------


def test_the_chain_page_lists_enterprises_by_role_with_jobs_and_output(admin_client):
    head = EnterpriseFactory(
        name="总部公司",
        chain="毛绒玩具",
        chain_role=ChainRole.HEADQUARTERS,
        employees=100,
        poverty_employees=10,
    )
    producer = EnterpriseFactory(
        name="生产公司", chain="毛绒玩具", chain_role=ChainRole.PRODUCER, employees=50
    )
    EnterpriseFactory(name="他链公司", chain="魔芋", employees=999)
    MonthlyReportFactory(
        enterprise=head, period=D(2021, 3, 1), output_value=Decimal("300"), revenue=Decimal("200")
    )
    MonthlyReportFactory(enterprise=head, period=D(2021, 11, 1), output_value=Decimal("100.50"))
    MonthlyReportFactory(enterprise=producer, period=D(2020, 11, 1), output_value=Decimal("77"))
    response = admin_client.get(reverse("zone:chain"), {"chain": "毛绒玩具", "year": 2021})
    stats = response.context["stats"]
    assert (stats.enterprises, stats.employees, stats.poverty_employees) == (2, 150, 10)
    assert stats.output == Decimal("400.50")
    assert stats.revenue == Decimal("200.00")
    page = response.content.decode()
    assert "总部公司" in page and "生产公司" in page and "他链公司" not in page
    assert page.index("总部公司") < page.index("生产公司")
    assert "400.50" in page
    last_year = admin_client.get(reverse("zone:chain"), {"chain": "毛绒玩具", "year": 2020})
    assert last_year.context["stats"].output == Decimal("77.00")


def test_the_chain_page_survives_bad_input(admin_client):
    response = admin_client.get(reverse("zone:chain"), {"chain": "x" * 500, "year": "soon"})
    assert response.status_code == 200
    assert response.context["errors"]
    assert response.context["stats"].enterprises == 0


def test_the_navigation_offers_the_zone_records_to_who_may_view_cultivation(client):
    client.force_login(role_user("economic_bureau"))
    assert reverse("zone:index") in client.get(reverse("home")).content.decode()
    client.force_login(role_user("official"))
    assert reverse("zone:index") not in client.get(reverse("home")).content.decode()


def test_a_loan_links_to_its_matchmaking_meeting(admin_client):
    meeting = MatchmakingFactory(title="银企对接会 & 签约")
    LoanFactory(matchmaking=meeting)
    response = admin_client.get(reverse("zone:loan_list"), {"year": 2021})
    url = html.unescape(re.search(r'href="([^"]*matchmakings[^"]*)"', response.content.decode())[1])
    meetings = admin_client.get(url)
    assert meetings.context["totals"]["meetings"] == 1
    assert "银企对接会 &amp; 签约" in meetings.content.decode()


@pytest.mark.parametrize("url_name", LISTS)
def test_every_filter_has_a_proper_label(admin_client, url_name):
    admin_client.cookies["django_language"] = "en"
    response = admin_client.get(reverse(url_name))
    labels = [str(field.label) for field in response.context["form"]]
    assert all(labels) and not any("invalid" in label for label in labels), labels
    assert "contains" not in " ".join(labels)


def test_an_enterprise_filter_shows_the_enterprise_by_name(admin_client):
    firm = EnterpriseFactory(name="筛选企业")
    LoanFactory(enterprise=firm)
    LoanFactory()
    response = admin_client.get(reverse("zone:loan_list"), {"year": 2021, "enterprise": firm.pk})
    assert response.context["totals"]["loans"] == 1
    page = response.content.decode()
    assert f'name="enterprise" value="{firm.pk}"' in page
    assert "筛选企业</span>" in page


# --- the demo: the overview's links lead to the records behind its figures ------------------------


def _all_rows(client, url):
    """Return the rows of a list behind ``url``, through its export (every page at once)."""
    separator = "&" if "?" in url else "?"
    response = client.get(f"{url}{separator}format=xlsx")
    assert response.status_code == 200, url
    return workbook_rows(response)


def test_the_demo_overview_links_lead_to_the_records_behind_each_figure(demo, admin_client):
    response = admin_client.get(reverse("overview:overview"), {"year": 2021})
    links = response.context["links"]
    overview = response.context["overview"]
    page = response.content.decode()
    for name, url in links.items():
        assert url.replace("&", "&amp;") in page, name
        assert admin_client.get(url).status_code == 200, name

    def count(name):
        return admin_client.get(links[name]).context["page"].paginator.count

    def totals(name):
        return admin_client.get(links[name]).context["totals"]

    assert totals("loans")["amount"] == overview.loans_amount == Decimal("15000.00")
    assert totals("loans")["loans"] == overview.loans
    assert totals("risk_fund_loans")["loans"] == overview.risk_fund_loans
    assert totals("risk_fund_loans")["amount"] == overview.risk_fund_amount
    assert totals("matchmakings")["meetings"] == overview.matchmakings == 3
    assert totals("funding")["approved"] == overview.funding_approved
    assert totals("funding")["received"] == overview.funding_received
    assert totals("inspections")["total"] == overview.inspections_total
    assert totals("activities")["total"] == sum(overview.activities.values())
    assert totals("factories")["area"] == overview.factory_area == Decimal("40000.00")
    assert totals("facilities")["total"] == overview.facilities
    assert totals("new_investors")["enterprises"] == overview.major_investors == 8
    assert count("cultivations") >= len(overview.cultivating)
    chain = admin_client.get(links["chain"]).context["stats"]
    assert (chain.enterprises, chain.employees, chain.poverty_employees) == (96, 3107, 378)

    above_scale = {row[0] for row in _all_rows(admin_client, links["above_scale_titles"])[1:]}
    assert {line.enterprise_name for line in overview.new_above_scale} <= above_scale
    high_tech = {row[0] for row in _all_rows(admin_client, links["high_tech_titles"])[1:]}
    assert {line.enterprise_name for line in overview.new_high_tech} <= high_tech
    cultivation = admin_client.get(links["above_scale_titles"])
    assert cultivation.context["new_above_scale"] == 3
    assert cultivation.context["new_high_tech"] == 1


def test_the_demo_chain_page_shows_the_article_figures(demo, admin_client):
    response = admin_client.get(reverse("zone:chain"), {"chain": "毛绒玩具", "year": 2021})
    page = response.content.decode()
    for figure in ('id="chain-enterprises">96<', 'id="chain-employees">3107<', ">378<"):
        assert figure in page
    assert response.context["stats"].output > 0


def test_the_demo_loans_and_investors_agree_with_the_models(demo, admin_client):
    year_loans = Loan.objects.filter(granted_on__year=2021)
    response = admin_client.get(reverse("zone:loan_list"), {"year": 2021})
    assert response.context["page"].paginator.count == year_loans.count()
    assert (
        NewInvestor.objects.filter(year=2021).count()
        == admin_client.get(reverse("zone:investor_list"), {"year": 2021}).context["totals"][
            "enterprises"
        ]
    )
    assert SafetyInspection.objects.filter(inspected_on__year=2021).count() >= 100
    assert (
        StandardFactory.objects.count()
        == admin_client.get(reverse("zone:factory_list")).context["totals"]["buildings"]
    )

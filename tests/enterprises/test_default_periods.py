"""The enterprises' pages open, with no month or year asked for, on the latest period with data.

Visit duties, work reports, the zone's year lists and the industry chain: data only in an
earlier period opens the page on it (picker and line say so); data in the current period keeps
the current one; an explicit period wins; an empty database renders on the current period.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from enterprises.services.work_reports import submit_work_report
from tests.default_periods import NOTE_MONTH, NOTE_YEAR
from tests.factories import (
    AssignmentFactory,
    CultivationFactory,
    DepartmentFactory,
    EnterpriseFactory,
    LoanFactory,
    MatchmakingFactory,
    MonthlyReportFactory,
    NewInvestorFactory,
    OfficialFactory,
    SafetyActivityFactory,
    SafetyInspectionFactory,
    VisitFactory,
)
from tests.roles import user_with_role

pytestmark = pytest.mark.django_db


def _today() -> datetime.date:
    return timezone.localdate()


# --- visit duties --------------------------------------------------------------------------------


def _visited(day: datetime.date, *, department=None, name="走访企业"):
    """Write an assignment of ``day``'s year and its responsible person's visit on ``day``."""
    assignment = AssignmentFactory(
        year=day.year,
        department=department or DepartmentFactory(),
        enterprise=EnterpriseFactory(name=name),
    )
    visit = VisitFactory(enterprise=assignment.enterprise, visited_on=day)
    visit.participants.add(assignment.responsible)
    return assignment


def _met(response) -> int:
    return sum(row["totals"].met for row in response.context["rows"])


def test_compliance_opens_on_the_latest_month_with_duties_and_visits(admin):
    earlier = _today().year - 3
    _visited(datetime.date(earlier, 11, 10))
    response = admin.get(reverse("enterprises:compliance"))
    html = response.content.decode()
    assert response.context["period"] == datetime.date(earlier, 11, 1)
    assert f'value="{earlier}-11"' in html
    assert _met(response) == 1
    assert f"{NOTE_MONTH}：{earlier}-11" in html


def test_compliance_ignores_visits_in_a_year_without_duties(admin):
    earlier = _today().year - 3
    _visited(datetime.date(earlier, 11, 10))
    VisitFactory(visited_on=datetime.date(earlier + 1, 5, 6))  # no assignment that year
    response = admin.get(reverse("enterprises:compliance"))
    assert response.context["period"] == datetime.date(earlier, 11, 1)


def test_compliance_opens_on_the_current_month_when_it_has_visits(admin):
    today = _today()
    _visited(datetime.date(today.year - 3, 11, 10))
    _visited(today)
    response = admin.get(reverse("enterprises:compliance"))
    assert response.context["period"] == today.replace(day=1)
    assert NOTE_MONTH not in response.content.decode()


def test_compliance_explicit_month_wins_and_an_empty_database_renders(admin):
    today = _today()
    response = admin.get(reverse("enterprises:compliance"))
    assert response.status_code == 200
    assert response.context["period"] == today.replace(day=1)
    _visited(datetime.date(today.year - 3, 11, 10))
    response = admin.get(reverse("enterprises:compliance"), {"period": f"{today.year - 3}-05"})
    assert response.context["period"] == datetime.date(today.year - 3, 5, 1)
    assert NOTE_MONTH not in response.content.decode()
    # A bad month says so and shows the default month.
    response = admin.get(reverse("enterprises:compliance"), {"period": "2021-13"})
    assert response.status_code == 200
    assert response.context["period"] == datetime.date(today.year - 3, 11, 1)
    assert response.context["error"]


def test_compliance_default_counts_only_the_visits_the_user_sees(client):
    earlier = _today().year - 3
    mine = DepartmentFactory()
    _visited(datetime.date(earlier, 11, 10), department=mine)
    _visited(datetime.date(earlier + 1, 11, 10))  # another department's, later
    client.force_login(user_with_role("department_user", official=OfficialFactory(department=mine)))
    response = client.get(reverse("enterprises:compliance"))
    assert response.context["period"] == datetime.date(earlier, 11, 1)


# --- work reports --------------------------------------------------------------------------------


def _reported(period: datetime.date, *, department=None, progress="技改设备安装完成"):
    assignment = AssignmentFactory(year=period.year, department=department or DepartmentFactory())
    submit_work_report(
        assignment=assignment,
        period=period,
        progress=progress,
        standards="",
        deadlines="",
        acting_user=None,
        now=timezone.make_aware(datetime.datetime.combine(period, datetime.time(10))),
    )
    return assignment


def test_work_reports_open_on_the_latest_month_with_reports(admin):
    earlier = datetime.date(_today().year - 3, 11, 1)
    _reported(earlier, progress="早年报送的进展")
    response = admin.get(reverse("work_reports:board"))
    html = response.content.decode()
    assert response.context["period"] == earlier
    assert f'value="{earlier:%Y-%m}"' in html
    assert "早年报送的进展" in html
    assert f"{NOTE_MONTH}：{earlier:%Y-%m}" in html


def test_work_reports_open_on_the_current_month_when_it_has_reports(admin):
    month = _today().replace(day=1)
    _reported(datetime.date(month.year - 3, 11, 1))
    _reported(month, progress="本月的进展")
    response = admin.get(reverse("work_reports:board"))
    assert response.context["period"] == month
    assert "本月的进展" in response.content.decode()
    assert NOTE_MONTH not in response.content.decode()


def test_work_reports_explicit_month_wins_and_an_empty_database_renders(admin):
    month = _today().replace(day=1)
    response = admin.get(reverse("work_reports:board"))
    assert response.status_code == 200
    assert response.context["period"] == month
    _reported(datetime.date(month.year - 3, 11, 1))
    response = admin.get(reverse("work_reports:board"), {"period": f"{month.year - 3}-10"})
    assert response.context["period"] == datetime.date(month.year - 3, 10, 1)
    assert NOTE_MONTH not in response.content.decode()


def test_work_reports_default_counts_only_the_reports_the_user_sees(client):
    earlier = _today().year - 3
    mine = DepartmentFactory()
    _reported(datetime.date(earlier, 11, 1), department=mine)
    _reported(datetime.date(earlier + 1, 11, 1))  # another department's, later
    client.force_login(user_with_role("department_user", official=OfficialFactory(department=mine)))
    response = client.get(reverse("work_reports:board"))
    assert response.context["period"] == datetime.date(earlier, 11, 1)


# --- the zone's year lists -----------------------------------------------------------------------


def _on(year):
    return datetime.date(year, 6, 1)


ZONE_LISTS = {
    "zone:cultivation_list": lambda year, name: CultivationFactory(
        year=year, enterprise__name=name, identified_on=_on(year)
    ),
    "zone:matchmaking_list": lambda year, name: MatchmakingFactory(held_on=_on(year), title=name),
    "zone:loan_list": lambda year, name: LoanFactory(granted_on=_on(year), enterprise__name=name),
    "zone:inspection_list": lambda year, name: SafetyInspectionFactory(
        inspected_on=_on(year), enterprise__name=name
    ),
    "zone:activity_list": lambda year, name: SafetyActivityFactory(held_on=_on(year), title=name),
    "zone:investor_list": lambda year, name: NewInvestorFactory(year=year, enterprise__name=name),
}


@pytest.mark.parametrize("url_name", ZONE_LISTS)
def test_zone_list_opens_on_the_latest_year_with_records(admin, url_name):
    earlier = _today().year - 3
    ZONE_LISTS[url_name](earlier, "早年的记录")
    response = admin.get(reverse(url_name))
    html = response.content.decode()
    assert response.context["year"] == earlier
    assert f'value="{earlier}"' in html
    assert "早年的记录" in html
    assert f"{NOTE_YEAR}：{earlier}" in html


@pytest.mark.parametrize("url_name", ZONE_LISTS)
def test_zone_list_opens_on_this_year_when_it_has_records(admin, url_name):
    this_year = _today().year
    ZONE_LISTS[url_name](this_year - 3, "早年的记录")
    ZONE_LISTS[url_name](this_year, "今年的记录")
    response = admin.get(reverse(url_name))
    assert response.context["year"] == this_year
    assert "今年的记录" in response.content.decode()
    assert NOTE_YEAR not in response.content.decode()


@pytest.mark.parametrize("url_name", ZONE_LISTS)
def test_zone_list_explicit_year_wins_and_an_empty_database_renders(admin, url_name):
    this_year = _today().year
    response = admin.get(reverse(url_name))
    assert response.status_code == 200
    assert response.context["year"] == this_year
    ZONE_LISTS[url_name](this_year - 3, "早年的记录")
    response = admin.get(reverse(url_name), {"year": this_year - 5})
    assert response.context["year"] == this_year - 5
    assert NOTE_YEAR not in response.content.decode()


# --- the industry chain --------------------------------------------------------------------------


def _chain_output(year: int, output: str):
    enterprise = EnterpriseFactory(chain="毛绒玩具", chain_role="producer")
    MonthlyReportFactory(
        enterprise=enterprise, period=datetime.date(year, 12, 1), output_value=Decimal(output)
    )


def test_chain_opens_on_the_latest_year_with_figures(admin):
    earlier = _today().year - 3
    _chain_output(earlier, "1234.00")
    response = admin.get(reverse("zone:chain"))
    html = response.content.decode()
    assert response.context["year"] == earlier
    assert response.context["stats"].roles["producer"].output == Decimal("1234.00")
    assert f'value="{earlier}"' in html
    assert f"{NOTE_YEAR}：{earlier}" in html


def test_chain_opens_on_this_year_when_it_has_figures_and_explicit_year_wins(admin):
    this_year = _today().year
    assert admin.get(reverse("zone:chain")).context["year"] == this_year  # empty: renders
    _chain_output(this_year - 3, "1234.00")
    _chain_output(this_year, "99.00")
    response = admin.get(reverse("zone:chain"))
    assert response.context["year"] == this_year
    assert NOTE_YEAR not in response.content.decode()
    assert admin.get(reverse("zone:chain"), {"year": 2005}).context["year"] == 2005

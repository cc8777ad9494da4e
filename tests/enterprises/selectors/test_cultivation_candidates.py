"""Automatic cultivation candidates: detection from the rollup, recording, the page, the command."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.urls import reverse

from enterprises.choices import TitleKind
from enterprises.models import Cultivation
from enterprises.selectors.zone import list_cultivation_candidates
from enterprises.services.cultivation import record_cultivation_candidates
from tests.factories import (
    CultivationFactory,
    EnterpriseFactory,
    EnterpriseTitleFactory,
    MonthlyReportFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
D = datetime.date


def revenue(enterprise, months, amount):
    """Report ``amount`` of revenue in each of ``months`` (first days)."""
    for month in months:
        MonthlyReportFactory(enterprise=enterprise, period=month, revenue=Decimal(amount))


def months(first: datetime.date, count: int) -> list[datetime.date]:
    result, day = [], first
    for _ in range(count):
        result.append(day)
        day = D(day.year + day.month // 12, day.month % 12 + 1, 1)
    return result


def names(candidates):
    return [candidate.enterprise_name for candidate in candidates]


def test_the_last_12_months_span_the_year_boundary():
    near = EnterpriseFactory(name="近规企业")
    # 2020-07 … 2021-06: 12 × 140 = 1680 ≥ 0.8 × 2000; months before July 2020 do not count.
    revenue(near, months(D(2020, 1, 1), 18), 140)
    far = EnterpriseFactory(name="远规企业")
    revenue(far, months(D(2020, 7, 1), 12), 120)  # 1440 < 1600
    old = EnterpriseFactory(name="旧年企业")
    revenue(old, months(D(2020, 1, 1), 6), 500)  # 3000, but all before July 2020

    candidates = list_cultivation_candidates(year=2021, through=D(2021, 6, 1))

    assert names(candidates) == ["近规企业"]
    assert candidates[0].revenue_12m == Decimal("1680.00")
    assert candidates[0].share == pytest.approx(0.84)
    assert candidates[0].on_ladder is False


def test_december_counts_the_calendar_year():
    firm = EnterpriseFactory(name="全年企业")
    revenue(firm, months(D(2021, 1, 1), 12), 150)  # 1800
    revenue(firm, months(D(2020, 1, 1), 12), 900)
    [candidate] = list_cultivation_candidates(year=2021, through=D(2021, 12, 1))
    assert candidate.revenue_12m == Decimal("1800.00")


def test_enterprises_above_scale_in_the_year_are_no_candidates():
    firm = EnterpriseFactory()
    revenue(firm, months(D(2021, 1, 1), 12), 500)
    EnterpriseTitleFactory(enterprise=firm, title=TitleKind.ABOVE_SCALE, year=2021)
    assert list_cultivation_candidates(year=2021, through=D(2021, 12, 1)) == []
    # Above scale the year before only: a candidate again.
    assert len(list_cultivation_candidates(year=2022, through=D(2021, 12, 1))) == 1


def test_the_threshold_and_share_come_from_the_settings(settings):
    firm = EnterpriseFactory()
    revenue(firm, months(D(2021, 1, 1), 12), 100)  # 1200
    assert list_cultivation_candidates(year=2021, through=D(2021, 12, 1)) == []
    settings.HENGKOU_CANDIDATE_SHARE = 0.6
    assert len(list_cultivation_candidates(year=2021, through=D(2021, 12, 1))) == 1
    settings.HENGKOU_ABOVE_SCALE_THRESHOLD = 3000
    assert list_cultivation_candidates(year=2021, through=D(2021, 12, 1)) == []


@pytest.mark.parametrize("size", [2, 20])
def test_detection_is_one_query(size, django_assert_num_queries):
    for _ in range(size):
        revenue(EnterpriseFactory(), months(D(2021, 1, 1), 12), 200)
    with django_assert_num_queries(1):
        assert len(list_cultivation_candidates(year=2021, through=D(2021, 12, 1))) == size


def test_recording_is_idempotent_and_keeps_existing_paths():
    new, recorded = EnterpriseFactory(name="新候选"), EnterpriseFactory(name="已申报")
    for firm in (new, recorded):
        revenue(firm, months(D(2021, 1, 1), 12), 200)
    CultivationFactory(enterprise=recorded, status="applying", applied_on=D(2021, 3, 1))

    created = record_cultivation_candidates(
        year=2021, through=D(2021, 12, 1), identified_on=D(2021, 12, 31)
    )

    assert [row.enterprise for row in created] == [new]
    row = Cultivation.objects.get(enterprise=new)
    assert (row.title, row.year, row.status) == (TitleKind.ABOVE_SCALE, 2021, "candidate")
    assert row.identified_on == D(2021, 12, 31)
    assert row.history.count() == 1
    assert Cultivation.objects.get(enterprise=recorded).status == "applying"
    again = record_cultivation_candidates(
        year=2021, through=D(2021, 12, 1), identified_on=D(2021, 12, 31)
    )
    assert again == []
    assert Cultivation.objects.count() == 2


def test_the_page_lists_candidates_and_records_them_with_the_permission(client):
    firm = EnterpriseFactory(name="候选企业")
    revenue(firm, months(D(2021, 1, 1), 12), 200)
    reader = UserFactory()
    reader.groups.add(Group.objects.get(name="supervision_office"))
    client.force_login(reader)
    page = client.get(reverse("zone:cultivation_list"), {"year": 2021})
    assert "候选企业" in page.content.decode()
    assert 'id="record-candidates"' not in page.content.decode()
    refused = client.post(reverse("zone:candidates_record"), {"year": 2021})
    assert refused.status_code == 403
    assert not Cultivation.objects.exists()

    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = client.get(reverse("zone:cultivation_list"), {"year": 2021})
    assert 'id="record-candidates"' in page.content.decode()
    response = client.post(reverse("zone:candidates_record"), {"year": 2021})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('zone:cultivation_list')}?year=2021"
    assert Cultivation.objects.filter(enterprise=firm, status="candidate").count() == 1
    client.post(reverse("zone:candidates_record"), {"year": 2021})
    assert Cultivation.objects.count() == 1
    page = client.get(reverse("zone:cultivation_list"), {"year": 2021})
    assert 'id="record-candidates"' not in page.content.decode()  # nothing left to record


@pytest.mark.parametrize("year", ["", "abc", "1999"])
def test_recording_a_bad_year_writes_nothing(admin_client, year):
    revenue(EnterpriseFactory(), months(D(2021, 1, 1), 12), 200)
    response = admin_client.post(reverse("zone:candidates_record"), {"year": year}, follow=True)
    assert response.status_code == 200
    assert list(response.context["messages"])
    assert not Cultivation.objects.exists()


def test_recording_needs_a_post(admin_client):
    assert admin_client.get(reverse("zone:candidates_record")).status_code == 405


def test_the_command_records_and_the_dry_run_does_not():
    revenue(EnterpriseFactory(name="命令候选"), months(D(2021, 1, 1), 12), 200)
    out = StringIO()
    call_command("detect_candidates", "--year", "2021", "--dry-run", stdout=out)
    assert "命令候选" in out.getvalue()
    assert not Cultivation.objects.exists()
    out = StringIO()
    call_command("detect_candidates", "--year", "2021", "--through", "2021-12", stdout=out)
    assert out.getvalue().startswith("1 candidate(s) recorded for 2021")
    call_command("detect_candidates", "--year", "2021", stdout=StringIO())
    assert Cultivation.objects.count() == 1


@pytest.mark.parametrize("args", [["--year", "1800"], ["--year", "2021", "--through", "2021-13"]])
def test_the_command_refuses_bad_arguments(args):
    with pytest.raises(CommandError):
        call_command("detect_candidates", *args, stdout=StringIO())

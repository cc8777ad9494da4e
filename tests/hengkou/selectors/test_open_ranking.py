"""An open month's ranking is stored with the fingerprint of its inputs and never served stale."""

import dataclasses
import datetime
import hashlib
import json
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connection
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enterprises.models import DepartmentYtd
from hengkou.models import OpenRanking
from hengkou.ranking import RankingRow, RankingRules
from hengkou.selectors import open_ranking
from hengkou.selectors.ranking import (
    get_period_ranking,
    get_shown_ranking,
    list_department_rankings,
    open_ranking_rows,
)
from hengkou.services import close_month
from tests.factories import (
    AssignmentFactory,
    DepartmentFactory,
    MonthlyReportFactory,
    TargetFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOV = datetime.date(2021, 11, 1)
URL = "/api/v1/rankings/?period=2021-11&metric=output_value"


def _department(code, *, target, ytd):
    department = DepartmentFactory(code=code, name=f"{code}局")
    assignment = AssignmentFactory(department=department, year=2021)
    TargetFactory(enterprise=assignment.enterprise, year=2021, value=Decimal(target))
    MonthlyReportFactory(enterprise=assignment.enterprise, period=NOV, output_value=Decimal(ytd))
    return department, assignment


@pytest.fixture
def zone():
    return [_department(f"D{i}", target="1200", ytd=str(100 * i)) for i in range(1, 5)]


def count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.json()


def test_the_stored_ranking_equals_the_computed_one_and_is_read_in_one_query(admin_api, zone):
    first_queries, first = count(admin_api, URL)
    again_queries, again = count(admin_api, URL)
    assert again == first
    # One query checks freshness (and that the month is open) and reads the body (the test
    # client authenticates without a session).
    assert again_queries == 1 < first_queries
    stored = open_ranking_rows(period=NOV, metric="output_value")
    assert isinstance(stored, open_ranking.StoredRows)
    assert list(stored) == list_department_rankings(period=NOV, metric="output_value")
    assert [row["department_name"] for row in again["results"]] == ["D4局", "D3局", "D2局", "D1局"]


@pytest.mark.parametrize("write", ["report", "target", "move", "rename"])
def test_any_write_to_the_month_makes_the_next_read_recompute(admin_api, zone, write):
    _queries, before = count(admin_api, URL)
    (d1, a1), (d2, _a2) = zone[0], zone[1]
    if write == "report":
        response = admin_api.post(
            "/api/v1/monthly-reports/",
            {"enterprise": a1.enterprise_id, "period": "2021-10", "output_value": "5000.00"},
            format="json",
        )
        assert response.status_code == 201
    elif write == "target":
        target = a1.enterprise.targets.get()
        response = admin_api.patch(
            f"/api/v1/targets/{target.pk}/", {"value": "100.00"}, format="json"
        )
        assert response.status_code == 200
    elif write == "move":
        response = admin_api.patch(
            f"/api/v1/assignments/{a1.pk}/", {"department": d2.pk}, format="json"
        )
        assert response.status_code == 200
    else:
        d1.name = "改名局"
        d1.save()
    _queries, after = count(admin_api, URL)
    assert after != before
    fresh = list_department_rankings(period=NOV, metric="output_value")
    assert [row["department"] for row in after["results"]] == [r.department_id for r in fresh]
    assert [row["department_name"] for row in after["results"]] == [
        r.department_name for r in fresh
    ]


def test_a_write_while_ranking_leaves_no_stale_ranking_behind(zone):
    rules = RankingRules.from_settings()
    # A reader reads the fingerprint, then a write lands before it stores what it computed.
    fingerprint = open_ranking.fingerprint(period=NOV, rules=rules)
    rows = list_department_rankings(period=NOV, metric="output_value", rules=rules)
    MonthlyReportFactory(
        enterprise=zone[0][1].enterprise, period=datetime.date(2021, 9, 1), output_value=9000
    )
    open_ranking.store_ranking(
        period=NOV, metric="output_value", fingerprint=fingerprint, rows=rows
    )
    served = get_period_ranking(period=NOV, metric="output_value").rows
    assert list(served) == list_department_rankings(period=NOV, metric="output_value")
    assert list(served) != rows


def test_each_rewrite_of_a_department_row_gives_it_a_new_stamp(zone):
    row = DepartmentYtd.objects.get(department=zone[0][0], period=NOV)
    MonthlyReportFactory(enterprise=zone[0][1].enterprise, period=datetime.date(2021, 1, 1))
    assert DepartmentYtd.objects.get(department=zone[0][0], period=NOV).stamp != row.stamp


def test_closed_months_and_investment_are_not_stored(admin_api, zone):
    assert admin_api.post("/api/v1/periods/2021-11/close/").status_code == 200
    _queries, closed = count(admin_api, URL)
    assert closed["closed"] is True
    count(admin_api, "/api/v1/rankings/?period=2021-11&metric=investment")
    assert not OpenRanking.objects.filter(period=NOV).exists()


def _shown(metric="output_value"):
    return get_shown_ranking(period=NOV, metric=metric)


def test_the_dashboards_read_equals_the_period_ranking_in_every_state(zone, settings):
    # Nothing stored yet, stored and unchanged, changed by a write, closed; and the investment
    # metric, which is never stored: each the same as get_period_ranking.
    def same():
        shown = _shown()
        expected = get_period_ranking(period=NOV, metric="output_value")
        assert (shown.closed, list(shown.rows)) == (expected.closed, list(expected.rows))
        return shown

    with CaptureQueriesContext(connection) as first:
        shown = _shown()
    assert list(shown.rows) == list(get_period_ranking(period=NOV, metric="output_value").rows)
    assert OpenRanking.objects.filter(period=NOV, metric="output_value").exists()
    with CaptureQueriesContext(connection) as stored:
        shown = _shown()
    # One query: the month open, the fingerprint, the stored rows.
    assert len(stored) == 1 and isinstance(shown.rows, open_ranking.StoredRows)
    # Ranking afresh costs the totals and the upsert more, never the stamps twice.
    assert len(first) == 3
    MonthlyReportFactory(
        enterprise=zone[0][1].enterprise, period=datetime.date(2021, 9, 1), output_value=9000
    )
    assert not isinstance(same().rows, open_ranking.StoredRows)  # ranked afresh
    assert isinstance(same().rows, open_ranking.StoredRows)
    shown = _shown("investment")
    assert shown == get_period_ranking(period=NOV, metric="investment")
    close_month(period=NOV, acting_user=UserFactory(is_superuser=True), now=timezone.now())
    with CaptureQueriesContext(connection) as closed:
        assert _shown().closed
    assert len(closed) == 2
    assert same().closed  # the month's state, then its snapshot
    # With the figures cache on, the cached period ranking is read.
    settings.HENGKOU_FIGURES_CACHE_SECONDS = 60
    assert same().closed


def test_the_dashboards_read_stores_under_the_fingerprint_read_before_ranking(zone):
    # A write lands between the read of the month and the upsert: the next read ranks again.
    rules = RankingRules.from_settings()
    month = open_ranking.read_month_ranking(period=NOV, metric="output_value", rules=rules)
    assert month.fingerprint == open_ranking.fingerprint(period=NOV, rules=rules)
    assert (month.closed, month.rows) == (False, None)
    rows = list_department_rankings(period=NOV, metric="output_value", rules=rules)
    MonthlyReportFactory(
        enterprise=zone[0][1].enterprise, period=datetime.date(2021, 9, 1), output_value=9000
    )
    open_ranking.store_ranking(
        period=NOV, metric="output_value", fingerprint=month.fingerprint, rows=rows
    )
    served = _shown().rows
    assert list(served) == list_department_rankings(period=NOV, metric="output_value")
    assert list(served) != rows


def _random_rows(rng, count):
    rows = []
    for index in range(count):
        target = Decimal(rng.randrange(0, 10**8)) / 100
        rate = None if rng.random() < 0.2 else Fraction(rng.randrange(-500, 5000), 997)
        rows.append(
            RankingRow(
                department_id=index + 1,
                department_code=f"D{index:03d}",
                department_name=f"部门{index}",
                members=rng.randrange(0, 80),
                reported=rng.randrange(0, 80),
                target=target,
                ytd=Decimal(rng.randrange(-(10**6), 10**8)) / 100,
                ytd_targeted=Decimal(rng.randrange(0, 10**8)) / 100,
                ytd_previous=Decimal(rng.randrange(0, 10**8)) / 100,
                completion_rate=rate,
                time_progress=Fraction(11, 12),
                gap=None if rate is None else rate - Fraction(11, 12),
                yoy_growth=None if rng.random() < 0.3 else Fraction(rng.randrange(-99, 999), 101),
                completeness=Fraction(rng.randrange(0, 40), 40),
                rank=None if rate is None else index + 1,
                lagging=rng.random() < 0.4,
                light=rng.choice([None, "green", "yellow", "red"]),
                targeted_members=rng.choice([None, rng.randrange(0, 80)]),
            )
        )
    return rows


def test_the_stored_columns_give_back_every_row_exactly_and_hold_plain_values_only(db):
    rng = random.Random(19)
    rows = _random_rows(rng, 200)
    columns = open_ranking._dump(rows)
    stored = open_ranking.StoredRows(json.loads(json.dumps(columns)))
    assert len(stored) == 200
    assert list(stored) == rows
    assert stored[-1] == rows[-1] and stored[5:8] == rows[5:8]
    assert stored.where("lagging", True) == [i for i, row in enumerate(rows) if row.lagging]
    # A few lists of plain values, whatever the number of rows: nothing per row to collect.
    assert all(
        value is None or type(value) in (int, str, bool)
        for column in columns.values()
        for value in column
    )
    assert len(columns) == len(dataclasses.fields(RankingRow)) + 5


def test_a_ranking_stored_in_another_layout_is_ranked_afresh(zone):
    rules = RankingRules.from_settings()
    fresh = list_department_rankings(period=NOV, metric="output_value")
    # The fingerprint of the same inputs under the row-per-list layout stored before.
    found = DepartmentYtd.objects.filter(period=NOV).aggregate(n=Count("id"), s=Sum("stamp"))
    old_rules = ":" + hashlib.sha1(repr(rules).encode(), usedforsecurity=False).hexdigest()[:16]
    OpenRanking.objects.create(
        period=NOV,
        metric="output_value",
        fingerprint=f"{found['n']}:{found['s'] or 0}{old_rules}",
        rows=[[0] * 18 for _ in fresh],
    )
    assert list(get_shown_ranking(period=NOV, metric="output_value").rows) == fresh
    assert list(get_period_ranking(period=NOV, metric="output_value").rows) == fresh
    stored = OpenRanking.objects.get(period=NOV, metric="output_value")
    assert stored.fingerprint == open_ranking.fingerprint(period=NOV, rules=rules)
    assert isinstance(stored.rows, dict)


def test_a_process_serves_its_copy_of_the_body_only_while_the_stored_row_keeps_its_key(
    admin_api, zone
):
    _queries, first = count(admin_api, URL)
    key, copy = open_ranking.BODIES.get(NOV, "output_value")
    stored = OpenRanking.objects.get(period=NOV, metric="output_value")
    assert key == stored.body_key != "" and copy == stored.body.encode()
    # Change the stored body behind the key: the process's copy is what answers (the query
    # returned the key, not the body), in one query as before.
    OpenRanking.objects.filter(pk=stored.pk).update(body='{"changed": true}')
    queries, again = count(admin_api, URL)
    assert (queries, again) == (1, first)
    # Without the copy, the stored body is read.
    open_ranking.BODIES.clear()
    assert count(admin_api, URL) == (1, {"changed": True})
    # A copy under a key the row does not hold is never served.
    open_ranking.BODIES.put(NOV, "output_value", "not-the-stored-key", b'{"stale": true}')
    assert count(admin_api, URL) == (1, {"changed": True})


def test_a_write_gives_the_stored_body_a_new_key_so_no_process_serves_its_old_copy(admin_api, zone):
    _queries, before = count(admin_api, URL)
    old_key, _copy = open_ranking.BODIES.get(NOV, "output_value")
    MonthlyReportFactory(enterprise=zone[0][1].enterprise, period=datetime.date(2021, 10, 1))
    # Another process's copy stays under the old key; this one's is replaced on the next read.
    _queries, after = count(admin_api, URL)
    assert after != before
    new_key = OpenRanking.objects.get(period=NOV, metric="output_value").body_key
    assert new_key not in ("", old_key)
    assert open_ranking.BODIES.get(NOV, "output_value")[0] == new_key


def test_the_process_copies_are_bounded_in_bytes_least_recently_read_first():
    bodies = open_ranking._Bodies(max_bytes=10)
    bodies.put(NOV, "a", "k1", b"12345")
    bodies.put(NOV, "b", "k2", b"1234")
    assert bodies.get(NOV, "a") == ("k1", b"12345")  # read: now the most recent
    bodies.put(NOV, "c", "k3", b"123")
    assert bodies.get(NOV, "b") == ("", b"")
    assert bodies.get(NOV, "a")[0] == "k1" and bodies.get(NOV, "c")[0] == "k3"
    bodies.put(NOV, "d", "k4", b"x" * 11)  # larger than the bound: not kept
    bodies.put(NOV, "e", "", b"1")  # no key (not stored): not kept
    assert bodies.get(NOV, "d") == bodies.get(NOV, "e") == ("", b"")
    bodies.put(NOV, "a", "k5", b"12345678")  # replaces a's copy, drops c's to fit
    assert bodies.get(NOV, "a") == ("k5", b"12345678") and bodies.get(NOV, "c") == ("", b"")

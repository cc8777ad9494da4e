"""The data migration that re-derives stored snapshots' lights under the new rule of domain.md."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("hengkou", "0006_history"), ("enterprises", "0008_import_speed_indexes")]
AFTER = [("hengkou", "0007_snapshot_targeted_members")]


@pytest.fixture(autouse=True)
def _back_to_the_latest_schema(real_migrations):
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_lights_are_rederived_from_the_exact_sums_and_figures_kept():
    apps = _migrate(BEFORE)
    department = apps.get_model("enterprises", "Department").objects.create(
        code="D1", name="D1局", kind="sponsor"
    )
    period = apps.get_model("enterprises", "Period").objects.create(
        period=datetime.date(2021, 6, 1), status="closed"
    )
    snapshot_model = apps.get_model("hengkou", "RankingSnapshot")
    # Month 6: time progress 1/2, target 1000. Each row's old light (under the rule of "green
    # above -0.10, red below -0.30") and the gap rounded as stored, which must not be used.
    cases = {
        "output_value": ("500.00", "green", "green"),  # gap 0: on time progress
        "revenue": ("499.99", "green", "yellow"),  # gap -0.00001, stored gap rounds to 0
        "profit": ("400.00", "yellow", "yellow"),  # gap exactly -0.10
        "tax": ("399.99", "yellow", "red"),  # gap -0.10001
        "wages": ("0.00", "red", "red"),
    }
    for metric, (ytd, old_light, _new) in cases.items():
        snapshot_model.objects.create(
            period=period,
            metric=metric,
            department=department,
            department_code="D1",
            department_name="D1局",
            members=1,
            reported=1,
            target=Decimal("1000.00"),
            ytd=Decimal(ytd),
            ytd_targeted=Decimal(ytd),
            ytd_previous=Decimal("0.00"),
            completion_rate=Decimal(ytd) / 1000,
            time_progress=Decimal("0.5"),
            gap=(Decimal(ytd) / 1000 - Decimal("0.5")).quantize(Decimal("0.0001")),
            completeness=Decimal(1),
            rank=1,
            lagging=Decimal(ytd) < 500,
            light=old_light,
        )

    apps = _migrate(AFTER)
    snapshots = apps.get_model("hengkou", "RankingSnapshot").objects.all()
    found = {s.metric: (s.light, s.ytd, s.gap, s.lagging, s.targeted_members) for s in snapshots}
    for metric, (ytd, _old, new_light) in cases.items():
        light, stored_ytd, _gap, lagging, targeted = found[metric]
        assert light == new_light, metric
        assert stored_ytd == Decimal(ytd)  # the figures are kept
        assert lagging is (light != "green")  # lagging and "not green" now agree
        assert targeted == 0  # no Target row: the count is filled from the targets
    assert found["revenue"][2] == 0  # the stored gap was rounded: the light came from the sums

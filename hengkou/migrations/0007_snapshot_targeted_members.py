"""Snapshots store how many members have a target; their lights follow the new rule.

The light rule of domain.md changed (lights against time progress: green when gap >= 0, yellow
down to -0.10, red below), not the data: each stored snapshot keeps its figures and has its
light re-derived from its exact ytd_targeted, target and month, never from the rounded gap.
The count of members with a target was not stored before: it is filled from the targets and
assignments (or project plans) of the snapshot's year as they stand when this runs.
"""

from collections import defaultdict
from fractions import Fraction

from django.db import migrations, models

from core.indicators import LightRules, light_for

INVESTMENT_METRICS = ("investment", "tech_investment")


def relight(apps, schema_editor):
    snapshot_model = apps.get_model("hengkou", "RankingSnapshot")
    rules = LightRules.from_settings()
    changed = []
    for snapshot in snapshot_model.objects.select_related("period").iterator(chunk_size=2000):
        if not snapshot.target:
            continue
        rate = Fraction(snapshot.ytd_targeted) / Fraction(snapshot.target)
        light = light_for(rate - Fraction(snapshot.period.period.month, 12), rules)
        if light != snapshot.light:
            snapshot.light = light
            changed.append(snapshot)
    snapshot_model.objects.bulk_update(changed, ["light"], batch_size=2000)


def fill_targeted_members(apps, schema_editor):
    snapshot_model = apps.get_model("hengkou", "RankingSnapshot")
    target_model = apps.get_model("enterprises", "Target")
    assignment_model = apps.get_model("enterprises", "Assignment")
    pairs = snapshot_model.objects.values_list("period__period__year", "metric").distinct()
    for year, metric in pairs:
        snapshots = snapshot_model.objects.filter(period__period__year=year, metric=metric)
        if metric in INVESTMENT_METRICS:
            # Every project plan carries its planned investment: every member has a target.
            snapshots.update(targeted_members=models.F("members"))
            continue
        targeted = set(
            target_model.objects.filter(year=year, metric=metric).values_list(
                "enterprise_id", flat=True
            )
        )
        counts = defaultdict(int)
        for department_id, enterprise_id in assignment_model.objects.filter(
            year=year
        ).values_list("department_id", "enterprise_id"):
            if enterprise_id in targeted:
                counts[department_id] += 1
        rows = list(snapshots.only("pk", "department_id", "members"))
        for snapshot in rows:
            snapshot.targeted_members = min(counts[snapshot.department_id], snapshot.members)
        snapshot_model.objects.bulk_update(rows, ["targeted_members"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0008_import_speed_indexes"),
        ("hengkou", "0006_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="rankingsnapshot",
            name="targeted_members",
            field=models.PositiveIntegerField(null=True, verbose_name="members with a target"),
        ),
        migrations.RunPython(relight, migrations.RunPython.noop),
        migrations.RunPython(fill_targeted_members, migrations.RunPython.noop),
    ]

"""Bring the year-to-date rollup, the department totals and the data-quality flags up to date
(safe to run any time)."""

from django.core.management.base import BaseCommand

from core.jobs import single_run
from enterprises.services.figures import rebuild_monthly_ytd


class Command(BaseCommand):
    help = (
        "Recompute the year-to-date rollup from the monthly reports, writing only what differs, "
        "then every department's totals and every report's data-quality flags (for a nightly job, "
        "after writes that bypassed the services, or after the flags' thresholds changed)."
    )

    def handle(self, *args, **options):
        with single_run("rebuild_rollups") as mine:
            if not mine:
                self.stdout.write("rebuild_rollups is already running on another node: skipped.")
                return
            changed = rebuild_monthly_ytd()
        self.stdout.write(
            f"{changed} row(s) of the rollup brought up to date; department totals and "
            "data-quality flags rebuilt."
        )

"""Bring the year-to-date rollup and the department totals up to date (safe to run any time)."""

from django.core.management.base import BaseCommand

from core.jobs import single_run
from enterprises.services.figures import rebuild_monthly_ytd


class Command(BaseCommand):
    help = (
        "Recompute the year-to-date rollup from the monthly reports, writing only what differs, "
        "then every department's totals (for a nightly job, or after writes that bypassed the "
        "services)."
    )

    def handle(self, *args, **options):
        with single_run("rebuild_rollups") as mine:
            if not mine:
                self.stdout.write("rebuild_rollups is already running on another node: skipped.")
                return
            changed = rebuild_monthly_ytd()
        self.stdout.write(
            f"{changed} row(s) of the rollup brought up to date; department totals rebuilt."
        )

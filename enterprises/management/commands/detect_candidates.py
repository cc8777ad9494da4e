"""Detect the year's cultivation candidates and record them (safe to run any time)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from enterprises.selectors.zone import candidate_threshold, list_cultivation_candidates
from enterprises.services.cultivation import record_cultivation_candidates


class Command(BaseCommand):
    help = (
        "Record as above-scale cultivation candidates the enterprises not yet above scale whose "
        "revenue over the last 12 months reaches HENGKOU_CANDIDATE_SHARE of "
        "HENGKOU_ABOVE_SCALE_THRESHOLD; an enterprise already on the ladder is left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--year", type=int, help="The year of the cultivation (default: this year)."
        )
        parser.add_argument(
            "--through",
            help="The last month of the 12 counted, YYYY-MM (default: December of the year, "
            "or this month for the current year).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List the candidates without recording them."
        )

    def handle(self, *args, year=None, through=None, dry_run=False, **options):
        today = timezone.localdate()
        year = year or today.year
        if not 2000 <= year <= 2100:
            raise CommandError("--year is a year from 2000 to 2100.")
        if through:
            try:
                last = datetime.datetime.strptime(through, "%Y-%m").date()
            except ValueError as error:
                raise CommandError("--through is a month written YYYY-MM.") from error
        else:
            last = min(datetime.date(year, 12, 1), today.replace(day=1))
        threshold, share = candidate_threshold()
        if dry_run:
            for candidate in list_cultivation_candidates(year=year, through=last):
                state = "already on the ladder" if candidate.on_ladder else "new"
                self.stdout.write(f"{candidate.enterprise_name}\t{candidate.revenue_12m}\t{state}")
            return
        created = record_cultivation_candidates(
            year=year, through=last, identified_on=min(today, datetime.date(year, 12, 31))
        )
        self.stdout.write(
            f"{len(created)} candidate(s) recorded for {year} (12 months through "
            f"{last:%Y-%m}, at least {threshold * share} 万元 of revenue)."
        )

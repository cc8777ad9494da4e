"""Back-test the year-end projection on this database, or on generated bench data."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hengkou.ops import bench
from hengkou.ops.backtest import render_backtest, run_backtest, write_backtest


class Command(BaseCommand):
    help = (
        "Project months 3, 6 and 9 of every complete year and compare the projected completion "
        "rates with the actual year-end, beside the naive projection (ytd × 12 / m); print the "
        "mean absolute errors and, with --write, put them into docs/performance.md. With "
        "--bench N, first fill this EMPTY database with the bench's data of N enterprises "
        "(500 departments, 2017–2021, the documented seasonal pattern); it is rolled back after."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bench", help="generate the bench's data of this scale first")
        parser.add_argument(
            "--label", help="the section's name in the docs (default: 'demo' or 'bench-N')"
        )
        parser.add_argument(
            "--write",
            nargs="?",
            const=str(Path(settings.BASE_DIR) / "docs" / "performance.md"),
            help="write the section into this file (default docs/performance.md)",
        )

    def handle(self, *args, **options):
        log = self.stdout.write
        if options["bench"]:
            try:
                label, scale = bench.parse_scale(options["bench"])
            except ValueError as error:
                raise CommandError(str(error)) from error
            name = options["label"] or f"bench-{scale.enterprises}"
            description = (
                f"the bench's data ({scale.enterprises:,} enterprises, {scale.departments} "
                f"departments, {scale.periods[0]:%Y-%m} to {scale.periods[-1]:%Y-%m}, seed "
                f"{scale.seed}, the seasonal pattern above)"
            )
            with transaction.atomic():
                try:
                    bench.generate(scale=scale, log=log)
                except RuntimeError as error:
                    raise CommandError(str(error)) from error
                result = run_backtest(log=log)
                transaction.set_rollback(True)
        else:
            name = options["label"] or "demo"
            description = "the demo (`setup_demo`)" if name == "demo" else f"the database ({name})"
            result = run_backtest(log=log)
        section = render_backtest(result, label=name, description=description)
        log(section)
        if options["write"]:
            write_backtest(Path(options["write"]), section)
            log(f"Written to {options['write']}")

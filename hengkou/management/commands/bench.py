"""Benchmark the department ranking at city scale and write the results into the docs."""

import dataclasses
import datetime
import importlib.util
import inspect
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from core.periods import parse_period
from enterprises.models import Enterprise
from hengkou.ops import bench


class Command(BaseCommand):
    help = (
        "Fill an EMPTY PostgreSQL database with city-scale data, time the ranking (selectors, "
        "API, dashboard, monthly close) and write the results into docs/performance.md. "
        "Run it through `make bench`, which creates and drops a database of its own."
    )

    def add_arguments(self, parser):
        parser.add_argument("--departments", type=int, default=bench.CITY.departments)
        parser.add_argument("--enterprises", type=int, default=bench.CITY.enterprises)
        parser.add_argument("--seed", type=int, default=bench.CITY.seed)
        parser.add_argument("--period", default="2021-11", help="the month measured, YYYY-MM")
        parser.add_argument("--repeat", type=int, default=15, help="timed runs of each read")
        parser.add_argument(
            "--load-seconds", type=int, default=10, help="wrk's run per URL (0: no load test)"
        )
        parser.add_argument("--load-connections", type=int, default=4, help="wrk's connections")
        parser.add_argument(
            "--import-rows", type=int, default=100_000, help="rows of the import bench (0: none)"
        )
        parser.add_argument(
            "--import-competitor-rows",
            type=int,
            default=5_000,
            help="rows imported with django-import-export (slow; its rows/s are compared)",
        )
        parser.add_argument(
            "--output",
            default=str(Path(settings.BASE_DIR) / "docs" / "performance.md"),
            help="the Markdown file whose benchmark section is replaced ('-' prints it)",
        )

    def handle(self, *args, **options):
        period, scale = self.checked_run(options)
        log = self.log
        started = time.perf_counter()
        phases = bench.generate(scale=scale, log=log)
        results = bench.measure(
            period=period,
            repeat=options["repeat"],
            load_seconds=options["load_seconds"],
            load_connections=options["load_connections"],
            log=log,
        )
        imports, imports_note = self.measure_imports(options, log)
        section = bench.render_section(
            results=results,
            phases=phases,
            scale=scale,
            sizes=bench.table_sizes(),
            host=bench.machine(),
            peak_mib=bench.peak_memory_mib(),
            total_seconds=time.perf_counter() - started,
            today=timezone.localdate(),
            imports=imports,
            imports_note=imports_note,
        )
        self.write_section(section, options["output"])
        self.log_verdict(results, started)

    def checked_run(self, options) -> tuple[datetime.date, bench.Scale]:
        """Return the month measured and the scale; refuse a database or month that won't do."""
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark runs on PostgreSQL: set DATABASE_URL (make bench).")
        if Enterprise.objects.exists():
            raise CommandError(
                f"The database {connection.settings_dict['NAME']!r} already holds enterprises; "
                "the bench needs an empty one (drop it, or point BENCH_DATABASE_URL elsewhere)."
            )
        try:
            period = parse_period(options["period"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        scale = dataclasses.replace(
            bench.CITY,
            departments=options["departments"],
            enterprises=options["enterprises"],
            seed=options["seed"],
        )
        if period not in scale.periods:
            raise CommandError(f"{options['period']} is outside the generated months.")
        return period, scale

    def log(self, message: str) -> None:
        """Write a progress line at once."""
        self.stdout.write(message)
        self.stdout.flush()

    def write_section(self, section: str, output: str) -> None:
        """Replace the benchmark section of the file ``output``, or print it ('-')."""
        if output == "-":
            self.stdout.write(section)
        else:
            path = Path(output)
            bench.write_section(path, section)
            self.log(f"Wrote {path}")

    def log_verdict(self, results, started: float) -> None:
        """Log the targets met or missed, and the time the whole run took."""
        ratio = results.api_ratio
        verdict = "met" if ratio <= bench.RATIO_TARGET else "MISSED"
        self.log(
            f"p50(API) / p50(re-sum) = {ratio:.2f} (target ≤ {bench.RATIO_TARGET}: {verdict}); "
            f"dashboard queries {results.dashboard_queries} "
            f"(target ≤ {bench.DASHBOARD_QUERY_TARGET}); "
            f"rollup equals re-sum: {results.rollup_equals_resum}; "
            f"done in {datetime.timedelta(seconds=round(time.perf_counter() - started))}"
        )

    def measure_imports(self, options, log):
        """Run hengkou.ops.import_bench if it exists; return its results or why there are none."""
        if not options["import_rows"]:
            return None, "not measured in this run"
        if importlib.util.find_spec("hengkou.ops.import_bench") is None:
            return None, "not measured (hengkou.ops.import_bench does not exist)"
        from hengkou.ops import import_bench

        kwargs = {"database": "default", "rows": options["import_rows"]}
        if "competitor_rows" in inspect.signature(import_bench.run).parameters:
            kwargs["competitor_rows"] = options["import_competitor_rows"] or None
        log(f"import speed ({options['import_rows']:,} rows) …")
        started = time.perf_counter()
        imports = import_bench.run(**kwargs)
        log(f"import speed: {imports} in {time.perf_counter() - started:.0f} s")
        return imports, ""

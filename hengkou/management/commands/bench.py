"""Benchmark the ranking, the menus' pages and the close, and write the results into the docs."""

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

IMPORT_ROWS = 100_000
TOWN_IMPORT_ROWS = 20_000


class Command(BaseCommand):
    help = (
        "Fill an EMPTY database with generated data of a scale (--scale: a number of "
        "enterprises at 500 departments on PostgreSQL, or 'town' on SQLite), time the ranking, "
        "every page of the supervisor's and the busiest leader's menus and the API (without a "
        "cache and with Redis), DuckDB's re-sum, the load under wrk and the monthly close, and "
        "write the results into docs/performance.md and docs/bench/. Run it through `make "
        "bench SCALE=…` or `make bench-town`, which create and drop a database of their own."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            default="city",
            help="a number of enterprises (500 departments, 5 years), 'city' (20000) or 'town'",
        )
        parser.add_argument(
            "--check-scale", action="store_true", help="only check --scale, touch nothing"
        )
        parser.add_argument("--departments", type=int, help="overrides the scale's")
        parser.add_argument("--enterprises", type=int, help="overrides the scale's")
        parser.add_argument("--seed", type=int, default=bench.CITY.seed)
        parser.add_argument("--period", default="2021-11", help="the month measured, YYYY-MM")
        parser.add_argument("--repeat", type=int, default=15, help="timed runs of each selector")
        parser.add_argument(
            "--page-repeat", type=int, default=9, help="timed runs of each page and endpoint"
        )
        parser.add_argument(
            "--no-peer", action="store_true", help="leave DuckDB's re-sum out of this run"
        )
        parser.add_argument(
            "--load-seconds", type=int, default=10, help="wrk's run per URL (0: no load test)"
        )
        parser.add_argument("--load-connections", type=int, default=4, help="wrk's connections")
        parser.add_argument(
            "--import-rows",
            type=int,
            help=f"rows of the import bench (0: none; default {IMPORT_ROWS:,}, the town "
            f"{TOWN_IMPORT_ROWS:,}: SQLite imports them one after the other with the reading)",
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
            help="the Markdown file whose section is replaced ('-' prints it, writes no JSON)",
        )

    def handle(self, *args, **options):
        label, scale = self.parsed_scale(options)
        if options["check_scale"]:
            self.log(
                f"SCALE {options['scale']}: {scale.enterprises:,} enterprises, "
                f"{scale.departments} departments, {scale.months} months ({label})"
            )
            return
        period = self.checked_run(options, label=label, scale=scale)
        if options["import_rows"] is None:
            options["import_rows"] = TOWN_IMPORT_ROWS if label == "town" else IMPORT_ROWS
        log = self.log
        started = time.perf_counter()
        phases = bench.generate(scale=scale, log=log)
        results = bench.measure(
            period=period,
            repeat=options["repeat"],
            page_repeat=options["page_repeat"],
            load_seconds=options["load_seconds"],
            load_connections=options["load_connections"],
            peer=not options["no_peer"],
            label=label,
            log=log,
        )
        imports, imports_note = self.measure_imports(options, log)
        host = bench.machine()
        today = timezone.localdate()
        total = time.perf_counter() - started
        section = bench.render_section(
            results=results,
            phases=phases,
            scale=scale,
            sizes=bench.table_sizes(),
            host=host,
            peak_mib=bench.peak_memory_mib(),
            total_seconds=total,
            today=today,
            imports=imports,
            imports_note=imports_note,
        )
        self.write_section(section, options["output"])
        if options["output"] != "-":
            data = bench.record(
                results=results, scale=scale, phases=phases, host=host, today=today,
                total_seconds=total, imports=imports,
                page_target_ms=bench.TOWN_PAGE_TARGET_MS if label == "town" else None,
            )  # fmt: skip
            path = bench.write_record(Path(options["output"]).parent / "bench", data)
            self.log(f"Wrote {path}")
            self.log_verdict(data, started)

    def parsed_scale(self, options) -> tuple[str, bench.Scale]:
        """Return the label and the scale, with --departments/--enterprises/--seed applied."""
        try:
            label, scale = bench.parse_scale(options["scale"])
        except ValueError as error:
            raise CommandError(str(error)) from error
        overrides = {
            key: options[key] for key in ("departments", "enterprises") if options[key] is not None
        }
        return label, dataclasses.replace(scale, seed=options["seed"], **overrides)

    def checked_run(self, options, *, label: str, scale: bench.Scale) -> datetime.date:
        """Return the month measured; refuse a database or month that won't do."""
        if label == "town" and connection.vendor != "sqlite":
            raise CommandError(
                "The town bench runs on SQLite, the embedded default: make bench-town."
            )
        if label != "town" and connection.vendor != "postgresql":
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
        if period not in scale.periods:
            raise CommandError(f"{options['period']} is outside the generated months.")
        return period

    def log(self, message: str) -> None:
        """Write a progress line at once."""
        self.stdout.write(message)
        self.stdout.flush()

    def write_section(self, section: str, output: str) -> None:
        """Replace the run's section of the file ``output``, or print it ('-')."""
        if output == "-":
            self.stdout.write(section)
        else:
            path = Path(output)
            bench.write_section(path, section)
            self.log(f"Wrote {path}")

    def log_verdict(self, data: dict, started: float) -> None:
        """Log each target met or missed, and the time the whole run took."""
        for row in data["targets"]:
            verdict = {True: "met", False: "MISSED", None: "not measured"}[row["met"]]
            self.log(f"{verdict:>12}: {row['target']}: {row['measured']}")
        elapsed = datetime.timedelta(seconds=round(time.perf_counter() - started))
        self.log(f"done in {elapsed}")

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

"""Import an .xlsx workbook of one kind of rows: every bad row listed, then all or nothing."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.imports.engine import run_import
from core.imports.kinds import all_kinds, get_kind
from core.imports.reader import ImportFileError


class Command(BaseCommand):
    help = (
        "Import an Excel workbook (.xlsx) of one kind of rows, laid out as the kind's template. "
        "Every bad row is reported (row, column, value, reason) and then nothing is written; "
        "otherwise the rows are created or updated on their natural key in one transaction. "
        "Exits with status 1 when the file is refused."
    )

    def add_arguments(self, parser):
        kinds = ", ".join(kind.key for kind in all_kinds())
        parser.add_argument("kind", help=f"What the file holds: {kinds}.")
        parser.add_argument("file", help="The .xlsx file.")
        parser.add_argument(
            "--user",
            help="Import as this user: their row-level scope and permissions apply and the "
            "history names them (default: a system import, unrestricted).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and report; write nothing."
        )

    def handle(self, *args, kind, file, user=None, dry_run=False, **options):
        spec = get_kind(kind)
        if spec is None:
            raise CommandError(
                f"Unknown kind {kind!r}: one of {', '.join(k.key for k in all_kinds())}."
            )
        acting = None
        if user:
            acting = get_user_model().objects.filter(username=user).first()
            if acting is None:
                raise CommandError(f"No user is named {user!r}.")
            if not spec.may_import(acting):
                raise CommandError(f"{user} may not import {spec.key}.")
        try:
            with open(file, "rb") as handle:
                result = run_import(
                    kind=spec, source=handle, user=acting, dry_run=dry_run, progress=True
                )
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from error
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        for error in result.errors:
            where = f"row {error.row}" if error.row else "file"
            column = f", {error.column}" if error.column else ""
            value = f" [{error.value}]" if error.value not in (None, "") else ""
            self.stderr.write(f"{where}{column}{value}: {error.message}")
        if result.errors_omitted:
            self.stderr.write(f"… and {result.errors_omitted} more errors.")
        if result.ok and not result.rows:
            self.stdout.write(
                f"No rows to import: the table below the header (row {result.header_row}) is "
                "empty. Nothing was written."
            )
            return
        summary = (
            f"{result.rows} rows: {result.created} to create, {result.updated} to update, "
            f"{result.unchanged} unchanged"
        )
        if not result.ok:
            raise CommandError(
                f"{summary}. {len(result.errors) + result.errors_omitted} errors: "
                "nothing was written."
            )
        if dry_run:
            self.stdout.write(f"{summary}. Dry run: nothing was written.")
        else:
            self.stdout.write(self.style.SUCCESS(f"{summary}. Written."))

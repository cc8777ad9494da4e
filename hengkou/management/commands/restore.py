"""Restore a backup archive written by the backup command."""

from django.core.management.base import BaseCommand, CommandError

from hengkou.ops import backup


class Command(BaseCommand):
    help = (
        "Restore ARCHIVE (written by the backup command) over the database and the uploaded "
        "media, then check the row counts and control sums against its manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="the .tar.gz written by the backup command")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, archive, yes, **options):
        try:
            manifest = backup.read_manifest(archive)
            db = backup.default_database()
            backup.check_restorable(manifest, db)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{archive}: a {manifest['engine']} backup of {manifest.get('created', '?')}, "
            f"{len(manifest['row_counts'])} tables, {sum(manifest['row_counts'].values())} rows."
        )
        if not yes:
            try:
                answer = input(
                    f"This replaces the database {db['NAME']} and the uploaded media. "
                    "Type 'yes' to continue: "
                )
            except EOFError:
                answer = ""
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled; nothing was changed.")
        try:
            report = backup.restore(archive, db=db, manifest=manifest)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not report.ok:
            raise CommandError(
                "Restored, but the database does not match the manifest:\n  "
                + "\n  ".join(report.mismatches)
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {report.tables} tables ({report.rows} rows) and the media; the row "
                "counts and control sums match the manifest."
            )
        )

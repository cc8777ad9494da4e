"""Back up the database and the uploaded media into one archive."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hengkou.ops import backup


class Command(BaseCommand):
    help = (
        "Write one archive (tar.gz) holding the database (SQLite copy or pg_dump), the uploaded "
        "media and a manifest of row counts and control sums."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default=str(Path(settings.BASE_DIR) / "var" / "backups"),
            help="the folder of the archive (default: var/backups)",
        )

    def handle(self, *args, output, **options):
        try:
            archive = backup.backup(output)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = backup.read_manifest(archive)
        self.stdout.write(
            f"Backed up the {manifest['engine']} database ({len(manifest['row_counts'])} tables, "
            f"{sum(manifest['row_counts'].values())} rows) and the media into {archive}"
        )

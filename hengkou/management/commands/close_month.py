"""Close a month from a scheduled job: lock it, snapshot the rankings, issue notices, and
render the bulletin's files once so the first reader does not wait for them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.periods import parse_period
from hengkou.bulletin.files import keep_bulletin_files
from hengkou.services import close_month
from hengkou.services.close import UnexplainedFlags


class Command(BaseCommand):
    help = "Close month YYYY-MM (一月一通报). Safe to run again: a closed month is left as it is."

    def add_arguments(self, parser):
        parser.add_argument("period", help="the month to close, YYYY-MM")
        parser.add_argument(
            "--confirm-unexplained",
            action="store_true",
            help="close even though flagged figures are unexplained (warn mode only)",
        )

    def handle(self, *args, period, confirm_unexplained=False, **options):
        try:
            day = parse_period(period)
            result = close_month(
                period=day,
                acting_user=None,
                now=timezone.now(),
                confirm_unexplained=confirm_unexplained,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        except UnexplainedFlags as refusal:
            raise CommandError(refusal.message) from refusal
        if result.closed_now:
            self.stdout.write(
                self.style.SUCCESS(f"Closed {period}: {len(result.notices)} notice(s) issued.")
            )
        else:
            self.stdout.write(f"{period} was already closed: nothing changed.")
        languages = tuple(code for code, _name in settings.LANGUAGES)
        kinds = keep_bulletin_files(period=day, languages=languages)
        self.stdout.write(f"The bulletin's files are ready: {', '.join(kinds)}.")

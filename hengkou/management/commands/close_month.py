"""Close a month from a scheduled job: lock it, snapshot the rankings, issue notices, and
render the bulletin's files once so the first reader does not wait for them."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.periods import parse_period
from hengkou.bulletin.files import keep_bulletin_files
from hengkou.services import close_month


class Command(BaseCommand):
    help = "Close month YYYY-MM (一月一通报). Safe to run again: a closed month is left as it is."

    def add_arguments(self, parser):
        parser.add_argument("period", help="the month to close, YYYY-MM")

    def handle(self, *args, period, **options):
        try:
            day = parse_period(period)
            result = close_month(period=day, acting_user=None, now=timezone.now())
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        if result.closed_now:
            self.stdout.write(
                self.style.SUCCESS(f"Closed {period}: {len(result.notices)} notice(s) issued.")
            )
        else:
            self.stdout.write(f"{period} was already closed: nothing changed.")
        languages = tuple(code for code, _name in settings.LANGUAGES)
        kinds = keep_bulletin_files(period=day, languages=languages)
        self.stdout.write(f"The bulletin's files are ready: {', '.join(kinds)}.")

"""The daily reminders job: e-mail what is coming due or overdue, once each."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from hengkou.services import send_notice_reminders


class Command(BaseCommand):
    help = "E-mail departments about supervision notices coming due or overdue (run daily)."

    def handle(self, *args, **options):
        sent = send_notice_reminders(now=timezone.now())
        self.stdout.write(f"{sent} reminder(s) sent.")

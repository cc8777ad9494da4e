"""The daily reminders job: e-mail what is coming due or overdue, once each."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from core.jobs import single_run
from hengkou.services import (
    escalate_problems,
    send_duty_reminders,
    send_notice_reminders,
    send_report_reminders,
)


class Command(BaseCommand):
    help = (
        "Daily: remind departments of supervision notices coming due or overdue, officials of "
        "visits due within two days and of monthly figures still owed, and escalate problems "
        "whose clocks were missed to their sponsoring leaders; each once."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        with single_run("send_reminders") as mine:
            if not mine:
                self.stdout.write("send_reminders is already running on another node: skipped.")
                return
            sent = send_notice_reminders(now=now)
            duties = send_duty_reminders(now=now)
            reports = send_report_reminders(now=now)
            escalated = escalate_problems(now=now)
        self.stdout.write(
            f"{sent} notice reminder(s), {duties} visit-duty reminder(s), "
            f"{reports} monthly-figures reminder(s) sent; "
            f"{escalated} missed problem clock(s) escalated."
        )

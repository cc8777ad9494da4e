"""Send the deliveries due: the first attempts that did not go out and the retries."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from core.jobs import single_run
from hengkou.messaging.services import send_deliveries


class Command(BaseCommand):
    help = (
        "Every few minutes: send the pending deliveries to WeCom, DingTalk, webhooks and e-mail "
        "channels, and retry the failed ones whose backoff has passed, up to "
        "HENGKOU_MESSAGING_MAX_ATTEMPTS. Safe to run on several nodes at once."
    )

    def handle(self, *args, **options):
        with single_run("send_deliveries") as mine:
            if not mine:
                self.stdout.write("send_deliveries is already running on another node: skipped.")
                return
            sent, failed = send_deliveries(now=timezone.now())
        self.stdout.write(f"{sent} delivery(ies) sent, {failed} failed.")

"""Encrypt the channels' secrets again with the first key of HENGKOU_SECRETS_KEYS."""

from django.core.management.base import BaseCommand

from hengkou.messaging.models import DeliveryChannel


class Command(BaseCommand):
    help = (
        "After putting a new key first in HENGKOU_SECRETS_KEYS: encrypt every channel's webhook "
        "URL and signing secret again with it, so the old key can then be removed."
    )

    def handle(self, *args, **options):
        rotated = unreadable = 0
        for channel in DeliveryChannel.objects.order_by("pk").iterator():
            if channel.undecryptable:
                unreadable += 1
                continue
            # Saving encrypts with the first key (core/crypto.py).
            channel.save(update_fields=["target", "secret"])
            rotated += 1
        self.stdout.write(f"{rotated} channel(s) encrypted with the first key.")
        if unreadable:
            self.stderr.write(
                f"{unreadable} channel(s) opened with none of the keys: left as they are."
            )

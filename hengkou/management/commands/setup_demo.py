"""Prepare a fresh installation for a demonstration: demo data and a demo administrator."""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

from enterprises.models import Department
from hengkou.services import close_month

DEMO_ADMIN = "admin"


class Command(BaseCommand):
    help = (
        "Load the demo data when the database holds none, and create the demo administrator "
        "(its password is kept in var/demo-admin-password.txt and printed)."
    )

    def handle(self, *args, **options):
        if Department.objects.exists():
            self.stdout.write("The database already holds data; the demo data is not loaded again.")
        else:
            call_command("seed_demo", stdout=self.stdout)
            self._close_demo_months()
        self._ensure_admin()

    def _close_demo_months(self):
        # The routine of a real zone: every past month closed, the last two left for the demo.
        now = timezone.now()
        for year, month in [(2020, m) for m in range(1, 13)] + [(2021, m) for m in range(1, 11)]:
            close_month(period=datetime.date(year, month, 1), acting_user=None, now=now)
        self.stdout.write("Closed 2020-01 to 2021-10; 2021-11 and 2021-12 are left open.")

    def _ensure_admin(self):
        password_file = settings.VAR_DIR / "demo-admin-password.txt"
        user_model = get_user_model()
        user = user_model.objects.filter(username=DEMO_ADMIN).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user_model.objects.create_superuser(DEMO_ADMIN, "", password)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        elif password_file.exists() and user.check_password(password_file.read_text().strip()):
            password = password_file.read_text().strip()
        else:
            self.stdout.write(
                f"The user “{DEMO_ADMIN}” exists with a password of its own; "
                f"reset it with: python manage.py changepassword {DEMO_ADMIN}"
            )
            return
        self.stdout.write(
            self.style.SUCCESS(f"Demo administrator: user “{DEMO_ADMIN}”, password “{password}”")
        )

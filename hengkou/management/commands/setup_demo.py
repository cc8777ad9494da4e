"""Prepare an installation for a demonstration: the living demo, its logins and an administrator.

``make run`` calls it on every start: the first run loads the article's 2020–2021 records and runs
the routine up to today (last year as a whole year); a later run only brings "this year" up to
today.
"""

import datetime
import io
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone
from PIL import Image, ImageDraw

from enterprises.models import Department, Official
from hengkou.demo.live import is_demo_database, live_demo
from hengkou.demo.logins import (
    ADMIN_PASSWORD_FILE,
    ADMIN_USERNAME,
    OFFICIALS_PASSWORD_FILE,
    demo_logins,
)
from hengkou.demo.routine import link_routine_users
from projects.choices import Stage
from projects.models import ProjectPhoto, ProjectReport
from projects.services import attach_thumbnail

from ...roles import is_staff_for

DEMO_ADMIN = ADMIN_USERNAME


def demo_roles(official) -> list[str]:
    """Return the roles a demo official plays, from their rank and department."""
    if official.rank == "county_leader":
        return ["county_leader"]
    by_kind = {"economic_bureau": "economic_bureau", "supervision_office": "supervision_office"}
    roles = ["official"]
    if official.department.kind in by_kind:
        roles.append(by_kind[official.department.kind])
    elif official.rank == "department_head" or official.department.kind == "sponsor":
        roles.append("department_user")
    return roles


def _progress_picture(percent: int) -> bytes:
    """Return a PNG of a building site: sky, ground and a building as high as the progress."""
    picture = Image.new("RGB", (640, 420), (176, 214, 240))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((0, 330, 640, 420), fill=(150, 120, 90))
    height = int(270 * max(percent, 5) / 100)
    draw.rectangle((170, 330 - height, 470, 330), fill=(200, 200, 205), outline=(90, 90, 90))
    for row in range(330 - height + 15, 320, 30):
        for column in range(190, 450, 40):
            draw.rectangle((column, row, column + 20, row + 14), fill=(110, 140, 170))
    draw.line((520, 330, 520, 40), fill=(230, 170, 40), width=8)
    draw.line((440, 50, 620, 50), fill=(230, 170, 40), width=8)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def _analyze() -> None:
    """Let PostgreSQL's planner see the tables just filled in bulk.

    The demo's thousands of rows (and their history) land in seconds, before autovacuum has
    sampled them: the statements that follow (the routine's users set row by row through their
    history, the closes) could otherwise be planned from the statistics of near-empty tables
    (the suspect when CI's PostgreSQL run hung in the first of them, session 12).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class Command(BaseCommand):
    help = (
        "Load the living demo: the article's 2020–2021 records with their routine dated as it "
        "happened, last year whole, and this year up to today (a later run brings it up to date "
        "and writes "
        "nothing twice). Creates a login per demo official and the demo administrator, and "
        "prints one login per role (passwords kept in var/)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            help="The day the demo is brought up to, YYYY-MM-DD (default: today in Asia/Shanghai).",
        )

    def handle(self, *args, today=None, **options):
        today = self._today(today)
        since = timezone.now()
        if not Department.objects.exists():
            call_command("seed_demo", stdout=self.stdout)
            self._create_official_logins()
            self._add_progress_photos()
        elif not is_demo_database():
            self.stdout.write(
                "The database already holds data of its own; the demo data is not loaded."
            )
            self._ensure_admin()
            return
        else:
            self.stdout.write(f"The database already holds the demo; bringing it up to {today}.")
            self._create_official_logins()
        _analyze()
        link_routine_users()
        tally, writer = live_demo(today=today, since=since)
        self._report(tally, writer, today)
        self._ensure_admin()
        self._print_logins()

    def _today(self, value):
        if not value:
            return timezone.localdate()
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"--today must be a date as YYYY-MM-DD, not “{value}”.") from None

    def _report(self, tally, writer, today):
        if tally.closed:
            first, last = tally.closed[0], tally.closed[-1]
            self.stdout.write(
                f"Closed {len(tally.closed)} month(s), {first:%Y-%m} to {last:%Y-%m}, each on day "
                "6 of the next month."
            )
        if tally.responded or tally.accepted:
            self.stdout.write(
                f"Supervision notices: {tally.responded} answered, {tally.accepted} accepted."
            )
        written = sum(t.created + t.updated + t.deleted for t in writer.tallies.values())
        self.stdout.write(
            f"The demo is up to {today}: {written} row(s) of this year's routine written."
            if written or tally.closed
            else f"The demo was already up to {today}; nothing changed."
        )

    def _add_progress_photos(self):
        # Each project under construction gets drawn "photos" of its last two reports, so the
        # gallery shows what a real one looks like; the building rises with percent complete.
        reports = ProjectReport.objects.filter(project__stage=Stage.STARTED).order_by(
            "project_id", "-period"
        )
        taken: dict[int, int] = {}
        for report in reports:
            if taken.get(report.project_id, 0) >= 2:
                continue
            taken[report.project_id] = taken.get(report.project_id, 0) + 1
            # Taken with the report: uploaded when it was submitted, not when the demo is loaded.
            photo = ProjectPhoto(report=report, uploaded_at=report.submitted_at or timezone.now())
            photo.image.save(
                f"demo-{report.project_id}-{report.period:%Y%m}.png",
                ContentFile(_progress_picture(report.percent_complete)),
                save=False,
            )
            attach_thumbnail(photo)
            photo.save()
        self.stdout.write(f"Progress photos drawn for {len(taken)} projects under construction.")

    def _create_official_logins(self):
        # Every demo official can sign in with their name and one shared demo password.
        password_file = settings.VAR_DIR / OFFICIALS_PASSWORD_FILE
        user_model = get_user_model()
        officials = list(Official.objects.filter(user__isnull=True).select_related("department"))
        if not officials:
            return
        if password_file.exists():
            password = password_file.read_text().strip()
        else:
            password = secrets.token_urlsafe(9)
            password_file.parent.mkdir(parents=True, exist_ok=True)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        taken = set(user_model.objects.values_list("username", flat=True))
        names = list(Official.objects.values_list("name", flat=True))
        for official in officials:
            username = official.name
            if names.count(username) > 1 or username in taken:
                username = f"{official.name}{official.department.code}"
            if username in taken:
                continue
            roles = demo_roles(official)
            user = user_model.objects.create_user(
                username, password=password, is_staff=is_staff_for(roles)
            )
            user.groups.add(*Group.objects.filter(name__in=roles))
            # A login is not an event of the zone's records: no history row, no new stamp.
            Official.objects.filter(pk=official.pk).update(user=user)
            taken.add(username)

    def _print_logins(self):
        logins = demo_logins()
        if not logins:
            return
        self.stdout.write(
            self.style.SUCCESS("Demo logins, one per role (sign in at /accounts/login/):")
        )
        for login in logins:
            self.stdout.write(
                f"  {login.role:<19} “{login.username}” / “{login.password}”  "
                f"lands on {login.landing}: {login.try_first}"
            )
        self.stdout.write("  Every demo official signs in with their name and the same password.")

    def _ensure_admin(self):
        password_file = settings.VAR_DIR / ADMIN_PASSWORD_FILE
        user_model = get_user_model()
        user = user_model.objects.filter(username=DEMO_ADMIN).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            user_model.objects.create_superuser(DEMO_ADMIN, "", password)
            password_file.parent.mkdir(parents=True, exist_ok=True)
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

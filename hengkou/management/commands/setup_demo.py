"""Prepare a fresh installation for a demonstration: demo data and a demo administrator."""

import datetime
import io
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone
from PIL import Image, ImageDraw

from enterprises.models import Assignment, Department, Official
from hengkou.services import close_month
from projects.choices import Stage
from projects.models import ProjectPhoto, ProjectReport
from projects.services import attach_thumbnail

from ...roles import is_staff_for

DEMO_ADMIN = "admin"


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
            self._roll_assignments_forward()
            self._create_official_logins()
            self._add_progress_photos()
        self._ensure_admin()
        self._print_official_logins()

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
            photo = ProjectPhoto(report=report)
            photo.image.save(
                f"demo-{report.project_id}-{report.period:%Y%m}.png",
                ContentFile(_progress_picture(report.percent_complete)),
                save=False,
            )
            attach_thumbnail(photo)
            photo.save()
        self.stdout.write(f"Progress photos drawn for {len(taken)} projects under construction.")

    def _roll_assignments_forward(self):
        # The demo's year is 2021; officials work today, so 2021's sponsorship is carried over.
        year = timezone.localdate().year
        if year <= 2021:
            return
        for assignment in Assignment.objects.filter(year=2021).prefetch_related("team"):
            team = list(assignment.team.all())
            assignment.pk = None
            assignment._state.adding = True
            assignment.year = year
            assignment.plan_deadline = datetime.date(year, 12, 31)
            assignment.save()
            assignment.team.set(team)
        self.stdout.write(f"2021's assignments carried over to {year} for the daily pages.")

    def _create_official_logins(self):
        # Every demo official can sign in with their name and one shared demo password.
        password = secrets.token_urlsafe(9)
        password_file = settings.VAR_DIR / "demo-officials-password.txt"
        password_file.write_text(password + "\n")
        password_file.chmod(0o600)
        user_model = get_user_model()
        officials = list(Official.objects.filter(user__isnull=True).select_related("department"))
        taken = set(user_model.objects.values_list("username", flat=True))
        names = [official.name for official in officials]
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
            official.user = user
            official.save(update_fields=["user", "updated_at"])
            taken.add(username)

    def _print_official_logins(self):
        password_file = settings.VAR_DIR / "demo-officials-password.txt"
        if not password_file.exists():
            return
        example = (
            Official.objects.filter(user__isnull=False, rank="staff")
            .order_by("department__code", "pk")
            .values_list("user__username", flat=True)
            .first()
        )
        if example:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo officials: sign in with their name, e.g. “{example}”, "
                    f"password “{password_file.read_text().strip()}”"
                )
            )

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

"""One demo login per role, with where it lands and what to try first (printed by setup_demo)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD_FILE = "demo-admin-password.txt"
OFFICIALS_PASSWORD_FILE = "demo-officials-password.txt"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    landing: str
    try_first: str


TRY_FIRST = {
    "official": ("/my/", "log a visit to an enterprise whose duty is due, raise its problem"),
    "department_user": ("/", "answer the supervision notice and report the month's figures"),
    "economic_bureau": ("/dashboard/", "read the ranking, drill into a department, close a month"),
    "supervision_office": ("/notices/", "accept a department's measures, chase what is overdue"),
    "county_leader": ("/", "read the zone overview and the monthly bulletin"),
    "administrator": ("/admin/", "import monthly figures from Excel, manage users"),
}


def _password(name: str) -> str:
    path = settings.VAR_DIR / name
    return path.read_text().strip() if path.exists() else ""


def _first_user(role: str, *, order=("username",), **filters):
    users = get_user_model().objects.filter(groups__name=role, is_active=True, **filters)
    return users.order_by(*order).first()


def _department_user():
    """The head of the sponsoring department with the most notices still to answer."""
    from hengkou.choices import NoticeStatus

    return (
        get_user_model()
        .objects.filter(
            groups__name="department_user",
            is_active=True,
            official__rank="department_head",
            official__department__kind="sponsor",
        )
        .annotate(
            open_notices=Count(
                "official__department__supervision_notices",
                filter=Q(official__department__supervision_notices__status=NoticeStatus.ISSUED),
                distinct=True,
            )
        )
        .order_by("-open_notices", "official__department__code")
        .first()
    )


def demo_logins() -> list[DemoLogin]:
    """Return a login for each role the demo has users for, the administrator last."""
    from enterprises.models import Assignment

    year = Assignment.objects.order_by("-year").values_list("year", flat=True).first()
    # The official with the most enterprises of the latest year, who plays no other role.
    official = (
        get_user_model()
        .objects.filter(groups__name="official", is_active=True, official__isnull=False)
        .annotate(roles=Count("groups", distinct=True))
        .filter(roles=1)
        .annotate(
            sponsored=Count(
                "official__responsible_assignments",
                filter=Q(official__responsible_assignments__year=year),
                distinct=True,
            )
        )
        .filter(sponsored__gt=0)
        .order_by("-sponsored", "username")
        .first()
    )
    chosen = {
        "official": official,
        "department_user": _department_user(),
        "economic_bureau": _first_user("economic_bureau", official__rank="department_head"),
        "supervision_office": _first_user("supervision_office", official__rank="department_head"),
        "county_leader": _first_user("county_leader"),
    }
    officials_password = _password(OFFICIALS_PASSWORD_FILE)
    logins = [
        DemoLogin(role, user.get_username(), officials_password, *TRY_FIRST[role])
        for role, user in chosen.items()
        if user is not None
    ]
    admin = get_user_model().objects.filter(username=ADMIN_USERNAME, is_superuser=True).first()
    if admin is not None:
        logins.append(
            DemoLogin(
                "administrator",
                ADMIN_USERNAME,
                _password(ADMIN_PASSWORD_FILE),
                *TRY_FIRST["administrator"],
            )
        )
    return logins

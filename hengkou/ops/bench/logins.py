"""The benchmark's logins: a supervisor and the busiest leader, with the demo's roles."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db.models import Count

from enterprises.choices import DepartmentKind, OfficialRank
from enterprises.models import Assignment, Department, Official

from ...management.commands.setup_demo import demo_roles
from ...roles import is_staff_for

SUPERVISOR_USERNAME = "bench-supervisor"
OFFICIAL_USERNAME = "bench-official"
SUPERVISION_OFFICE = ("BSUPV", "基准督查室")
SUPERVISOR_NAME = "基准督查室主任"


def _login_for(official: Official, username: str):
    """Return the official's login, made with the roles the demo gives such an official."""
    user = official.user
    if user is None:
        roles = demo_roles(official)
        user = get_user_model().objects.create_user(
            username=username, password=None, is_staff=is_staff_for(roles)
        )
        user.groups.add(*Group.objects.filter(name__in=roles))
        Official.objects.filter(pk=official.pk).update(user=user)
    return user


def prepare_supervisor():
    """Return the login of the supervision office's head (roles official, supervision_office).

    The generated data hold the office and its head; an older database gets them here.
    """
    code, name = SUPERVISION_OFFICE
    office, _created = Department.objects.get_or_create(
        code=code, defaults={"name": name, "kind": DepartmentKind.SUPERVISION_OFFICE}
    )
    head, _created = Official.objects.select_related("department").get_or_create(
        name=SUPERVISOR_NAME,
        department=office,
        defaults={"rank": OfficialRank.DEPARTMENT_HEAD},
    )
    return _login_for(head, SUPERVISOR_USERNAME)


def prepare_busy_official(*, year: int, today: datetime.date):
    """Give the official with the most assignments in ``year`` a login and today's duties.

    "My enterprises" lists the current year's assignments; the generated years are in the past,
    so that official's assignments of ``year`` are copied to the current year (once). The
    login holds the roles the demo gives such an official (a county leader's). Returns the user
    and how many assignments the page lists.
    """
    busiest = (
        Assignment.objects.filter(year=year)
        .values("leader_id")
        .annotate(n=Count("id"))
        .order_by("-n", "leader_id")
        .first()
    )
    official = Official.objects.select_related("department").get(pk=busiest["leader_id"])
    if year != today.year:
        taken = set(
            Assignment.objects.filter(year=today.year).values_list("enterprise_id", flat=True)
        )
        Assignment.objects.bulk_create(
            Assignment(
                year=today.year,
                enterprise_id=a.enterprise_id,
                leader_id=a.leader_id,
                department_id=a.department_id,
                responsible_id=a.responsible_id,
            )
            for a in Assignment.objects.filter(year=year, leader=official)
            if a.enterprise_id not in taken
        )
    user = _login_for(official, OFFICIAL_USERNAME)
    listed = Assignment.objects.filter(year=today.year, leader=official).count()
    return user, listed

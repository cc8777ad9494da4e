from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from enterprises.models import Assignment, Department, Official, Period


@pytest.mark.django_db
def test_setup_demo_seeds_once_closes_past_months_and_prints_the_admin_password(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("setup_demo", stdout=out)
    password = (tmp_path / "demo-admin-password.txt").read_text().strip()
    assert f"password “{password}”" in out.getvalue()
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)
    assert Period.objects.filter(status="closed").count() == 22
    officials_password = (tmp_path / "demo-officials-password.txt").read_text().strip()
    assert f"password “{officials_password}”" in out.getvalue()
    official = Official.objects.filter(rank="staff").select_related("user").first()
    assert official.user.check_password(officials_password)
    assert not Official.objects.filter(user__isnull=True).exists()
    leader = Official.objects.filter(rank="county_leader").select_related("user").first()
    assert list(leader.user.groups.values_list("name", flat=True)) == ["county_leader"]
    assert official.user.groups.filter(name="official").exists()
    this_year = timezone.localdate().year
    assert (
        Assignment.objects.filter(year=this_year).count()
        == Assignment.objects.filter(year=2021).count()
    )
    assert not Period.objects.filter(period__year=2021, period__month__gte=11).exists()
    from projects.models import ProjectPhoto

    started = ProjectPhoto.objects.values("report__project").distinct().count()
    assert started >= 4
    assert all(photo.thumbnail for photo in ProjectPhoto.objects.all())
    departments = Department.objects.count()

    again = StringIO()
    call_command("setup_demo", stdout=again)
    assert "already holds data" in again.getvalue()
    assert f"password “{password}”" in again.getvalue()
    assert Department.objects.count() == departments

    admin.set_password("changed-by-the-user")
    admin.save()
    third = StringIO()
    call_command("setup_demo", stdout=third)
    assert "changepassword admin" in third.getvalue()


def _roles(official):
    return set(official.user.groups.values_list("name", flat=True))


def _opens(client, user, *urls):
    """Log ``user`` in and return the status code of each page."""
    client.force_login(user)
    return [client.get(url).status_code for url in urls]


@pytest.mark.django_db
def test_setup_demo_gives_every_demo_login_the_roles_of_its_work(settings, tmp_path, client):
    settings.VAR_DIR = tmp_path
    call_command("setup_demo", stdout=StringIO())
    year = timezone.localdate().year
    month = f"{timezone.localdate():%Y-%m}"
    officials = Official.objects.select_related("user", "department")

    # Every demo login holds a role; county leaders hold theirs alone.
    for official in officials:
        assert _roles(official), official.name
    for leader in officials.filter(rank="county_leader"):
        assert _roles(leader) == {"county_leader"}, leader.name
    # Officials log visits; the heads of the sponsoring departments act for their department.
    for official in officials.exclude(rank="county_leader"):
        assert "official" in _roles(official), official.name
    for head in officials.filter(rank="department_head", department__kind="sponsor"):
        assert {"official", "department_user"} <= _roles(head), head.name
    assert get_user_model().objects.get(username="admin").is_superuser

    # And with them each one opens the pages of their work.
    assignment = (
        Assignment.objects.filter(year=year, responsible__rank="staff")
        .select_related("responsible__user", "leader__user", "enterprise")
        .order_by("pk")
        .first()
    )
    enterprise = assignment.enterprise_id
    assert (
        _opens(
            client,
            assignment.responsible.user,
            reverse("enterprises:my_enterprises"),
            reverse("enterprises:enterprise_detail", args=[enterprise]),
            reverse("enterprises:visit_new", args=[enterprise]),
            reverse("problems:list"),
        )
        == [200] * 4
    )
    assert (
        assignment.enterprise.name
        in client.get(reverse("enterprises:my_enterprises")).content.decode()
    )

    head = officials.get(rank="department_head", department=assignment.department_id)
    assert (
        _opens(
            client,
            head.user,
            reverse("enterprises:enterprise_detail", args=[enterprise]),
            reverse("work_reports:board"),
            reverse("work_reports:edit", args=[assignment.pk, month]),
            reverse("problems:list"),
            reverse("projects:board"),
            reverse("notice_list"),
        )
        == [200] * 6
    )

    assert (
        _opens(
            client,
            assignment.leader.user,
            reverse("enterprises:enterprise_detail", args=[enterprise]),
            reverse("dashboard"),
            reverse("projects:board"),
        )
        == [200] * 3
    )

    bureau = officials.filter(department__kind="economic_bureau").first()
    assert (
        _opens(
            client,
            bureau.user,
            reverse("dashboard"),
            reverse("bulletin:index"),
            reverse("work_reports:board"),
            reverse("enterprises:enterprise_detail", args=[enterprise]),
        )
        == [200] * 4
    )

    supervisor = officials.filter(department__kind="supervision_office").first()
    assert (
        _opens(
            client,
            supervisor.user,
            reverse("dashboard"),
            reverse("notice_list"),
            reverse("inspection_list"),
            reverse("projects:evaluations"),
        )
        == [200] * 4
    )

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
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

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from enterprises.models import Department, Period


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
    assert not Period.objects.filter(period__year=2021, period__month__gte=11).exists()
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

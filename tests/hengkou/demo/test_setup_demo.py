"""setup_demo on a database that is not the demo's: it leaves the data alone."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from enterprises.models import Assignment, Department
from tests.factories import DepartmentFactory


@pytest.mark.django_db
def test_a_database_of_its_own_gets_the_administrator_and_no_demo(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    DepartmentFactory(code="X1", name="本地部门")
    out = StringIO()
    call_command("setup_demo", "--today", "2026-12-03", stdout=out)
    assert "data of its own" in out.getvalue()
    assert list(Department.objects.values_list("code", flat=True)) == ["X1"]
    assert not Assignment.objects.exists()
    password = (tmp_path / "demo-admin-password.txt").read_text().strip()
    assert f"password “{password}”" in out.getvalue()
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)

    again = StringIO()
    call_command("setup_demo", stdout=again)
    assert f"password “{password}”" in again.getvalue()

    admin.set_password("changed-by-the-user")
    admin.save()
    third = StringIO()
    call_command("setup_demo", stdout=third)
    assert "changepassword admin" in third.getvalue()
    assert "changed-by-the-user" not in third.getvalue()

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from hengkou.roles import ROLES
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_every_role_is_a_group_with_its_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)
    economic = Group.objects.get(name="economic_bureau")
    names = {f"{p.content_type.app_label}.{p.codename}" for p in economic.permissions.all()}
    assert {"enterprises.close_period", "enterprises.view_problem"} <= names
    assert "enterprises.delete_enterprise" not in names
    official = Group.objects.get(name="official")
    assert not official.permissions.filter(codename="close_period").exists()


def test_assign_role_grants_and_removes_and_refuses_unknown_users():
    user = UserFactory(username="li")
    call_command("assign_role", "li", "supervision_office", stdout=StringIO())
    user = type(user).objects.get(pk=user.pk)
    assert user.has_perm("hengkou.close_supervisionnotice")
    assert not user.has_perm("enterprises.close_period")
    call_command("assign_role", "li", "supervision_office", "--remove", stdout=StringIO())
    user = type(user).objects.get(pk=user.pk)
    assert not user.has_perm("hengkou.close_supervisionnotice")
    with pytest.raises(CommandError, match="nobody"):
        call_command("assign_role", "nobody", "official")


def test_the_roles_that_enter_records_open_the_admin_and_lose_it_with_the_role():
    user = UserFactory(username="clerk")
    call_command("assign_role", "clerk", "economic_bureau", stdout=StringIO())
    user.refresh_from_db()
    assert user.is_staff
    call_command("assign_role", "clerk", "official", stdout=StringIO())
    call_command("assign_role", "clerk", "economic_bureau", "--remove", stdout=StringIO())
    user.refresh_from_db()
    assert not user.is_staff  # an official works in the pages, not the admin

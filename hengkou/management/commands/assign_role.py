"""Give a user one of the site's roles (or take it away)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from hengkou.roles import ROLES, is_staff_for


class Command(BaseCommand):
    help = "Give USERNAME the role ROLE (one of: " + ", ".join(ROLES) + "); --remove takes it away."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("role", choices=list(ROLES))
        parser.add_argument("--remove", action="store_true", help="take the role away")

    def handle(self, *args, username, role, remove, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user “{username}”.")
        group = Group.objects.get(name=role)
        if remove:
            user.groups.remove(group)
            self.stdout.write(f"{username} no longer has the role {role}.")
        else:
            user.groups.add(group)
            self.stdout.write(f"{username} now has the role {role}.")
        # The admin is for the roles that enter and correct records (hengkou/roles.py).
        user.is_staff = user.is_superuser or is_staff_for(
            user.groups.values_list("name", flat=True)
        )
        user.save(update_fields=["is_staff"])

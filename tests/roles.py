"""Users holding the site's roles, for tests of permissions and row-level scoping."""

from django.contrib.auth.models import Group

from tests.factories import OfficialFactory, UserFactory

ROLE_NAMES = (
    "administrator",
    "economic_bureau",
    "supervision_office",
    "department_user",
    "official",
    "county_leader",
)


def user_with_role(role: str, *, official=None, **kwargs):
    """Return a user holding ``role`` (its group made by ``sync_roles`` after ``migrate``).

    ``official`` links the user to that official record (department users and officials act
    through theirs); pass ``official=True`` to create one.
    """
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=role))
    if official is True:
        official = OfficialFactory()
    if official is not None:
        official.user = user
        official.save(update_fields=["user"])
    return user

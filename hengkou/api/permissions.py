"""The API's default permission: deny by default."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from core.scoping import get_scope


class HoldsARole(BasePermission):
    """Only superusers and holders of one of the site's roles use the API."""

    message = _("Your account holds no role on this site; ask an administrator for one.")

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.is_superuser or bool(get_scope(user).roles)

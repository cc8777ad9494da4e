"""The viewset every resource builds on: scoped rows, model permissions, documented errors."""

from __future__ import annotations

from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (
    OpenApiResponse,
)
from rest_framework import permissions, status, viewsets
from rest_framework.exceptions import APIException, ValidationError

from core.pagination import GroupedRows
from core.scoping import references_outside_scope, scope_queryset

ERROR_BODY = {
    "type": "object",
    "additionalProperties": True,
    "description": "Each bad field with its messages, or `detail` with a message.",
    "example": {
        "credit_code": ["The check digit of the credit code (its 18th character) is wrong."]
    },
}


ERRORS = {
    "400": OpenApiResponse(
        ERROR_BODY, description="Bad input: a JSON object naming each bad field and why."
    ),
    "403": OpenApiResponse(
        ERROR_BODY, description="Not authenticated, or not allowed: `detail` says why."
    ),
    "404": OpenApiResponse(ERROR_BODY, description="No such object."),
    "409": OpenApiResponse(
        ERROR_BODY,
        description=(
            "Conflict: a duplicate, a row still in use, or a write into a closed month "
            "(the message says the month is closed)."
        ),
    ),
}


class ApiSchema(AutoSchema):
    """Document the error responses every resource of API v1 may give."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = ["403"]
        detail = "{" in self.path
        if self.method in ("POST", "PATCH", "PUT") or (self.method == "GET" and not detail):
            codes.append("400")
        if detail:
            codes.append("404")
        if self.method in ("POST", "PATCH", "PUT", "DELETE"):
            codes.append("409")
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(ERRORS[code], code)
        return responses


class InUse(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy(
        "This record is still used by other records, so it cannot be deleted."
    )
    default_code = "in_use"


class ModelPermissions(permissions.DjangoModelPermissions):
    """The model's permissions for every method, reading included (``view_<model>``)."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }


class WorkflowPermissions(ModelPermissions):
    """Reading needs ``view_<model>``; each PATCH step is checked by its service."""

    perms_map = {
        **ModelPermissions.perms_map,
        "PATCH": ["%(app_label)s.view_%(model_name)s"],
    }


def requires(permission: str):
    """Return a DRF permission class that admits users holding ``permission``."""

    class Requires(permissions.BasePermission):
        def has_permission(self, request, view):
            return bool(request.user and request.user.has_perm(permission))

    Requires.__name__ = f"Requires({permission})"
    return Requires


class ScopedViewSetMixin:
    """Keep every viewset within the user's scope (core/scoping.py).

    It comes first among a viewset's bases, before DRF's mixins, so that its ``perform_*``
    hooks are the ones that run.

    Lists hold only the rows in scope and any other row is a 404, since ``get_object`` and the
    lists both go through ``filter_queryset``; a body naming a row outside the scope (another
    department, another department's enterprise …) is a 400 on create and update.
    """

    permission_classes = [ModelPermissions]

    def filter_queryset(self, queryset):
        return super().filter_queryset(scope_queryset(queryset, self.request.user))

    def perform_create(self, serializer):
        self.refuse_references_outside_scope(serializer.validated_data)
        super().perform_create(serializer)

    def perform_update(self, serializer):
        exempt = getattr(getattr(serializer, "Meta", None), "cross_scope_fields", ())
        self.refuse_references_outside_scope(
            {name: value for name, value in serializer.validated_data.items() if name not in exempt}
        )
        super().perform_update(serializer)

    def refuse_references_outside_scope(self, data) -> None:
        outside = references_outside_scope(self.request.user, data)
        if outside:
            message = _("This is outside your department's records.")
            raise ValidationError({name: [message] for name in outside})


class ModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    """Create (POST), list, read, update (PATCH) and delete; writes need the model permissions."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    schema = ApiSchema()
    # The field a list is ordered by first, descending (a month, a year): a page then reads only
    # the groups it spans (core.pagination.GroupedRows), not the sort of a whole group.
    page_groups_by: str | None = None

    def paginate_queryset(self, queryset):
        if self.page_groups_by is not None:
            queryset = GroupedRows(queryset, field=self.page_groups_by)
        return super().paginate_queryset(queryset)

    def perform_destroy(self, instance):
        try:
            with transaction.atomic():
                super().perform_destroy(instance)
        except (ProtectedError, RestrictedError) as error:
            raise InUse() from error

"""The conventions of API v1 shared by every resource: pagination and error bodies."""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class PagePagination(PageNumberPagination):
    """``?page=`` and ``?page_size=`` (at most 1000)."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 1000


def _closed_month(error: DjangoValidationError) -> bool:
    codes = []
    if hasattr(error, "error_dict"):
        for errors in error.error_dict.values():
            codes.extend(e.code for e in errors)
    else:
        codes.extend(e.code for e in error.error_list)
    return "month_closed" in codes


def exception_handler(exc, context):
    """Turn model validation into 400 (409 for a closed month) and duplicates into 409.

    A body over DATA_UPLOAD_MAX_MEMORY_SIZE, or a form with more files or fields than
    DATA_UPLOAD_MAX_NUMBER_FILES / _FIELDS, is a 400 with the usual shape, like any other body
    the API will not read (Django alone would answer its HTML "Bad Request" page).
    """
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return Response(
            {"detail": _("The body is larger than %(size)s bytes.") % {"size": f"{limit:,}"}},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, TooManyFilesSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        return Response(
            {"detail": _("The form sends more than %(limit)s files.") % {"limit": limit}},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, TooManyFieldsSent):
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        return Response(
            {"detail": _("The form sends more than %(limit)s fields.") % {"limit": limit}},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        code = status.HTTP_409_CONFLICT if _closed_month(exc) else status.HTTP_400_BAD_REQUEST
        return Response(detail, status=code)
    if isinstance(exc, IntegrityError):
        return Response(
            {"detail": [_("This record conflicts with one that already exists.")]},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoPermissionDenied):
        return Response({"detail": str(exc) or _("Permission denied.")}, status=403)
    return drf_exception_handler(exc, context)


def validate_query(serializer_class, request):
    """Validate query parameters with a serializer, raising a 400 that names each bad one."""
    serializer = serializer_class(data=request.query_params)
    if not serializer.is_valid():
        raise ValidationError(serializer.errors)
    return serializer.validated_data

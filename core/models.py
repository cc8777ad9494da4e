"""Model fields every app builds on."""

from __future__ import annotations

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.functional import cached_property

# The bounds of free text; each text field takes one of them, and its forms, serializers and
# imports read it from the field.
TEXT_MAX = 4000  # notes, findings, measures taken, resolutions
DESCRIPTION_MAX = 2000  # a problem's description
REPORT_MAX = 10_000  # a work report's sections, a plan's goals and standards
REASON_MAX = 500  # why a month is reopened


class BoundedTextField(models.TextField):
    """A TextField whose maximum length holds everywhere, not only in the form's widget.

    Django sizes a TextField's widget from ``max_length`` but enforces it nowhere; here the
    model's validation refuses longer text too, and serializers, forms and imports take the
    same bound from the field.
    """

    def __init__(self, *args, max_length: int = TEXT_MAX, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)

    @cached_property
    def validators(self):
        return [*super().validators, MaxLengthValidator(self.max_length)]

    def deconstruct(self):
        # The bound is validation, not schema: migrations see a plain TextField, so adding or
        # changing it rebuilds no table.
        name, _path, args, kwargs = super().deconstruct()
        kwargs.pop("max_length", None)
        return name, "django.db.models.TextField", args, kwargs

"""Form fields every app's pages share."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from core.images import check_photo

from .periods import check_month_begun


class MonthField(forms.DateField):
    """A month picked with ``<input type="month">`` (YYYY-MM), cleaned to its first day.

    A month that has not begun is refused: no page shows or takes figures of the future.
    """

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m"]
    default_error_messages = {"invalid": _("A period is written YYYY-MM, for example 2021-11.")}

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if isinstance(day, datetime.date) else day

    def validate(self, value):
        super().validate(value)
        if value:
            check_month_begun(value)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.ImageField):
    """Zero or more images from one ``<input type="file" multiple>``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/*", "multiple": True})
        )
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        for item in files:
            check_photo(item)  # format, bytes and pixels from the header, before any decoding
        return [super(MultipleImageField, self).clean(item, initial) for item in files]

"""Form fields every app's pages share."""

from __future__ import annotations

import datetime
from html import escape as _escape

from django import forms
from django.utils import formats
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.timezone import template_localtime
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


# Selects of hundreds of options (departments, enterprises): Django renders each option through
# a template include, tens of microseconds apiece; these write the same HTML in Python.


def _text(value) -> str:
    """Return ``value`` as ``{{ value }}`` writes it: localized, escaped unless safe."""
    if type(value) is str:
        return _escape(value)  # django.utils.html.escape, without its lazy-string wrapper
    return conditional_escape(formats.localize(template_localtime(value)))


def _formatted(value) -> str:
    """Return ``value`` as ``{{ value|stringformat:'s' }}`` writes it."""
    text = "%s" % (str(value) if isinstance(value, tuple) else value)  # noqa: UP031 the filter's
    return text if isinstance(value, SafeData) else _escape(text)


def _attrs(attrs: dict) -> str:
    """Return the attributes as django/forms/widgets/attrs.html writes them."""
    return "".join(
        f" {_text(name)}" if value is True else f' {_text(name)}="{_formatted(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def render_options(choices, selected) -> SafeString:
    """Return ``<option>`` elements for ``choices`` (value, label pairs), one of them selected.

    The HTML of the template loop ``<option value="{{ value }}"{% if … %} selected{% endif %}>
    {{ label }}</option>``, the option selected being the one whose value, as a string, is
    ``selected``'s (none when ``selected`` is None).
    """
    chosen = None if selected is None else str(selected)
    return mark_safe(  # noqa: S308 values and labels are escaped
        "".join(
            f'<option value="{_text(value)}"'
            f"{' selected' if chosen is not None and str(value) == chosen else ''}>"
            f"{_text(label)}</option>"
            for value, label in choices
        )
    )


class QuickSelect(forms.Select):
    """A ``<select>`` written in Python: the HTML of Django's templates, for long choice lists.

    Only Django's own templates are reproduced; a subclass naming others renders through them.
    """

    def render(self, name, value, attrs=None, renderer=None):
        own = (self.template_name, self.option_template_name) == (
            forms.Select.template_name,
            forms.Select.option_template_name,
        )
        if not own or self.allow_multiple_selected:
            return super().render(name, value, attrs, renderer)
        widget = self.get_context(name, value, attrs)["widget"]
        html = [f'<select name="{_text(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                html.append(f'\n  <optgroup label="{_text(group_name)}">')
            html.extend(
                f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
                f"{_text(option['label'])}</option>\n"
                for option in options
            )
            if group_name:
                html.append("\n  </optgroup>")
        html.append("\n</select>")  # the form renderer strips the template's last newline
        return mark_safe("".join(html))  # noqa: S308 every value above is escaped

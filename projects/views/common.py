"""What the projects pages share: reading the year asked for, form errors, list columns."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.periods import DefaultPeriod


def year_asked(request, *, default: int) -> int:
    """Return the year asked for (2000 to 2100), else ``default``."""
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else default


def year_or_default(request, *, default) -> tuple[int, DefaultPeriod | None]:
    """Return the year asked for and, when none was, the default year (``default()``)."""
    value = request.GET.get("year", "")
    if value.isdigit() and 2000 <= int(value) <= 2100:
        return int(value), None
    chosen = default()
    return chosen.value, None if value else chosen


def add_errors(form, error: ValidationError) -> None:
    """Show a service's refusal on the form, beside each field it names."""
    for field, errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


# --- the lists' columns, as on the screen (the Excel downloads use the same) --------------------

LIGHT_LABELS = {
    "green": gettext_lazy("Green"),
    "yellow": gettext_lazy("Yellow"),
    "red": gettext_lazy("Red"),
}


# Templates write "%" in a msgid as "%%": read the same catalogue entry and undo the escape.
PROGRESS_LABEL = lazy(lambda: _("Progress (%%)") % {}, str)()


def as_rate(read):
    """Return a reader of a rate (a fraction) as a number Excel formats as a percentage."""

    def value(row):
        rate = read(row)
        return None if rate is None else float(rate)

    return value


def as_light(read):
    """Return a reader of a light as its label."""
    return lambda row: LIGHT_LABELS.get(read(row) or "")

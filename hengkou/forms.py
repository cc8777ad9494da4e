"""Forms of the site's pages."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import RankedMetric


class MonthField(forms.DateField):
    """A month picked with ``<input type="month">`` (YYYY-MM), cleaned to its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m"]
    default_error_messages = {"invalid": _("A period is written YYYY-MM, for example 2021-11.")}

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if isinstance(day, datetime.date) else day


class DashboardForm(forms.Form):
    period = MonthField(label=_("Month"))
    metric = forms.ChoiceField(label=_("Metric"), choices=RankedMetric.choices)

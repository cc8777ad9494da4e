"""Forms of the site's pages."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import NoticeStatus, RankedMetric


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


class NoticeFilterForm(forms.Form):
    period = MonthField(label=_("Month"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All")),
            ("open", _("Not closed")),
            ("overdue", _("Overdue")),
            *NoticeStatus.choices,
        ],
    )


class NoticeResponseForm(forms.Form):
    response = forms.CharField(
        label=_("Measures taken"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
    )

"""Forms of the work report (工作开展情况) pages."""

import datetime

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.models import REPORT_MAX

from .models import Department, WorkReport
from .scoping import scope_form_choices

TEXT_MAX_LENGTH = REPORT_MAX


class MonthField(forms.DateField):
    """A month picked with ``<input type="month">`` (YYYY-MM), cleaned to its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m"]
    default_error_messages = {"invalid": _("A period is written YYYY-MM, for example 2021-11.")}

    def to_python(self, value):
        day = super().to_python(value)
        return day.replace(day=1) if isinstance(day, datetime.date) else day


class WorkReportBoardForm(forms.Form):
    period = MonthField(label=_("Month"), required=False)
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.all(),
        required=False,
        empty_label=_("All"),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope_form_choices(self, user)


def _label(name: str):
    return capfirst(WorkReport._meta.get_field(name).verbose_name)


class WorkReportForm(forms.Form):
    progress = forms.CharField(
        label=_label("progress"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Write the progress made against the plan's goals this month.")
        },
    )
    standards = forms.CharField(
        label=_label("standards"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    deadlines = forms.CharField(
        label=_label("deadlines"),
        max_length=TEXT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

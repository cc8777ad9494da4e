"""Forms of the work report (工作开展情况) pages."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.forms import MonthField
from core.models import REPORT_MAX
from core.scoping import scope_form_choices

from ..models import Department, WorkReport

TEXT_MAX_LENGTH = REPORT_MAX


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

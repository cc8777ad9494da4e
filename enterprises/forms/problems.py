"""Forms of the problems (企业诉求) pages: the list's filters and one form per step."""

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.models import TEXT_MAX
from core.scoping import scope_form_choices

from ..choices import ProblemStatus
from ..models import Department, Enterprise, Problem


def _label(field: str):
    return capfirst(Problem._meta.get_field(field).verbose_name)


class BootstrapForm(forms.Form):
    """A form whose widgets carry Bootstrap's classes."""

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope_form_choices(self, user)
        for field in self.fields.values():
            if isinstance(field.widget, forms.HiddenInput):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class ProblemFilterForm(BootstrapForm):
    department = forms.ModelChoiceField(
        label=_("Department"),
        queryset=Department.objects.order_by("code"),
        required=False,
        empty_label=_("All"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All")),
            ("open", _("Not resolved")),
            ("overdue", _("Overdue")),
            *ProblemStatus.choices,
        ],
    )
    # Set by links from an enterprise's pages; not shown as a field.
    enterprise = forms.ModelChoiceField(
        queryset=Enterprise.objects.all(), required=False, widget=forms.HiddenInput
    )


def _date_field(label):
    return forms.DateField(
        label=label, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class AssignForm(BootstrapForm):
    # Routing (交办) sends a problem to the department that will handle it, whichever it is.
    department = forms.ModelChoiceField(
        label=_label("department"), queryset=Department.objects.order_by("code")
    )
    department.cross_scope = True
    on = _date_field(_label("assigned_on"))


class FeedbackForm(BootstrapForm):
    note = forms.CharField(
        label=_("Feedback to the enterprise"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_MAX,
    )
    on = _date_field(_("Date of the feedback"))


class SolveForm(BootstrapForm):
    resolution = forms.CharField(
        label=_label("resolution"), widget=forms.Textarea(attrs={"rows": 4}), max_length=TEXT_MAX
    )
    on = _date_field(_label("solved_on"))


SATISFACTION_CHOICES = [
    ("", "—"),
    (5, _("5 · Very satisfied")),
    (4, _("4 · Satisfied")),
    (3, _("3 · Acceptable")),
    (2, _("2 · Dissatisfied")),
    (1, _("1 · Very dissatisfied")),
]


class ConfirmForm(BootstrapForm):
    satisfaction = forms.TypedChoiceField(
        label=_label("satisfaction"), choices=SATISFACTION_CHOICES, coerce=int, empty_value=None
    )
    on = _date_field(_label("resolved_on"))


class RejectForm(BootstrapForm):
    note = forms.CharField(
        label=_("Why the solution is not confirmed"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=TEXT_MAX,
    )


ACTION_FORMS = {
    "assign": AssignForm,
    "feedback": FeedbackForm,
    "solve": SolveForm,
    "confirm": ConfirmForm,
    "reject": RejectForm,
}

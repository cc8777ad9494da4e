"""Forms of the officials' pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import MultipleImageField
from core.models import DESCRIPTION_MAX, TEXT_MAX
from core.scoping import scope_form_choices

from ..choices import ProblemCategory, ProblemSeverity, VisitKind
from ..models import Department, Official


class VisitForm(forms.Form):
    visited_on = forms.DateField(
        label=_("Date of visit"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants"),
        queryset=Official.objects.all(),
        error_messages={"required": _("Choose at least one participant.")},
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=VisitKind.choices,
        initial=VisitKind.ROUTINE,
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(
        label=_("What was done"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = MultipleImageField(label=_("Photos"))

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["visited_on"].widget.attrs["max"] = today.isoformat()

    def clean_visited_on(self):
        day = self.cleaned_data["visited_on"]
        if day > self.today:
            raise forms.ValidationError(_("A visit cannot be dated in the future."))
        return day


class RaisedProblemForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=ProblemCategory.choices)
    description = forms.CharField(
        label=_("Problem"), widget=forms.Textarea(attrs={"rows": 2}), max_length=DESCRIPTION_MAX
    )
    department = forms.ModelChoiceField(
        label=_("Department to handle it"),
        queryset=Department.objects.order_by("code"),
        required=False,
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=ProblemSeverity.choices, initial=ProblemSeverity.ORDINARY
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Offered: the departments the user's own records belong to (raise_problem's rule).
        scope_form_choices(self, user)
        field = self.fields["department"]
        if not field.queryset.exists():
            # Shown disabled (nothing to pick); a value sent anyway is refused as invalid.
            field.widget.attrs["disabled"] = True
            field.help_text = _("The sponsoring department routes it (交办) to the right one.")


RaisedProblemFormSet = forms.formset_factory(RaisedProblemForm, extra=0, max_num=20)

"""Forms of the projects pages; the rules live in the services and the models."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import MultipleImageField
from core.models import TEXT_MAX
from enterprises.models import MONEY

from .choices import STAGE_ORDER, ProjectKind, Stage
from .models import EvaluationGrade, ProjectInspection


def _bootstrap(form: forms.Form, *, small: bool = False) -> None:
    """Give every widget Bootstrap's control classes."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.HiddenInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", f"{css} {css}-sm" if small else css)


class BoardFilterForm(forms.Form):
    """The board's year, month and filters, all optional; bad values fall back to defaults."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)
    month = forms.IntegerField(label=_("Month (1-12)"), min_value=1, max_value=12, required=False)
    department = forms.TypedChoiceField(
        label=_("Sponsoring department"), coerce=int, required=False, empty_value=None
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All")), *ProjectKind.choices], required=False
    )
    chain = forms.ChoiceField(label=_("Industry chain"), required=False)

    def __init__(self, *args, departments=(), chains=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", _("All")), *departments]
        self.fields["chain"].choices = [("", _("All")), *((c, c) for c in chains)]
        _bootstrap(self, small=True)


class ProjectReportForm(forms.Form):
    """A project's monthly report: investment of the month, progress, problems, photos."""

    investment = forms.DecimalField(
        label=_("Investment of the month (10k CNY)"),
        min_value=0,
        max_digits=MONEY["max_digits"],
        decimal_places=MONEY["decimal_places"],
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    percent_complete = forms.IntegerField(
        label=_("Percent complete"),
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    progress_note = forms.CharField(
        label=_("Visible progress (形象进度)"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    problems = forms.CharField(
        label=_("Problems on the project"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photos = MultipleImageField(label=_("Progress photos"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class StageMoveForm(forms.Form):
    """Move a project to a later stage on a date."""

    to_stage = forms.ChoiceField(label=_("New stage"))
    moved_on = forms.DateField(
        label=_("Date of the move"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, current_stage: str, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].choices = [
            (value, label)
            for value, label in Stage.choices
            if STAGE_ORDER[value] > STAGE_ORDER[current_stage]
        ]
        self.fields["moved_on"].widget.attrs["max"] = today.isoformat()
        _bootstrap(self)


class ProjectInspectionForm(forms.ModelForm):
    """Record a half-year inspection (半年督查) of a project."""

    class Meta:
        model = ProjectInspection
        fields = ["year", "half", "inspected_on", "findings", "rating"]
        widgets = {
            "inspected_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "findings": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self)


class EvaluationConfirmForm(forms.Form):
    """A supervisor's confirmation of a project's year-end grade."""

    project = forms.IntegerField(widget=forms.HiddenInput)
    year = forms.IntegerField(min_value=2000, max_value=2100, widget=forms.HiddenInput)
    grade = forms.ChoiceField(label=_("Grade"), choices=EvaluationGrade.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=TEXT_MAX)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _bootstrap(self, small=True)

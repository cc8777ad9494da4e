"""Forms of the site's pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import MonthField, QuickSelect
from core.models import TEXT_MAX
from core.periods import DefaultPeriod
from enterprises.models import Assignment, Department

from .choices import NoticeStatus, RankedMetric
from .models import Inspection


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
        max_length=TEXT_MAX,
    )


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


def year_from(request, *, default) -> tuple[YearForm, int, DefaultPeriod | None]:
    """Return the year form, the year asked for and, when none was, the default year.

    ``default`` returns the page's DefaultPeriod; it is called only when it is needed. A year
    out of range shows the form's error and the default year.
    """
    if request.GET.get("year"):
        form = YearForm(request.GET)
        if form.is_valid():
            return form, form.cleaned_data["year"], None
        return form, default().value, None
    chosen = default()
    return YearForm({"year": chosen.value}), chosen.value, chosen


class InspectionForm(forms.ModelForm):
    class Meta:
        model = Inspection
        fields = [
            "year",
            "quarter",
            "department",
            "assignment",
            "inspected_on",
            "findings",
            "score",
        ]
        widgets = {
            "quarter": forms.Select(choices=[(quarter, f"Q{quarter}") for quarter in range(1, 5)]),
            "department": QuickSelect,  # every department: hundreds of options
            "inspected_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "findings": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.order_by("code")
        # Assignments are many; the year and department narrow them to a short list.
        year = self.data.get("year") or self.initial.get("year")
        department = self.data.get("department") or self.initial.get("department")
        assignments = Assignment.objects.select_related("enterprise").order_by("enterprise__name")
        if year and department:
            assignments = assignments.filter(year=year, department=department)
        else:
            assignments = assignments.none()
        self.fields["assignment"].queryset = assignments
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", f"{css} form-control-sm")

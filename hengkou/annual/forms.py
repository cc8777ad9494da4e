"""The forms of the turn of the year's pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from enterprises.choices import Metric, OfficialRank
from enterprises.models import Department, Enterprise, Official

from .models import DraftAssignment

BOX = {"class": "form-control form-control-sm"}
SELECT = {"class": "form-select form-select-sm"}


class StartForm(forms.Form):
    year = forms.IntegerField(
        label=_("year"), min_value=2000, max_value=2100, widget=forms.NumberInput(attrs=BOX)
    )


class SeedForm(forms.Form):
    metric = forms.ChoiceField(
        label=_("indicator"), choices=Metric.choices, widget=forms.Select(attrs=SELECT)
    )
    rate = forms.DecimalField(
        label=_("growth rate (%)"),
        min_value=-100,
        max_value=1000,
        decimal_places=4,
        widget=forms.NumberInput(attrs={**BOX, "step": "0.1"}),
    )
    department = forms.ModelChoiceField(
        label=_("department"),
        queryset=Department.objects.order_by("code"),
        required=False,
        empty_label=_("Zone-wide"),
        widget=forms.Select(attrs=SELECT),
        help_text=_("A department's own rate overrides the zone-wide one."),
    )


class DraftAssignmentForm(forms.ModelForm):
    """A draft assignment: the enterprise by its credit code when it is added."""

    credit_code = forms.CharField(
        label=_("unified social credit code"), max_length=18, widget=forms.TextInput(attrs=BOX)
    )

    class Meta:
        model = DraftAssignment
        fields = [
            "leader",
            "department",
            "responsible",
            "team",
            "plan_goals",
            "plan_standards",
            "plan_deadline",
        ]
        widgets = {
            "leader": forms.Select(attrs=SELECT),
            "department": forms.Select(attrs=SELECT),
            "responsible": forms.Select(attrs=SELECT),
            "team": forms.SelectMultiple(attrs={**SELECT, "size": 6}),
            "plan_goals": forms.Textarea(attrs={**BOX, "rows": 3}),
            "plan_standards": forms.Textarea(attrs={**BOX, "rows": 3}),
            "plan_deadline": forms.DateInput(attrs={**BOX, "type": "date"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = Official.objects.filter(
            rank=OfficialRank.COUNTY_LEADER
        ).order_by("name")
        self.fields["department"].queryset = Department.objects.order_by("code")
        officials = Official.objects.select_related("department").order_by(
            "department__code", "name"
        )
        self.fields["responsible"].queryset = officials
        self.fields["team"].queryset = officials
        if self.instance.pk:
            del self.fields["credit_code"]

    def clean_credit_code(self):
        code = self.cleaned_data["credit_code"].strip().upper()
        enterprise = Enterprise.objects.filter(credit_code=code).first()
        if enterprise is None:
            raise forms.ValidationError(
                _("No enterprise has the credit code %(code)s.") % {"code": code}
            )
        self.enterprise = enterprise
        return code

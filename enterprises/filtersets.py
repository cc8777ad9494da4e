"""Filters of the enterprises app's lists, shared by the API and the HTML lists.

Foreign keys that can hold thousands of rows (enterprises, officials) are typed in as ids, so
neither a form nor the browsable API ever renders a dropdown of every row.
"""

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core.periods import check_month_begun, parse_period
from core.scoping import checks_references, scoped_choices

from . import choices
from .choices import CultivationStatus, FacilityKind, InspectionKind, SafetyActivityKind
from .models import (
    MAJOR_INVESTMENT,
    Assignment,
    Cultivation,
    Department,
    Enterprise,
    EnterpriseTitle,
    Loan,
    Matchmaking,
    MonthlyReport,
    NewInvestor,
    Official,
    Problem,
    SafetyActivity,
    SafetyInspection,
    ServiceFacility,
    StandardFactory,
    Target,
    Visit,
    WorkReport,
)
from .selectors.problems import list_problems


class PeriodFormField(forms.CharField):
    """A month written ``YYYY-MM``, cleaned to its first day; anything else is a form error."""

    def to_python(self, value):
        value = super().to_python(value)
        return parse_period(value) if value else None

    def validate(self, value):
        super().validate(value)
        if value:
            check_month_begun(value)


@extend_schema_field({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "example": "2021-11"})
class PeriodFilter(django_filters.Filter):
    """Filter on a month written ``YYYY-MM`` (a malformed one is a 400 in the API)."""

    field_class = PeriodFormField


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": 9999, "example": 2021})
class YearFilter(django_filters.NumberFilter):
    """Filter on a year, a whole number."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 9999)
        super().__init__(*args, **kwargs)


def id_filter(model, **kwargs) -> django_filters.ModelChoiceFilter:
    """Return a filter on a foreign key typed in as an id (no dropdown of every row)."""
    return extend_schema_field(OpenApiTypes.INT)(
        django_filters.ModelChoiceFilter(
            queryset=_choices(model), widget=forms.NumberInput, **kwargs
        )
    )


def department_filter(**kwargs) -> django_filters.ModelChoiceFilter:
    """Return a filter on a department, chosen from the (few) departments."""
    return extend_schema_field(OpenApiTypes.INT)(
        django_filters.ModelChoiceFilter(queryset=_choices(Department), **kwargs)
    )


def _choices(model):
    # Scoped rows: only those within the request's scope are offered or accepted (an id of
    # another department's enterprise is "not a valid choice", never echoed by name).
    return scoped_choices(model) if checks_references(model) else model.objects.all()


class DepartmentFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(
        choices=choices.DepartmentKind.choices, help_text=_("The kind of department.")
    )

    class Meta:
        model = Department
        fields = ["kind"]


class OfficialFilterSet(django_filters.FilterSet):
    department = department_filter(help_text=_("The official's department (id)."))
    rank = django_filters.ChoiceFilter(
        choices=choices.OfficialRank.choices, help_text=_("The official's rank.")
    )
    search = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", help_text=_("Part of the name.")
    )

    class Meta:
        model = Official
        fields = ["department", "rank", "search"]


class SponsorshipFilterMixin:
    """Filter on the department sponsoring the rows and the year, together.

    ``department`` alone keeps the rows sponsored by the department in any year; ``year`` alone
    the rows with a sponsorship that year; both, the rows the department sponsors that year.
    Subclasses give ``sponsorships(queryset)``: the sponsoring rows matching an outer row.
    """

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        department = self.form.cleaned_data.get("department")
        year = self.form.cleaned_data.get("year")
        if department is None and year is None:
            return queryset
        sponsorships = self.sponsorships()
        if department is not None:
            sponsorships = sponsorships.filter(department=department)
        if year is not None:
            sponsorships = sponsorships.filter(year=year)
        return queryset.filter(Exists(sponsorships))

    def applied_with_year(self, queryset, name, value):
        # Applied in filter_queryset, together with the other half of the pair.
        return queryset


class EnterpriseFilterSet(SponsorshipFilterMixin, django_filters.FilterSet):
    chain = django_filters.CharFilter(help_text=_("The industry chain, exactly (e.g. 毛绒玩具)."))
    chain_role = django_filters.ChoiceFilter(
        choices=choices.ChainRole.choices, help_text=_("The role in the chain.")
    )
    above_scale_year = YearFilter(
        method="filter_above_scale_year", help_text=_("Above designated size in this year.")
    )
    department = department_filter(
        method="applied_with_year",
        help_text=_(
            "Sponsored by this department (id) through an assignment; in `year` when given."
        ),
    )
    year = YearFilter(
        method="applied_with_year",
        help_text=_("With an assignment (五个一) this year; by `department` when given."),
    )
    search = django_filters.CharFilter(
        method="filter_search", help_text=_("Part of the name or of the credit code.")
    )

    class Meta:
        model = Enterprise
        fields = ["chain", "chain_role", "above_scale_year", "department", "year", "search"]

    def sponsorships(self):
        return Assignment.objects.filter(enterprise=OuterRef("pk"))

    def filter_above_scale_year(self, queryset, name, value):
        return queryset.filter(
            Exists(
                EnterpriseTitle.objects.filter(
                    enterprise=OuterRef("pk"), title=choices.TitleKind.ABOVE_SCALE, year=value
                )
            )
        )

    def filter_search(self, queryset, name, value):
        value = value.strip()
        code = "".join(value.split()).upper()
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__contains=code))


class AssignmentFilterSet(django_filters.FilterSet):
    year = YearFilter(help_text=_("The year of the assignment."))
    department = department_filter(help_text=_("The sponsoring department (id)."))
    leader = id_filter(Official, help_text=_("The county-level leader (official id)."))
    enterprise = id_filter(Enterprise, help_text=_("The enterprise (id)."))

    class Meta:
        model = Assignment
        fields = ["year", "department", "leader", "enterprise"]


class TargetFilterSet(django_filters.FilterSet):
    enterprise = id_filter(Enterprise, help_text=_("The enterprise (id)."))
    year = YearFilter(help_text=_("The year of the target."))
    metric = django_filters.ChoiceFilter(choices=choices.Metric.choices, help_text=_("The metric."))

    class Meta:
        model = Target
        fields = ["enterprise", "year", "metric"]


class MonthlyReportFilterSet(django_filters.FilterSet):
    enterprise = id_filter(Enterprise, help_text=_("The enterprise (id)."))
    period = PeriodFilter(help_text=_("The month, written YYYY-MM."))
    department = department_filter(
        method="filter_department",
        help_text=_("Enterprises sponsored by this department (id) in the report's year."),
    )
    year = YearFilter(field_name="period__year", help_text=_("The year of the month."))
    status = django_filters.ChoiceFilter(
        choices=choices.ReportStatus.choices, help_text=_("Open, or locked by the monthly close.")
    )

    class Meta:
        model = MonthlyReport
        fields = ["enterprise", "period", "department", "year", "status"]

    def filter_department(self, queryset, name, value):
        return queryset.filter(
            Exists(
                Assignment.objects.filter(
                    enterprise=OuterRef("enterprise"),
                    department=value,
                    year=ExtractYear(OuterRef("period")),
                )
            )
        )


class VisitFilterSet(django_filters.FilterSet):
    enterprise = id_filter(Enterprise, help_text=_("The enterprise visited (id)."))
    official = id_filter(
        Official, field_name="participants", help_text=_("Visits this official took part in (id).")
    )
    date_from = django_filters.DateFilter(
        field_name="visited_on", lookup_expr="gte", help_text=_("Visited on or after this date.")
    )
    date_to = django_filters.DateFilter(
        field_name="visited_on", lookup_expr="lte", help_text=_("Visited on or before this date.")
    )
    kind = django_filters.ChoiceFilter(
        choices=choices.VisitKind.choices, help_text=_("Routine or emergency.")
    )

    class Meta:
        model = Visit
        fields = ["enterprise", "official", "date_from", "date_to", "kind"]


class ProblemFilterSet(django_filters.FilterSet):
    enterprise = id_filter(Enterprise, help_text=_("The enterprise (id)."))
    department = department_filter(help_text=_("The responsible department (id)."))
    status = django_filters.ChoiceFilter(
        choices=choices.ProblemStatus.choices, help_text=_("The problem's status.")
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        help_text=_("true: not resolved and a clock of the 13710 rule missed; false: the others."),
    )

    class Meta:
        model = Problem
        fields = ["enterprise", "department", "status", "overdue"]

    def filter_overdue(self, queryset, name, value):
        overdue = list_problems(today=timezone.localdate()).filter(overdue_rank=0).values("pk")
        return queryset.filter(pk__in=overdue) if value else queryset.exclude(pk__in=overdue)


# --- the zone's records (issue 9): cultivation, finance, safety, parks ----------------------------


class CultivationFilterSet(django_filters.FilterSet):
    year = YearFilter(label=_("Year"), help_text=_("The year of the cultivation."))
    title = django_filters.ChoiceFilter(
        label=_("Title"), choices=choices.TitleKind.choices, help_text=_("The title sought.")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=CultivationStatus.choices, help_text=_("Where the path stands.")
    )
    enterprise = id_filter(Enterprise, label=_("Enterprise"), help_text=_("The enterprise (id)."))

    class Meta:
        model = Cultivation
        fields = ["year", "title", "status", "enterprise"]


class MatchmakingFilterSet(django_filters.FilterSet):
    year = YearFilter(
        field_name="held_on__year", label=_("Year"), help_text=_("The year of the meeting.")
    )
    enterprise = id_filter(
        Enterprise,
        field_name="enterprises",
        label=_("Enterprise"),
        help_text=_("Meetings this enterprise attended (id)."),
    )
    search = django_filters.CharFilter(
        field_name="title",
        lookup_expr="icontains",
        label=_("Title"),
        help_text=_("Part of the title."),
    )

    class Meta:
        model = Matchmaking
        fields = ["year", "enterprise", "search"]


class LoanFilterSet(django_filters.FilterSet):
    year = YearFilter(
        field_name="granted_on__year",
        label=_("Year"),
        help_text=_("The year the loan was granted."),
    )
    enterprise = id_filter(
        Enterprise, label=_("Enterprise"), help_text=_("The borrowing enterprise (id).")
    )
    matchmaking = id_filter(
        Matchmaking, label=_("Matchmaking meeting"), help_text=_("The matchmaking meeting (id).")
    )
    bank = django_filters.CharFilter(
        lookup_expr="icontains", label=_("Bank"), help_text=_("Part of the bank.")
    )
    under_risk_fund = django_filters.BooleanFilter(
        label=_("Risk-compensation fund"),
        help_text=_("true: under the risk-compensation fund; false: the others."),
    )

    class Meta:
        model = Loan
        fields = ["year", "enterprise", "matchmaking", "bank", "under_risk_fund"]


class SafetyInspectionFilterSet(django_filters.FilterSet):
    year = YearFilter(
        field_name="inspected_on__year", label=_("Year"), help_text=_("The year of the inspection.")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=InspectionKind.choices, help_text=_("The kind of inspection.")
    )
    enterprise = id_filter(
        Enterprise, label=_("Enterprise"), help_text=_("The enterprise inspected (id).")
    )
    area = django_filters.CharFilter(
        lookup_expr="icontains", label=_("Area"), help_text=_("Part of the area.")
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        label=_("Overdue"),
        help_text=_("true: hazards still open after their deadline today; false: the others."),
    )

    class Meta:
        model = SafetyInspection
        fields = ["year", "kind", "enterprise", "area", "overdue"]

    def filter_overdue(self, queryset, name, value):
        today = timezone.localdate()
        late = Q(hazards_rectified__lt=F("hazards_found"), rectify_deadline__lt=today)
        return queryset.filter(late) if value else queryset.exclude(late)


class SafetyActivityFilterSet(django_filters.FilterSet):
    year = YearFilter(
        field_name="held_on__year", label=_("Year"), help_text=_("The year of the activity.")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"),
        choices=SafetyActivityKind.choices,
        help_text=_("Training, drill, publicity or document."),
    )
    search = django_filters.CharFilter(
        field_name="title",
        lookup_expr="icontains",
        label=_("Title"),
        help_text=_("Part of the title."),
    )

    class Meta:
        model = SafetyActivity
        fields = ["year", "kind", "search"]


class StandardFactoryFilterSet(django_filters.FilterSet):
    year_built = YearFilter(label=_("Year built"), help_text=_("The year the building was built."))
    park = django_filters.CharFilter(
        lookup_expr="icontains", label=_("Park"), help_text=_("Part of the park.")
    )
    occupant = id_filter(
        Enterprise, label=_("Occupant"), help_text=_("The occupying enterprise (id).")
    )
    occupied = django_filters.BooleanFilter(
        field_name="occupant",
        lookup_expr="isnull",
        exclude=True,
        label=_("Occupied"),
        help_text=_("true: occupied; false: vacant."),
    )

    class Meta:
        model = StandardFactory
        fields = ["year_built", "park", "occupant", "occupied"]


class ServiceFacilityFilterSet(django_filters.FilterSet):
    year = YearFilter(label=_("Year started"), help_text=_("The year building started."))
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=FacilityKind.choices, help_text=_("The kind of facility.")
    )
    park = django_filters.CharFilter(
        lookup_expr="icontains", label=_("Park"), help_text=_("Part of the park.")
    )

    class Meta:
        model = ServiceFacility
        fields = ["year", "kind", "park"]


class NewInvestorFilterSet(django_filters.FilterSet):
    year = YearFilter(label=_("Year settled"), help_text=_("The year the enterprise settled."))
    enterprise = id_filter(Enterprise, label=_("Enterprise"), help_text=_("The enterprise (id)."))
    major = django_filters.BooleanFilter(
        method="filter_major",
        label=_("10 million CNY or more"),
        help_text=_("true: invested 1,000 万元 (10 million CNY) or more; false: less."),
    )

    class Meta:
        model = NewInvestor
        fields = ["year", "enterprise", "major"]

    def filter_major(self, queryset, name, value):
        major = Q(investment__gte=MAJOR_INVESTMENT)
        return queryset.filter(major) if value else queryset.exclude(major)


class WorkReportFilterSet(django_filters.FilterSet):
    assignment = id_filter(Assignment, help_text=_("The assignment (id)."))
    enterprise = id_filter(
        Enterprise, field_name="assignment__enterprise", help_text=_("The enterprise (id).")
    )
    department = department_filter(
        field_name="assignment__department", help_text=_("The sponsoring department (id).")
    )
    period = PeriodFilter(help_text=_("The month, written YYYY-MM."))
    year = YearFilter(field_name="period__year", help_text=_("The year of the month."))

    class Meta:
        model = WorkReport
        fields = ["assignment", "enterprise", "department", "period", "year"]

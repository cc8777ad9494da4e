"""Filters of the projects app's lists, shared by the API and the HTML lists."""

import django_filters
from django.db.models import OuterRef
from django.utils.translation import gettext_lazy as _

from enterprises.filtersets import (
    PeriodFilter,
    SponsorshipFilterMixin,
    YearFilter,
    department_filter,
    id_filter,
)
from enterprises.models import Enterprise, Official

from .choices import ProjectKind, Stage
from .models import (
    FundingApplication,
    FundingStatus,
    Project,
    ProjectPlan,
    ProjectReport,
)


class ProjectFilterSet(SponsorshipFilterMixin, django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(choices=Stage.choices, help_text=_("The stage."))
    kind = django_filters.ChoiceFilter(choices=ProjectKind.choices, help_text=_("The kind."))
    enterprise = id_filter(Enterprise, help_text=_("The investor enterprise (id)."))
    department = department_filter(
        method="applied_with_year",
        help_text=_("Sponsored by this department (id) in a project plan; in `year` if given."),
    )
    year = YearFilter(
        method="applied_with_year",
        help_text=_("With a project plan this year; by `department` when given."),
    )
    search = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", help_text=_("Part of the name.")
    )

    class Meta:
        model = Project
        fields = ["stage", "kind", "enterprise", "department", "year", "search"]

    def sponsorships(self):
        return ProjectPlan.objects.filter(project=OuterRef("pk"))


class ProjectPlanFilterSet(django_filters.FilterSet):
    project = id_filter(Project, help_text=_("The project (id)."))
    year = YearFilter(help_text=_("The year of the plan."))
    department = department_filter(help_text=_("The sponsoring department (id)."))
    leader = id_filter(Official, help_text=_("The sponsoring leader (official id)."))

    class Meta:
        model = ProjectPlan
        fields = ["project", "year", "department", "leader"]


class ProjectReportFilterSet(django_filters.FilterSet):
    project = id_filter(Project, help_text=_("The project (id)."))
    period = PeriodFilter(help_text=_("The month, written YYYY-MM."))
    year = YearFilter(field_name="period__year", help_text=_("The year of the month."))

    class Meta:
        model = ProjectReport
        fields = ["project", "period", "year"]


# --- funding applications (issue 9) ---------------------------------------------------------------


class FundingApplicationFilterSet(django_filters.FilterSet):
    year = YearFilter(label=_("Year"), help_text=_("The year of the application."))
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=FundingStatus.choices,
        help_text=_("Submitted, approved or rejected."),
    )
    programme = django_filters.CharFilter(
        lookup_expr="icontains", label=_("Programme"), help_text=_("Part of the programme's name.")
    )
    project = id_filter(Project, label=_("Project"), help_text=_("The project (id)."))
    enterprise = id_filter(Enterprise, label=_("Enterprise"), help_text=_("The enterprise (id)."))

    class Meta:
        model = FundingApplication
        fields = ["year", "status", "programme", "project", "enterprise"]

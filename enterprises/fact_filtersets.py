"""Filters of the zone's facts (milestones, promotion events, chain years, standings), for the
API and the pages."""

import django_filters
from django.utils.translation import gettext_lazy as _

from .choices import MilestoneKind, MilestoneLevel, StandingIndicator
from .filtersets import YearFilter, id_filter
from .models import ChainYear, Enterprise, Milestone, PromotionEvent, ZoneStanding


def _enterprise_filter(help_text):
    return id_filter(
        Enterprise, field_name="enterprises", label=_("Enterprise"), help_text=help_text
    )


class MilestoneFilterSet(django_filters.FilterSet):
    year = YearFilter(
        field_name="happened_on__year", label=_("Year"), help_text=_("The year it happened.")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=MilestoneKind.choices, help_text=_("The kind of milestone.")
    )
    level = django_filters.ChoiceFilter(
        label=_("Level"),
        choices=MilestoneLevel.choices,
        help_text=_("`national`, `provincial` or `city`."),
    )
    enterprise = _enterprise_filter(_("An enterprise involved (id)."))

    class Meta:
        model = Milestone
        fields = ["year", "kind", "level", "enterprise"]


class PromotionEventFilterSet(django_filters.FilterSet):
    year = YearFilter(
        field_name="held_on__year", label=_("Year"), help_text=_("The year of the event.")
    )
    city = django_filters.CharFilter(
        lookup_expr="icontains", label=_("City"), help_text=_("Part of the city.")
    )
    enterprise = _enterprise_filter(_("An enterprise that took part (id)."))

    class Meta:
        model = PromotionEvent
        fields = ["year", "city", "enterprise"]


class ChainYearFilterSet(django_filters.FilterSet):
    chain = django_filters.CharFilter(label=_("Industry chain"), help_text=_("The chain's name."))
    year = YearFilter(label=_("Year"), help_text=_("The year of the figures."))
    enterprise = id_filter(Enterprise, label=_("Enterprise"), help_text=_("The enterprise (id)."))
    whole_chain = django_filters.BooleanFilter(
        field_name="enterprise",
        lookup_expr="isnull",
        label=_("Whole chain"),
        help_text=_("true: the chain's own rows; false: its enterprises' rows."),
    )

    class Meta:
        model = ChainYear
        fields = ["chain", "year", "enterprise", "whole_chain"]


class ZoneStandingFilterSet(django_filters.FilterSet):
    year = YearFilter(label=_("Year"), help_text=_("The year ranked."))
    indicator = django_filters.ChoiceFilter(
        label=_("Indicator"), choices=StandingIndicator.choices, help_text=_("The indicator.")
    )

    class Meta:
        model = ZoneStanding
        fields = ["year", "indicator"]

"""The zone's facts over time: milestones, promotion events, the chain by year, its standing.

Milestones are the honours and platforms the zone won (a national base, an innovation centre, a
first product); promotion events the trade fairs its enterprises went to; a chain year the
figures of an industry chain (or of one of its enterprises) for a year, each with its source;
a standing the zone's rank among the city's counties and zones for an indicator in a year.
"""

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from core.models import BoundedTextField

from ..choices import MilestoneKind, MilestoneLevel, StandingIndicator
from .base import (
    BEGUN_DATE_VALIDATORS,
    BEGUN_YEAR_VALIDATORS,
    MONEY,
    NON_NEGATIVE,
    YEAR_RANGE,
    TimeStampedModel,
)
from .enterprise import Enterprise


class Milestone(TimeStampedModel):
    """An honour or platform of the zone (荣誉与平台): a recognition, a centre, a first product."""

    happened_on = models.DateField(
        _("date"),
        validators=BEGUN_DATE_VALIDATORS,
        help_text=_("From 2000-01-01 on, and not in the future."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=MilestoneKind)
    title = models.CharField(pgettext_lazy("record heading", "title"), max_length=200)
    level = models.CharField(_("level"), max_length=16, choices=MilestoneLevel, blank=True)
    enterprises = models.ManyToManyField(
        Enterprise, verbose_name=_("enterprises"), related_name="milestones", blank=True
    )
    institutions = BoundedTextField(
        _("institutions"),
        blank=True,
        help_text=_("Universities, agencies and other bodies involved, one a line."),
    )
    note = BoundedTextField(_("note"), blank=True)

    history = HistoricalRecords(m2m_fields=["enterprises"])

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["-happened_on", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["happened_on", "title"],
                name="milestone_unique_per_day_title",
                violation_error_message=_("This milestone is already recorded on this day."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=MilestoneKind.values), name="milestone_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(level__in=[*MilestoneLevel.values, ""]), name="milestone_level_valid"
            ),
        ]

    def __str__(self):
        return f"{self.happened_on:%Y-%m-%d} {self.title}"


class PromotionEvent(TimeStampedModel):
    """A trade fair or promotion (展销活动) the zone took its enterprises to."""

    held_on = models.DateField(
        _("held on"),
        validators=BEGUN_DATE_VALIDATORS,
        help_text=_("From 2000-01-01 on, and not in the future."),
    )
    title = models.CharField(_("event"), max_length=200)
    city = models.CharField(_("city"), max_length=50)
    enterprises = models.ManyToManyField(
        Enterprise, verbose_name=_("enterprises"), related_name="promotion_events", blank=True
    )
    note = BoundedTextField(_("note"), blank=True)

    history = HistoricalRecords(m2m_fields=["enterprises"])

    class Meta:
        verbose_name = _("promotion event")
        verbose_name_plural = _("promotion events")
        ordering = ["-held_on", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["held_on", "title", "city"],
                name="promotion_event_unique",
                violation_error_message=_("This event is already recorded on this day."),
            ),
        ]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.city} {self.title}"


def _count(label):
    return models.PositiveIntegerField(label, null=True, blank=True)


class ChainYear(TimeStampedModel):
    """An industry chain's figures for a year, or one of its enterprises' (with the source).

    Every figure may be blank: the sources give some figures some years. ``output`` is the
    year's output and ``cumulative_output`` the output since the chain began (万元).
    """

    chain = models.CharField(_("industry chain"), max_length=50)
    year = models.PositiveSmallIntegerField(_("year"), validators=BEGUN_YEAR_VALIDATORS)
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="chain_years",
        null=True,
        blank=True,
        help_text=_("Blank for the chain as a whole."),
    )
    output = models.DecimalField(
        _("output (10k CNY)"), null=True, blank=True, validators=NON_NEGATIVE, **MONEY
    )
    cumulative_output = models.DecimalField(
        _("cumulative output (10k CNY)"), null=True, blank=True, validators=NON_NEGATIVE, **MONEY
    )
    employment = _count(_("employment"))
    poverty_employment = _count(_("employment of people out of poverty"))
    branch_factories = _count(_("branch factories"))
    workshops = _count(_("family workshops"))
    income_increase = models.DecimalField(
        _("income increase per person (CNY)"),
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
        **MONEY,
    )
    supporting_enterprises = _count(_("supporting enterprises brought"))
    note = BoundedTextField(
        _("source note"), blank=True, help_text=_("Where the figures come from, and how exact.")
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("chain year")
        verbose_name_plural = _("chain years")
        ordering = ["chain", "year", "enterprise_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "year"],
                condition=Q(enterprise__isnull=True),
                name="chain_year_unique_chain",
                violation_error_message=_("This chain already has figures for this year."),
            ),
            models.UniqueConstraint(
                fields=["chain", "year", "enterprise"],
                name="chain_year_unique_enterprise",
                violation_error_message=_("This enterprise already has figures for this year."),
            ),
            models.CheckConstraint(condition=YEAR_RANGE, name="chain_year_year_range"),
            models.CheckConstraint(
                condition=Q(output__isnull=True) | Q(output__gte=0),
                name="chain_year_output_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(cumulative_output__isnull=True) | Q(cumulative_output__gte=0),
                name="chain_year_cumulative_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(income_increase__isnull=True) | Q(income_increase__gte=0),
                name="chain_year_income_non_negative",
            ),
        ]

    def __str__(self):
        return f"{self.chain} {self.year}" + (f" · {self.enterprise}" if self.enterprise else "")

    def clean(self):
        super().clean()
        poverty, employment = self.poverty_employment, self.employment
        if poverty is not None and employment is not None and poverty > employment:
            raise ValidationError(
                {
                    "poverty_employment": _(
                        "Employment of people out of poverty cannot exceed the employment."
                    )
                }
            )


class ZoneStanding(TimeStampedModel):
    """The zone's rank among the city's counties and zones for an indicator in a year."""

    year = models.PositiveSmallIntegerField(_("year"), validators=BEGUN_YEAR_VALIDATORS)
    indicator = models.CharField(_("indicator"), max_length=32, choices=StandingIndicator)
    rank = models.PositiveSmallIntegerField(
        pgettext_lazy("standing", "rank"), validators=[MinValueValidator(1)]
    )
    out_of = models.PositiveSmallIntegerField(
        _("out of"),
        validators=[MinValueValidator(1)],
        help_text=_("How many counties and zones of the city are ranked."),
    )
    value = models.DecimalField(_("value"), null=True, blank=True, max_digits=14, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=20, blank=True, help_text=_("万元, %, …"))
    note = BoundedTextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("zone standing")
        verbose_name_plural = _("zone standings")
        ordering = ["-year", "indicator"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "indicator"],
                name="zone_standing_unique_per_year",
                violation_error_message=_(
                    "The zone's standing for this indicator and year is already recorded."
                ),
            ),
            models.CheckConstraint(
                condition=Q(indicator__in=StandingIndicator.values),
                name="zone_standing_indicator_valid",
            ),
            models.CheckConstraint(condition=YEAR_RANGE, name="zone_standing_year_range"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="zone_standing_rank_positive"),
            models.CheckConstraint(
                condition=Q(rank__lte=F("out_of")),
                name="zone_standing_rank_within",
                violation_error_message=_("The rank cannot exceed how many are ranked."),
            ),
        ]

    def __str__(self):
        return f"{self.year} {self.get_indicator_display()} {self.rank}/{self.out_of}"

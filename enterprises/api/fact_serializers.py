"""Serializers of the zone's facts in API v1: milestones, promotion events, chain years and
the zone's standing in the city.

Writes validate with the model's ``full_clean()`` in one transaction (``ModelWriteSerializer``),
so a refused write is a 400 naming each field and leaves nothing behind.
"""

from django.utils.translation import gettext_lazy as _

from core.api.serializers import ModelWriteSerializer

from ..models import ChainYear, Milestone, PromotionEvent, ZoneStanding


class MilestoneSerializer(ModelWriteSerializer):
    class Meta:
        model = Milestone
        fields = [
            "id",
            "happened_on",
            "kind",
            "title",
            "level",
            "enterprises",
            "institutions",
            "note",
        ]
        extra_kwargs = {
            "enterprises": {"help_text": _("The enterprises involved (ids).")},
            "level": {
                "help_text": _("`national`, `provincial` or `city`; blank when none applies.")
            },
        }


class PromotionEventSerializer(ModelWriteSerializer):
    class Meta:
        model = PromotionEvent
        fields = ["id", "held_on", "title", "city", "enterprises", "note"]
        extra_kwargs = {
            "enterprises": {"help_text": _("The enterprises that took part (ids).")},
        }


class ChainYearSerializer(ModelWriteSerializer):
    class Meta:
        model = ChainYear
        fields = [
            "id",
            "chain",
            "year",
            "enterprise",
            "output",
            "cumulative_output",
            "employment",
            "poverty_employment",
            "branch_factories",
            "workshops",
            "income_increase",
            "supporting_enterprises",
            "note",
        ]
        extra_kwargs = {
            "enterprise": {"help_text": _("Null for the chain as a whole; else the enterprise.")},
            "output": {"help_text": _("The year's output, 万元 (10k CNY).")},
            "cumulative_output": {"help_text": _("Output since the chain began, 万元.")},
            "income_increase": {"help_text": _("Income increase per person employed, 元 (CNY).")},
        }


class ZoneStandingSerializer(ModelWriteSerializer):
    class Meta:
        model = ZoneStanding
        fields = ["id", "year", "indicator", "rank", "out_of", "value", "unit", "note"]

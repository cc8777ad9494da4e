"""Serializers of the zone's records in API v1: cultivation, finance, safety and parks.

Writes validate with the model's ``full_clean()`` in one transaction (``ModelWriteSerializer``),
so a refused write is a 400 naming each field and leaves nothing behind.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.serializers import ModelWriteSerializer

from ..models import (
    Cultivation,
    Loan,
    Matchmaking,
    NewInvestor,
    SafetyActivity,
    SafetyInspection,
    ServiceFacility,
    StandardFactory,
)


class CultivationSerializer(ModelWriteSerializer):
    class Meta:
        model = Cultivation
        fields = [
            "id",
            "enterprise",
            "title",
            "level",
            "year",
            "status",
            "identified_on",
            "applied_on",
            "decided_on",
            "documents",
        ]
        extra_kwargs = {
            "status": {
                "help_text": _(
                    "candidate → applying → recognised or rejected; `applied_on` is required "
                    "from applying on, `decided_on` exactly when recognised or rejected."
                )
            },
        }


class MatchmakingSerializer(ModelWriteSerializer):
    class Meta:
        model = Matchmaking
        fields = ["id", "held_on", "title", "banks", "enterprises", "outcome", "loans_amount"]
        extra_kwargs = {
            "enterprises": {"help_text": _("The enterprises that took part (ids).")},
        }


class LoanSerializer(ModelWriteSerializer):
    class Meta:
        model = Loan
        fields = [
            "id",
            "enterprise",
            "bank",
            "amount",
            "granted_on",
            "term_months",
            "under_risk_fund",
            "matchmaking",
        ]


class SafetyInspectionSerializer(ModelWriteSerializer):
    open_hazards = serializers.IntegerField(
        read_only=True, help_text=_("Hazards found and not yet rectified.")
    )
    overdue = serializers.SerializerMethodField(
        help_text=_("Whether hazards are still open after their deadline (today, Asia/Shanghai).")
    )

    class Meta:
        model = SafetyInspection
        fields = [
            "id",
            "inspected_on",
            "kind",
            "enterprise",
            "area",
            "hazards_found",
            "hazards_rectified",
            "rectify_deadline",
            "open_hazards",
            "overdue",
        ]

    def get_overdue(self, obj) -> bool:
        return obj.is_overdue(as_of=timezone.localdate())


class SafetyActivitySerializer(ModelWriteSerializer):
    class Meta:
        model = SafetyActivity
        fields = [
            "id",
            "kind",
            "held_on",
            "title",
            "participants",
            "materials_distributed",
            "people_trained",
            "venue",
        ]


class StandardFactorySerializer(ModelWriteSerializer):
    class Meta:
        model = StandardFactory
        fields = ["id", "park", "building", "area", "occupant", "year_built"]


class ServiceFacilitySerializer(ModelWriteSerializer):
    class Meta:
        model = ServiceFacility
        fields = ["id", "name", "kind", "park", "year"]


class NewInvestorSerializer(ModelWriteSerializer):
    is_major = serializers.BooleanField(
        read_only=True, help_text=_("Whether the investment reaches 1,000 万元 (10 million CNY).")
    )

    class Meta:
        model = NewInvestor
        fields = ["id", "enterprise", "year", "investment", "is_major"]

"""Serializers of the computed endpoints and the supervision notices."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import PeriodField
from core.periods import format_period
from enterprises.api.serializers import ReportFlagSerializer

from ..choices import NoticeStatus, RankedMetric
from ..models import SupervisionNotice


class PeriodQuerySerializer(serializers.Serializer):
    period = PeriodField()


class RankingQuerySerializer(PeriodQuerySerializer):
    metric = serializers.ChoiceField(choices=RankedMetric.choices)


def rate(value):
    """Return a rate as a float (at least 6 significant digits), or None."""
    return None if value is None else float(value)


def money(value):
    return f"{value:.2f}"


class RankingRowSerializer(serializers.Serializer):
    department = serializers.IntegerField(source="department_id")
    department_name = serializers.CharField()
    members = serializers.IntegerField()
    target = serializers.SerializerMethodField()
    ytd = serializers.SerializerMethodField()
    ytd_targeted = serializers.SerializerMethodField()
    completion_rate = serializers.SerializerMethodField()
    gap = serializers.SerializerMethodField()
    yoy_growth = serializers.SerializerMethodField()
    untargeted_members = serializers.IntegerField(
        allow_null=True,
        help_text="Members without a target, left out of the rate (null for snapshots older "
        "than this figure).",
    )
    ytd_untargeted = serializers.SerializerMethodField()
    completeness = serializers.SerializerMethodField()
    rank = serializers.IntegerField(allow_null=True)
    lagging = serializers.BooleanField()
    light = serializers.CharField(allow_null=True)

    def get_target(self, row) -> str:
        return money(row.target)

    def get_ytd(self, row) -> str:
        return money(row.ytd)

    def get_ytd_targeted(self, row) -> str:
        return money(row.ytd_targeted)

    @extend_schema_field(
        serializers.CharField(
            help_text="Year to date of the members without a target: ytd − ytd_targeted."
        )
    )
    def get_ytd_untargeted(self, row) -> str:
        return money(row.ytd_untargeted)

    def get_completion_rate(self, row) -> float | None:
        return rate(row.completion_rate)

    def get_gap(self, row) -> float | None:
        return rate(row.gap)

    def get_yoy_growth(self, row) -> float | None:
        return rate(row.yoy_growth)

    def get_completeness(self, row) -> float:
        return rate(row.completeness)


class SupervisionNoticeSerializer(serializers.ModelSerializer):
    """A 督办 notice; only ``status`` and ``response`` are written, through the services."""

    period = PeriodField(read_only=True)
    completion_rate = serializers.FloatField(read_only=True)
    time_progress = serializers.FloatField(read_only=True)
    gap = serializers.FloatField(read_only=True)
    overdue = serializers.SerializerMethodField()
    status = serializers.ChoiceField(
        choices=[NoticeStatus.RESPONDED, NoticeStatus.CLOSED, NoticeStatus.ISSUED], required=False
    )

    class Meta:
        model = SupervisionNotice
        fields = [
            "id",
            "department",
            "period",
            "metric",
            "completion_rate",
            "time_progress",
            "gap",
            "issued_at",
            "due_on",
            "status",
            "overdue",
            "response",
            "responded_at",
            "closed_at",
        ]
        read_only_fields = [
            "department",
            "metric",
            "issued_at",
            "due_on",
            "responded_at",
            "closed_at",
        ]

    def get_overdue(self, notice) -> bool:
        return notice.is_overdue(self.context["today"])

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["status"] = instance.status
        return data


class FigureFlagSerializer(ReportFlagSerializer):
    """A flagged figure: the report's flag (rule, metric, message, explanation) with the
    enterprise, its sponsoring department and the month it belongs to."""

    period = serializers.SerializerMethodField(help_text="YYYY-MM")
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    department = serializers.IntegerField(
        source="department_id", read_only=True, allow_null=True, help_text="The sponsor that year."
    )
    department_name = serializers.CharField(read_only=True, allow_null=True)

    class Meta(ReportFlagSerializer.Meta):
        fields = [
            "id",
            "report",
            "enterprise",
            "enterprise_name",
            "department",
            "department_name",
            "period",
            *ReportFlagSerializer.Meta.fields[1:],
        ]
        read_only_fields = fields

    def get_period(self, obj) -> str:
        return format_period(obj.period)


# The 409 of a close with unexplained flags (hengkou/api/views.py ClosePeriodView).
class UnexplainedFlagsSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(help_text="unexplained_flags")
    blocked = serializers.BooleanField(
        help_text="true: the close is refused until every flag is explained (block mode)"
    )
    count = serializers.IntegerField()
    flags = FigureFlagSerializer(many=True, help_text="The first 50 unexplained flags.")

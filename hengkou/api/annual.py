"""API of the year's plan and the turn of the year: annual-plans/, year-turns/ and the drafts.

Every write calls the service the pages call (hengkou/services/year_turn.py and
annual_plan.py); a refusal there is a 400 naming the field, and writes nothing.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from core.api.http import PlainDecimalField, PlainIntegerField, plain_number_fields
from core.api.serializers import (
    BoundedListSerializer,
    BoundedPrimaryKeyRelatedField,
    ModelWriteSerializer,
)
from core.api.views import ERRORS, ApiSchema, ModelViewSet, ScopedViewSetMixin
from enterprises.choices import Metric
from enterprises.filtersets import YearFilter, id_filter
from enterprises.models import Department, Official

from ..annual.models import (
    RATE,
    RATE_MAX,
    RATE_MIN,
    AnnualPlan,
    DraftAssignment,
    DraftTarget,
    PlanGoal,
    YearTurn,
)
from ..choices import RankedMetric
from ..services import year_turn as turns
from ..services.annual_plan import save_annual_plan

RATE_HELP = _(
    "A growth rate as a fraction with at most six decimals: 0.1 is +10%; from −1 (−100%) to "
    "10 (+1000%)."
)


def _rate_field(**kwargs):
    # A decimal, not a float: more decimals than stored (six) are refused, never rounded; the
    # bounds keep it within the stored digits (no max_digits: its message would name digits).
    return PlainDecimalField(
        max_digits=None,
        decimal_places=RATE["decimal_places"],
        min_value=RATE_MIN,
        max_value=RATE_MAX,
        coerce_to_string=False,
        help_text=RATE_HELP,
        **kwargs,
    )


# --- the annual work plan ---------------------------------------------------------------------


class PlanGoalSerializer(serializers.ModelSerializer):
    serializer_field_mapping = plain_number_fields(
        serializers.ModelSerializer.serializer_field_mapping
    )
    growth_rate = _rate_field(required=False, allow_null=True)

    class Meta:
        model = PlanGoal
        fields = ["metric", "goal_value", "growth_rate", "unit", "note"]
        list_serializer_class = BoundedListSerializer

    def to_representation(self, instance):
        data = super().to_representation(instance)
        rate = instance.growth_rate
        data["growth_rate"] = None if rate is None else float(rate)
        return data


class AnnualPlanSerializer(ModelWriteSerializer):
    goals = PlanGoalSerializer(
        many=True,
        required=False,
        max_length=len(RankedMetric),
        help_text=_("The goals, one per indicator at most; a PATCH replaces them."),
    )
    document = serializers.FileField(read_only=True, use_url=True)

    class Meta:
        model = AnnualPlan
        fields = ["id", "year", "title", "text", "document", "goals"]

    def write(self, instance, data):
        goals = data.pop("goals", None)
        with _model_errors():
            return save_annual_plan(plan=instance if instance.pk else None, data=data, goals=goals)


class _model_errors:
    """Turn a service's refusal into the API's 400 naming each field."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, trace):
        if isinstance(error, DjangoValidationError):
            detail = (
                error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
            )
            raise serializers.ValidationError(detail) from error
        return False


class AnnualPlanFilterSet(django_filters.FilterSet):
    year = YearFilter(help_text=_("The year of the plan."))

    class Meta:
        model = AnnualPlan
        fields = ["year"]


class AnnualPlanViewSet(ModelViewSet):
    """The annual work plans (年度工作实施方案): a year's title, text and goals per indicator.

    `goals` is a list of `{"metric", "goal_value", "growth_rate", "unit", "note"}`; each names
    a goal value, a growth rate (a fraction), or both. A plan is written for the current year
    or, in advance, the next one: a later `year` is a 400. Filter: `year`.
    """

    queryset = AnnualPlan.objects.prefetch_related(
        Prefetch("goals", queryset=PlanGoal.objects.order_by("pk"))
    ).order_by("-year")
    serializer_class = AnnualPlanSerializer
    filterset_class = AnnualPlanFilterSet


# --- the turn of the year ---------------------------------------------------------------------


class GrowthRateSerializer(serializers.Serializer):
    metric = serializers.CharField()
    department = serializers.IntegerField(allow_null=True)
    rate = serializers.FloatField()


class YearTurnSerializer(serializers.ModelSerializer):
    year = PlainIntegerField(
        min_value=2000,
        max_value=2100,
        help_text=_("The new year: the next after the last year with assignments."),
    )
    assignments = serializers.IntegerField(read_only=True, source="assignment_count")
    targets = serializers.IntegerField(read_only=True, source="target_count")
    rates = serializers.SerializerMethodField()

    class Meta:
        model = YearTurn
        fields = [
            "id",
            "year",
            "from_year",
            "status",
            "started_by",
            "confirmed_by",
            "confirmed_at",
            "assignments",
            "targets",
            "rates",
        ]
        read_only_fields = ["from_year", "status", "started_by", "confirmed_by", "confirmed_at"]

    @extend_schema_field(GrowthRateSerializer(many=True))
    def get_rates(self, turn) -> list:
        # The zone-wide rate of a metric first, then the departments' (in id order).
        rates = sorted(turn.rates.all(), key=lambda r: (r.metric, r.department_id or 0))
        return [
            {"metric": r.metric, "department": r.department_id, "rate": float(r.rate)}
            for r in rates
        ]


class DepartmentRateSerializer(serializers.Serializer):
    department = serializers.PrimaryKeyRelatedField(queryset=Department.objects.all())
    metric = serializers.ChoiceField(choices=Metric.choices)
    rate = _rate_field()

    class Meta:
        list_serializer_class = BoundedListSerializer


# A body names at most this many department rates (each department is looked up).
DEPARTMENT_RATES_MAX = 200


class SeedSerializer(serializers.Serializer):
    rates = serializers.DictField(
        child=_rate_field(),
        required=False,
        default=dict,
        help_text=_('Zone-wide growth rates by indicator, e.g. {"output_value": 0.1}.'),
    )
    department_rates = DepartmentRateSerializer(
        many=True,
        required=False,
        default=list,
        max_length=DEPARTMENT_RATES_MAX,
        help_text=_(
            "A department's own rate of an indicator, overriding the zone-wide one; at most 200 "
            "rows, one per department and indicator."
        ),
    )

    def validate_rates(self, rates):
        unknown = [metric for metric in rates if metric not in Metric.values]
        if unknown:
            raise serializers.ValidationError(
                _("Unknown indicator: %(metric)s.") % {"metric": ", ".join(unknown)}
            )
        return rates

    def validate(self, data):
        if not data["rates"] and not data["department_rates"]:
            raise serializers.ValidationError({"rates": [_("Give at least one growth rate.")]})
        return data


class YearTurnFilterSet(django_filters.FilterSet):
    year = YearFilter(help_text=_("The new year of the turn."))

    class Meta:
        model = YearTurn
        fields = ["year"]


def _turns():
    return YearTurn.objects.annotate(
        assignment_count=Count("assignments", distinct=True),
        target_count=Count("targets", distinct=True),
    ).prefetch_related("rates")


@extend_schema_view(
    create=extend_schema(
        examples=[OpenApiExample("Start 2022", value={"year": 2022}, request_only=True)]
    )
)
class YearTurnViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The turns of the year: POST `{"year"}` starts it from the last year (drafts to review).

    DELETE discards a turn never confirmed, with its drafts (a confirmed one is a 400).

    Refused with 400 when the year is not the next one or was started already. `seed/` seeds
    the draft targets from last year's actual figures and growth rates; `confirm/` writes the
    drafts as the year's assignments and targets at once.
    """

    queryset = YearTurn.objects.order_by("-year")
    serializer_class = YearTurnSerializer
    filterset_class = YearTurnFilterSet
    http_method_names = ["get", "post", "delete", "head", "options"]
    schema = ApiSchema()

    def get_queryset(self):
        return _turns().order_by("-year")

    def perform_destroy(self, instance):
        with _model_errors():
            turns.discard_year_turn(turn=instance)

    def perform_create(self, serializer):
        with _model_errors():
            turn = turns.start_year_turn(
                year=serializer.validated_data["year"],
                acting_user=self.request.user,
                today=timezone.localdate(),
            )
        serializer.instance = _turns().get(pk=turn.pk)

    @extend_schema(request=SeedSerializer, responses={200: YearTurnSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def seed(self, request, pk=None):
        """Seed the draft targets: last year's actual × (1 + rate), department rates first."""
        turn = self.get_object()
        body = SeedSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        with _model_errors():
            metrics = turns.set_growth_rates(
                turn=turn,
                rates=data["rates"],
                department_rates=[
                    (row["department"], row["metric"], row["rate"])
                    for row in data["department_rates"]
                ],
            )
            turns.seed_targets(turn=turn, metrics=metrics, acting_user=request.user)
        return Response(self.get_serializer(_turns().get(pk=turn.pk)).data)

    @extend_schema(request=None, responses={200: YearTurnSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Write the drafts as the year's assignments and targets; refused when done already."""
        if not request.user.has_perm("hengkou.confirm_yearturn"):
            raise PermissionDenied(_("Only the leading office confirms a turn of the year."))
        turn = self.get_object()
        request.data  # noqa: B018 -- a body, if any, is one JSON object (400 otherwise)
        with _model_errors():
            turns.confirm_year_turn(turn=turn, acting_user=request.user, now=timezone.now())
        return Response(self.get_serializer(_turns().get(pk=turn.pk)).data)


class DraftFilterSet(django_filters.FilterSet):
    turn = id_filter(YearTurn, help_text=_("The turn of the year (id)."))
    year = YearFilter(field_name="turn__year", help_text=_("The new year of the turn."))


class DraftAssignmentSerializer(ModelWriteSerializer):
    team = BoundedPrimaryKeyRelatedField(
        many=True,
        queryset=Official.objects.all(),
        required=False,
        help_text=_("The officials of the team (工作专班), as a list of at most 200 ids."),
    )

    class Meta:
        model = DraftAssignment
        fields = [
            "id",
            "turn",
            "enterprise",
            "leader",
            "department",
            "responsible",
            "team",
            "plan_goals",
            "plan_standards",
            "plan_deadline",
        ]

    def create(self, validated_data):
        with _model_errors():
            return turns.add_draft_assignment(**validated_data)

    def update(self, instance, validated_data):
        fixed = [name for name in ("turn", "enterprise") if name in validated_data]
        if fixed:
            message = _("This field cannot be changed on a draft.")
            raise serializers.ValidationError({name: [message] for name in fixed})
        team = validated_data.pop("team", None)
        with _model_errors():
            return turns.update_draft_assignment(draft=instance, team=team, **validated_data)


class DraftAssignmentViewSet(ModelViewSet):
    """Draft assignments of a turn of the year: add (POST), change (PATCH) or drop (DELETE).

    Filters: `turn`, `year`. Only a turn in draft may change; a draft never counts anywhere.
    """

    queryset = (
        DraftAssignment.objects.select_related("turn")
        .prefetch_related(Prefetch("team", queryset=Official.objects.order_by("pk").only("pk")))
        .order_by("-turn__year", "department__code", "enterprise__name", "id")
    )
    serializer_class = DraftAssignmentSerializer
    filterset_class = DraftFilterSet

    def perform_destroy(self, instance):
        with _model_errors():
            turns.drop_draft_assignment(draft=instance)


class DraftTargetSerializer(ModelWriteSerializer):
    class Meta:
        model = DraftTarget
        fields = ["id", "turn", "enterprise", "metric", "base", "value"]
        read_only_fields = ["base"]
        extra_kwargs = {"base": {"help_text": _("Last year's actual figure, when seeded.")}}

    def create(self, validated_data):
        return self._set(validated_data["turn"], validated_data)

    def update(self, instance, validated_data):
        fixed = [n for n in ("turn", "enterprise", "metric") if n in validated_data]
        if fixed:
            message = _("This field cannot be changed on a draft.")
            raise serializers.ValidationError({name: [message] for name in fixed})
        data = {"enterprise": instance.enterprise, "metric": instance.metric, **validated_data}
        return self._set(instance.turn, data)

    def _set(self, turn, data):
        key = (data["enterprise"].pk, data["metric"])
        with _model_errors():
            turns.set_draft_targets(
                turn=turn, values={key: data["value"]}, acting_user=self.acting_user
            )
        return DraftTarget.objects.get(turn=turn, enterprise_id=key[0], metric=key[1])


class DraftTargetViewSet(ModelViewSet):
    """Draft targets of a turn of the year: set (POST), adjust (PATCH `value`), remove.

    Filters: `turn`, `year`. `base` is last year's actual figure the seed started from.
    """

    queryset = DraftTarget.objects.order_by("-turn__year", "enterprise__name", "metric", "id")
    serializer_class = DraftTargetSerializer
    filterset_class = DraftFilterSet

    def perform_destroy(self, instance):
        with _model_errors():
            turns.delete_draft_target(target=instance)

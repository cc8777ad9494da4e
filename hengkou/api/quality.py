"""The data-quality API: a month's board, its flags, and a reporter's explanation."""

from __future__ import annotations

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.response import Response

from core.api.views import ERRORS, ApiSchema, ScopedViewSetMixin
from core.periods import format_period
from enterprises.filtersets import PeriodFilter, id_filter
from enterprises.models import EXPLANATION_MAX, Enterprise, FigureFlag
from enterprises.selectors.quality import flags_with_sponsor, get_quality_board
from enterprises.services.quality import explain_figure_flag

from .conventions import validate_query
from .schema import PERIOD_QUERY
from .serializers import FigureFlagSerializer, PeriodQuerySerializer

READS_FLAGS = "enterprises.view_figureflag"


class ReadsFlags(permissions.BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.has_perm(READS_FLAGS))


class ExplainSerializer(serializers.Serializer):
    explanation = serializers.CharField(
        max_length=EXPLANATION_MAX,
        help_text="Why the figure is right (at most 300 characters; kept in the flag's history).",
    )


class FigureFlagFilterSet(django_filters.FilterSet):
    period = PeriodFilter(help_text=_("The month, written YYYY-MM."))
    # Scoped: another department's enterprise is not a valid choice (never echoed by name).
    enterprise = id_filter(Enterprise, help_text=_("The enterprise (id)."))
    explained = django_filters.BooleanFilter(method="filter_explained")

    class Meta:
        model = FigureFlag
        fields = ["period", "enterprise", "rule", "metric", "explained"]

    def filter_explained(self, queryset, name, value):
        return queryset.exclude(explanation="") if value else queryset.filter(explanation="")


@extend_schema_view(
    explain=extend_schema(
        summary="Explain a flagged figure (its reporter)",
        description=(
            "Records why a flagged figure is right: who may change the monthly report (its "
            "department, the economic bureau) gives a short reason, kept in the flag's history "
            "(`history/?model=enterprises.figureflag&object_id=`). A figure that was wrong is "
            "corrected instead (`PATCH monthly-reports/{id}/`), which recomputes its flags. 403 "
            "for anyone else."
        ),
        request=ExplainSerializer,
        responses={200: FigureFlagSerializer, 400: ERRORS["400"], 403: ERRORS["403"]},
    )
)
class FigureFlagViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Data-quality flags of the monthly figures (统计数据质量), newest month first.

    Each flag names the rule a report breaks (`rule`), the metric (`metric`), the numbers it
    compared and the threshold (`params`), written out in `message`; `explained` with the
    reporter's `explanation`. Recomputed whenever a report or a month it is compared against
    is written. Filters: `period`, `enterprise`, `rule`, `metric`, `explained`.
    """

    schema = ApiSchema()
    queryset = FigureFlag.objects.order_by("-period", "enterprise_id", "rule", "metric", "id")
    serializer_class = FigureFlagSerializer
    filterset_class = FigureFlagFilterSet

    def get_queryset(self):
        return flags_with_sponsor(super().get_queryset())

    @action(detail=True, methods=["post"], permission_classes=[ReadsFlags])
    def explain(self, request, pk=None):
        flag = self.get_object()
        data = ExplainSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        explain_figure_flag(
            flag=flag,
            explanation=data.validated_data["explanation"],
            acting_user=request.user,
            now=timezone.now(),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=flag.pk)).data)


class DepartmentFlagsSerializer(serializers.Serializer):
    department = serializers.IntegerField(source="department_id", allow_null=True)
    department_name = serializers.CharField()
    flags = serializers.IntegerField()
    explained = serializers.IntegerField()
    unexplained = serializers.IntegerField()
    enterprises = serializers.IntegerField(help_text="Enterprises with at least one flag.")


class QualityBoardSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM")
    flags = serializers.IntegerField()
    explained = serializers.IntegerField()
    unexplained = serializers.IntegerField()
    enterprises = serializers.IntegerField()
    departments = DepartmentFlagsSerializer(many=True)


@extend_schema(
    summary="A month's data-quality board",
    description=(
        "The month's flagged figures within your scope, counted per sponsoring department: "
        "flags, explained, unexplained and enterprises flagged. The flags themselves are "
        "`figure-flags/?period=` (paged). A malformed month is a 400."
    ),
    parameters=[PERIOD_QUERY],
    responses={200: QualityBoardSerializer, 400: ERRORS["400"], 403: ERRORS["403"]},
)
@api_view(["GET"])
@permission_classes([ReadsFlags])
def data_quality(request):
    """Return the month's flags per department, within the user's scope."""
    period = validate_query(PeriodQuerySerializer, request)["period"]
    board = get_quality_board(period=period, user=request.user)
    return Response(
        QualityBoardSerializer(
            {
                "period": format_period(period),
                "flags": board.flags,
                "explained": board.explained,
                "unexplained": board.unexplained,
                "enterprises": board.enterprises,
                "departments": board.departments,
            }
        ).data
    )


def unexplained_flags_body(refusal) -> dict:
    """Return the 409 body of a close refused for unexplained flags."""
    flags = flags_with_sponsor(FigureFlag.objects.filter(pk__in=[f.pk for f in refusal.flags]))
    return {
        "detail": refusal.message,
        "code": "unexplained_flags",
        "blocked": refusal.blocked,
        "count": refusal.count,
        "flags": FigureFlagSerializer(
            flags.order_by("enterprise__name", "rule", "metric"), many=True
        ).data,
    }

"""projections/: the year-end projections of a metric for a month, the zone's and each
department's (预计全年完成情况)."""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from core.api.views import requires
from core.numbers import cents
from core.periods import format_period

from ..access import READS_RANKINGS
from ..choices import RankedMetric
from ..projections import FLAG_FROM_MONTH, FLAT, HISTORY_YEARS, SEASONAL, Projection
from ..selectors.projections import list_projections
from ..selectors.ranking import get_period_ranking
from .conventions import validate_query
from .schema import BAD_QUERY, METRIC_QUERY, PERIOD_QUERY
from .serializers import RankingQuerySerializer, money, rate


def _row(line: Projection) -> dict:
    return {
        "department": line.department_id,
        "department_name": line.department_name,
        "members": line.members,
        "target": money(line.target),
        "ytd": money(line.ytd),
        "ytd_targeted": money(line.ytd_targeted),
        "seasonal_share": rate(line.share),
        "history_years": line.history_years,
        "method": line.method,
        "projected_ytd_year_end": money(cents(line.projected)),
        "projected_targeted_year_end": money(cents(line.projected_targeted)),
        "projected_completion_rate": rate(line.projected_rate),
        "will_miss": line.will_miss,
    }


class ProjectionRowSerializer(serializers.Serializer):
    department = serializers.IntegerField(
        allow_null=True, help_text="The department's id; null on the zone's line."
    )
    department_name = serializers.CharField(help_text="Empty on the zone's line.")
    members = serializers.IntegerField(help_text="This year's members for the metric.")
    target = serializers.DecimalField(
        max_digits=20, decimal_places=2, help_text="Target of the members with a target."
    )
    ytd = serializers.DecimalField(
        max_digits=20, decimal_places=2, help_text="Year to date of every member."
    )
    ytd_targeted = serializers.DecimalField(
        max_digits=20, decimal_places=2, help_text="Year to date of the members with a target."
    )
    seasonal_share = serializers.FloatField(
        help_text="The share of the year-end the same members had reached by this month in "
        f"earlier years (the mean over up to {HISTORY_YEARS} years with data); without any, the "
        "flat share: month / 12 (1 for employees, a stock)."
    )
    history_years = serializers.IntegerField(help_text="The earlier years the share is over.")
    method = serializers.ChoiceField(
        choices=[SEASONAL, FLAT], help_text="seasonal, or flat when there is no history."
    )
    projected_ytd_year_end = serializers.DecimalField(
        max_digits=20, decimal_places=2, help_text="ytd / seasonal_share."
    )
    projected_targeted_year_end = serializers.DecimalField(
        max_digits=20, decimal_places=2, help_text="ytd_targeted / seasonal_share."
    )
    projected_completion_rate = serializers.FloatField(
        allow_null=True,
        help_text="projected_targeted_year_end / target (exact before rounding); null without a "
        "target.",
    )
    will_miss = serializers.BooleanField(
        help_text=f"From month {FLAG_FROM_MONTH} on: the projected completion rate is below 1 "
        "(decided exactly, not on the rounded float). Always false before."
    )


class ProjectionsSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM")
    metric = serializers.ChoiceField(choices=RankedMetric.choices)
    closed = serializers.BooleanField(
        help_text="True when the month is closed: the year to date comes from its snapshot."
    )
    flag_from_month = serializers.IntegerField(help_text="will_miss is reported from this month.")
    zone = ProjectionRowSerializer(help_text="The zone: every department's members together.")
    results = ProjectionRowSerializer(
        many=True, help_text="Every department with members for the metric, in rank order."
    )


PROJECTIONS_EXAMPLE = {
    "period": "2021-06",
    "metric": "output_value",
    "closed": False,
    "flag_from_month": 3,
    "zone": {
        "department": None,
        "department_name": "",
        "members": 2,
        "target": "2400.00",
        "ytd": "840.00",
        "ytd_targeted": "840.00",
        "seasonal_share": 0.25,
        "history_years": 1,
        "method": "seasonal",
        "projected_ytd_year_end": "3360.00",
        "projected_targeted_year_end": "3360.00",
        "projected_completion_rate": 1.4,
        "will_miss": False,
    },
    "results": [
        {
            "department": 2,
            "department_name": "商务局",
            "members": 1,
            "target": "1200.00",
            "ytd": "480.00",
            "ytd_targeted": "480.00",
            "seasonal_share": 0.5,
            "history_years": 0,
            "method": "flat",
            "projected_ytd_year_end": "960.00",
            "projected_targeted_year_end": "960.00",
            "projected_completion_rate": 0.8,
            "will_miss": True,
        }
    ],
}

projections_schema = extend_schema(
    summary="Year-end projections of a metric for a month (the zone and each department)",
    parameters=[PERIOD_QUERY, METRIC_QUERY],
    responses={
        200: OpenApiResponse(
            ProjectionsSerializer,
            examples=[OpenApiExample("June 2021", PROJECTIONS_EXAMPLE)],
        ),
        **BAD_QUERY,
    },
)


@projections_schema
@api_view(["GET"])
@permission_classes([requires(READS_RANKINGS)])
def projections(request):
    """Return the projected year-end and completion rate of every department and the zone.

    Read by whoever reads the ranking (the same departments' totals). Projected year-end = the
    year to date / the share of the year-end the same members had reached by this month in
    earlier years (hengkou/projections.py); a closed month's year to date is its close's.
    """
    query = validate_query(RankingQuerySerializer, request)
    period, metric = query["period"], query["metric"]
    ranking = get_period_ranking(period=period, metric=metric)
    result = list_projections(period=period, metric=metric, rows=ranking.rows)
    return Response(
        {
            "period": format_period(period),
            "metric": metric,
            "closed": ranking.closed,
            "flag_from_month": FLAG_FROM_MONTH,
            "zone": _row(result.zone),
            "results": [_row(line) for line in result.departments],
        }
    )

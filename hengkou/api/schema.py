"""The OpenAPI schema of API v1: its views, and the documented shapes of the computed endpoints.

The computed endpoints build their JSON by hand; the serializers here only describe it, for the
schema at /api/v1/schema/ and the docs at /api/v1/docs/.
"""

from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
)
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers

from core.api.serializers import PERIOD_SCHEMA
from core.api.views import ERRORS
from enterprises.selectors.duties import HEAD_MONTHLY, LEADER_QUARTERLY, RESPONSIBLE_WEEKLY

from ..choices import Light, MemberReportStatus, NoticeStatus, RankedMetric
from .serializers import (
    RankingRowSerializer,
    SupervisionNoticeSerializer,
    UnexplainedFlagsSerializer,
)


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema of API v1 (YAML, or JSON with ``?format=json``)."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI over the schema, its script served apart so no inline script is needed."""

    url_name = "api:schema"


PERIOD_QUERY = OpenApiParameter(
    "period",
    str,
    OpenApiParameter.QUERY,
    required=True,
    pattern=PERIOD_SCHEMA["pattern"],
    description="The month, written YYYY-MM (a malformed one is a 400).",
    examples=[OpenApiExample("November 2021", value="2021-11")],
)
PERIOD_PATH = OpenApiParameter(
    "period",
    str,
    OpenApiParameter.PATH,
    pattern=PERIOD_SCHEMA["pattern"],
    description="The month, written YYYY-MM.",
    examples=[OpenApiExample("November 2021", value="2021-11")],
)
METRIC_QUERY = OpenApiParameter(
    "metric",
    str,
    OpenApiParameter.QUERY,
    required=True,
    enum=RankedMetric.values,
    description="The metric ranked.",
)
BAD_QUERY = {400: ERRORS["400"], 403: ERRORS["403"]}


@extend_schema_serializer(component_name="RankingRow")
class RankingRowResponseSerializer(RankingRowSerializer):
    """A department's row of the ranking, as returned."""

    light = serializers.ChoiceField(
        choices=Light.choices,
        allow_null=True,
        help_text="红黄绿灯 against time progress: green when gap >= 0, yellow when "
        "-0.10 <= gap < 0, red when gap < -0.10 (settings.HENGKOU_RANKING); null without a rate.",
    )


class RankingSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM")
    metric = serializers.ChoiceField(choices=RankedMetric.choices)
    time_progress = serializers.FloatField(help_text="month / 12")
    closed = serializers.BooleanField(
        help_text="True when the month is closed: the figures come from its snapshot."
    )
    results = RankingRowResponseSerializer(
        many=True, help_text="Every department with members for the metric, in rank order."
    )


RANKING_EXAMPLE = {
    "period": "2021-11",
    "metric": "output_value",
    "time_progress": 0.9166667,
    "closed": False,
    "results": [
        {
            "department": 3,
            "department_name": "工业园区管委会",
            "members": 12,
            "target": "123.00",
            "ytd": "130.00",
            "ytd_targeted": "100.00",
            "completion_rate": 0.8130081,
            "gap": -0.1036586,
            "yoy_growth": 0.12,
            "untargeted_members": 2,
            "ytd_untargeted": "30.00",
            "completeness": 1.0,
            "rank": 1,
            "lagging": True,
            "light": "red",
        }
    ],
}

ranking_schema = extend_schema(
    summary="Department ranking of a metric for a month",
    parameters=[
        PERIOD_QUERY,
        METRIC_QUERY,
    ],
    responses={
        200: OpenApiResponse(
            RankingSerializer, examples=[OpenApiExample("November 2021", RANKING_EXAMPLE)]
        ),
        **BAD_QUERY,
    },
)


class MemberLineSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The enterprise's id (enterprise metrics; else absent); null for the line "
        "summing the members outside the caller's scope.",
    )
    project = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The project's id (investment metrics; else absent); null for the line "
        "summing the members outside the caller's scope.",
    )
    name = serializers.CharField(help_text="As at the close for a closed month.")
    target = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        allow_null=True,
        help_text="Annual target (a project's planned investment); null without one.",
    )
    ytd = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        help_text="Year to date through the month (a stock metric: the month's own figure).",
    )
    completion_rate = serializers.FloatField(allow_null=True, help_text="ytd / target, or null.")
    shortfall = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        allow_null=True,
        help_text="target × m / 12 − ytd (negative: ahead of time progress); null without target.",
    )
    yoy_growth = serializers.FloatField(
        allow_null=True, help_text="ytd / the same month's ytd a year earlier − 1, or null."
    )
    report_status = serializers.ChoiceField(
        choices=MemberReportStatus.choices,
        help_text="The month's report: first submitted by the deadline, after it, or none.",
    )


class DepartmentMembersSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM")
    metric = serializers.ChoiceField(choices=RankedMetric.choices)
    department = serializers.IntegerField()
    department_name = serializers.CharField()
    closed = serializers.BooleanField(
        help_text="True when the month is closed: the members are as of its close."
    )
    time_progress = serializers.FloatField(help_text="month / 12")
    members = serializers.IntegerField()
    target = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="Sum of the members' targets (the row's)."
    )
    ytd = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="Sum of every member's ytd (the row's)."
    )
    ytd_targeted = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="Sum of the ytd of the members with a target."
    )
    ytd_previous = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="Sum of the same period a year earlier."
    )
    untargeted_members = serializers.IntegerField()
    ytd_untargeted = serializers.DecimalField(max_digits=16, decimal_places=2)
    completion_rate = serializers.FloatField(
        allow_null=True, help_text="ytd_targeted / target (the row's rate), or null."
    )
    shortfall = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="target × m / 12 − ytd_targeted."
    )
    yoy_growth = serializers.FloatField(allow_null=True)
    results = MemberLineSerializer(many=True, help_text="Largest shortfall first, untargeted last.")


MEMBERS_EXAMPLE = {
    "period": "2021-11",
    "metric": "output_value",
    "department": 3,
    "department_name": "一局",
    "closed": False,
    "time_progress": 0.9166666666666666,
    "members": 4,
    "target": "3000.00",
    "ytd": "1560.33",
    "ytd_targeted": "1510.33",
    "ytd_previous": "940.00",
    "untargeted_members": 1,
    "ytd_untargeted": "50.00",
    "completion_rate": 0.50344333,
    "shortfall": "1239.67",
    "yoy_growth": 0.65992553,
    "results": [
        {
            "enterprise": 12,
            "name": "乙企业",
            "target": "1200.00",
            "ytd": "300.33",
            "completion_rate": 0.250275,
            "shortfall": "799.67",
            "yoy_growth": None,
            "report_status": "late",
        },
        {
            "enterprise": 15,
            "name": "丙企业",
            "target": None,
            "ytd": "50.00",
            "completion_rate": None,
            "shortfall": None,
            "yoy_growth": 0.25,
            "report_status": "reported",
        },
    ],
}

members_schema = extend_schema(
    summary="A department's members behind its ranking row (drill-down)",
    description=(
        "The department's members for the month and metric: enterprises (their assignments of "
        "the year) or, for the investment metrics, projects (their plans of the year). The sums "
        "of ytd and target equal the department's row in rankings/; a closed month is read as "
        "of its close. Same permission as rankings/."
    ),
    parameters=[
        OpenApiParameter("department", int, OpenApiParameter.PATH, description="Department id."),
        PERIOD_QUERY,
        METRIC_QUERY,
    ],
    responses={
        200: OpenApiResponse(
            DepartmentMembersSerializer,
            examples=[OpenApiExample("November 2021", MEMBERS_EXAMPLE)],
        ),
        **BAD_QUERY,
        404: ERRORS["404"],
    },
)


class ZoneStatsSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM")
    above_scale_output = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        help_text="YTD output of the above-scale enterprises (万元).",
    )
    above_scale_output_yoy = serializers.FloatField(allow_null=True)
    investment = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="YTD investment of all projects (万元)."
    )
    investment_yoy = serializers.FloatField(allow_null=True)
    tech_investment = serializers.DecimalField(
        max_digits=16, decimal_places=2, help_text="YTD investment of renovation projects (万元)."
    )
    tech_investment_yoy = serializers.FloatField(allow_null=True)
    enterprises = serializers.IntegerField(help_text="Enterprises with an assignment that year.")
    above_scale_enterprises = serializers.IntegerField(
        help_text="Enterprises above designated size that year."
    )


zone_stats_schema = extend_schema(
    summary="Zone statistics of a month",
    parameters=[PERIOD_QUERY],
    responses={
        200: OpenApiResponse(
            ZoneStatsSerializer,
            examples=[
                OpenApiExample(
                    "December 2021",
                    {
                        "period": "2021-12",
                        "above_scale_output": "299000.00",
                        "above_scale_output_yoy": 0.194,
                        "investment": "97200.00",
                        "investment_yoy": 0.1,
                        "tech_investment": "38500.00",
                        "tech_investment_yoy": 0.434,
                        "enterprises": 120,
                        "above_scale_enterprises": 40,
                    },
                )
            ],
        ),
        **BAD_QUERY,
    },
)


class DutyLineSerializer(serializers.Serializer):
    assignment = serializers.IntegerField()
    enterprise = serializers.IntegerField()
    official = serializers.IntegerField()
    duty = serializers.ChoiceField(choices=[LEADER_QUARTERLY, HEAD_MONTHLY, RESPONSIBLE_WEEKLY])
    required = serializers.IntegerField(help_text="Duty windows in the month.")
    met = serializers.IntegerField()
    missed = serializers.IntegerField()
    due = serializers.IntegerField(help_text="Windows still running without a visit.")


class DepartmentComplianceSerializer(serializers.Serializer):
    department = serializers.IntegerField()
    met = serializers.IntegerField()
    missed = serializers.IntegerField()
    due = serializers.IntegerField()
    ended = serializers.IntegerField()
    compliance = serializers.FloatField(allow_null=True, help_text="met / (met + missed), or null.")


class VisitComplianceSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM")
    results = DutyLineSerializer(many=True, help_text="One row per assignment and duty.")
    departments = DepartmentComplianceSerializer(many=True)


visit_compliance_schema = extend_schema(
    summary="Visit duties of a month, per assignment and per department",
    parameters=[PERIOD_QUERY],
    responses={200: VisitComplianceSerializer, **BAD_QUERY},
)


@extend_schema_serializer(component_name="SupervisionNotice")
class NoticeResponseSerializer(SupervisionNoticeSerializer):
    """A 督办 notice as returned: ``status`` may be any notice status."""

    status = serializers.ChoiceField(choices=NoticeStatus.choices)


class CloseSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM")
    closed_at = serializers.DateTimeField()
    notices = NoticeResponseSerializer(many=True, help_text="Every notice of that close.")


class CloseRequestSerializer(serializers.Serializer):
    confirm_unexplained = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Close although figures of the month are flagged and unexplained (warn mode).",
    )


def _unexplained_flags_response():
    return OpenApiResponse(
        UnexplainedFlagsSerializer,
        description=(
            "Figures of the month are flagged and nobody explained them: the body lists them. "
            'Send `{"confirm_unexplained": true}` to close anyway, unless `blocked` '
            "(HENGKOU_DQ_CLOSE_MODE=block): then they must be explained or corrected first."
        ),
    )


close_schema = extend_schema(
    summary="Close a month (一月一通报)",
    description=(
        "Locks the month's reports, snapshots the rankings and issues one supervision notice per "
        "lagging department and ranked metric. Repeating it returns the same result and issues "
        "nothing new. Needs the permission to close a month (economic bureau, administrators). "
        "While figures of the month are flagged and unexplained (the data-quality board) it "
        'answers 409 listing them, unless the body says `{"confirm_unexplained": true}`; in '
        "block mode always 409."
    ),
    parameters=[PERIOD_PATH],
    request=CloseRequestSerializer,
    responses={200: CloseSerializer, 409: _unexplained_flags_response(), **BAD_QUERY},
)


class ReopenRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="Why the month is reopened (kept in its history).")


class ReopenSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM")
    status = serializers.CharField(help_text="open")


reopen_schema = extend_schema(
    summary="Reopen a closed month (administrators)",
    parameters=[PERIOD_PATH],
    request=ReopenRequestSerializer,
    responses={200: ReopenSerializer, **BAD_QUERY},
)

notice_schema = {
    "list": extend_schema(responses={200: NoticeResponseSerializer(many=True), **BAD_QUERY}),
    "retrieve": extend_schema(
        responses={200: NoticeResponseSerializer, 403: ERRORS["403"], 404: ERRORS["404"]}
    ),
    "partial_update": extend_schema(
        request=SupervisionNoticeSerializer,
        responses={200: NoticeResponseSerializer, **BAD_QUERY, 404: ERRORS["404"]},
        examples=[
            OpenApiExample(
                "Respond",
                value={"status": "responded", "response": "已约谈企业，制定追赶计划"},
                request_only=True,
            ),
            OpenApiExample("Accept and close", value={"status": "closed"}, request_only=True),
        ],
    ),
}

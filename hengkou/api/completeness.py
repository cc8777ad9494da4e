"""completeness/: the who-has-not-reported board of a month, as the dashboard shows it."""

from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
)
from rest_framework import permissions, serializers
from rest_framework.decorators import api_view, permission_classes

from core.api.views import ERRORS
from core.periods import format_period
from core.scoping import get_scope

from ..access import READS_RANKINGS
from ..selectors.completeness import (
    CompletenessBoard,
    DepartmentCompleteness,
    get_completeness_board,
    list_missing_members,
)
from .conventions import PagePagination, validate_query
from .schema import PERIOD_QUERY
from .serializers import PeriodQuerySerializer, rate

# Who has reported is the monthly reports' business: the readers of the rankings (who see the
# board on the dashboard) and the departments that file reports.
READS_REPORTS = "enterprises.view_monthlyreport"


class ReadsCompleteness(permissions.BasePermission):
    """Admit the readers of the rankings and of the monthly reports."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and (user.has_perm(READS_RANKINGS) or user.has_perm(READS_REPORTS)))


def shown_departments(board: CompletenessBoard, user) -> list[DepartmentCompleteness]:
    """Return the board's departments the user sees, missing reports first (the board's order).

    The readers of the rankings see every department, as on the dashboard; anyone else the
    departments of their scope (a department user: their own).
    """
    rows = board.missing_first()
    scope = get_scope(user)
    if scope.everything or user.has_perm(READS_RANKINGS):
        return rows
    departments = getattr(scope, "department_ids", frozenset())
    return [row for row in rows if row.department_id in departments]


def _row(row: DepartmentCompleteness, board: CompletenessBoard, missing: list) -> dict:
    return {
        "department": row.department_id,
        "department_code": row.department_code,
        "department_name": row.department_name,
        "period": format_period(board.period),
        "members": row.members,
        "reported": row.reported,
        "on_time": row.on_time,
        "missing": [enterprise for enterprise, _name in missing],
        "missing_members": [{"enterprise": pk, "name": name} for pk, name in missing],
        "completeness": rate(row.completeness),
        "on_time_rate": rate(row.on_time_rate),
        "deadline": board.deadline.isoformat(),
        "days_left": board.days_left,
    }


class MissingMemberSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField()
    name = serializers.CharField()


class CompletenessRowSerializer(serializers.Serializer):
    department = serializers.IntegerField()
    department_code = serializers.CharField()
    department_name = serializers.CharField()
    period = serializers.CharField(help_text="YYYY-MM")
    members = serializers.IntegerField(help_text="The department's enterprises of the year.")
    reported = serializers.IntegerField(help_text="Members with a report of the month.")
    on_time = serializers.IntegerField(help_text="Members whose report came by the deadline.")
    missing = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="The ids of the members without a report, by name (members − reported).",
    )
    missing_members = MissingMemberSerializer(
        many=True, help_text="The same members, with their names, in the same order."
    )
    completeness = serializers.FloatField(help_text="reported / members.")
    on_time_rate = serializers.FloatField(
        allow_null=True, help_text="on_time / reported, as the dashboard shows it; null when none."
    )
    deadline = serializers.DateField(help_text="The day the month's figures are due (day 5 next).")
    days_left = serializers.IntegerField(
        help_text="Days until the deadline (Asia/Shanghai), negative when overdue."
    )


class CompletenessPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = CompletenessRowSerializer(many=True)


COMPLETENESS_EXAMPLE = {
    "count": 1,
    "next": None,
    "previous": None,
    "results": [
        {
            "department": 3,
            "department_code": "D01",
            "department_name": "工业园区管委会",
            "period": "2021-11",
            "members": 3,
            "reported": 2,
            "on_time": 1,
            "missing": [17],
            "missing_members": [{"enterprise": 17, "name": "安康富硒食品有限公司"}],
            "completeness": 0.6666666666666666,
            "on_time_rate": 0.5,
            "deadline": "2021-12-05",
            "days_left": -3,
        }
    ],
}

completeness_schema = extend_schema(
    summary="Who has not reported a month's figures, per department",
    description=(
        "The completeness board of the dashboard: per department its members, those with a "
        "report and on time, the members without one (ids and names), and the days left before "
        "the deadline (negative: overdue). Departments still missing reports come first, then "
        "by code. The readers of the rankings see every department; a department user their "
        "own. A month that has not begun is a 400."
    ),
    parameters=[
        PERIOD_QUERY,
        OpenApiParameter("page", int, OpenApiParameter.QUERY, description="Page number."),
        OpenApiParameter(
            "page_size", int, OpenApiParameter.QUERY, description="Rows per page (at most 1000)."
        ),
    ],
    responses={
        200: OpenApiResponse(
            CompletenessPageSerializer,
            examples=[OpenApiExample("November 2021", COMPLETENESS_EXAMPLE)],
        ),
        400: ERRORS["400"],
        403: ERRORS["403"],
        404: OpenApiResponse(ERRORS["404"].response, description="No such page."),
    },
)


@completeness_schema
@api_view(["GET"])
@permission_classes([ReadsCompleteness])
def completeness(request):
    """Return the who-has-not-reported board of a month, a page of departments at a time."""
    period = validate_query(PeriodQuerySerializer, request)["period"]
    board = get_completeness_board(period=period, today=timezone.localdate())
    paginator = PagePagination()
    page = paginator.paginate_queryset(shown_departments(board, request.user), request)
    missing = list_missing_members(
        period=period, department_ids=[row.department_id for row in page]
    )
    return paginator.get_paginated_response(
        [_row(row, board, missing.get(row.department_id, [])) for row in page]
    )

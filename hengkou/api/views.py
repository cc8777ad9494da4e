"""Computed endpoints of API v1 (rankings, zone statistics, the monthly close) and notices."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.views import ScopedViewSetMixin, WorkflowPermissions, requires
from core.figures_cache import cached_figures
from core.indicators import time_progress
from core.periods import format_period
from enterprises.filtersets import department_filter
from enterprises.models import Department, Period
from enterprises.selectors.duty_counts import get_scoped_compliance

from ..access import CLOSE_MONTH, READS_RANKINGS, REOPEN_MONTH
from ..choices import NoticeStatus
from ..models import SupervisionNotice
from ..ranking import ENTERPRISE_METRICS
from ..selectors.drilldown import DepartmentMembers, get_department_members, money_of
from ..selectors.members import PROJECT
from ..selectors.ranking import fresh_open_body, get_period_ranking, open_ranking_body
from ..selectors.zone import get_zone_stats
from ..services.close import UnexplainedFlags, close_month, reopen_month
from ..services.notices import close_notice, respond_to_notice
from .conventions import validate_query
from .quality import unexplained_flags_body
from .schema import (
    close_schema,
    members_schema,
    notice_schema,
    ranking_schema,
    reopen_schema,
    visit_compliance_schema,
    zone_stats_schema,
)
from .serializers import (
    PeriodField,
    PeriodQuerySerializer,
    RankingQuerySerializer,
    RankingRowSerializer,
    SupervisionNoticeSerializer,
    money,
    rate,
)


@ranking_schema
@api_view(["GET"])
@permission_classes([requires(READS_RANKINGS)])
def rankings(request):
    """Return the department ranking of a metric for a month (domain.md).

    The finished JSON is kept with the cached figures until the next write: at month end every
    department asks for the same ranking, and serialising 500 rows costs more than ranking them
    from the cache.
    """
    query = validate_query(RankingQuerySerializer, request)
    period, metric = query["period"], query["metric"]
    if request.accepted_renderer.format == "json":
        body = _ranking_body(period=period, metric=metric, language=get_language())
        return HttpResponse(body, content_type="application/json")
    return Response(_ranking_payload(period, metric))


@cached_figures("api-ranking")
def _ranking_body(*, period, metric: str, language: str) -> bytes:
    """Return the ranking's finished JSON; the language is part of the key (labels differ).

    An open month's ranking of an enterprise metric is rendered once and kept in the database
    beside the fingerprint of its inputs (selectors/open_ranking.py).
    """
    if metric in ENTERPRISE_METRICS:
        # One query once rendered: its freshness and the month's being open are checked in it.
        body = fresh_open_body(period=period, metric=metric)
        if not body and not Period.is_closed(period):
            body = open_ranking_body(
                period=period,
                metric=metric,
                render=lambda rows: _render(period, metric, rows, closed=False).decode(),
            )
        if body:
            return body
    return JSONRenderer().render(_ranking_payload(period, metric))


def _render(period, metric: str, rows, *, closed: bool) -> bytes:
    return JSONRenderer().render(_payload(period, metric, rows, closed=closed))


def _ranking_payload(period, metric) -> dict:
    ranking = get_period_ranking(period=period, metric=metric)
    return _payload(period, ranking.metric, ranking.rows, closed=ranking.closed)


def _payload(period, metric: str, rows, *, closed: bool) -> dict:
    return {
        "period": format_period(period),
        "metric": metric,
        "time_progress": float(time_progress(period.month)),
        "closed": closed,
        "results": RankingRowSerializer(rows, many=True).data,
    }


@members_schema
@api_view(["GET"])
@permission_classes([requires(READS_RANKINGS)])
def ranking_members(request, department):
    """Return a department's members behind its ranking row (the drill-down), largest shortfall
    first; for a closed month, as of its close."""
    query = validate_query(RankingQuerySerializer, request)
    try:
        members = get_department_members(
            period=query["period"],
            metric=query["metric"],
            department_id=department,
            user=request.user,
        )
    except Department.DoesNotExist as error:
        raise NotFound(_("No department has this id.")) from error
    return Response(_members_payload(members))


def _members_payload(members: DepartmentMembers) -> dict:
    key = "project" if members.kind == PROJECT else "enterprise"
    return {
        "period": format_period(members.period),
        "metric": members.metric,
        "department": members.department_id,
        "department_name": members.department_name,
        "closed": members.closed,
        "time_progress": rate(members.time_progress),
        "members": members.members,
        "target": money(members.target),
        "ytd": money(members.ytd),
        "ytd_targeted": money(members.ytd_targeted),
        "ytd_previous": money(members.ytd_previous),
        "untargeted_members": members.untargeted_members,
        "ytd_untargeted": money(members.ytd_untargeted),
        "completion_rate": rate(members.completion_rate),
        "shortfall": money(members.shortfall_money),
        "yoy_growth": rate(members.yoy_growth),
        "results": [
            {
                key: line.member_id or None,  # None: the sum of members outside the scope
                "name": line.name,
                "target": None if line.target is None else money(line.target),
                "ytd": money(line.ytd),
                "completion_rate": rate(line.completion_rate),
                "shortfall": None if line.shortfall is None else money(money_of(line.shortfall)),
                "yoy_growth": rate(line.yoy_growth),
                "report_status": line.report_status,
            }
            for line in members.lines
        ],
    }


@zone_stats_schema
@api_view(["GET"])
@permission_classes([requires(READS_RANKINGS)])
def zone_stats(request):
    """Return the zone statistics of a month."""
    period = validate_query(PeriodQuerySerializer, request)["period"]
    stats = get_zone_stats(period=period)
    return Response(
        {
            "period": format_period(period),
            "above_scale_output": money(stats.above_scale_output),
            "above_scale_output_yoy": rate(stats.above_scale_output_yoy),
            "investment": money(stats.investment),
            "investment_yoy": rate(stats.investment_yoy),
            "tech_investment": money(stats.tech_investment),
            "tech_investment_yoy": rate(stats.tech_investment_yoy),
            "enterprises": stats.enterprises,
            "above_scale_enterprises": stats.above_scale_enterprises,
        }
    )


def _period_from_path(value):
    try:
        return PeriodField().to_internal_value(value)
    except ValidationError as error:
        raise ValidationError({"period": error.detail}) from error


class ClosePeriodView(APIView):
    """POST periods/YYYY-MM/close/: the monthly close; repeating it changes nothing."""

    @close_schema
    def post(self, request, period):
        CLOSE_MONTH.check(request.user)
        day = _period_from_path(period)
        body = request.data  # a body, if any, is one JSON object (400 otherwise)
        confirm = body.get("confirm_unexplained", False) if hasattr(body, "get") else False
        if not isinstance(confirm, bool):
            raise ValidationError({"confirm_unexplained": [_("Must be true or false.")]})
        try:
            result = close_month(
                period=day,
                acting_user=request.user,
                now=timezone.now(),
                confirm_unexplained=confirm,
            )
        except UnexplainedFlags as refusal:
            return Response(unexplained_flags_body(refusal), status=status.HTTP_409_CONFLICT)
        context = {"today": timezone.localdate()}
        return Response(
            {
                "period": format_period(day),
                "closed_at": result.period.closed_at,
                "notices": SupervisionNoticeSerializer(
                    result.notices, many=True, context=context
                ).data,
            }
        )


class ReopenPeriodView(APIView):
    """POST periods/YYYY-MM/reopen/ with a reason: administrators reopen a closed month."""

    @reopen_schema
    def post(self, request, period):
        REOPEN_MONTH.check(request.user)
        day = _period_from_path(period)
        month = reopen_month(
            period=day,
            acting_user=request.user,
            reason=str(request.data.get("reason", "")),
            now=timezone.now(),
        )
        return Response({"period": format_period(day), "status": month.status})


class SupervisionNoticeFilterSet(django_filters.FilterSet):
    department = department_filter(help_text=_("The department the notice went to (id)."))
    period = django_filters.CharFilter(method="filter_period")
    status = django_filters.ChoiceFilter(
        choices=[*NoticeStatus.choices, ("overdue", _("Overdue"))], method="filter_status"
    )

    class Meta:
        model = SupervisionNotice
        fields = ["department", "period", "status"]

    def filter_period(self, queryset, name, value):
        return queryset.filter(period=_period_from_path(value))

    def filter_status(self, queryset, name, value):
        if value == "overdue":
            return queryset.filter(SupervisionNotice.overdue_on(timezone.localdate()))
        return queryset.filter(status=value)


@extend_schema_view(**notice_schema)
class SupervisionNoticeViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """督办 notices: read them; PATCH `status` to `responded` (with `response`) or `closed`."""

    queryset = SupervisionNotice.objects.order_by("-period", "department__code", "metric")
    serializer_class = SupervisionNoticeSerializer
    filterset_class = SupervisionNoticeFilterSet
    http_method_names = ["get", "patch", "head", "options"]
    # Responding and closing are checked in perform_update, each with its own permission.
    permission_classes = [WorkflowPermissions]

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "today": timezone.localdate()}

    def perform_update(self, serializer):
        notice = serializer.instance
        data = serializer.validated_data
        target = data.get("status", notice.status)
        now = timezone.now()
        user = self.request.user
        needed = "close" if target == NoticeStatus.CLOSED else "respond"
        if not user.has_perm(f"hengkou.{needed}_supervisionnotice"):
            raise PermissionDenied(_("You may not %(action)s this notice.") % {"action": needed})
        if target == NoticeStatus.CLOSED:
            serializer.instance = close_notice(
                notice=notice, acting_user=self.request.user, now=now
            )
        elif target == NoticeStatus.RESPONDED or "response" in data:
            serializer.instance = respond_to_notice(
                notice=notice,
                response=data.get("response", notice.response),
                acting_user=self.request.user,
                now=now,
            )
        elif target != notice.status:
            raise ValidationError({"status": [_("A notice cannot go back to issued.")]})


@visit_compliance_schema
@api_view(["GET"])
@permission_classes([requires("enterprises.view_visit")])
def visit_compliance(request):
    """Return each assignment's visit duties for a month, and each department's compliance."""
    period = validate_query(PeriodQuerySerializer, request)["period"]
    compliance = get_scoped_compliance(
        periods=[period],
        today=timezone.localdate(),
        user=request.user,
        lines="iterator",  # the zone's tens of thousands, each dropped once written out
        names=False,
    )
    return Response(
        {
            "period": format_period(period),
            "results": [
                {
                    "assignment": line.assignment_id,
                    "enterprise": line.enterprise_id,
                    "official": line.official_id,
                    "duty": line.duty,
                    "required": line.required,
                    "met": line.met,
                    "missed": line.missed,
                    "due": line.due,
                }
                for line in compliance.lines
            ],
            "departments": [
                {
                    "department": row.department_id,
                    "met": row.met,
                    "missed": row.missed,
                    "due": row.due,
                    "ended": row.ended,
                    "compliance": rate(row.compliance),
                }
                for row in compliance.departments
            ],
        }
    )

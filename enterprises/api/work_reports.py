"""The work reports (工作开展情况报送) of API v1: the page's rules, through the page's service.

A sponsoring department reports each month on each assignment it sponsors. Who may submit, which
months (begun, of the assignment's year) and the need for a progress text are the service's
(``submit_work_report``), so the API refuses exactly what the page refuses, with its messages.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers

from core.api.serializers import ModelWriteSerializer, PeriodField, model_errors
from core.api.views import ModelViewSet
from core.periods import parse_period

from ..filtersets import WorkReportFilterSet
from ..models import WorkReport
from ..services.work_reports import delete_work_report, submit_work_report

NO_PROGRESS = _("Write the progress made against the plan's goals this month.")
TEXTS = ("progress", "standards", "deadlines")


class ReportMonthField(PeriodField):
    """A month written ``YYYY-MM``; whether it may be reported on is the service's to say."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(
                _("A period is written YYYY-MM, for example 2021-11.")
            )
        try:
            return parse_period(data)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from error


class WorkReportSerializer(ModelWriteSerializer):
    """A department's work report on one assignment for one month."""

    period = ReportMonthField(
        label=_("month"),
        help_text=_("The month, written YYYY-MM: the current one or an earlier one of the year."),
    )

    class Meta:
        model = WorkReport
        fields = [
            "id",
            "assignment",
            "period",
            "progress",
            "standards",
            "deadlines",
            "submitted_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["submitted_by", "created_at", "updated_at"]
        # One report per assignment and month: the service refuses a second with its message.
        validators = []
        extra_kwargs = {
            "assignment": {"help_text": _("The assignment (五个一) reported on (id).")},
            "progress": {
                "allow_blank": True,
                "error_messages": {"required": NO_PROGRESS},
                "help_text": _("The progress made against the plan's goals this month."),
            },
        }

    def validate(self, attrs):
        report = self.instance
        if report is not None:
            moved = [
                name
                for name in ("assignment", "period")
                if name in attrs and attrs[name] != getattr(report, name)
            ]
            if moved:
                message = _("This cannot change once recorded.")
                raise serializers.ValidationError(dict.fromkeys(moved, [message]))
        return attrs

    def create(self, validated_data):
        with model_errors():
            return submit_work_report(
                assignment=validated_data["assignment"],
                period=validated_data["period"],
                **{name: validated_data.get(name, "") for name in TEXTS},
                acting_user=self.acting_user,
                now=timezone.now(),
                amend=False,
            )

    def update(self, report, validated_data):
        with model_errors():
            return submit_work_report(
                assignment=report.assignment,
                period=report.period,
                **{name: validated_data.get(name, getattr(report, name)) for name in TEXTS},
                acting_user=self.acting_user,
                now=timezone.now(),
            )


@extend_schema_view(
    create=extend_schema(
        examples=[
            OpenApiExample(
                "November's report on an assignment",
                value={
                    "assignment": 1,
                    "period": "2021-11",
                    "progress": "协调解决用工缺口30人，新生产线已试产",
                    "standards": "月产值达到计划的95%",
                    "deadlines": "12月底前完成二期设备安装",
                },
                request_only=True,
            )
        ]
    ),
    partial_update=extend_schema(
        examples=[
            OpenApiExample(
                "Amend the progress",
                value={"progress": "新生产线已正式投产"},
                request_only=True,
            )
        ]
    ),
)
class WorkReportViewSet(ModelViewSet):
    """Work reports (工作开展情况报送): a sponsoring department's monthly report on an assignment.

    Submitted (POST) and amended (PATCH) by an official of the assignment's sponsoring
    department (403 otherwise), for the current month or an earlier one of the assignment's
    year, with a `progress` text; one per assignment and month (a second POST is a 400: amend
    the first with PATCH). `assignment` and `period` are fixed once submitted. Filters:
    `assignment`, `enterprise`, `department`, `period`, `year`.
    """

    queryset = WorkReport.objects.order_by(
        "-period", "assignment__department__code", "assignment__enterprise__name", "id"
    )
    serializer_class = WorkReportSerializer
    filterset_class = WorkReportFilterSet
    page_groups_by = "period"

    def perform_destroy(self, instance):
        delete_work_report(report=instance, acting_user=self.request.user)

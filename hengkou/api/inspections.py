"""The quarterly inspections (一季一督查) of API v1, recorded through the page's service."""

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

from core.api.serializers import ModelWriteSerializer, model_errors
from core.api.views import ModelViewSet
from enterprises.filtersets import YearFilter, department_filter, id_filter
from enterprises.models import Assignment

from ..models import Inspection
from ..services.inspections import record_inspection

FIELDS = ("year", "quarter", "department", "assignment", "inspected_on", "findings", "score")


class InspectionFilterSet(django_filters.FilterSet):
    year = YearFilter(help_text=_("The year inspected."))
    quarter = django_filters.ChoiceFilter(
        choices=[(quarter, f"Q{quarter}") for quarter in range(1, 5)],
        help_text=_("The quarter, 1 to 4."),
    )
    department = department_filter(help_text=_("The department inspected (id)."))
    assignment = id_filter(Assignment, help_text=_("The assignment inspected (id)."))

    class Meta:
        model = Inspection
        fields = ["year", "quarter", "department", "assignment"]


class InspectionSerializer(ModelWriteSerializer):
    """A quarterly inspection of a department, or of one of its assignments."""

    class Meta:
        model = Inspection
        fields = ["id", *FIELDS, "inspector", "created_at"]
        read_only_fields = ["inspector", "created_at"]
        extra_kwargs = {
            "assignment": {
                "help_text": _(
                    "An assignment of that department and year (id); `null` for the department "
                    "as a whole."
                )
            },
            "inspected_on": {
                "help_text": _(
                    "The day of the inspection: in its year, not before its quarter, not in the "
                    "future."
                )
            },
            "score": {"help_text": _("The score, 0 to 100.")},
        }

    def create(self, validated_data):
        with model_errors():
            return record_inspection(
                **{name: validated_data.get(name) for name in FIELDS},
                acting_user=self.acting_user,
            )

    def update(self, inspection, validated_data):
        with model_errors():
            return record_inspection(
                **{name: validated_data.get(name, getattr(inspection, name)) for name in FIELDS},
                acting_user=self.acting_user,
                inspection=inspection,
            )


@extend_schema_view(
    create=extend_schema(
        examples=[
            OpenApiExample(
                "The third-quarter inspection of a department",
                value={
                    "year": 2021,
                    "quarter": 3,
                    "department": 1,
                    "assignment": None,
                    "inspected_on": "2021-09-28",
                    "findings": "帮扶台账完整，问题办结及时",
                    "score": "92.50",
                },
                request_only=True,
            )
        ]
    )
)
class InspectionViewSet(ModelViewSet):
    """Quarterly inspections (一季一督查): a department's (or an assignment's) findings and score.

    Recorded (POST) and amended (PATCH) by the supervision office (`add_inspection`,
    `change_inspection`), who is named as `inspector`; deleted by an administrator. The
    assignment, when given, is one of that department and year; `inspected_on` falls in `year`,
    not before `quarter` begins and not in the future (a year not begun is refused); `quarter`
    1–4; `score` 0–100. Filters: `year`, `quarter`, `department`, `assignment`.
    """

    queryset = Inspection.objects.order_by("-year", "-quarter", "department__code", "id")
    serializer_class = InspectionSerializer
    filterset_class = InspectionFilterSet
    page_groups_by = "year"

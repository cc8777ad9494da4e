"""Viewsets of the projects resources of API v1."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

from core.api.views import ModelViewSet
from enterprises.models import refuse_closed_month

from ..filtersets import ProjectFilterSet, ProjectPlanFilterSet, ProjectReportFilterSet
from ..models import Project, ProjectPlan, ProjectReport
from .serializers import ProjectPlanSerializer, ProjectReportSerializer, ProjectSerializer


@extend_schema_view(
    create=extend_schema(
        examples=[
            OpenApiExample(
                "A renovation project under construction since March",
                value={
                    "name": "年产20万吨魔芋精粉技改项目",
                    "enterprise": 1,
                    "kind": "renovation",
                    "stage": "started",
                    "stage_moved_on": "2021-03-15",
                    "total_investment": "12000.00",
                },
                request_only=True,
            )
        ]
    ),
    partial_update=extend_schema(
        examples=[
            OpenApiExample(
                "Completed on a given day",
                value={"stage": "completed", "stage_moved_on": "2021-11-30"},
                request_only=True,
            )
        ]
    ),
)
class ProjectViewSet(ModelViewSet):
    """Industrial projects (重点项目): 竣工一批、开工一批、储备一批.

    `stage` moves only forward and each move is dated (`stage_moved_on`, today when omitted);
    a backward move is a 400. Filters: `stage`, `kind`, `enterprise`, `department` and `year`
    (sponsored in a project plan; together: by that department that year), `search`.
    """

    queryset = Project.objects.order_by("name", "id")
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet


@extend_schema_view(
    create=extend_schema(
        examples=[
            OpenApiExample(
                "The 2021 plan",
                value={
                    "project": 1,
                    "year": 2021,
                    "planned_investment": "5000.00",
                    "leader": 1,
                    "department": 1,
                },
                request_only=True,
            )
        ]
    )
)
class ProjectPlanViewSet(ModelViewSet):
    """A project's plan for a year: planned investment (the investment target), leader, department.

    One per project and year; the leader must be a county-level leader. Filters: `project`,
    `year`, `department`, `leader`.
    """

    queryset = ProjectPlan.objects.order_by("-year", "project__name", "id")
    serializer_class = ProjectPlanSerializer
    filterset_class = ProjectPlanFilterSet


@extend_schema_view(
    create=extend_schema(
        examples=[
            OpenApiExample(
                "November progress",
                value={
                    "project": 1,
                    "period": "2021-11",
                    "investment": "800.00",
                    "percent_complete": 65,
                    "progress_note": "主体厂房封顶",
                    "problems": "",
                },
                request_only=True,
            )
        ]
    )
)
class ProjectReportViewSet(ModelViewSet):
    """A project's monthly report (月报表): the investment of that month and the progress.

    One per project and month; `percent_complete` never decreases. `status` is `open` until the
    month is closed, then `locked`: a write or delete in a closed month is a 409.
    Filters: `project`, `period` (YYYY-MM), `year`.
    """

    queryset = ProjectReport.objects.order_by("-period", "project__name", "id")
    serializer_class = ProjectReportSerializer
    filterset_class = ProjectReportFilterSet

    def perform_destroy(self, instance):
        refuse_closed_month(instance.period)
        super().perform_destroy(instance)

"""Viewsets of the projects resources of API v1."""

from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from core.api.photos import PHOTO_PARSERS, PhotoUploadSerializer, uploaded_photos
from core.api.serializers import model_errors
from core.api.views import ERRORS, ModelPermissions, ModelViewSet, requires
from enterprises.models import refuse_closed_month

from ..filtersets import ProjectFilterSet, ProjectPlanFilterSet, ProjectReportFilterSet
from ..models import Project, ProjectPhoto, ProjectPlan, ProjectReport, StageMove
from ..services import (
    add_report_photos,
    move_project_stage_from_page,
    refuse_photo_adder,
    remove_report_photo,
)
from .serializers import (
    ProjectPlanSerializer,
    ProjectReportSerializer,
    ProjectSerializer,
    StageMoveSerializer,
)


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
    a backward move is a 400. `stage_moves` (read-only) is the project's stage history.
    Filters: `stage`, `kind`, `enterprise`, `department` and `year`
    (sponsored in a project plan; together: by that department that year), `search`.
    """

    queryset = Project.objects.prefetch_related(
        Prefetch("stage_moves", queryset=StageMove.objects.order_by("moved_on", "id"))
    ).order_by("name", "id")
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilterSet

    @extend_schema(
        request=StageMoveSerializer,
        responses={200: ProjectSerializer},
        examples=[
            OpenApiExample(
                "Started on a given day",
                value={"to_stage": "started", "moved_on": "2021-03-15"},
                request_only=True,
            )
        ],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="stage",
        permission_classes=[requires("projects.view_project")],
        serializer_class=StageMoveSerializer,
    )
    def stage(self, request, pk=None):
        """Move the project to a later stage on a date, as its page does.

        Only the project's sponsoring department and leader (or `change_project`) move it
        (403 otherwise); the stage only moves forward, never dated in the future nor before the
        previous move (400). `moved_on` is today when omitted; `stage` is accepted for
        `to_stage`. Answers the project.
        """
        project = self.get_object()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        today = timezone.localdate()
        with model_errors(rename={"stage": "to_stage", "stage_moved_on": "moved_on"}):
            move_project_stage_from_page(
                project=project,
                to_stage=body.validated_data["to_stage"],
                moved_on=body.validated_data.get("moved_on") or today,
                acting_user=request.user,
                today=today,
            )
        project.refresh_from_db()
        return Response(ProjectSerializer(project, context=self.get_serializer_context()).data)


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


class PhotoPermissions(ModelPermissions):
    """Adding or removing a report's photo needs ``add_projectreport``; whose is the service's."""

    perms_map = {
        **ModelPermissions.perms_map,
        "DELETE": ["%(app_label)s.add_%(model_name)s"],
    }


PHOTO_ID = OpenApiParameter("photo_id", int, OpenApiParameter.PATH, description="The photo's id.")
PHOTO_ANSWERS = {403: ERRORS["403"], 404: ERRORS["404"], 409: ERRORS["409"]}


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
    month is closed, then `locked`: a write or delete in a closed month is a 409. `photos` lists
    the progress photos, added with `POST project-reports/{id}/photos/` (multipart).
    Filters: `project`, `period` (YYYY-MM), `year`.
    """

    queryset = ProjectReport.objects.prefetch_related(
        Prefetch("photos", queryset=ProjectPhoto.objects.order_by("pk"))
    ).order_by("-period", "project__name", "id")
    serializer_class = ProjectReportSerializer
    filterset_class = ProjectReportFilterSet

    def perform_destroy(self, instance):
        refuse_closed_month(instance.period)
        super().perform_destroy(instance)

    @extend_schema(
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={201: ProjectReportSerializer, 400: ERRORS["400"], **PHOTO_ANSWERS},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="photos",
        parser_classes=PHOTO_PARSERS,
        permission_classes=[PhotoPermissions],
    )
    def photos(self, request, pk=None):
        """Add progress photos (multipart `image`, repeatable) to a report; the report comes back.

        Who may report on the project that year adds them (else 403), while the month is open
        (else 409); a file that is not a photo within the limits, or more photos than a report
        holds (20), is a 400 and nothing is stored. Each gets a thumbnail.
        """
        report = self.get_object()
        refuse_photo_adder(report, request.user)
        add_report_photos(
            report=report,
            photos=uploaded_photos(request),
            acting_user=request.user,
            now=timezone.now(),
        )
        stored = self.get_queryset().get(pk=report.pk)
        return Response(self.get_serializer(stored).data, status=201)

    @extend_schema(parameters=[PHOTO_ID], request=None, responses={204: None, **PHOTO_ANSWERS})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"photos/(?P<photo_id>[0-9]+)",
        url_name="photo",
        permission_classes=[PhotoPermissions],
    )
    def remove_photo(self, request, pk=None, photo_id=None):
        """Remove a report's photo: only who added it, while the month is open (409 otherwise).

        Its file and thumbnail are deleted with it.
        """
        report = self.get_object()
        photo = get_object_or_404(
            ProjectPhoto.objects.select_related("report"), pk=photo_id, report=report
        )
        remove_report_photo(photo=photo, acting_user=request.user)
        return Response(status=204)

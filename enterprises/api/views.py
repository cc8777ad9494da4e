"""Viewsets of the enterprises resources of API v1, and the chain statistics.

Each viewset is declarative: a queryset carrying every join its serializer needs (a list costs
the same few queries for 1 row or 1000), a serializer and a filterset. Writes go through the
serializers, which go through the services.
"""

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from core.api.http import PlainIntegerField
from core.api.photos import PHOTO_PARSERS, PhotoUploadSerializer, uploaded_photos
from core.api.views import (
    ERRORS,
    ApiSchema,
    ModelPermissions,
    ModelViewSet,
    ScopedViewSetMixin,
    WorkflowPermissions,
)

from .. import choices
from ..filtersets import (
    AssignmentFilterSet,
    DepartmentFilterSet,
    EnterpriseFilterSet,
    MonthlyReportFilterSet,
    OfficialFilterSet,
    ProblemFilterSet,
    TargetFilterSet,
    VisitFilterSet,
)
from ..models import (
    Assignment,
    Department,
    Enterprise,
    EnterpriseTitle,
    FigureFlag,
    MonthlyReport,
    Official,
    Problem,
    Target,
    Visit,
    VisitPhoto,
)
from ..selectors.chain import get_chain_stats
from ..selectors.problems import list_problems
from ..services.figures import delete_monthly_reports
from ..services.visits import (
    add_visit_photos,
    delete_visit,
    refuse_photo_adder,
    remove_visit_photo,
)
from ..site import reads_zone_figures
from .idempotency import IDEMPOTENCY_KEY, IDEMPOTENT_CREATE_ANSWERS, IdempotentVisitCreateMixin
from .problem_steps import ProblemStepsMixin
from .serializers import (
    AssignmentSerializer,
    DepartmentSerializer,
    EnterpriseSerializer,
    MonthlyReportSerializer,
    OfficialSerializer,
    ProblemSerializer,
    ProblemStepSerializer,
    TargetSerializer,
    VisitSerializer,
)


class ReadsZoneFigures(permissions.BasePermission):
    """Admit the roles reading zone-wide figures, by the permission the site registers."""

    def has_permission(self, request, view):
        return bool(request.user and reads_zone_figures(request.user))


@extend_schema_view(
    create=extend_schema(
        examples=[
            OpenApiExample(
                "A sponsoring department",
                value={"code": "D01", "name": "工业园区管委会", "kind": "sponsor"},
                request_only=True,
            )
        ]
    )
)
class DepartmentViewSet(ModelViewSet):
    """Departments (部门): sponsoring departments, the economic bureau and the offices.

    Filters: `kind`. A department with officials or assignments cannot be deleted (409).
    """

    queryset = Department.objects.order_by("code", "id")
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilterSet


@extend_schema_view(
    create=extend_schema(
        examples=[
            OpenApiExample(
                "A county-level leader",
                value={"name": "王县长", "department": 1, "rank": "county_leader"},
                request_only=True,
            )
        ]
    )
)
class OfficialViewSet(ModelViewSet):
    """Officials (干部) with their department and rank; `user` links an optional login.

    Filters: `department`, `rank`, `search` (part of the name). A department has at most one
    `department_head`.
    """

    queryset = Official.objects.order_by("department__code", "name", "id")
    serializer_class = OfficialSerializer
    filterset_class = OfficialFilterSet


@extend_schema_view(
    create=extend_schema(
        examples=[
            OpenApiExample(
                "A plush-toy producer above scale in 2021",
                value={
                    "credit_code": "91350100M000100Y43",
                    "name": "安康毛绒玩具有限公司",
                    "chain": "毛绒玩具",
                    "chain_role": "producer",
                    "above_scale_years": [2021],
                    "employees": 120,
                    "poverty_employees": 18,
                },
                request_only=True,
            )
        ]
    )
)
class EnterpriseViewSet(ModelViewSet):
    """Enterprises (企业), identified by their unified social credit code.

    `above_scale_years` lists the years the enterprise is above designated size (规上); writing
    it replaces the list. Filters: `chain`, `chain_role`, `above_scale_year`, `department` and
    `year` (sponsored through an assignment; together: by that department that year), `search`
    (part of the name or code).
    """

    queryset = Enterprise.objects.prefetch_related(
        Prefetch(
            "titles",
            queryset=EnterpriseTitle.objects.filter(title=choices.TitleKind.ABOVE_SCALE).order_by(
                "year"
            ),
            to_attr="above_scale_titles",
        )
    ).order_by("name", "id")
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilterSet


@extend_schema_view(
    create=extend_schema(
        examples=[
            OpenApiExample(
                "The 五个一 of an enterprise for 2021",
                value={
                    "year": 2021,
                    "enterprise": 1,
                    "leader": 1,
                    "department": 1,
                    "responsible": 2,
                    "team": [2, 3],
                    "plan_goals": "年产值突破1亿元",
                    "plan_standards": "新增就业50人",
                    "plan_deadline": "2021-12-31",
                },
                request_only=True,
            )
        ]
    )
)
class AssignmentViewSet(ModelViewSet):
    """Assignments (五个一): one per enterprise and year.

    The leader must be a county-level leader; `team` is a list of official ids.
    Filters: `year`, `department`, `leader`, `enterprise`. A second assignment for the same
    enterprise and year is refused (400).
    """

    queryset = Assignment.objects.prefetch_related(
        Prefetch("team", queryset=Official.objects.order_by("pk").only("pk"))
    ).order_by("-year", "department__code", "enterprise__name", "id")
    serializer_class = AssignmentSerializer
    page_groups_by = "year"
    filterset_class = AssignmentFilterSet


@extend_schema_view(
    create=extend_schema(
        examples=[
            OpenApiExample(
                "An output target",
                value={"enterprise": 1, "year": 2021, "metric": "output_value", "value": "1200.00"},
                request_only=True,
            )
        ]
    )
)
class TargetViewSet(ModelViewSet):
    """Annual targets (年度目标): one per enterprise, year and metric.

    `metric` is one of the monthly report metrics; the investment metrics take their targets
    from `project-plans/`. Filters: `enterprise`, `year`, `metric`.
    """

    queryset = Target.objects.order_by("-year", "enterprise__name", "metric", "id")
    serializer_class = TargetSerializer
    page_groups_by = "year"
    filterset_class = TargetFilterSet


@extend_schema_view(
    create=extend_schema(
        examples=[
            OpenApiExample(
                "November figures",
                value={
                    "enterprise": 1,
                    "period": "2021-11",
                    "output_value": "1100.50",
                    "value_added": "280.00",
                    "revenue": "1050.00",
                    "profit": "-12.30",
                    "tax": "35.00",
                    "employees": 120,
                    "wages": "60.00",
                    "electricity": "15.20",
                },
                request_only=True,
            )
        ]
    )
)
class MonthlyReportViewSet(ModelViewSet):
    """Monthly figures (工业经济指标) of an enterprise: the values of that month, never cumulative.

    One report per enterprise and month (a second is refused, 400). Money in 万元 (`profit` may be
    negative), electricity in 万千瓦时. `status` is `open` until the month is closed, then
    `locked`: a write or delete in a closed month is refused with 409. Filters: `enterprise`,
    `period` (YYYY-MM), `department` (sponsoring in the report's year), `year`, `status`.

    `flags` lists the report's data-quality flags (docs/rules.md): each write recomputes them and
    answers with those it left, so an integrating system sees at once what to explain
    (`POST figure-flags/{id}/explain/`) or correct.
    """

    queryset = MonthlyReport.objects.prefetch_related(
        Prefetch(
            "flags",
            queryset=FigureFlag.objects.select_related("explained_by").order_by(
                "rule", "metric", "pk"
            ),
        )
    ).order_by("-period", "enterprise__name", "id")
    serializer_class = MonthlyReportSerializer
    page_groups_by = "period"
    filterset_class = MonthlyReportFilterSet

    def perform_destroy(self, instance):
        delete_monthly_reports(reports=MonthlyReport.objects.filter(pk=instance.pk))


class VisitPermissions(ModelPermissions):
    """Reading needs ``view_visit``; recording, correcting, deleting and photos ``add_visit``.

    Which visit a user may correct (its author, within the window) or add photos to (the
    assignment's officials) is the service's rule.
    """

    perms_map = {
        **ModelPermissions.perms_map,
        "PATCH": ["%(app_label)s.add_%(model_name)s"],
        "DELETE": ["%(app_label)s.add_%(model_name)s"],
    }


PHOTO_ID = OpenApiParameter("photo_id", int, OpenApiParameter.PATH, description="The photo's id.")
PHOTO_ANSWERS = {403: ERRORS["403"], 404: ERRORS["404"], 409: ERRORS["409"]}


@extend_schema_view(
    create=extend_schema(
        parameters=[IDEMPOTENCY_KEY],
        responses=IDEMPOTENT_CREATE_ANSWERS,
        examples=[
            OpenApiExample(
                "A routine visit by two officials",
                value={
                    "enterprise": 1,
                    "visited_on": "2021-11-10",
                    "participants": [1, 2],
                    "kind": "routine",
                    "notes": "了解订单和用工情况",
                },
                request_only=True,
            )
        ],
    ),
    partial_update=extend_schema(
        examples=[
            OpenApiExample(
                "Correct the date and the notes",
                value={"visited_on": "2021-11-09", "notes": "了解订单、用工和用地情况"},
                request_only=True,
            )
        ]
    ),
)
class VisitViewSet(
    IdempotentVisitCreateMixin,
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """On-site visits (到企帮扶); a visit counts for each participant.

    A visit cannot be dated in the future; it is logged by an official of the enterprise's
    assignment that year (its leader, department head, responsible person or team), or by an
    administrator. Its author corrects it (PATCH) or deletes it within
    `HENGKOU_VISIT_CORRECTION_DAYS` (7) days of recording it, never in or into a closed month
    (409); anyone else, or later, is a 403. Filters: `enterprise`, `official` (a participant),
    `date_from`, `date_to`, `kind`.
    """

    queryset = Visit.objects.prefetch_related(
        Prefetch("participants", queryset=Official.objects.order_by("pk").only("pk")),
        Prefetch("photos", queryset=VisitPhoto.objects.order_by("pk")),
    ).order_by("-visited_on", "-id")
    serializer_class = VisitSerializer
    filterset_class = VisitFilterSet
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    permission_classes = [VisitPermissions]
    schema = ApiSchema()

    def perform_destroy(self, instance):
        delete_visit(visit=instance, acting_user=self.request.user, now=timezone.now())

    @extend_schema(
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={201: VisitSerializer, 400: ERRORS["400"], **PHOTO_ANSWERS},
    )
    @action(detail=True, methods=["post"], url_path="photos", parser_classes=PHOTO_PARSERS)
    def photos(self, request, pk=None):
        """Add photos (multipart `image`, repeatable) to a visit; the visit comes back.

        The officials who may log the enterprise's visits that year add them (else 403), while
        the month is open (else 409); a file that is not a photo within the limits, or more
        photos than a visit holds (20), is a 400 and nothing is stored.
        """
        visit = self.get_object()
        refuse_photo_adder(visit, request.user)
        add_visit_photos(
            visit=visit,
            photos=uploaded_photos(request),
            acting_user=request.user,
            now=timezone.now(),
        )
        stored = self.get_queryset().get(pk=visit.pk)
        return Response(self.get_serializer(stored).data, status=201)

    @extend_schema(parameters=[PHOTO_ID], request=None, responses={204: None, **PHOTO_ANSWERS})
    @action(
        detail=True,
        methods=["delete"],
        url_path=r"photos/(?P<photo_id>[0-9]+)",
        url_name="photo",
    )
    def remove_photo(self, request, pk=None, photo_id=None):
        """Remove a visit's photo: only who added it, while the month is open (409 otherwise).

        Its file is deleted with it.
        """
        visit = self.get_object()
        photo = get_object_or_404(
            VisitPhoto.objects.select_related("visit"), pk=photo_id, visit=visit
        )
        remove_visit_photo(photo=photo, acting_user=request.user)
        return Response(status=204)


@extend_schema_view(
    create=extend_schema(
        examples=[
            OpenApiExample(
                "A land problem, assigned at once",
                value={
                    "enterprise": 1,
                    "category": "land",
                    "description": "新厂房用地手续未办结",
                    "department": 2,
                    "raised_on": "2021-11-10",
                },
                request_only=True,
            )
        ]
    ),
    partial_update=extend_schema(
        description=ProblemStepSerializer.__doc__,
        responses=ProblemSerializer,
        examples=[
            OpenApiExample("Assign to a department", value={"department": 2}, request_only=True),
            OpenApiExample(
                "Give feedback",
                value={"status": "in_progress", "note": "已协调自然资源局"},
                request_only=True,
            ),
            OpenApiExample(
                "Solve",
                value={"status": "solved", "resolution": "用地手续已办结"},
                request_only=True,
            ),
            OpenApiExample(
                "Confirm (the enterprise is satisfied)",
                value={"status": "resolved", "satisfaction": 5},
                request_only=True,
            ),
            OpenApiExample(
                "Refuse the solution",
                value={"status": "in_progress", "note": "手续仍未办结"},
                request_only=True,
            ),
        ],
    ),
)
class ProblemViewSet(
    ProblemStepsMixin,
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Problems (企业诉求) and their 13710 clocks, overdue ones first.

    Raised with POST (assigned at once when a `department` is given; `due_on` follows from the
    severity: 7 days, or 30 for a major problem). Moved through the workflow with PATCH:
    `{"department": id}` assigns, `{"status": "in_progress", "note": "..."}` gives feedback,
    `{"status": "solved", "resolution": "..."}` solves, `{"status": "resolved",
    "satisfaction": 1-5}` confirms, and `{"status": "in_progress", "note": "..."}` on a solved
    problem sends the solution back. An illegal transition is a 400. The same steps are also
    explicit actions: `POST problems/{id}/assign/`, `feedback/`, `solve/`, `confirm/`,
    `reject/`. `due_on` is computed (the 13710 rule): a body that sets it is a 400. Filters:
    `enterprise`, `department`, `status`, `overdue`.
    """

    queryset = Problem.objects.all()
    serializer_class = ProblemSerializer
    filterset_class = ProblemFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]
    permission_classes = [WorkflowPermissions]
    schema = ApiSchema()

    def get_queryset(self):
        return list_problems(today=timezone.localdate())

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return ProblemStepSerializer
        return ProblemSerializer


class ChainQuerySerializer(serializers.Serializer):
    chain = serializers.CharField(max_length=50, help_text=_("The industry chain, e.g. 毛绒玩具."))
    year = PlainIntegerField(
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("With a year, the chain's output and revenue of that year (万元)."),
    )


class ChainStatsSerializer(serializers.Serializer):
    chain = serializers.CharField()
    enterprises = serializers.IntegerField(help_text=_("Enterprises in the chain."))
    by_role = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=_(
            "Enterprises per role, one key per role (0 included); those without a role count "
            "only in `enterprises`."
        ),
    )
    employees = serializers.IntegerField(help_text=_("Sum of the enterprises' employees."))
    poverty_employees = serializers.IntegerField(
        help_text=_("Sum of the enterprises' employees lifted out of poverty.")
    )
    year = serializers.IntegerField(allow_null=True)
    output = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        help_text=_("The year's output of the chain's enterprises (万元); null without year."),
    )
    revenue = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        allow_null=True,
        help_text=_("The year's revenue of the chain's enterprises (万元); null without year."),
    )


@extend_schema(
    parameters=[ChainQuerySerializer],
    responses={
        200: OpenApiResponse(
            ChainStatsSerializer,
            examples=[
                OpenApiExample(
                    "The plush-toy chain",
                    value={
                        "chain": "毛绒玩具",
                        "enterprises": 96,
                        "by_role": {
                            "headquarters": 1,
                            "producer": 29,
                            "wholesaler": 38,
                            "branch_factory": 15,
                            "ecommerce_design": 13,
                            "workshop": 0,
                        },
                        "employees": 3107,
                        "poverty_employees": 378,
                        "year": None,
                        "output": None,
                        "revenue": None,
                    },
                )
            ],
        ),
        400: ERRORS["400"],
        403: ERRORS["403"],
    },
)
@api_view(["GET"])
@permission_classes([ReadsZoneFigures])
def chain_stats(request):
    """Return an industry chain's enterprises by role and the jobs they give."""
    query = ChainQuerySerializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    year = query.validated_data.get("year")
    stats = get_chain_stats(chain=query.validated_data["chain"], year=year)
    return Response(
        {
            "chain": stats.chain,
            "enterprises": stats.enterprises,
            "employees": stats.employees,
            "poverty_employees": stats.poverty_employees,
            "year": year,
            "output": None if year is None else f"{stats.output:.2f}",
            "revenue": None if year is None else f"{stats.revenue:.2f}",
            "by_role": {role: count.enterprises for role, count in stats.roles.items() if role},
        }
    )

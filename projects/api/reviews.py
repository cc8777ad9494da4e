"""The half-year inspections (半年督查) and year-end evaluations (年终评比) of the projects.

Both are written through the services of the project pages, so the API refuses what the pages
refuse, with their messages.
"""

import django_filters
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets

from core.api.serializers import ModelWriteSerializer, model_errors
from core.api.views import ApiSchema, ModelPermissions, ScopedViewSetMixin
from enterprises.filtersets import YearFilter, id_filter

from ..models import EvaluationGrade, Project, ProjectEvaluation, ProjectInspection
from ..services import confirm_project_evaluation, record_project_inspection

CHOOSE_A_GRADE = _("Choose a grade.")
FIXED = _("This cannot change once recorded.")


class ProjectInspectionFilterSet(django_filters.FilterSet):
    project = id_filter(Project, help_text=_("The project (id)."))
    year = YearFilter(help_text=_("The year inspected."))
    half = django_filters.ChoiceFilter(
        choices=[(1, "1"), (2, "2")], help_text=_("The half-year: 1 (Jan–Jun) or 2 (Jul–Dec).")
    )

    class Meta:
        model = ProjectInspection
        fields = ["project", "year", "half"]


class ProjectEvaluationFilterSet(django_filters.FilterSet):
    project = id_filter(Project, help_text=_("The project (id)."))
    year = YearFilter(help_text=_("The year evaluated."))
    grade = django_filters.ChoiceFilter(
        choices=EvaluationGrade.choices, help_text=_("The confirmed grade.")
    )

    class Meta:
        model = ProjectEvaluation
        fields = ["project", "year", "grade"]


class ProjectInspectionSerializer(ModelWriteSerializer):
    """A project's half-year inspection: findings and a rating 0–100."""

    class Meta:
        model = ProjectInspection
        fields = [
            "id",
            "project",
            "year",
            "half",
            "inspected_on",
            "findings",
            "rating",
            "inspector",
            "created_at",
        ]
        read_only_fields = ["inspector", "created_at"]
        # One per project and half-year: the service refuses a second with the model's message.
        validators = []
        extra_kwargs = {
            "inspected_on": {
                "help_text": _(
                    "The day of the inspection, inside its half-year, not in the future."
                )
            },
            "rating": {"help_text": _("The rating, 0 to 100.")},
        }

    def create(self, validated_data):
        with model_errors():
            return record_project_inspection(**validated_data, acting_user=self.acting_user)


class ProjectEvaluationSerializer(ModelWriteSerializer):
    """A project's year-end evaluation: the proposed grade and the one a supervisor confirmed."""

    # Blank until a supervisor confirms the grade; a confirmation names one.
    grade = serializers.ChoiceField(
        choices=EvaluationGrade.choices,
        allow_blank=True,
        error_messages={"required": CHOOSE_A_GRADE, "invalid_choice": CHOOSE_A_GRADE},
        help_text=_(
            "The confirmed grade: `excellent` 优秀, `good` 良好, `pass` 合格, `fail` 不合格."
        ),
    )
    proposed_grade = serializers.ChoiceField(
        choices=EvaluationGrade.choices,
        allow_blank=True,
        read_only=True,
        help_text=_("The grade proposed from the year's figures."),
    )

    class Meta:
        model = ProjectEvaluation
        fields = [
            "id",
            "project",
            "year",
            "proposed_grade",
            "grade",
            "note",
            "confirmed_by",
            "confirmed_at",
        ]
        read_only_fields = ["proposed_grade", "confirmed_by", "confirmed_at"]
        # One per project and year: confirming again replaces the grade, as on the page.
        validators = []
        extra_kwargs = {
            "year": {"help_text": _("The year evaluated; confirmed from December on.")},
        }

    def validate_grade(self, grade):
        if not grade:
            raise serializers.ValidationError(CHOOSE_A_GRADE)
        return grade

    def validate(self, attrs):
        evaluation = self.instance
        if evaluation is not None:
            moved = [
                name
                for name in ("project", "year")
                if name in attrs and attrs[name] != getattr(evaluation, name)
            ]
            if moved:
                raise serializers.ValidationError(dict.fromkeys(moved, [FIXED]))
        return attrs

    def create(self, validated_data):
        return self._confirm(
            validated_data["project"], validated_data["year"], validated_data, note=""
        )

    def update(self, evaluation, validated_data):
        data = {"grade": evaluation.grade, **validated_data}
        return self._confirm(evaluation.project, evaluation.year, data, note=evaluation.note)

    def _confirm(self, project, year, data, *, note):
        with model_errors():
            return confirm_project_evaluation(
                project=project,
                year=year,
                grade=data.get("grade", ""),
                note=data.get("note", note),
                acting_user=self.acting_user,
                now=timezone.now(),
            )


class ConfirmsEvaluations(ModelPermissions):
    """Reading needs ``view_projectevaluation``; confirming, ``confirm_projectevaluation``."""

    perms_map = {
        **ModelPermissions.perms_map,
        "POST": ["%(app_label)s.confirm_projectevaluation"],
        "PATCH": ["%(app_label)s.confirm_projectevaluation"],
    }


@extend_schema_view(
    create=extend_schema(
        examples=[
            OpenApiExample(
                "The second half of 2021",
                value={
                    "project": 1,
                    "year": 2021,
                    "half": 2,
                    "inspected_on": "2021-11-20",
                    "findings": "主体工程完工，设备安装滞后两周",
                    "rating": 85,
                },
                request_only=True,
            )
        ]
    )
)
class ProjectInspectionViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Half-year inspections of the projects (半年督查): findings and a rating 0–100.

    Recorded (POST) by the supervision office (`add_projectinspection`), as on the project's
    page; one per project and half-year, dated inside that half and not in the future.
    Filters: `project`, `year`, `half`.
    """

    queryset = ProjectInspection.objects.order_by("-year", "-half", "project__name", "id")
    serializer_class = ProjectInspectionSerializer
    filterset_class = ProjectInspectionFilterSet
    schema = ApiSchema()


@extend_schema_view(
    create=extend_schema(
        examples=[
            OpenApiExample(
                "Confirm a good grade",
                value={"project": 1, "year": 2021, "grade": "good", "note": "按期竣工"},
                request_only=True,
            )
        ]
    )
)
class ProjectEvaluationViewSet(
    ScopedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Year-end evaluations of the projects (年终评比): the proposed grade and the confirmed one.

    A supervisor (`confirm_projectevaluation`) confirms a project's grade for a year with POST
    (201; 200 when it replaces an earlier confirmation, as on the page) or PATCH; the proposed
    grade is recomputed and stored beside it. Refused before December of the year and for a
    project without a plan that year. Filters: `project`, `year`, `grade`.
    """

    queryset = ProjectEvaluation.objects.order_by("-year", "project__name", "id")
    serializer_class = ProjectEvaluationSerializer
    filterset_class = ProjectEvaluationFilterSet
    permission_classes = [ConfirmsEvaluations]
    http_method_names = ["get", "post", "patch", "head", "options"]
    schema = ApiSchema()

    @transaction.atomic
    def create(self, request, *args, **kwargs):
        response = super().create(request, *args, **kwargs)
        if self.replaced:
            response.status_code = status.HTTP_200_OK
        return response

    def perform_create(self, serializer):
        data = serializer.validated_data
        self.replaced = ProjectEvaluation.objects.filter(
            project=data["project"], year=data["year"]
        ).exists()
        super().perform_create(serializer)

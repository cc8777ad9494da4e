"""Serializers of the enterprises resources of API v1 (docs: /api/v1/docs/ and docs/api.md).

Every write validates with the model's ``full_clean()`` (or goes through the service that does)
inside one transaction, so a refused write leaves nothing behind. Model validation errors come
back as a 400 naming each field; a write into a closed month stays a Django ``ValidationError``
with the code ``month_closed``, which the API's exception handler turns into a 409.
"""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.validators import UniqueValidator

from core.api.http import PlainIntegerField
from core.api.photos import PhotoSerializer
from core.api.serializers import (
    HTML_CUTOFF,
    BoundedPrimaryKeyRelatedField,
    ModelWriteSerializer,
    PeriodField,
    api_error,
    model_errors,
)
from core.models import TEXT_MAX

from .. import choices
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
)
from ..selectors.problems import list_problems
from ..selectors.sponsorship import is_involved
from ..services.figures import save_monthly_report
from ..services.problems import (
    apply_problem_step,
    raise_problem,
)
from ..services.visits import correct_visit, official_of, record_visit
from ..validators import validate_credit_code


class DepartmentSerializer(ModelWriteSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name", "kind"]


class OfficialSerializer(ModelWriteSerializer):
    class Meta:
        model = Official
        fields = ["id", "name", "department", "rank", "user", "title", "phone"]
        extra_kwargs = {
            "user": {"help_text": _("The id of the official's login, if any.")},
        }


class CreditCodeField(serializers.CharField):
    """A unified social credit code; spaces are dropped and letters upper-cased first."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)  # 18 characters, with room for the spaces dropped
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return "".join(super().to_internal_value(data).split()).upper()


@extend_schema_field(
    {
        "type": "array",
        "items": {"type": "integer", "minimum": 2000, "maximum": 2100},
        "example": [2020, 2021],
        "description": "The years in which the enterprise is above designated size (规上).",
    }
)
class AboveScaleYearsField(serializers.ListField):
    """The years an enterprise is above designated size, kept as EnterpriseTitle rows."""

    child = PlainIntegerField(min_value=2000, max_value=2100)

    def get_attribute(self, instance):
        titles = getattr(instance, "above_scale_titles", None)
        if titles is None:
            titles = instance.titles.filter(title=choices.TitleKind.ABOVE_SCALE)
        return sorted(title.year for title in titles)

    def to_internal_value(self, data):
        return sorted(set(super().to_internal_value(data)))


class EnterpriseSerializer(ModelWriteSerializer):
    credit_code = CreditCodeField(
        validators=[
            validate_credit_code,
            UniqueValidator(
                queryset=Enterprise.objects.all(),
                message=_("An enterprise with this credit code already exists."),
            ),
        ],
        help_text=_(
            "The 18-character unified social credit code (GB 32100-2015); both check digits "
            "are verified. Spaces are ignored and letters upper-cased."
        ),
    )
    above_scale_years = AboveScaleYearsField(required=False)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "credit_code",
            "name",
            "chain",
            "chain_role",
            "above_scale_years",
            "employees",
            "poverty_employees",
            "address",
        ]

    def save_instance(self, instance):
        # The rule is the model's (enterprise_poverty_employees_lte_employees), its only check a
        # body can break; the API names the field it is about.
        with model_errors(rename={NON_FIELD_ERRORS: "poverty_employees"}):
            instance.full_clean()
        instance.save()

    @transaction.atomic
    def write(self, instance, data):
        years = data.pop("above_scale_years", None)
        instance = super().write(instance, data)
        titles = EnterpriseTitle.objects.filter(
            enterprise=instance, title=choices.TitleKind.ABOVE_SCALE
        )
        if years is not None:
            titles.exclude(year__in=years).delete()
            have = set(titles.values_list("year", flat=True))
            EnterpriseTitle.objects.bulk_create(
                EnterpriseTitle(enterprise=instance, title=choices.TitleKind.ABOVE_SCALE, year=y)
                for y in years
                if y not in have
            )
        instance.above_scale_titles = list(titles.order_by("year"))
        return instance


class AssignmentSerializer(ModelWriteSerializer):
    team = BoundedPrimaryKeyRelatedField(
        many=True,
        queryset=Official.objects.all(),
        required=False,
        html_cutoff=HTML_CUTOFF,
        help_text=_("The officials of the team (工作专班), as a list of at most 200 ids."),
    )

    class Meta:
        model = Assignment
        fields = [
            "id",
            "year",
            "enterprise",
            "leader",
            "department",
            "responsible",
            "team",
            "plan_goals",
            "plan_standards",
            "plan_deadline",
        ]
        extra_kwargs = {
            "leader": {"help_text": _("A county-level leader (official id).")},
            "responsible": {"help_text": _("The responsible person, 帮扶责任人 (official id).")},
        }


class TargetSerializer(ModelWriteSerializer):
    class Meta:
        model = Target
        fields = ["id", "enterprise", "year", "metric", "value"]
        extra_kwargs = {"value": {"help_text": _("The annual target (万元; people; 万千瓦时).")}}


class ReportFlagSerializer(serializers.ModelSerializer):
    """A data-quality flag of a monthly report: its rule, metric, message and explanation."""

    message = serializers.CharField(
        read_only=True, help_text=_("What the flag says, with the numbers it compared.")
    )
    explained = serializers.BooleanField(read_only=True)
    explained_by = serializers.SerializerMethodField()

    class Meta:
        model = FigureFlag
        fields = [
            "id",
            "rule",
            "metric",
            "params",
            "message",
            "explained",
            "explanation",
            "explained_by",
            "explained_at",
        ]
        read_only_fields = fields

    def get_explained_by(self, flag) -> str | None:
        user = flag.explained_by
        return None if user is None else (user.get_full_name() or user.get_username())


class MonthlyReportSerializer(ModelWriteSerializer):
    period = PeriodField(label=_("month"), help_text=_("The month, written YYYY-MM."))
    flags = ReportFlagSerializer(
        many=True,
        read_only=True,
        help_text=_(
            "The report's data-quality flags (read only), recomputed by every write: a write "
            "answers with the flags it left. Explain one with `POST figure-flags/{id}/explain/` "
            "or correct the figure."
        ),
    )

    class Meta:
        model = MonthlyReport
        fields = [
            "id",
            "enterprise",
            "period",
            "output_value",
            "value_added",
            "revenue",
            "profit",
            "tax",
            "employees",
            "wages",
            "electricity",
            "status",
            "submitted_at",
            "flags",
        ]
        read_only_fields = ["status", "submitted_at"]

    def save_instance(self, instance):
        with model_errors():
            save_monthly_report(report=instance)
        # The flags just recomputed, not those read with the report before the write.
        getattr(instance, "_prefetched_objects_cache", {}).pop("flags", None)


class VisitSerializer(ModelWriteSerializer):
    participants = BoundedPrimaryKeyRelatedField(
        many=True,
        queryset=Official.objects.all(),
        allow_empty=False,
        html_cutoff=HTML_CUTOFF,
        help_text=_(
            "The officials who took part, as a list of at most 200 ids; it counts for each."
        ),
    )
    photos = PhotoSerializer(
        many=True,
        read_only=True,
        help_text=_(
            "The visit's photos, added with `POST visits/{id}/photos/` (`multipart/form-data`)."
        ),
    )

    class Meta:
        model = Visit
        fields = [
            "id",
            "enterprise",
            "visited_on",
            "participants",
            "kind",
            "notes",
            "created_by",
            "photos",
        ]
        read_only_fields = ["created_by"]

    def update(self, visit, validated_data):
        now = timezone.now()
        with model_errors():
            return correct_visit(
                visit=visit,
                changes=validated_data,
                acting_user=self.acting_user,
                today=timezone.localdate(now),
                now=now,
            )

    def create(self, validated_data):
        now = timezone.now()
        with model_errors():
            return record_visit(
                enterprise=validated_data["enterprise"],
                visited_on=validated_data["visited_on"],
                participants=list(validated_data["participants"]),
                kind=validated_data.get("kind", choices.VisitKind.ROUTINE),
                notes=validated_data.get("notes", ""),
                acting_user=self.acting_user,
                today=timezone.localdate(now),
                now=now,
                idempotency_key=validated_data.get("idempotency_key"),
            )


DUE_ON_COMPUTED = _(
    "`due_on` is computed by the 13710 rule from `raised_on` and the severity "
    "(7 days, or 30 for a major problem): leave it out of the body."
)


class RefusesDueOn:
    """A body that sets ``due_on`` is a 400 saying it is computed, beside any other bad field."""

    def to_internal_value(self, data):
        sets_due_on = hasattr(data, "keys") and "due_on" in data
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if sets_due_on and isinstance(error.detail, dict):
                error.detail["due_on"] = [DUE_ON_COMPUTED]
            raise
        if sets_due_on:
            raise serializers.ValidationError({"due_on": [DUE_ON_COMPUTED]})
        return value


class ProblemSerializer(RefusesDueOn, ModelWriteSerializer):
    """A problem; raised with POST, then moved through its workflow with PATCH."""

    status = serializers.ChoiceField(
        choices=choices.ProblemStatus.choices,
        required=False,
        help_text=_(
            "open → assigned → in_progress → solved → resolved. On PATCH: `assigned` with a "
            "`department`; `in_progress` with a `note` (feedback, or a rejected solution); "
            "`solved` with a `resolution`; `resolved` with a `satisfaction`."
        ),
    )
    raised_on = serializers.DateField(
        required=False, help_text=_("The day the problem was raised; today when omitted.")
    )
    overdue = serializers.SerializerMethodField(
        help_text=_("Not resolved and a clock of the 13710 rule missed.")
    )
    note = serializers.CharField(
        write_only=True,
        required=False,
        max_length=TEXT_MAX,
        allow_blank=True,
        help_text=_("PATCH only: the feedback to the enterprise, or why a solution is refused."),
    )
    on = serializers.DateField(
        write_only=True,
        required=False,
        help_text=_("PATCH only: the date of the step; today when omitted."),
    )

    class Meta:
        model = Problem
        fields = [
            "id",
            "enterprise",
            "visit",
            "category",
            "severity",
            "description",
            "department",
            "raised_by",
            "raised_on",
            "assigned_on",
            "first_feedback_on",
            "due_on",
            "status",
            "overdue",
            "resolution",
            "solved_on",
            "resolved_on",
            "satisfaction",
            "note",
            "on",
        ]
        read_only_fields = [
            "raised_by",
            "assigned_on",
            "first_feedback_on",
            "due_on",
            "solved_on",
        ]
        extra_kwargs = {
            "resolution": {
                "allow_null": True,
                "help_text": _("The department's resolution (PATCH, with `solved`)."),
            },
            "resolved_on": {
                "help_text": _("The day the enterprise confirmed (PATCH, with `resolved`).")
            },
            "satisfaction": {
                "help_text": _("The enterprise's rating 1-5, given when confirming (PATCH).")
            },
        }

    def get_overdue(self, problem) -> bool:
        rank = getattr(problem, "overdue_rank", None)
        return rank == 0

    def validate(self, attrs):
        if self.instance is None:
            later = [
                name
                for name in ("resolution", "resolved_on", "satisfaction", "note", "on")
                if attrs.get(name) not in (None, "")
            ]
            if later:
                raise serializers.ValidationError(
                    dict.fromkeys(
                        later, _("This is given later, with PATCH, once the problem is raised.")
                    )
                )
            # A new problem is open; a department given assigns it at once (``raise_problem``),
            # so a body saying "open" with a department is the contract's create and stands.
            status = attrs.pop("status", None)
            starts = {choices.ProblemStatus.OPEN, choices.ProblemStatus.ASSIGNED}
            if status is not None and (
                status not in starts
                or (status == choices.ProblemStatus.ASSIGNED and not attrs.get("department"))
            ):
                raise serializers.ValidationError(
                    {"status": _("A new problem is open, or assigned when a department is given.")}
                )
        elif "resolution" in attrs and attrs["resolution"] is None:
            del attrs["resolution"]
        return attrs

    def create(self, validated_data):
        user = self.acting_user
        enterprise = validated_data["enterprise"]
        now = timezone.now()
        raised_on = validated_data.get("raised_on") or timezone.localdate(now)
        raised_by = official_of(user)
        if not (
            user.has_perm("enterprises.add_problem")
            or is_involved(raised_by, enterprise_id=enterprise.pk, year=raised_on.year)
        ):
            raise PermissionDenied(
                _(
                    "Only the officials of the enterprise's assignment that year, or a user "
                    "allowed to add problems, raise its problems."
                )
            )
        with model_errors():
            problem = raise_problem(
                enterprise=enterprise,
                category=validated_data["category"],
                description=validated_data["description"],
                severity=validated_data.get("severity", choices.ProblemSeverity.ORDINARY),
                department=validated_data.get("department"),
                visit=validated_data.get("visit"),
                raised_by=raised_by,
                raised_on=raised_on,
                acting_user=user,
                now=now,
            )
        # Raised on an earlier day, it may be overdue already: read it as the list does.
        problem.overdue_rank = (
            list_problems(today=timezone.localdate(now))
            .filter(pk=problem.pk)
            .values_list("overdue_rank", flat=True)
            .get()
        )
        return problem


class ProblemStepSerializer(ProblemSerializer):
    """A problem's workflow step (PATCH): the fields given decide the step(s) taken.

    Steps, in this order, each through its service: ``department`` (a different one) assigns;
    ``note`` with ``status`` ``in_progress`` (or without a status) gives feedback, or sends an
    unconfirmed solution back when the problem is ``solved``; ``resolution`` (with ``status``
    ``solved``) solves; ``satisfaction`` (with ``status`` ``resolved``) confirms. A field equal
    to the stored value is no step. A step the status does not allow is a 400; a step the user
    may not take is a 403. All steps of one request succeed or none is written.
    """

    raised_on = serializers.DateField(read_only=True)

    class Meta(ProblemSerializer.Meta):
        # Routing a problem (交办) names the department that will handle it, any department:
        # the one rule of assign_problem, the same on the page (AssignForm).
        cross_scope_fields = ("department",)
        read_only_fields = [
            *ProblemSerializer.Meta.read_only_fields,
            "enterprise",
            "visit",
            "category",
            "severity",
            "description",
            "raised_on",
        ]

    def update(self, problem, validated_data):
        try:
            return apply_problem_step(
                problem=problem,
                user=self.acting_user,
                changes=validated_data,
                now=timezone.now(),
            )
        except DjangoPermissionDenied as error:
            raise PermissionDenied(*error.args) from error
        except DjangoValidationError as error:
            raise api_error(error) from error

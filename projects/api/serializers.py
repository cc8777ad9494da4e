"""Serializers of the projects resources of API v1."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.api.photos import PhotoSerializer
from core.api.serializers import ModelWriteSerializer, PeriodField, model_errors
from enterprises.models import refuse_closed_month

from ..choices import Stage
from ..models import Project, ProjectPlan, ProjectReport, StageMove
from ..services import move_project_stage


class StageHistorySerializer(serializers.ModelSerializer):
    """One dated move of a project into a stage."""

    stage = serializers.ChoiceField(
        source="to_stage",
        choices=Stage.choices,
        read_only=True,
        help_text=_("The stage the project moved into."),
    )

    class Meta:
        model = StageMove
        fields = ["stage", "moved_on"]
        read_only_fields = fields
        extra_kwargs = {"moved_on": {"help_text": _("The date of the move.")}}


class ProjectSerializer(ModelWriteSerializer):
    """A project; its `stage` only moves forward, each move dated (``move_project_stage``)."""

    stage_moves = StageHistorySerializer(
        many=True,
        read_only=True,
        help_text=_("The project's stage history, oldest first: each stage and its date."),
    )

    stage_moved_on = serializers.DateField(
        write_only=True,
        required=False,
        help_text=_("The date of a stage move given with `stage`; today when omitted."),
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "enterprise",
            "kind",
            "stage",
            "stage_moved_on",
            "stage_moves",
            "total_investment",
            "capacity",
            "floor_area",
            "planned_start",
            "planned_end",
            "description",
        ]
        # The stage's choices are the model's; a move goes through ``move_project_stage``.
        extra_kwargs = {
            "stage": {
                "help_text": _(
                    "reserve → started → completed → operating; it only moves forward (skipping "
                    "is allowed). A new project with a later stage is created in reserve, then "
                    "moved."
                )
            }
        }

    @transaction.atomic
    def write(self, instance, data):
        stage = data.pop("stage", None)
        moved_on = data.pop("stage_moved_on", None) or timezone.localdate()
        if instance.pk is None:
            instance.stage = Stage.RESERVE
        instance = super().write(instance, data)
        if stage is not None and stage != instance.stage:
            with model_errors():
                move_project_stage(
                    project=instance,
                    to_stage=stage,
                    moved_on=moved_on,
                    acting_user=self.acting_user,
                )
        return instance


class StageMoveSerializer(serializers.Serializer):
    """A stage move asked for by another system: the fields of the project page's form."""

    to_stage = serializers.ChoiceField(
        choices=Stage.choices,
        required=False,
        help_text=_("The new stage, later than the current one."),
    )
    stage = serializers.ChoiceField(
        choices=Stage.choices,
        required=False,
        write_only=True,
        help_text=_("Another name of `to_stage`."),
    )
    moved_on = serializers.DateField(
        required=False, help_text=_("The date of the move; today when omitted.")
    )

    def validate(self, attrs):
        stage = attrs.pop("stage", None)
        to_stage = attrs.get("to_stage") or stage
        if to_stage is None:
            raise serializers.ValidationError(
                {"to_stage": [self.fields["to_stage"].error_messages["required"]]}
            )
        if stage is not None and stage != to_stage:
            raise serializers.ValidationError(
                {"stage": [_("`stage` and `to_stage` name different stages.")]}
            )
        return {**attrs, "to_stage": to_stage}


class ProjectPlanSerializer(ModelWriteSerializer):
    class Meta:
        model = ProjectPlan
        fields = ["id", "project", "year", "planned_investment", "leader", "department"]
        extra_kwargs = {
            "leader": {"help_text": _("The sponsoring leader, a county-level leader (id).")},
            "planned_investment": {"help_text": _("The investment planned that year (万元).")},
        }


class ProjectReportSerializer(ModelWriteSerializer):
    period = PeriodField(label=_("month"), help_text=_("The month, written YYYY-MM."))
    photos = PhotoSerializer(
        many=True,
        read_only=True,
        help_text=_(
            "The report's progress photos, added with `POST project-reports/{id}/photos/` "
            "(`multipart/form-data`)."
        ),
    )

    class Meta:
        model = ProjectReport
        fields = [
            "id",
            "project",
            "period",
            "investment",
            "percent_complete",
            "progress_note",
            "problems",
            "status",
            "submitted_at",
            "photos",
        ]
        read_only_fields = ["status", "submitted_at"]
        extra_kwargs = {
            "investment": {"help_text": _("The investment completed in that month (万元).")},
            "percent_complete": {"help_text": _("0-100, never decreasing from month to month.")},
        }

    @transaction.atomic
    def write(self, instance, data):
        if instance.pk is not None:
            # A report of a closed month neither changes nor moves out of it.
            old = ProjectReport.objects.values_list("period", flat=True).get(pk=instance.pk)
            refuse_closed_month(old)
        return super().write(instance, data)

"""The problem workflow's steps as explicit actions: ``POST problems/{id}/assign/`` and the rest.

Each step is the one of the problem's page: the same permission (``problem_permissions``) and
the same service (``take_problem_action``). The answer is the problem as stored.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.http import PlainIntegerField
from core.api.serializers import IdField, api_error
from core.api.views import ERRORS, ModelPermissions
from core.models import TEXT_MAX

from ..models import Department
from ..selectors.problems import ACTIONS
from ..services.problems import refuse_step_taker, take_problem_action
from .serializers import ProblemSerializer, RefusesDueOn

ON = {"required": False, "help_text": _("The date of the step; today when omitted.")}


class StepSerializer(RefusesDueOn, serializers.Serializer):
    """A step's body; one that sets ``due_on`` is refused (400), as on create and PATCH."""


class AssignStepSerializer(StepSerializer):
    department = IdField(
        queryset=Department.objects.all(),
        help_text=_("The department that will handle the problem (any department)."),
    )
    on = serializers.DateField(**ON)


class FeedbackStepSerializer(StepSerializer):
    note = serializers.CharField(
        max_length=TEXT_MAX, help_text=_("The feedback given to the enterprise.")
    )
    on = serializers.DateField(**ON)


class SolveStepSerializer(StepSerializer):
    resolution = serializers.CharField(
        max_length=TEXT_MAX, help_text=_("What was done for the enterprise.")
    )
    on = serializers.DateField(**ON)


class ConfirmStepSerializer(StepSerializer):
    satisfaction = PlainIntegerField(
        min_value=1, max_value=5, help_text=_("The enterprise's rating, 1 to 5.")
    )
    on = serializers.DateField(**ON)


class RejectStepSerializer(StepSerializer):
    note = serializers.CharField(
        max_length=TEXT_MAX, help_text=_("Why the solution is not confirmed.")
    )


STEPS = {
    "assign": (AssignStepSerializer, {"department": 2}, "open, assigned, in_progress"),
    "feedback": (FeedbackStepSerializer, {"note": "已协调自然资源局"}, "assigned, in_progress"),
    "solve": (SolveStepSerializer, {"resolution": "用地手续已办结"}, "assigned, in_progress"),
    "confirm": (ConfirmStepSerializer, {"satisfaction": 5}, "solved"),
    "reject": (RejectStepSerializer, {"note": "手续仍未办结"}, "solved"),
}
assert set(STEPS) == set(ACTIONS)


def _status_named(error: DjangoValidationError) -> serializers.ValidationError:
    """A step refused by the status names ``status``, as the PATCH workflow does."""
    if hasattr(error, "error_dict"):
        return api_error(error)
    return serializers.ValidationError({"status": error.messages})


class StepPermissions(ModelPermissions):
    """A step needs ``view_problem``; who takes which step is the workflow's rule."""

    perms_map = {**ModelPermissions.perms_map, "POST": ["%(app_label)s.view_%(model_name)s"]}


def _step_action(name: str):
    serializer_class, example, allowed_from = STEPS[name]

    def step(self, request, pk=None):
        problem = self.get_object()
        refuse_step_taker(name, problem=problem, user=request.user)
        body = serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        now = timezone.now()
        data = {"on": timezone.localdate(now), **body.validated_data}
        try:
            take_problem_action(name, problem=problem, user=request.user, data=data, now=now)
        except DjangoValidationError as error:
            raise _status_named(error) from error
        stored = self.get_queryset().get(pk=problem.pk)
        return Response(ProblemSerializer(stored, context=self.get_serializer_context()).data)

    step.__name__ = step.__qualname__ = name
    step.__doc__ = f"Take the workflow step '{name}' of the problem (from {allowed_from})."
    documented = extend_schema(
        description=(
            f"The step '{name}' of the problem's page, through the same service. Allowed from "
            f"the status {allowed_from}: another status is a 400 naming `status`; a user the "
            "workflow does not allow this step is a 403. A body setting `due_on` is a 400."
        ),
        request=serializer_class,
        responses={
            200: ProblemSerializer,
            400: ERRORS["400"],
            403: ERRORS["403"],
            404: ERRORS["404"],
        },
        examples=[OpenApiExample(name, value=example, request_only=True)],
    )(step)
    return action(
        detail=True,
        methods=["post"],
        url_path=name,
        url_name=name,
        permission_classes=[StepPermissions],
    )(documented)


class ProblemStepsMixin:
    """The five workflow steps of a problem as ``POST problems/{id}/<step>/``."""

    assign = _step_action("assign")
    feedback = _step_action("feedback")
    solve = _step_action("solve")
    confirm = _step_action("confirm")
    reject = _step_action("reject")

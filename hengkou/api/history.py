"""Read-only audit trail over the API: ``GET /api/v1/history/?model=<app.model>&object_id=<id>``.

Each entry says who (``user``), when (``at``), what (``type``: ``+`` created, ``~`` changed,
``-`` deleted), why when known (``reason``) and which fields changed with their values before
and after. A user who may view the model may read its history, also of a deleted object.
"""

from django.apps import apps
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.http import PlainIntegerField
from core.audit import diff_fields, has_history
from core.scoping import get_scope, scope_queryset

from .conventions import validate_query


def audited_models() -> dict[str, type]:
    """Every model with an audit trail, by its ``app_label.model_name`` label."""
    return {
        model._meta.label_lower: model
        for model in apps.get_models()
        if has_history(model) and model._meta.app_label in {"enterprises", "projects", "hengkou"}
    }


class HistoryQuerySerializer(serializers.Serializer):
    model = serializers.ChoiceField(
        choices=sorted(audited_models()), help_text="The model, as app_label.model_name."
    )
    object_id = PlainIntegerField(min_value=1, max_value=2**31 - 1)


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    before = serializers.JSONField(allow_null=True)
    after = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    type = serializers.ChoiceField(choices=["+", "~", "-"])
    user = serializers.CharField(allow_null=True)
    user_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_null=True)
    changes = FieldChangeSerializer(many=True)


class HistorySerializer(serializers.Serializer):
    model = serializers.CharField()
    object_id = serializers.IntegerField()
    results = HistoryEntrySerializer(many=True)


ERROR = {"type": "object", "properties": {"detail": {"type": "string"}}}


class HistoryView(APIView):
    """The audit trail of one record, newest first."""

    @extend_schema(
        summary="The audit trail of one record: who, when, and each field before and after",
        parameters=[
            OpenApiParameter("model", str, required=True, enum=sorted(audited_models())),
            OpenApiParameter("object_id", int, required=True),
        ],
        responses={200: HistorySerializer, 400: ERROR, 403: ERROR},
    )
    def get(self, request):
        query = validate_query(HistoryQuerySerializer, request)
        model = audited_models()[query["model"]]
        opts = model._meta
        if not request.user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            raise PermissionDenied()
        if not get_scope(request.user).everything:
            # Outside the scope, a record is not found; a deleted record's trail is only for
            # the roles that read everything.
            live = model._default_manager.filter(pk=query["object_id"])
            if not scope_queryset(live, request.user).exists():
                raise NotFound()
        records = list(
            model.history.filter(id=query["object_id"])
            .select_related("history_user")
            .order_by("-history_date", "-history_id")
        )
        results = []
        for index, record in enumerate(records):
            # The list is in hand, newest first: the row before is the next one.
            previous = records[index + 1] if index + 1 < len(records) else None
            user = record.history_user
            results.append(
                {
                    "id": record.history_id,
                    "at": record.history_date,
                    "type": record.history_type,
                    "user": user.get_username() if user else None,
                    "user_id": record.history_user_id,
                    "reason": record.history_change_reason,
                    "changes": diff_fields(record, previous),
                }
            )
        return Response(
            HistorySerializer(
                {"model": opts.label_lower, "object_id": query["object_id"], "results": results}
            ).data
        )

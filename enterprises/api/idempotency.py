"""Recording a visit once per ``Idempotency-Key`` through API v1 (docs/api.md)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.response import Response

from core.api.serializers import model_errors
from core.api.views import ERRORS

from ..services.visits import VisitAlreadyRecorded, check_idempotency_key, find_recorded_visit
from .serializers import VisitSerializer

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        "A key of the client's draft (8 to 64 letters, digits, '-' or '_'). The "
        "first request with it records the visit (201); any later one by the same user records "
        "nothing and answers 200 with the visit recorded first, whatever its body. Keys are the "
        "user's own: another user's key never matches."
    ),
)
IDEMPOTENT_CREATE_ANSWERS = {
    201: VisitSerializer,
    200: OpenApiResponse(
        VisitSerializer,
        description=_(
            "A replay: the `Idempotency-Key` was used before by this user; the visit "
            "recorded then, nothing written now (header `Idempotent-Replayed: true`)."
        ),
    ),
    400: ERRORS["400"],
}


class IdempotentVisitCreateMixin:
    """``create`` of the visits' viewset, answering a replayed key with the visit recorded first."""

    def create(self, request, *args, **kwargs):
        """Record a visit, once per ``Idempotency-Key``: a replay answers 200 with the first."""
        key = request.headers.get("Idempotency-Key") or None
        with model_errors():
            check_idempotency_key(key)
        recorded = find_recorded_visit(acting_user=request.user, idempotency_key=key)
        if recorded is None:
            serializer = self.get_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            try:
                serializer.save(idempotency_key=key)
            except VisitAlreadyRecorded as replay:
                recorded = replay.visit
            else:
                return Response(serializer.data, status=201)
        # The author's own visit, read whatever the scope holds today.
        stored = self.queryset.get(pk=recorded.pk)
        return Response(
            self.get_serializer(stored).data, status=200, headers={"Idempotent-Replayed": "true"}
        )

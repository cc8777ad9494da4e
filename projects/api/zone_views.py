"""Funding applications (项目资金争取) in API v1: the serializer and the viewset."""

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

from core.api.serializers import ModelWriteSerializer
from core.api.views import ModelViewSet

from ..filtersets import FundingApplicationFilterSet
from ..models import FundingApplication


class FundingApplicationSerializer(ModelWriteSerializer):
    class Meta:
        model = FundingApplication
        fields = [
            "id",
            "programme",
            "year",
            "project",
            "enterprise",
            "status",
            "applied_on",
            "requested",
            "approved",
            "received",
            "note",
        ]


@extend_schema_view(
    create=extend_schema(
        examples=[
            OpenApiExample(
                "An approved application of a project",
                value={
                    "programme": "陕南发展专项",
                    "year": 2021,
                    "project": 1,
                    "status": "approved",
                    "applied_on": "2021-03-10",
                    "requested": "1500.00",
                    "approved": "1400.00",
                    "received": "1200.00",
                },
                request_only=True,
            )
        ]
    )
)
class FundingApplicationViewSet(ModelViewSet):
    """Applications to special funds (项目资金争取) by project or enterprise, in 万元.

    received ≤ approved ≤ requested, and only an `approved` application has an approved
    amount. Filters: `year`, `status`, `programme` (part of the name), `project`, `enterprise`.
    """

    queryset = FundingApplication.objects.order_by("-year", "programme", "id")
    serializer_class = FundingApplicationSerializer
    filterset_class = FundingApplicationFilterSet

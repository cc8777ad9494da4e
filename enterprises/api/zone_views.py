"""Viewsets of the zone's records in API v1: cultivation, finance, safety and parks.

Each is declarative: a queryset carrying what its serializer reads (the same few queries for 2
rows or 1000), a serializer and a FilterSet; ``ModelViewSet`` adds the model permissions, the
pagination conventions and the row-level scope.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

from core.api.views import ModelViewSet

from ..filtersets import (
    CultivationFilterSet,
    LoanFilterSet,
    MatchmakingFilterSet,
    NewInvestorFilterSet,
    SafetyActivityFilterSet,
    SafetyInspectionFilterSet,
    ServiceFacilityFilterSet,
    StandardFactoryFilterSet,
)
from ..models import (
    Cultivation,
    Enterprise,
    Loan,
    Matchmaking,
    NewInvestor,
    SafetyActivity,
    SafetyInspection,
    ServiceFacility,
    StandardFactory,
)
from .zone_serializers import (
    CultivationSerializer,
    LoanSerializer,
    MatchmakingSerializer,
    NewInvestorSerializer,
    SafetyActivitySerializer,
    SafetyInspectionSerializer,
    ServiceFacilitySerializer,
    StandardFactorySerializer,
)


def create_example(summary: str, value: dict):
    """Return the schema of a create with one documented request body."""
    return extend_schema_view(
        create=extend_schema(examples=[OpenApiExample(summary, value=value, request_only=True)])
    )


@create_example(
    "A candidate for above scale",
    {"enterprise": 1, "title": "above_scale", "year": 2021, "identified_on": "2021-01-12"},
)
class CultivationViewSet(ModelViewSet):
    """Cultivation (培育): an enterprise's path toward a title in a year.

    candidate → applying (`applied_on`) → recognised or rejected (`decided_on`); one path per
    enterprise, title and year. Filters: `year`, `title`, `status`, `enterprise`.
    """

    queryset = Cultivation.objects.order_by("-year", "enterprise_id", "title", "id")
    serializer_class = CultivationSerializer
    filterset_class = CultivationFilterSet


@create_example(
    "The first meeting of 2021",
    {
        "held_on": "2021-03-18",
        "title": "2021年第一次银企对接会",
        "banks": "中国工商银行安康分行\n中国农业银行安康分行",
        "enterprises": [1],
        "loans_amount": "7000.00",
    },
)
class MatchmakingViewSet(ModelViewSet):
    """Bank–enterprise matchmaking meetings (银企对接会) and the loans they agreed (万元).

    `enterprises` lists the enterprises that took part (ids). One meeting per day and title.
    Filters: `year`, `enterprise` (took part), `search` (part of the title).
    """

    queryset = Matchmaking.objects.prefetch_related(
        Prefetch("enterprises", queryset=Enterprise.objects.order_by("pk").only("pk"))
    ).order_by("-held_on", "title", "id")
    serializer_class = MatchmakingSerializer
    filterset_class = MatchmakingFilterSet


@create_example(
    "A loan under the risk-compensation fund",
    {
        "enterprise": 1,
        "bank": "安康农村商业银行",
        "amount": "300.00",
        "granted_on": "2021-03-25",
        "term_months": 12,
        "under_risk_fund": True,
    },
)
class LoanViewSet(ModelViewSet):
    """Bank loans to enterprises (万元), possibly under the zone's risk-compensation fund.

    `matchmaking` names the meeting that agreed it, if any. Filters: `year` (granted),
    `enterprise`, `matchmaking`, `bank` (part of the name), `under_risk_fund`.
    """

    queryset = Loan.objects.order_by("-granted_on", "id")
    serializer_class = LoanSerializer
    filterset_class = LoanFilterSet


@create_example(
    "A holiday inspection with one hazard to rectify",
    {
        "inspected_on": "2021-09-28",
        "kind": "holiday",
        "enterprise": 1,
        "area": "工业",
        "hazards_found": 2,
        "hazards_rectified": 1,
        "rectify_deadline": "2021-10-15",
    },
)
class SafetyInspectionViewSet(ModelViewSet):
    """Work-safety inspections (安全生产检查): scheduled, random or holiday.

    Hazards left open need a `rectify_deadline`; `overdue` says they are still open after it.
    Filters: `year`, `kind`, `enterprise`, `area` (part), `overdue`.
    """

    queryset = SafetyInspection.objects.order_by("-inspected_on", "area", "id")
    serializer_class = SafetyInspectionSerializer
    filterset_class = SafetyInspectionFilterSet


@create_example(
    "A training",
    {
        "kind": "training",
        "held_on": "2021-06-16",
        "title": "重点企业安全生产培训",
        "participants": 86,
    },
)
class SafetyActivityViewSet(ModelViewSet):
    """Work-safety trainings, drills and documents issued; one per day and title.

    Filters: `year`, `kind`, `search` (part of the title).
    """

    queryset = SafetyActivity.objects.order_by("-held_on", "title", "id")
    serializer_class = SafetyActivitySerializer
    filterset_class = SafetyActivityFilterSet


@create_example(
    "An occupied building",
    {
        "park": "毛绒玩具产业园",
        "building": "1#厂房",
        "area": "4800.00",
        "occupant": 1,
        "year_built": 2021,
    },
)
class StandardFactoryViewSet(ModelViewSet):
    """Standard factory buildings (标准化厂房) of the parks: floor area (m²) and occupant.

    One building of a name per park. Filters: `year_built`, `park` (part), `occupant`,
    `occupied`.
    """

    queryset = StandardFactory.objects.order_by("park", "building", "id")
    serializer_class = StandardFactorySerializer
    filterset_class = StandardFactoryFilterSet


@create_example(
    "A service centre", {"name": "客商政务服务中心", "kind": "service_centre", "year": 2021}
)
class ServiceFacilityViewSet(ModelViewSet):
    """Service facilities of the parks: service centres, canteens, apartments; unique names.

    Filters: `year` (building started), `kind`, `park` (part).
    """

    queryset = ServiceFacility.objects.order_by("-year", "name", "id")
    serializer_class = ServiceFacilitySerializer
    filterset_class = ServiceFacilityFilterSet


@create_example("A major new investor", {"enterprise": 1, "year": 2021, "investment": "16300.00"})
class NewInvestorViewSet(ModelViewSet):
    """Enterprises newly settled in a park and their investment (万元); one row per enterprise.

    `is_major`: 1,000 万元 (10 million CNY) or more. Filters: `year`, `enterprise`, `major`.
    """

    queryset = NewInvestor.objects.order_by("-year", "-investment", "id")
    serializer_class = NewInvestorSerializer
    filterset_class = NewInvestorFilterSet

"""Viewsets of the zone's facts in API v1: milestones, promotion events, chain years and the
zone's standing in the city.

Declarative like the zone's records (zone_views.py): a queryset carrying what the serializer
reads, a serializer and a FilterSet; ``ModelViewSet`` adds the model permissions, the
pagination conventions and the row-level scope.
"""

from django.db.models import Prefetch

from core.api.views import ModelViewSet

from ..fact_filtersets import (
    ChainYearFilterSet,
    MilestoneFilterSet,
    PromotionEventFilterSet,
    ZoneStandingFilterSet,
)
from ..models import ChainYear, Enterprise, Milestone, PromotionEvent, ZoneStanding
from .fact_serializers import (
    ChainYearSerializer,
    MilestoneSerializer,
    PromotionEventSerializer,
    ZoneStandingSerializer,
)
from .zone_views import create_example


def _with_enterprise_ids(queryset):
    return queryset.prefetch_related(
        Prefetch("enterprises", queryset=Enterprise.objects.order_by("pk").only("pk"))
    )


@create_example(
    "An innovation centre opened with a university",
    {
        "happened_on": "2021-10-13",
        "kind": "platform",
        "title": "纳米多功能性纤维纤维协同创新中心揭牌投用",
        "level": "city",
        "enterprises": [1],
        "institutions": "苏州大学",
    },
)
class MilestoneViewSet(ModelViewSet):
    """The zone's honours and platforms (荣誉与平台): recognitions, centres, first products.

    `level` is national, provincial or city (or blank); `enterprises` the enterprises involved
    (ids), `institutions` the other bodies, one a line. One milestone per day and title.
    Filters: `year`, `kind`, `level`, `enterprise`.
    """

    queryset = _with_enterprise_ids(Milestone.objects.order_by("-happened_on", "title", "id"))
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilterSet


@create_example(
    "A trade fair in Xi'an",
    {"held_on": "2021-09-10", "title": "名优特色产品展销会", "city": "西安", "enterprises": [1]},
)
class PromotionEventViewSet(ModelViewSet):
    """Trade fairs and promotions (展销活动) the zone took its enterprises to.

    `enterprises` lists those that took part (ids). One event per day, title and city.
    Filters: `year`, `city` (part), `enterprise`.
    """

    queryset = _with_enterprise_ids(PromotionEvent.objects.order_by("-held_on", "title", "id"))
    serializer_class = PromotionEventSerializer
    filterset_class = PromotionEventFilterSet


@create_example(
    "The plush-toy chain at the end of 2021",
    {
        "chain": "毛绒玩具",
        "year": 2021,
        "cumulative_output": "109800.00",
        "employment": 3107,
        "income_increase": "30000.00",
        "note": "截至2021年底累计实现产值10.98亿元，人均增收3万元",
    },
)
class ChainYearViewSet(ModelViewSet):
    """An industry chain's figures by year, or one of its enterprises' (`enterprise` set).

    Money in 万元 except `income_increase` (元 per person); every figure may be null; `note`
    says where the figures come from. One row per chain and year, and per enterprise.
    Filters: `chain`, `year`, `enterprise`, `whole_chain`.
    """

    queryset = ChainYear.objects.order_by("chain", "year", "enterprise_id", "id")
    serializer_class = ChainYearSerializer
    filterset_class = ChainYearFilterSet


@create_example(
    "Industrial value added among the city's counties",
    {"year": 2021, "indicator": "value_added", "rank": 2, "out_of": 13},
)
class ZoneStandingViewSet(ModelViewSet):
    """The zone's rank among the city's counties and zones for an indicator in a year.

    `rank` is at most `out_of`; one row per year and indicator. Entered by the economic bureau.
    Filters: `year`, `indicator`.
    """

    queryset = ZoneStanding.objects.order_by("-year", "indicator", "id")
    serializer_class = ZoneStandingSerializer
    filterset_class = ZoneStandingFilterSet

"""Reads of the zone's record lists: cultivation, finance, safety, parks and the industry chain.

Each list has a selector returning its rows already joined (the caller filters and scopes them)
and a totals selector that aggregates whatever queryset it is given in one query, so a page's
totals always describe exactly the rows it lists.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    When,
)

from core.numbers import cents

from ..choices import (
    CultivationStatus,
    FacilityKind,
    InspectionKind,
    SafetyActivityKind,
    TitleKind,
)
from ..models import (
    MAJOR_INVESTMENT,
    Cultivation,
    Enterprise,
    EnterpriseTitle,
    Loan,
    Matchmaking,
    MonthlyYtd,
    NewInvestor,
    SafetyActivity,
    SafetyInspection,
    ServiceFacility,
    StandardFactory,
)

MONEY_OUTPUT = DecimalField(max_digits=16, decimal_places=2)


def year_dates(year: int) -> tuple[datetime.date, datetime.date]:
    """Return the first and the last day of ``year``."""
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


# --- cultivation ----------------------------------------------------------------------------------


def list_cultivations() -> QuerySet[Cultivation]:
    """Return the cultivation paths with their enterprise, latest year first."""
    return Cultivation.objects.select_related("enterprise").order_by(
        "-year", "title", "enterprise__name", "pk"
    )


def count_cultivations(queryset: QuerySet[Cultivation]) -> dict[str, int]:
    """Return how many of ``queryset``'s paths are at each status, and ``total``; one query."""
    totals = queryset.order_by().aggregate(
        total=Count("pk"),
        **{status: Count("pk", filter=Q(status=status)) for status in CultivationStatus.values},
    )
    return totals


def count_new_titles(*, year: int, titles: QuerySet[EnterpriseTitle] | None = None) -> dict:
    """Return how many enterprises gained each title in ``year``; one query.

    A title is new when the enterprise did not hold it the year before (as on the zone
    overview). ``titles`` narrows the titles counted (a user's scope); every title is present.
    """
    titles = EnterpriseTitle.objects.all() if titles is None else titles
    held_before = EnterpriseTitle.objects.filter(
        enterprise=OuterRef("enterprise"), title=OuterRef("title"), year=year - 1
    )
    counts = dict.fromkeys(TitleKind.values, 0)
    rows = (
        titles.filter(year=year)
        .filter(~Exists(held_before))
        .order_by()
        .values("title")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["title"]] = row["n"]
    return counts


@dataclass(frozen=True)
class Candidate:
    """An enterprise not yet above scale whose last 12 months' revenue nears the threshold."""

    enterprise_id: int
    enterprise_name: str
    revenue_12m: Decimal
    threshold: Decimal
    on_ladder: bool

    @property
    def share(self) -> float:
        return float(self.revenue_12m / self.threshold) if self.threshold else 0.0


def candidate_threshold() -> tuple[Decimal, Decimal]:
    """Return the above-scale threshold (万元) and the share of it that makes a candidate."""
    threshold = Decimal(str(getattr(settings, "HENGKOU_ABOVE_SCALE_THRESHOLD", 2000)))
    share = Decimal(str(getattr(settings, "HENGKOU_CANDIDATE_SHARE", 0.8)))
    return threshold, share


def list_cultivation_candidates(
    *, year: int, through: datetime.date, enterprises: QuerySet[Enterprise] | None = None
) -> list[Candidate]:
    """Return the enterprises that should be cultivated toward above scale in ``year``; one query.

    An enterprise is a candidate when it holds no above-scale title in ``year`` and its operating
    revenue over the 12 months ending with the month of ``through`` reaches
    ``HENGKOU_CANDIDATE_SHARE`` × ``HENGKOU_ABOVE_SCALE_THRESHOLD``. The 12 months are read from
    the year-to-date rollup: YTD(through) + YTD(December before) − YTD(same month a year before).
    ``on_ladder`` tells whether an above-scale cultivation of ``year`` is already recorded.
    Highest revenue first; ``enterprises`` narrows the enterprises considered.
    """
    threshold, share = candidate_threshold()
    month = through.replace(day=1)
    year_before = datetime.date(month.year - 1, 12, 1)
    if month.month == 12:
        revenue = Case(When(period=month, then=F("revenue")), default=0, output_field=MONEY_OUTPUT)
        periods = [month]
    else:
        month_before = month.replace(year=month.year - 1)
        revenue = Case(
            When(period=month, then=F("revenue")),
            When(period=year_before, then=F("revenue")),
            When(period=month_before, then=-F("revenue")),
            default=0,
            output_field=MONEY_OUTPUT,
        )
        periods = [month, year_before, month_before]
    above_scale = EnterpriseTitle.objects.filter(
        enterprise=OuterRef("enterprise_id"), title=TitleKind.ABOVE_SCALE, year=year
    )
    on_ladder = Cultivation.objects.filter(
        enterprise=OuterRef("enterprise_id"), title=TitleKind.ABOVE_SCALE, year=year
    )
    rows = MonthlyYtd.objects.filter(period__in=periods).filter(~Exists(above_scale))
    if enterprises is not None:
        rows = rows.filter(enterprise__in=enterprises.values("pk"))
    rows = (
        rows.values("enterprise_id", "enterprise__name")
        .annotate(revenue_12m=Sum(revenue), on_ladder=Exists(on_ladder))
        .filter(revenue_12m__gte=threshold * share)
        .order_by("-revenue_12m", "enterprise__name")
    )
    return [
        Candidate(
            enterprise_id=row["enterprise_id"],
            enterprise_name=row["enterprise__name"],
            revenue_12m=cents(row["revenue_12m"]),
            threshold=threshold,
            on_ladder=bool(row["on_ladder"]),
        )
        for row in rows
    ]


# --- finance --------------------------------------------------------------------------------------


def list_matchmakings() -> QuerySet[Matchmaking]:
    """Return the matchmaking meetings with their enterprises, latest first."""
    return Matchmaking.objects.prefetch_related(
        Prefetch("enterprises", queryset=Enterprise.objects.order_by("name").only("pk", "name"))
    ).order_by("-held_on", "title", "pk")


def matchmaking_totals(queryset: QuerySet[Matchmaking]) -> dict:
    """Return the number of meetings and the loans they agreed (万元); one query."""
    totals = queryset.order_by().aggregate(meetings=Count("pk"), agreed=Sum("loans_amount"))
    return {"meetings": totals["meetings"], "agreed": cents(totals["agreed"])}


def list_loans() -> QuerySet[Loan]:
    """Return the loans with their enterprise and meeting, latest first."""
    return Loan.objects.select_related("enterprise", "matchmaking").order_by(
        "-granted_on", "enterprise__name", "pk"
    )


def loan_totals(queryset: QuerySet[Loan]) -> dict:
    """Return the loans' number and amount, in all and under the risk-compensation fund."""
    risk = Q(under_risk_fund=True)
    totals = queryset.order_by().aggregate(
        loans=Count("pk"),
        sum_amount=Sum("amount"),
        risk_loans=Count("pk", filter=risk),
        risk_amount=Sum("amount", filter=risk),
    )
    return {
        "loans": totals["loans"],
        "amount": cents(totals["sum_amount"]),
        "risk_loans": totals["risk_loans"],
        "risk_amount": cents(totals["risk_amount"]),
    }


# --- safety ---------------------------------------------------------------------------------------


def overdue_condition(as_of: datetime.date) -> Q:
    """Return the condition of an inspection whose open hazards are past their deadline."""
    return Q(hazards_rectified__lt=F("hazards_found"), rectify_deadline__lt=as_of)


def list_safety_inspections(*, as_of: datetime.date) -> QuerySet[SafetyInspection]:
    """Return the inspections with their enterprise, ``is_late`` when overdue on ``as_of``."""
    return (
        SafetyInspection.objects.select_related("enterprise")
        .annotate(
            is_late=ExpressionWrapper(overdue_condition(as_of), output_field=BooleanField()),
            open_count=F("hazards_found") - F("hazards_rectified"),
        )
        .order_by("-inspected_on", "area", "pk")
    )


def safety_inspection_totals(queryset: QuerySet[SafetyInspection], *, as_of: datetime.date) -> dict:
    """Return the inspections by kind, the hazards found and rectified, and the overdue ones."""
    totals = queryset.order_by().aggregate(
        total=Count("pk"),
        **{kind: Count("pk", filter=Q(kind=kind)) for kind in InspectionKind.values},
        found=Sum("hazards_found"),
        rectified=Sum("hazards_rectified"),
        overdue=Count("pk", filter=overdue_condition(as_of)),
    )
    return {
        "total": totals["total"],
        "by_kind": [(kind.label, totals[kind.value]) for kind in InspectionKind],
        "found": totals["found"] or 0,
        "rectified": totals["rectified"] or 0,
        "overdue": totals["overdue"],
    }


def list_safety_activities() -> QuerySet[SafetyActivity]:
    """Return the trainings, drills and documents, latest first."""
    return SafetyActivity.objects.order_by("-held_on", "title", "pk")


def safety_activity_totals(queryset: QuerySet[SafetyActivity]) -> dict:
    """Return the activities by kind and their participants; one query."""
    totals = queryset.order_by().aggregate(
        total=Count("pk"),
        **{kind: Count("pk", filter=Q(kind=kind)) for kind in SafetyActivityKind.values},
        sum_participants=Sum("participants"),
        sum_materials=Sum("materials_distributed"),
        sum_trained=Sum("people_trained"),
    )
    return {
        "total": totals["total"],
        "by_kind": [(kind.label, totals[kind.value]) for kind in SafetyActivityKind],
        "participants": totals["sum_participants"] or 0,
        "materials": totals["sum_materials"] or 0,
        "trained": totals["sum_trained"] or 0,
    }


# --- parks ----------------------------------------------------------------------------------------


def list_standard_factories() -> QuerySet[StandardFactory]:
    """Return the standard factory buildings with their occupant, by park and building."""
    return StandardFactory.objects.select_related("occupant").order_by("park", "building", "pk")


def standard_factory_totals(queryset: QuerySet[StandardFactory]) -> dict:
    """Return the buildings, their floor area (m²), and how many are occupied; one query."""
    occupied = Q(occupant__isnull=False)
    totals = queryset.order_by().aggregate(
        buildings=Count("pk"),
        sum_area=Sum("area"),
        occupied=Count("pk", filter=occupied),
        occupied_area=Sum("area", filter=occupied),
    )
    return {
        "buildings": totals["buildings"],
        "area": cents(totals["sum_area"]),
        "occupied": totals["occupied"],
        "occupied_area": cents(totals["occupied_area"]),
    }


def list_service_facilities() -> QuerySet[ServiceFacility]:
    """Return the service facilities, latest started first."""
    return ServiceFacility.objects.order_by("-year", "name", "pk")


def service_facility_totals(queryset: QuerySet[ServiceFacility]) -> dict:
    """Return the facilities by kind; one query."""
    totals = queryset.order_by().aggregate(
        total=Count("pk"),
        **{kind: Count("pk", filter=Q(kind=kind)) for kind in FacilityKind.values},
    )
    return {
        "total": totals["total"],
        "by_kind": [(kind.label, totals[kind.value]) for kind in FacilityKind],
    }


def list_new_investors() -> QuerySet[NewInvestor]:
    """Return the new investors with their enterprise, flagged ``is_major`` at 1,000 万元."""
    return (
        NewInvestor.objects.select_related("enterprise")
        .annotate(
            major=ExpressionWrapper(
                Q(investment__gte=MAJOR_INVESTMENT), output_field=BooleanField()
            )
        )
        .order_by("-year", "-investment", "pk")
    )


def new_investor_totals(queryset: QuerySet[NewInvestor]) -> dict:
    """Return the new enterprises and their investment, in all and at 1,000 万元 or more."""
    major = Q(investment__gte=MAJOR_INVESTMENT)
    totals = queryset.order_by().aggregate(
        enterprises=Count("pk"),
        sum_investment=Sum("investment"),
        major=Count("pk", filter=major),
        major_investment=Sum("investment", filter=major),
    )
    return {
        "enterprises": totals["enterprises"],
        "investment": cents(totals["sum_investment"]),
        "major": totals["major"],
        "major_investment": cents(totals["major_investment"]),
    }

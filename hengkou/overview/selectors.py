"""The zone's annual overview (年度工作总结): the figures the article quotes, from the records."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, Sum

from core.numbers import cents
from enterprises.choices import (
    ChainRole,
    CultivationStatus,
    InspectionKind,
    SafetyActivityKind,
    TitleKind,
)
from enterprises.models import (
    MAJOR_INVESTMENT,
    Cultivation,
    EnterpriseTitle,
    Loan,
    Matchmaking,
    MonthlyReport,
    NewInvestor,
    SafetyActivity,
    SafetyInspection,
    ServiceFacility,
    StandardFactory,
)
from enterprises.selectors.chain import get_chain_stats
from projects.models import FundingApplication, FundingStatus

from ..selectors.zone import ZoneStats, get_zone_stats

DEFAULT_LEAD_CHAIN = "毛绒玩具"


def lead_chain() -> str:
    """Return the industry chain the overview details (the plush-toy chain unless configured)."""
    return getattr(settings, "HENGKOU_LEAD_CHAIN", DEFAULT_LEAD_CHAIN)


@dataclass(frozen=True)
class NewTitle:
    """An enterprise that holds a title this year and did not hold it the year before."""

    enterprise_id: int
    enterprise_name: str
    title: str
    level: str


@dataclass(frozen=True)
class CultivationLine:
    """An enterprise still on its way to a title."""

    enterprise_id: int
    enterprise_name: str
    title: str
    status: str

    @property
    def title_label(self) -> str:
        return TitleKind(self.title).label

    @property
    def status_label(self) -> str:
        return CultivationStatus(self.status).label


@dataclass(frozen=True)
class ChainRoleLine:
    """The enterprises and jobs of one role in the chain."""

    role: str
    label: str
    enterprises: int
    employees: int
    poverty_employees: int


@dataclass(frozen=True)
class ProgrammeLine:
    """The funding of one programme in the year."""

    programme: str
    applications: int
    approved: Decimal
    received: Decimal


@dataclass(frozen=True)
class ZoneOverview:
    """The year's figures of the zone, each backed by records that can be listed."""

    year: int
    stats: ZoneStats
    new_titles: list[NewTitle]
    # The figures and their growth run like for like through this month (12 once the year ended).
    through_month: int
    cultivating: list[CultivationLine]
    chain: str
    chain_roles: list[ChainRoleLine]
    funding_applications: int
    funding_requested: Decimal
    funding_approved: Decimal
    funding_received: Decimal
    programmes: list[ProgrammeLine]
    matchmakings: int
    matchmaking_loans_agreed: Decimal
    loans: int
    loans_amount: Decimal
    risk_fund_loans: int
    risk_fund_amount: Decimal
    inspections: dict[str, int]
    hazards_found: int
    hazards_rectified: int
    hazards_overdue: int
    activities: dict[str, int]
    activity_participants: int
    factories: int
    factory_area: Decimal
    facilities: int
    new_investors: int
    major_investors: int
    major_investment: Decimal
    # Publicity materials handed out and people trained (rows recording them; None: no row did).
    activity_materials: int | None = None
    activity_people_trained: int | None = None

    def new_titles_of(self, title: str) -> list[NewTitle]:
        return [line for line in self.new_titles if line.title == title]

    @property
    def new_above_scale(self) -> list[NewTitle]:
        return self.new_titles_of(TitleKind.ABOVE_SCALE)

    @property
    def new_high_tech(self) -> list[NewTitle]:
        return self.new_titles_of(TitleKind.HIGH_TECH)

    @property
    def new_specialized(self) -> list[NewTitle]:
        return self.new_titles_of(TitleKind.SPECIALIZED)

    @property
    def chain_enterprises(self) -> int:
        return sum(line.enterprises for line in self.chain_roles)

    @property
    def chain_employees(self) -> int:
        return sum(line.employees for line in self.chain_roles)

    @property
    def chain_poverty_employees(self) -> int:
        return sum(line.poverty_employees for line in self.chain_roles)

    @property
    def inspections_total(self) -> int:
        return sum(self.inspections.values())


def _year_dates(year: int) -> tuple[datetime.date, datetime.date]:
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def _new_titles(year: int) -> list[NewTitle]:
    held_before = EnterpriseTitle.objects.filter(
        enterprise=OuterRef("enterprise"), title=OuterRef("title"), year=year - 1
    )
    rows = (
        EnterpriseTitle.objects.filter(year=year)
        .filter(~Exists(held_before))
        .order_by("title", "enterprise__name")
        .values_list("enterprise_id", "enterprise__name", "title", "level")
    )
    return [NewTitle(*row) for row in rows]


def _cultivating(year: int) -> list[CultivationLine]:
    rows = (
        Cultivation.objects.filter(
            year=year, status__in=[CultivationStatus.CANDIDATE, CultivationStatus.APPLYING]
        )
        .order_by("title", "enterprise__name")
        .values_list("enterprise_id", "enterprise__name", "title", "status")
    )
    return [CultivationLine(*row) for row in rows]


def _chain_roles(chain: str) -> list[ChainRoleLine]:
    stats = get_chain_stats(chain=chain)
    return [
        ChainRoleLine(
            role,
            ChainRole(role).label if role else "—",
            count.enterprises,
            count.employees,
            count.poverty_employees,
        )
        for role in [*ChainRole.values, ""]
        if (count := stats.roles.get(role)) and count.enterprises
    ]


def _figures_through(year: int, as_of: datetime.date) -> int:
    """Return the last month of ``year`` the figures run through: December once the year ended,
    else the latest month with monthly figures (never compared with a whole previous year)."""
    if year < as_of.year:
        return 12
    latest = (
        MonthlyReport.objects.filter(period__year=year, period__lte=as_of)
        .order_by("-period")
        .values_list("period", flat=True)
        .first()
    )
    if latest is not None:
        return latest.month
    return as_of.month if year == as_of.year else 12


def get_zone_overview(*, year: int, as_of: datetime.date, chain: str | None = None) -> ZoneOverview:
    """Return the overview of ``year``: the article's figures computed from the records.

    Above-scale output, investment and their growth are the December year-to-date figures of
    get_zone_stats; a title is new when the enterprise did not hold it the year before; loans and
    inspections count by their dates inside the year; hazards are overdue when still open after
    their deadline on ``as_of``. Sixteen queries whatever the data size.
    """
    chain = chain or lead_chain()
    first, last = _year_dates(year)
    through = _figures_through(year, as_of)
    return ZoneOverview(
        year=year,
        stats=get_zone_stats(period=datetime.date(year, through, 1)),
        through_month=through,
        new_titles=_new_titles(year),
        cultivating=_cultivating(year),
        chain=chain,
        chain_roles=_chain_roles(chain),
        **_funding(year),
        **_financing(first, last),
        **_safety(first, last, as_of=as_of),
        **_parks_and_investors(year),
    )


def _funding(year: int) -> dict:
    """The year's funding applications, and what each programme approved and paid."""
    funding = FundingApplication.objects.filter(year=year)
    totals = funding.aggregate(
        n=Count("pk"),
        sum_requested=Sum("requested"),
        sum_approved=Sum("approved"),
        sum_received=Sum("received"),
    )
    programmes = [
        ProgrammeLine(
            row["programme"], row["n"], cents(row["sum_approved"]), cents(row["sum_received"])
        )
        for row in funding.filter(status=FundingStatus.APPROVED)
        .values("programme")
        .annotate(n=Count("pk"), sum_approved=Sum("approved"), sum_received=Sum("received"))
        .order_by("-sum_approved", "programme")
    ]
    return {
        "funding_applications": totals["n"],
        "funding_requested": cents(totals["sum_requested"]),
        "funding_approved": cents(totals["sum_approved"]),
        "funding_received": cents(totals["sum_received"]),
        "programmes": programmes,
    }


def _financing(first: datetime.date, last: datetime.date) -> dict:
    """The year's matchmaking meetings and loans (those under the risk fund apart)."""
    meetings = Matchmaking.objects.filter(held_on__range=(first, last)).aggregate(
        n=Count("pk"), agreed=Sum("loans_amount")
    )
    risk = Q(under_risk_fund=True)
    loans = Loan.objects.filter(granted_on__range=(first, last)).aggregate(
        n=Count("pk"),
        sum_amount=Sum("amount"),
        risk_n=Count("pk", filter=risk),
        sum_risk=Sum("amount", filter=risk),
    )
    return {
        "matchmakings": meetings["n"],
        "matchmaking_loans_agreed": cents(meetings["agreed"]),
        "loans": loans["n"],
        "loans_amount": cents(loans["sum_amount"]),
        "risk_fund_loans": loans["risk_n"],
        "risk_fund_amount": cents(loans["sum_risk"]),
    }


def _safety(first: datetime.date, last: datetime.date, *, as_of: datetime.date) -> dict:
    """The year's safety inspections and their hazards (overdue: open past their deadline on
    ``as_of``), and its safety activities."""
    open_hazards = Q(hazards_rectified__lt=F("hazards_found"))
    inspections = SafetyInspection.objects.filter(inspected_on__range=(first, last)).aggregate(
        **{kind: Count("pk", filter=Q(kind=kind)) for kind in InspectionKind.values},
        found=Sum("hazards_found"),
        rectified=Sum("hazards_rectified"),
        overdue=Count("pk", filter=open_hazards & Q(rectify_deadline__lt=as_of)),
    )
    activities = SafetyActivity.objects.filter(held_on__range=(first, last)).aggregate(
        **{kind: Count("pk", filter=Q(kind=kind)) for kind in SafetyActivityKind.values},
        participants=Sum("participants"),
        materials=Sum("materials_distributed"),
        trained=Sum("people_trained"),
    )
    return {
        "inspections": {kind: inspections[kind] for kind in InspectionKind.values},
        "hazards_found": inspections["found"] or 0,
        "hazards_rectified": inspections["rectified"] or 0,
        "hazards_overdue": inspections["overdue"],
        "activities": {kind: activities[kind] for kind in SafetyActivityKind.values},
        "activity_participants": activities["participants"] or 0,
        "activity_materials": activities["materials"],
        "activity_people_trained": activities["trained"],
    }


def _parks_and_investors(year: int) -> dict:
    """The standard factories built and service facilities of the year, and its new investors
    (major ones apart)."""
    factories = StandardFactory.objects.filter(year_built=year).aggregate(
        n=Count("pk"), sum_area=Sum("area")
    )
    major = Q(investment__gte=MAJOR_INVESTMENT)
    investors = NewInvestor.objects.filter(year=year).aggregate(
        n=Count("pk"), major=Count("pk", filter=major), sum_major=Sum("investment", filter=major)
    )
    return {
        "factories": factories["n"],
        "factory_area": cents(factories["sum_area"]),
        "facilities": ServiceFacility.objects.filter(year=year).count(),
        "new_investors": investors["n"],
        "major_investors": investors["major"],
        "major_investment": cents(investors["sum_major"]),
    }

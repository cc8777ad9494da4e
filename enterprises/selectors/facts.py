"""Reads of the zone's facts for the pages: milestones, promotion events, the chain's history
by year and the zone's standing in the city.

The pages showing them (the overview, the chain page) open only to the readers of zone-wide
figures, and these facts are the zone's, like the chain's totals beside them: they are read
whole. An enterprise's own figures in the chain's history follow the reader's scope, like the
chain page's list of enterprises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet

from core.scoping import scope_queryset

from ..models import ChainYear, Enterprise, Milestone, PromotionEvent, ZoneStanding


def _named_enterprises():
    return Prefetch("enterprises", queryset=Enterprise.objects.order_by("name").only("pk", "name"))


def list_milestones(*, year: int | None = None) -> QuerySet[Milestone]:
    """Return the zone's milestones (of ``year``, or all), oldest first."""
    rows = Milestone.objects.prefetch_related(_named_enterprises())
    if year is not None:
        rows = rows.filter(happened_on__year=year)
    return rows.order_by("happened_on", "title", "pk")


def list_promotion_events(*, year: int | None = None) -> QuerySet[PromotionEvent]:
    """Return the zone's promotion events (of ``year``, or all), oldest first."""
    rows = PromotionEvent.objects.prefetch_related(_named_enterprises())
    if year is not None:
        rows = rows.filter(held_on__year=year)
    return rows.order_by("held_on", "title", "pk")


def list_zone_standings(*, year: int) -> QuerySet[ZoneStanding]:
    """Return the zone's standings in the city of ``year``."""
    return ZoneStanding.objects.filter(year=year).order_by("indicator")


@dataclass
class ChainHistoryYear:
    """A year of the chain's history: the chain's own figures and its enterprises'."""

    year: int
    chain: ChainYear | None = None
    enterprises: list[ChainYear] = field(default_factory=list)
    # The chain's output of every year from ``since`` up to this one, added up (万元); None
    # before the first year with an output, and from a year without one on (the sum would lie).
    output_since: Decimal | None = None
    since: int | None = None


def get_chain_history(user, *, chain: str) -> list[ChainHistoryYear]:
    """Return the chain's figures by year (oldest first), with the rows of its enterprises
    within the user's scope."""
    own = scope_queryset(ChainYear.objects.filter(chain=chain), user).values("pk")
    rows = ChainYear.objects.filter(chain=chain).filter(Q(enterprise__isnull=True) | Q(pk__in=own))
    rows = rows.select_related("enterprise")
    years: dict[int, ChainHistoryYear] = {}
    for row in rows.order_by("year", "enterprise__name", "pk"):
        line = years.setdefault(row.year, ChainHistoryYear(year=row.year))
        if row.enterprise_id is None:
            line.chain = row
        else:
            line.enterprises.append(row)
    history = [years[year] for year in sorted(years)]
    _add_up_output(history)
    return history


def _add_up_output(history: list[ChainHistoryYear]) -> None:
    """Set each year's ``output_since``: the chain's output added up from its first year with one.

    The years must follow each other, each with the chain's output: a missing year or a blank
    output ends the sum.
    """
    total, since, previous = None, None, None
    for line in history:
        output = line.chain.output if line.chain is not None else None
        if since is None:
            if output is None:
                continue
            total, since = Decimal("0.00"), line.year
        elif output is None or line.year != previous + 1:
            return
        total += output
        previous = line.year
        line.output_since, line.since = total, since

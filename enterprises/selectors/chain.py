"""Reads of the industry chain (产业链): its enterprises by role, their jobs and figures."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    F,
    FilteredRelation,
    Q,
    QuerySet,
    Sum,
    When,
)

from core.numbers import cents

from ..choices import ChainRole
from ..models import Enterprise


@dataclass(frozen=True)
class RoleCount:
    """An industry chain's enterprises of one role and the jobs they give."""

    role: str
    enterprises: int
    employees: int
    poverty_employees: int
    output: Decimal = Decimal("0.00")
    revenue: Decimal = Decimal("0.00")


@dataclass(frozen=True)
class ChainStats:
    """An industry chain's enterprises by role, and the totals."""

    chain: str
    roles: dict[str, RoleCount]
    year: int | None = None

    @property
    def enterprises(self) -> int:
        return sum(count.enterprises for count in self.roles.values())

    @property
    def employees(self) -> int:
        return sum(count.employees for count in self.roles.values())

    @property
    def poverty_employees(self) -> int:
        return sum(count.poverty_employees for count in self.roles.values())

    @property
    def output(self) -> Decimal:
        return sum((count.output for count in self.roles.values()), Decimal("0.00"))

    @property
    def revenue(self) -> Decimal:
        return sum((count.revenue for count in self.roles.values()), Decimal("0.00"))


def get_chain_stats(*, chain: str, year: int | None = None) -> ChainStats:
    """Return a chain's enterprises, employees and employees out of poverty by role; one query.

    Every role of the chain is present (0 when none); enterprises without a role are under "".
    With ``year``, each role also carries the year's output and revenue (万元): the December row
    of the year-to-date rollup, i.e. the sum of the months reported so far.
    """
    rows = Enterprise.objects.filter(chain=chain)
    sums = {}
    if year is not None:
        rows = rows.annotate(
            year_rollup=FilteredRelation(
                "ytd_rows", condition=Q(ytd_rows__period=datetime.date(year, 12, 1))
            )
        )
        sums = {"output": Sum("year_rollup__output_value"), "revenue": Sum("year_rollup__revenue")}
    rows = (
        rows.values("chain_role")
        .annotate(n=Count("pk"), jobs=Sum("employees"), poverty=Sum("poverty_employees"), **sums)
        .order_by()
    )
    roles = {role: RoleCount(role, 0, 0, 0) for role in ChainRole.values}
    for row in rows:
        roles[row["chain_role"]] = RoleCount(
            row["chain_role"],
            row["n"],
            row["jobs"] or 0,
            row["poverty"] or 0,
            cents(row.get("output")),
            cents(row.get("revenue")),
        )
    return ChainStats(chain=chain, roles=roles, year=year)


def list_chain_enterprises(*, chain: str, year: int) -> QuerySet[Enterprise]:
    """Return a chain's enterprises by role with the year's output and revenue (万元).

    The year's figures are the December row of the year-to-date rollup (the sum of the months
    reported so far), 0 for an enterprise without a report that year. Roles in the order of
    ChainRole, enterprises without a role last; the largest output first inside a role.
    """
    order = Case(
        *(When(chain_role=role, then=n) for n, role in enumerate(ChainRole.values)),
        default=len(ChainRole.values),
    )
    return (
        Enterprise.objects.filter(chain=chain)
        .annotate(
            year_rollup=FilteredRelation(
                "ytd_rows", condition=Q(ytd_rows__period=datetime.date(year, 12, 1))
            ),
            year_output=F("year_rollup__output_value"),
            year_revenue=F("year_rollup__revenue"),
            role_order=order,
        )
        .order_by("role_order", F("year_output").desc(nulls_last=True), "name", "pk")
    )

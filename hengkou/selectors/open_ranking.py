"""An open month's ranking, stored with the fingerprint of its inputs (``OpenRanking``).

Ranking 500 departments in exact arithmetic and writing them out as JSON costs tens of
milliseconds; reading the month's department totals costs one. So the ranking of an open month
is kept in the database beside what it was computed from: the fingerprint is the number of the
month's ``DepartmentYtd`` rows, the sum of their stamps (a fresh random stamp at every rewrite
of a row, so any write that touches the month changes it) and the ranking rules. A read
compares fingerprints in one query and recomputes on a mismatch; nothing needs dropping, in any
process, and a write never waits for a re-ranking.

Only the enterprise metrics are kept: the investment metrics read a few hundred project rows
and rank them live. A closed month reads its snapshot (``get_period_ranking``).
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from django.db import connection
from django.db.models import Count, Sum

from enterprises.choices import PeriodStatus
from enterprises.models import DepartmentYtd, Period

from ..models import OpenRanking
from ..ranking import RankingRow, RankingRules

_DECIMALS = ("target", "ytd", "ytd_targeted", "ytd_previous")
_FRACTIONS = ("completion_rate", "time_progress", "gap", "yoy_growth", "completeness")


def _rules_part(rules: RankingRules) -> str:
    # The rules and the stored layout (_LAYOUT): a change of either makes every stored ranking
    # stale.
    text = f"{rules!r}{_LAYOUT}"
    return ":" + hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:16]


def fingerprint(*, period: datetime.date, rules: RankingRules) -> str:
    """Return the fingerprint of what a month's ranking is computed from (one query)."""
    found = DepartmentYtd.objects.filter(period=period).aggregate(n=Count("id"), s=Sum("stamp"))
    return f"{found['n']}:{found['s'] or 0}{_rules_part(rules)}"


def fresh_body(*, period: datetime.date, metric: str, rules: RankingRules) -> str:
    """Return the stored API body if the month is open and nothing changed since, else "".

    One query: the fingerprint is computed by the database inside it (the same text as
    ``fingerprint``), and a closed month never matches (its snapshot is read instead).
    """
    qn = connection.ops.quote_name
    totals = qn(DepartmentYtd._meta.db_table)
    sql = (
        f"SELECT body FROM {qn(OpenRanking._meta.db_table)}"
        " WHERE period = %s AND metric = %s AND body <> ''"
        " AND fingerprint = (SELECT CAST(COUNT(*) AS TEXT) || ':'"
        f" || CAST(COALESCE(SUM(stamp), 0) AS TEXT) FROM {totals} WHERE period = %s) || %s"
        f" AND NOT EXISTS (SELECT 1 FROM {qn(Period._meta.db_table)}"
        " WHERE period = %s AND status = %s)"
    )
    day = connection.ops.adapt_datefield_value(period)
    with connection.cursor() as cursor:
        cursor.execute(sql, [day, metric, day, _rules_part(rules), day, PeriodStatus.CLOSED])
        found = cursor.fetchone()
    return found[0] if found else ""


@dataclasses.dataclass(frozen=True)
class MonthRanking:
    """What one query says of a month's stored ranking (``read_month_ranking``)."""

    closed: bool
    fingerprint: str  # of the month's inputs now, to store a ranking computed afresh under
    rows: StoredRows | None  # the stored rows if computed from ``fingerprint``, else None


def read_month_ranking(*, period: datetime.date, metric: str, rules: RankingRules) -> MonthRanking:
    """Return whether the month is closed, its fingerprint, and its stored rows if fresh.

    One query, whatever the number of departments: the fingerprint is computed by the database
    (the same text as ``fingerprint``) and compared there, so an unchanged open month's
    ranking costs one round trip and a changed one no second look at the totals' stamps.
    """
    qn = connection.ops.quote_name
    totals = qn(DepartmentYtd._meta.db_table)
    now = (
        "(SELECT CAST(COUNT(*) AS TEXT) || ':' || CAST(COALESCE(SUM(stamp), 0) AS TEXT)"
        f" FROM {totals} WHERE period = %s) || %s"
    )
    sql = (
        f"SELECT EXISTS (SELECT 1 FROM {qn(Period._meta.db_table)}"
        " WHERE period = %s AND status = %s),"
        f" {now},"
        f" (SELECT {qn('rows')} FROM {qn(OpenRanking._meta.db_table)}"
        f" WHERE period = %s AND metric = %s AND fingerprint = {now})"
    )
    day, rules_part = connection.ops.adapt_datefield_value(period), _rules_part(rules)
    params = [day, PeriodStatus.CLOSED, day, rules_part, day, metric, day, rules_part]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        closed, fingerprint_now, found = cursor.fetchone()
    rows = None
    if found is not None:
        # jsonb and SQLite's JSON both arrive as text, which the field decodes.
        field = OpenRanking._meta.get_field("rows")
        rows = StoredRows(field.from_db_value(found, None, connection))
    return MonthRanking(closed=bool(closed), fingerprint=fingerprint_now, rows=rows)


_FIELDS = [field.name for field in dataclasses.fields(RankingRow)]
# The stored layout: one list per field (a column), fractions as a column of numerators and
# one of denominators ("<field>/d"). Part of the fingerprint, so a ranking stored in another
# layout is never read as this one: it is ranked afresh and stored again.
_LAYOUT = "columns-1"


def _denominators(name: str) -> str:
    return f"{name}/d"


def _dump(rows: Sequence[RankingRow]) -> dict[str, list]:
    # Columns of plain numbers, strings and flags: decoding 500 rows makes a few lists, not
    # thousands (which the garbage collector would walk again and again while the page
    # renders), and a page reads 30 rows of them.
    columns: dict[str, list] = {name: [] for name in _FIELDS}
    columns.update({_denominators(name): [] for name in _FRACTIONS})
    for row in rows:
        for name in _FIELDS:
            value = getattr(row, name)
            if name in _DECIMALS:
                value = str(value)
            elif name in _FRACTIONS:
                columns[_denominators(name)].append(None if value is None else value.denominator)
                value = None if value is None else value.numerator
            columns[name].append(value)
    return columns


def _load(columns: dict[str, list], index: int) -> RankingRow:
    row = {name: columns[name][index] for name in _FIELDS}
    for name in _DECIMALS:
        row[name] = Decimal(row[name])
    for name in _FRACTIONS:
        if row[name] is not None:
            row[name] = Fraction(row[name], columns[_denominators(name)][index])
    return RankingRow(**row)


class StoredRows(Sequence):
    """The stored rows of a ranking, each turned back into a RankingRow when first read.

    A page that shows 30 of 500 departments builds 30 rows.
    """

    def __init__(self, columns: dict[str, list]):
        self._columns = columns
        self._length = len(columns[_FIELDS[0]])
        self._rows: dict[int, RankingRow] = {}

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = range(len(self))[index]
        if index not in self._rows:
            self._rows[index] = _load(self._columns, index)
        return self._rows[index]

    def where(self, field: str, value) -> list[int]:
        """Return the positions of the rows whose ``field`` equals ``value``, building none."""
        return [i for i, found in enumerate(self._columns[field]) if found == value]

    def __eq__(self, other):
        return list(self) == list(other)


def load_rows(*, period: datetime.date, metric: str, fingerprint: str) -> StoredRows | None:
    """Return the stored rows if they were computed from ``fingerprint``, else None."""
    found = (
        OpenRanking.objects.filter(period=period, metric=metric, fingerprint=fingerprint)
        .values_list("rows", flat=True)
        .first()
    )
    return None if found is None else StoredRows(found)


def load_body(*, period: datetime.date, metric: str, fingerprint: str) -> str:
    """Return the stored API body if computed from ``fingerprint`` and rendered, else ""."""
    found = (
        OpenRanking.objects.filter(period=period, metric=metric, fingerprint=fingerprint)
        .values_list("body", flat=True)
        .first()
    )
    return found or ""


def store_ranking(
    *, period: datetime.date, metric: str, fingerprint: str, rows=None, body=None
) -> None:
    """Keep a freshly computed ranking (``rows``) or its API body under ``fingerprint``.

    ``fingerprint`` must have been read *before* computing: a write that lands meanwhile
    changes the month's fingerprint after the one stored, so the next read recomputes. A body
    is kept only beside the rows it was rendered from. One statement either way (an upsert:
    two readers storing at once store the same thing, the later one wins).
    """
    if rows is None:
        OpenRanking.objects.filter(period=period, metric=metric, fingerprint=fingerprint).update(
            body=body
        )
        return
    OpenRanking.objects.bulk_create(
        [
            OpenRanking(
                period=period,
                metric=metric,
                fingerprint=fingerprint,
                rows=_dump(rows),
                body=body or "",
            )
        ],
        update_conflicts=True,
        unique_fields=["period", "metric"],
        update_fields=["fingerprint", "rows", "body", "computed_at"],
    )

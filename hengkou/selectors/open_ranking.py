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
import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from django.db import connection
from django.db.models import Count, Sum

from core.lazy import BuiltWhenRead
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


class _Bodies:
    """The API bodies this process has read or stored, each under the key of its stored row.

    A body is served from here only when the request's one query found the month open, the
    stored row fresh *and* still holding that key: the copy saves moving 200 kB out of the
    database, never a freshness check, so no process ever serves a stale body. Keys are random
    (``body_key``), so a copy never matches another row, another database or a rolled-back
    test. Bounded in bytes; the least recently read body goes first.
    """

    def __init__(self, *, max_bytes: int):
        self.max_bytes = max_bytes
        self._bodies: OrderedDict[tuple[datetime.date, str], tuple[str, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, period: datetime.date, metric: str) -> tuple[str, bytes]:
        """Return the key and body kept for a month's metric, or ("", b"")."""
        with self._lock:
            found = self._bodies.get((period, metric))
            if found is None:
                return "", b""
            self._bodies.move_to_end((period, metric))
            return found

    def put(self, period: datetime.date, metric: str, key: str, body: bytes) -> None:
        if not key or len(body) > self.max_bytes:
            return
        with self._lock:
            _key, old = self._bodies.pop((period, metric), ("", b""))
            self._bodies[(period, metric)] = (key, body)
            self._bytes += len(body) - len(old)
            while self._bytes > self.max_bytes:
                _month, (_key, dropped) = self._bodies.popitem(last=False)
                self._bytes -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()
            self._bytes = 0


# Sixteen MiB: every month's body of the five enterprise metrics at 500 departments, about.
BODIES = _Bodies(max_bytes=16 * 1024 * 1024)


def _fingerprint_sql() -> str:
    # The same text as ``fingerprint``, computed by the database.
    totals = connection.ops.quote_name(DepartmentYtd._meta.db_table)
    return (
        "(SELECT CAST(COUNT(*) AS TEXT) || ':' || CAST(COALESCE(SUM(stamp), 0) AS TEXT)"
        f" FROM {totals} WHERE period = %s) || %s"
    )


def fresh_body(*, period: datetime.date, metric: str, rules: RankingRules) -> bytes:
    """Return the stored API body if the month is open and nothing changed since, else b"".

    One query: the fingerprint is computed by the database inside it, and a closed month never
    matches (its snapshot is read instead). When this process already holds the stored body
    (its key is the row's), the query returns the key alone.
    """
    qn = connection.ops.quote_name
    known_key, known = BODIES.get(period, metric)
    sql = (
        "SELECT body_key, CASE WHEN body_key = %s THEN NULL ELSE body END"
        f" FROM {qn(OpenRanking._meta.db_table)}"
        " WHERE period = %s AND metric = %s AND body_key <> ''"
        f" AND fingerprint = {_fingerprint_sql()}"
        f" AND NOT EXISTS (SELECT 1 FROM {qn(Period._meta.db_table)}"
        " WHERE period = %s AND status = %s)"
    )
    day = connection.ops.adapt_datefield_value(period)
    params = [known_key, day, metric, day, _rules_part(rules), day, PeriodStatus.CLOSED]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    if found is None:
        return b""
    key, text = found
    if text is None:
        return known
    body = text.encode()
    BODIES.put(period, metric, key, body)
    return body


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
    # The fingerprint is summed once and compared from there; on PostgreSQL, OFFSET 0 keeps
    # the planner from copying the sum into the comparison (SQLite takes no bare OFFSET).
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    sql = (
        f"SELECT EXISTS (SELECT 1 FROM {qn(Period._meta.db_table)}"
        " WHERE period = %s AND status = %s),"
        " latest.fingerprint,"
        f" (SELECT {qn('rows')} FROM {qn(OpenRanking._meta.db_table)}"
        " WHERE period = %s AND metric = %s AND fingerprint = latest.fingerprint)"
        f" FROM (SELECT {_fingerprint_sql()} AS fingerprint{fence}) AS latest"
    )
    day, rules_part = connection.ops.adapt_datefield_value(period), _rules_part(rules)
    params = [day, PeriodStatus.CLOSED, day, metric, day, rules_part]
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


class StoredRows(BuiltWhenRead):
    """The stored rows of a ranking, each turned back into a RankingRow when first read.

    A page that shows 30 of 500 departments builds 30 rows.
    """

    def __init__(self, columns: dict[str, list]):
        super().__init__(len(columns[_FIELDS[0]]))
        self._columns = columns

    def _build(self, index: int) -> RankingRow:
        return _load(self._columns, index)

    def column(self, field: str) -> list:
        """Return the stored values of ``field``, one per row (Decimals as their text)."""
        return self._columns[field]

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


def load_body(*, period: datetime.date, metric: str, fingerprint: str) -> tuple[str, str]:
    """Return the stored API body and its key if computed from ``fingerprint``, else ("", "")."""
    found = (
        OpenRanking.objects.filter(period=period, metric=metric, fingerprint=fingerprint)
        .exclude(body_key="")
        .values_list("body_key", "body")
        .first()
    )
    return found or ("", "")


def store_ranking(
    *, period: datetime.date, metric: str, fingerprint: str, rows=None, body=None
) -> str:
    """Keep a freshly computed ranking (``rows``) or its API body under ``fingerprint``.

    ``fingerprint`` must have been read *before* computing: a write that lands meanwhile
    changes the month's fingerprint after the one stored, so the next read recomputes. A body
    is kept only beside the rows it was rendered from. One statement either way (an upsert:
    two readers storing at once store the same thing, the later one wins). Return the stored
    body's new key ("" when no body was stored).
    """
    key = uuid.uuid4().hex if body else ""
    if rows is None:
        stored = OpenRanking.objects.filter(
            period=period, metric=metric, fingerprint=fingerprint
        ).update(body=body, body_key=key)
        return key if stored else ""
    OpenRanking.objects.bulk_create(
        [
            OpenRanking(
                period=period,
                metric=metric,
                fingerprint=fingerprint,
                rows=_dump(rows),
                body=body or "",
                body_key=key,
            )
        ],
        update_conflicts=True,
        unique_fields=["period", "metric"],
        update_fields=["fingerprint", "rows", "body", "body_key", "computed_at"],
    )
    return key

"""Long lists ordered first by a month or a year, sliced one group at a time."""

from __future__ import annotations

from django.db.models import Max, QuerySet


class GroupedRows:
    """The rows of ``queryset``, ordered first by ``field`` descending, read a slice at a time.

    Ordering a year's or a month's rows by a joined column (an enterprise's name, a
    department's code) makes the database join and sort every row of the leading group before
    the first page comes out: twenty thousand for a month of monthly reports. Within one value
    of ``field`` (a group) the rest of the ordering can follow an index and stop after a page.
    So a slice walks the groups from the latest: the group it starts in is counted (unless the
    slice starts with it) to skip what comes before, then its rows are read from there with
    LIMIT and OFFSET, and the next group's if the page needs more. The first page costs two
    small queries; a page deep in the list counts each group it passes over.

    A list of at most ``small`` rows is sliced as it is: sorting a few thousand rows costs less
    than walking groups (a filter on one enterprise leaves a row in each of sixty months).
    ``count()`` is the queryset's, exact, and counted once. ``field`` must not be null.
    """

    small = 5_000

    def __init__(self, queryset: QuerySet, *, field: str):
        ordering = queryset.query.order_by
        if not ordering or ordering[0] != f"-{field}":
            raise ValueError(f"The rows must be ordered by -{field} first, not {ordering}.")
        self.queryset = queryset
        self.field = field
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.queryset.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            if (index.start or 0) < 0 or (index.stop is not None and index.stop < 0):
                return list(self.queryset)[index]
            if index.step not in (None, 1):
                return self[index.start : index.stop][:: index.step]
            stop = self.count() if index.stop is None else index.stop
            return self._read(index.start or 0, stop)
        if index < 0:
            index += self.count()
        rows = self._read(index, index + 1) if index >= 0 else []
        if not rows:
            raise IndexError("row index out of range")
        return rows[0]

    def _next_value(self, after):
        """Return the latest value of ``field`` before ``after`` (the latest of all for None)."""
        rows = self.queryset.order_by()
        if after is not None:
            rows = rows.filter(**{f"{self.field}__lt": after})
        return rows.aggregate(value=Max(self.field))["value"]

    def _read(self, start: int, stop: int) -> list:
        if self.count() <= self.small:
            return list(self.queryset[start:stop])
        rows: list = []
        position, after = 0, None  # rows in the groups passed; the last group's value
        while start + len(rows) < stop:
            value = self._next_value(after)
            if value is None:
                break
            after = value
            group = self.queryset.filter(**{self.field: value})
            begin = start + len(rows) - position
            if begin > 0:
                size = group.count()
                if begin >= size:
                    position += size
                    continue
            taken = list(group[begin : begin + stop - start - len(rows)])
            rows.extend(taken)
            position += begin + len(taken)
        return rows

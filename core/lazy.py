"""A sequence whose items are built when first read (a page that shows 30 of 500 builds 30)."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence


class BuiltWhenRead(Sequence):
    """Items built by ``_build(index)`` on first read, then kept in ``_built`` by position.

    Subclasses hold what the items are built from (stored columns, database rows, inputs) and
    answer questions about all of them from that, building none.
    """

    def __init__(self, length: int):
        self._length = length
        self._built: dict[int, object] = {}

    @abstractmethod
    def _build(self, index: int):
        """Return the item at ``index`` (in range), built from what the sequence holds."""

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        index = range(len(self))[index]
        if index not in self._built:
            self._built[index] = self._build(index)
        return self._built[index]

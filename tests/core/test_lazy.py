"""core.lazy: items built on first read, once, by position."""

import pytest

from core.lazy import BuiltWhenRead


class Squares(BuiltWhenRead):
    def __init__(self, length):
        super().__init__(length)
        self.calls = []

    def _build(self, index):
        self.calls.append(index)
        return index * index


def test_items_are_built_once_when_read_and_slices_and_negative_indexes_work():
    squares = Squares(5)
    assert len(squares) == 5 and squares.calls == []
    assert squares[-1] == 16 and squares[1:3] == [1, 4]
    assert squares[4] == 16 and squares.calls == [4, 1, 2]
    assert list(squares) == [0, 1, 4, 9, 16] and squares.calls == [4, 1, 2, 0, 3]
    with pytest.raises(IndexError):
        squares[5]

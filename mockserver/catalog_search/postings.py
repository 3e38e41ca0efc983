"""Secondary indexes of the catalog index: for each value of a field, the rows holding it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

_NO_ROWS = np.empty(0, dtype=np.intp)


class Postings:
    """Value → rows holding it, in a given row order, as one array of rows grouped by value.

    Every lookup answers an array of rows (a view, empty for an unknown value); each value keeps
    only the ``(start, stop)`` of its group. Values that are not strings are not indexed.
    """

    __slots__ = ("_rows", "_spans")

    def __init__(self, values: Sequence[Any], order: Sequence[int]) -> None:
        groups: dict[str, list[int]] = {}
        for row in order:
            value = values[row]
            if isinstance(value, str):
                groups.setdefault(value, []).append(row)
        rows: list[int] = []
        self._spans: dict[str, tuple[int, int]] = {}
        for value, group in groups.items():
            self._spans[value] = (len(rows), len(rows) + len(group))
            rows.extend(group)
        self._rows = np.array(rows, dtype=np.intp)

    def rows(self, value: str) -> np.ndarray:
        """The rows holding ``value``, in the index's order."""
        span = self._spans.get(value)
        return _NO_ROWS if span is None else self._rows[span[0] : span[1]]

"""The query algebra: how the values of one field compare with each other and with a query's
operands, over all catalogs at once (a :class:`Column` answers ``eq neq lt lte gt gte in`` and
sorting with numpy row sets)."""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from mockserver import timestamps

#: A field absent from a catalog (distinct from a null value only in name: both are null).
MISSING = object()
I64_MAX = np.iinfo(np.int64).max


# ---------------------------------------------------------------------------------------------
# Value classes: how values of one field compare with each other and with query operands.
# Values of different classes never compare equal; sorting orders the classes as listed.

_NUM, _DT, _STR, _BOOL, _JSON, _NULL = range(6)
_ORDERED = (_NUM, _DT, _STR)


def classify(value: Any) -> tuple[int, Any]:
    if value is None or value is MISSING:
        return _NULL, None
    if isinstance(value, bool):
        return _BOOL, value
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an integer beyond float range
            number = math.inf if value > 0 else -math.inf
        return (_NUM, number) if not math.isnan(number) else (_NULL, None)
    if isinstance(value, str):
        micros = timestamps.micros(value)
        return (_STR, value) if micros is None else (_DT, micros)
    try:
        return _JSON, json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        return _JSON, repr(value)


class Column:
    """One field's values across all rows, arranged for equality, range and sort queries."""

    __slots__ = ("_n", "_sorted", "_keyed", "_class_rows", "_null_rows", "_sort_keys")

    def __init__(self, values: Sequence[Any]) -> None:
        self._n = len(values)
        groups: dict[int, list[tuple[Any, int]]] = {}
        for row, value in enumerate(values):
            cls, key = classify(value)
            groups.setdefault(cls, []).append((key, row))
        self._sorted: dict[int, tuple[Any, np.ndarray]] = {}
        self._keyed: dict[tuple[int, Any], np.ndarray] = {}
        self._class_rows: dict[int, np.ndarray] = {}
        for cls, pairs in groups.items():
            if cls != _NULL:
                pairs.sort(key=lambda pair: pair[0])
            rows = np.fromiter((row for _key, row in pairs), dtype=np.intp, count=len(pairs))
            self._class_rows[cls] = rows
            if cls == _NUM:
                self._sorted[cls] = (np.array([k for k, _r in pairs], dtype=np.float64), rows)
            elif cls == _DT:
                self._sorted[cls] = (np.array([k for k, _r in pairs], dtype=np.int64), rows)
            elif cls == _STR:
                self._sorted[cls] = ([k for k, _r in pairs], rows)
            else:
                keyed: dict[Any, list[int]] = {}
                for key, row in pairs:
                    keyed.setdefault(key, []).append(row)
                for key, key_rows in keyed.items():
                    self._keyed[(cls, key)] = np.array(key_rows, dtype=np.intp)
        self._null_rows = self._class_rows.get(_NULL, np.empty(0, dtype=np.intp))
        self._sort_keys: dict[bool, np.ndarray] = {}

    def _range(self, cls: int, low: Any, high: Any, low_incl: bool, high_incl: bool) -> np.ndarray:
        """Rows of ``cls`` with ``low <(=) value <(=) high`` (``None`` = unbounded)."""
        if cls not in self._sorted:
            return np.empty(0, dtype=np.intp)
        keys, rows = self._sorted[cls]
        if isinstance(keys, list):
            left, right = bisect.bisect_left, bisect.bisect_right
            start = 0 if low is None else (left if low_incl else right)(keys, low)
            stop = len(keys) if high is None else (right if high_incl else left)(keys, high)
        else:
            start = (
                0
                if low is None
                else int(np.searchsorted(keys, low, side="left" if low_incl else "right"))
            )
            stop = (
                len(keys)
                if high is None
                else int(np.searchsorted(keys, high, side="right" if high_incl else "left"))
            )
        return rows[start:stop] if start < stop else np.empty(0, dtype=np.intp)

    def _equal(self, cls: int, key: Any) -> np.ndarray:
        if cls in _ORDERED:
            return self._range(cls, key, key, True, True)
        return self._keyed.get((cls, key), np.empty(0, dtype=np.intp))

    def match(self, op: str, operand: Any) -> np.ndarray:
        """Boolean row mask for ``value <op> operand``."""
        mask = np.zeros(self._n, dtype=bool)
        if op == "in":
            for item in operand:
                mask[self._equal(*classify(item))] = True
            return mask
        cls, key = classify(operand)
        if op == "eq":
            mask[self._equal(cls, key)] = True
        elif op == "neq":
            if cls == _NULL:
                mask[:] = True
                mask[self._null_rows] = False
            else:
                mask[self._class_rows.get(cls, np.empty(0, dtype=np.intp))] = True
                mask[self._equal(cls, key)] = False
        elif cls in _ORDERED:
            if op == "lt":
                mask[self._range(cls, None, key, False, False)] = True
            elif op == "lte":
                mask[self._range(cls, None, key, False, True)] = True
            elif op == "gt":
                mask[self._range(cls, key, None, False, False)] = True
            elif op == "gte":
                mask[self._range(cls, key, None, True, False)] = True
        return mask

    def sort_key(self, descending: bool) -> np.ndarray:
        """Per-row int64 key; ascending key order = requested order, missing/null last."""
        cached = self._sort_keys.get(descending)
        if cached is not None:
            return cached
        rank = np.full(self._n, I64_MAX, dtype=np.int64)
        next_rank = 0
        for cls in (_NUM, _DT, _STR, _BOOL, _JSON):
            rows = self._class_rows.get(cls)
            if rows is None or len(rows) == 0:
                continue
            if cls in _ORDERED:
                keys = self._sorted[cls][0]
                values = np.asarray(keys, dtype=object) if isinstance(keys, list) else keys
                changes = np.concatenate(([0], np.cumsum(values[1:] != values[:-1])))
            else:
                ordered = sorted(key for (c, key) in self._keyed if c == cls)
                parts = [self._keyed[(cls, key)] for key in ordered]
                rows = np.concatenate(parts)
                changes = np.repeat(np.arange(len(parts)), [len(part) for part in parts])
            rank[rows] = next_rank + changes.astype(np.int64)
            next_rank += int(changes[-1]) + 1
        if descending:
            present = rank != I64_MAX
            rank[present] = next_rank - 1 - rank[present]
        self._sort_keys[descending] = rank
        return rank

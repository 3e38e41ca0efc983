"""Remembered selections: the sorted rows matching recent filter sets, so that the same search
asked again (a client polling, or paging through results) is worked out once."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from typing import Any

import numpy as np

#: Request keys that choose the page, not the selection.
PAGE_KEYS = frozenset({"limit", "offset"})


def selection_key(request: dict[str, Any]) -> str | None:
    """The request without its page, as canonical JSON (keys sorted); ``None`` for a request
    that is not plain JSON, NaN and infinities included (such a request is not remembered, and
    cannot be mistaken for one holding a null)."""
    try:
        return json.dumps(
            {k: v for k, v in request.items() if k not in PAGE_KEYS},
            sort_keys=True,
            separators=(",", ":"),
            allow_nan=False,
        )
    except (TypeError, ValueError):
        return None


class Selections:
    """A least-recently-used memory of row selections, bounded by entries and by rows held
    (8 bytes each: the default keeps at most 16 MB)."""

    def __init__(self, max_entries: int = 256, max_rows: int = 2_000_000) -> None:
        self.max_entries = max_entries
        self.max_rows = max_rows
        self.rows_held = 0
        self._entries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> np.ndarray | None:
        with self._lock:
            rows = self._entries.get(key)
            if rows is not None:
                self._entries.move_to_end(key)
            return rows

    def put(self, key: str, rows: np.ndarray) -> None:
        if len(rows) > self.max_rows:
            return
        rows = rows.view()
        rows.flags.writeable = False
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self.rows_held -= len(previous)
            self._entries[key] = rows
            self.rows_held += len(rows)
            while len(self._entries) > self.max_entries or self.rows_held > self.max_rows:
                _, dropped = self._entries.popitem(last=False)
                self.rows_held -= len(dropped)

"""The request journal: the last requests each workspace sent, for tests to look at.

Kept in memory, per worker process, bounded per workspace (the oldest entry goes first). Bodies
are kept as JSON with every value under a ``secrets`` object replaced, so a journal never holds
a credential; bodies that are not JSON, or larger than :data:`MAX_BODY_BYTES`, are kept as
``null`` with their size. No header is kept, so neither is the API key.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any
from urllib.parse import parse_qs

import orjson

from mockserver.timestamps import to_rfc3339

ENTRIES_PER_WORKSPACE = 1000
MAX_BODY_BYTES = 32 * 1024
REDACTED = "[redacted]"
# Query parameters whose values are capabilities (the signature of a signed URL).
SECRET_QUERY_PARAMETERS = frozenset({"signature"})


def redact(value: Any) -> Any:
    """``value`` with every value under a ``secrets`` key replaced by :data:`REDACTED`."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "secrets":
                out[key] = {name: REDACTED for name in item} if isinstance(item, dict) else REDACTED
            else:
                out[key] = redact(item)
        return out
    if isinstance(value, list):
        return [redact(item) for item in value]
    return value


def redact_query(query: dict[str, list[str]]) -> dict[str, list[str]]:
    return {
        name: [REDACTED] * len(values) if name in SECRET_QUERY_PARAMETERS else values
        for name, values in query.items()
    }


def body_for_journal(raw: bytes, content_type: str | None) -> Any:
    """The body as JSON (secrets redacted), or None when empty, not JSON or too large."""
    if not raw or len(raw) > MAX_BODY_BYTES or "json" not in (content_type or ""):
        return None
    try:
        return redact(orjson.loads(raw))
    except orjson.JSONDecodeError:
        return None


_RAW = "_raw"


def _shown(entry: dict[str, Any]) -> dict[str, Any]:
    (request, request_type), (response, response_type) = entry[_RAW]
    shown = {key: value for key, value in entry.items() if key != _RAW}
    # Kept raw when recorded (an epoch, a query string); worded only for the reader.
    shown["time"] = to_rfc3339(entry["time"])
    shown["query"] = redact_query(parse_qs(entry["query"]))
    shown["request_body"] = body_for_journal(b"".join(request), request_type)
    shown["response_body"] = body_for_journal(b"".join(response), response_type)
    return shown


class Journal:
    """Entries per workspace, oldest first, at most ``limit`` each."""

    def __init__(self, limit: int = ENTRIES_PER_WORKSPACE) -> None:
        self.limit = limit
        self._entries: dict[str, deque[dict[str, Any]]] = {}
        self._counters: dict[str, int] = {}
        self._lock = threading.Lock()

    def record(
        self,
        workspace: str,
        entry: dict[str, Any],
        request_body: tuple[list[bytes], str | None] = ([], None),
        response_body: tuple[list[bytes], str | None] = ([], None),
    ) -> None:
        """Keep ``entry``; the bodies, (chunks, content type), are decoded only when read (an
        empty list for a body over the limit)."""
        entry = {**entry, _RAW: (request_body, response_body)}
        with self._lock:
            entries = self._entries.get(workspace)
            if entries is None:
                entries = self._entries[workspace] = deque(maxlen=self.limit)
            number = self._counters.get(workspace, 0) + 1
            self._counters[workspace] = number
            entries.append({"id": number, **entry})

    def entries(
        self,
        workspace: str,
        *,
        operation_id: str | None = None,
        method: str | None = None,
        status: int | None = None,
    ) -> list[dict[str, Any]]:
        with self._lock:
            entries = list(self._entries.get(workspace, ()))
        return [
            _shown(entry)
            for entry in entries
            if (operation_id is None or entry["operation_id"] == operation_id)
            and (method is None or entry["method"] == method.upper())
            and (status is None or entry["status"] == status)
        ]

    def clear(self, workspace: str) -> None:
        with self._lock:
            self._entries.pop(workspace, None)

"""RFC 3339 timestamps and intervals: the one parser and the one writer of the mock.

Instants are epoch microseconds (``int``) when parsed for comparison, epoch seconds (``float``)
where the clock reads them. An interval filter ``start/end`` takes ``..`` (or nothing) for an
open end; what a lone instant means is the caller's choice (:class:`InstantMeans`), because the
contract differs by filter: STAC's ``datetime`` means exactly that instant, the AOI and order-item
``created_at``/``updated_at`` mean on or after it.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mockserver.errors import bad_request

_EPOCH = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:[Zz]|([+-])(\d{2}):(\d{2}))\Z"
)


def to_rfc3339(epoch: float) -> str:
    """``2024-05-27T06:50:20.056549Z`` (UTC, microseconds), the live API's timestamp form."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def micros(text: Any) -> int | None:
    """Microseconds since the Unix epoch of an RFC 3339 date-time, or ``None`` if not one.

    Accepts ``Z`` or a numeric offset and any number of fractional digits (truncated to
    microseconds). Date-only strings and other ISO 8601 variants are not RFC 3339 date-times.
    """
    if not isinstance(text, str):
        return None
    match = _RFC3339.match(text)
    if match is None:
        return None
    try:  # fast path; the regex above already made sure the text is RFC 3339
        return (datetime.fromisoformat(text) - _EPOCH_UTC) // _ONE_US
    except ValueError:
        pass
    year, month, day, hour, minute, second, frac, sign, off_h, off_m = match.groups()
    try:
        naive = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
    except ValueError:
        return None
    value = (naive - _EPOCH) // _ONE_US
    if frac:
        value += int(frac[:6].ljust(6, "0"))
    if sign:
        if int(off_h) > 23 or int(off_m) > 59:
            return None
        offset = (int(off_h) * 60 + int(off_m)) * 60_000_000
        value += -offset if sign == "+" else offset
    return value


def parse_rfc3339(text: str) -> float:
    """Epoch seconds of an RFC 3339 date-time; ``ValueError`` if it is not one."""
    value = micros(text.strip() if isinstance(text, str) else text)
    if value is None:
        raise ValueError(f"{text!r} is not an RFC 3339 date-time")
    return value / 1_000_000


class InstantMeans(enum.Enum):
    """What a filter given a single instant ``t`` (no ``/``) selects."""

    EXACTLY = "exactly"  # [t, t], STAC's datetime
    ON_OR_AFTER = "on or after"  # [t, open)


@dataclass(frozen=True)
class Interval:
    """Inclusive bounds in epoch microseconds; ``None`` is an open end."""

    start: int | None
    end: int | None

    def contains(self, instant: int) -> bool:
        return (self.start is None or instant >= self.start) and (
            self.end is None or instant <= self.end
        )


def parse_interval(value: Any, field: str, instant: InstantMeans) -> Interval:
    """An instant or an interval ``start/end`` (``..`` or empty for an open end); a 400 naming
    ``field`` for anything else, an interval open at both ends or one that starts after it ends."""
    if not isinstance(value, str):
        raise bad_request(
            f"{field} must be an RFC 3339 date-time or an interval 'start/end'", field=field
        )
    text = value.strip()
    if "/" not in text:
        at = micros(text)
        if at is None:
            raise bad_request(
                f"{field} {value!r} is not an RFC 3339 date-time (e.g. 2024-05-27T06:50:20Z) "
                "or an interval 'start/end' with '..' for an open end",
                field=field,
            )
        return Interval(at, at if instant is InstantMeans.EXACTLY else None)
    parts = text.split("/")
    if len(parts) != 2:
        raise bad_request(
            f"{field} {value!r} must have exactly one '/' between start and end", field=field
        )
    bounds: list[int | None] = []
    for name, part in zip(("start", "end"), parts, strict=True):
        part = part.strip()
        if part in ("", ".."):
            bounds.append(None)
            continue
        parsed = micros(part)
        if parsed is None:
            raise bad_request(
                f"{field} {name} {part!r} is not an RFC 3339 date-time or '..'", field=field
            )
        bounds.append(parsed)
    start, end = bounds
    if start is None and end is None:
        raise bad_request(
            f"{field} {value!r}: an interval cannot be open at both ends", field=field
        )
    if start is not None and end is not None and start > end:
        raise bad_request(f"{field} {value!r}: the start is after the end", field=field)
    return Interval(start, end)

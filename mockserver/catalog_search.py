"""In-memory, indexed catalog search (the domain behind ``POST /v0/catalogs/search``).

:class:`CatalogIndex` is built once from a list of Catalog dicts and answers searches with
vectorised numpy masks over precomputed columns (datetime as epoch microseconds, footprint
bounding boxes) and dict indexes for the id filters. Footprint geometries are only built,
from the catalog's own GeoJSON, for the few candidates whose bounding box alone cannot decide a
spatial filter, so the index stays small. Only the requested page is materialised.

The catalog dicts are never modified; the index keeps references to them, so callers must
not mutate them either (build a new index instead).

Invalid requests raise :func:`mockserver.errors.bad_request` (HTTP 400) naming the field.
"""

from __future__ import annotations

import bisect
import json
import math
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import orjson
import shapely
from shapely.geometry import shape

from mockserver import geo
from mockserver.errors import bad_request

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "QUERY_OPERATORS",
    "SORT_DIRECTIONS",
    "STANDARD_PROPERTIES",
    "TOP_LEVEL_FIELDS",
    "CatalogIndex",
    "parse_datetime_filter",
    "parse_rfc3339",
]

DEFAULT_LIMIT = 2
MAX_LIMIT = 100
QUERY_OPERATORS = ("eq", "neq", "lt", "lte", "gt", "gte", "in")
SORT_DIRECTIONS = ("ASC", "DESC")
_SORT_FORMS = '{"<field>": "ASC"|"DESC"} or {"field": "<field>", "direction": "asc"|"desc"}'
# ``properties->>'datetime'``: how the reference's description names a STAC property.
_PROPERTY_PATH = re.compile(r"^properties\s*->>?\s*'([^']+)'$")
#: Catalog fields (outside ``details.properties``) usable in ``query`` and ``sort_by``.
#: These names always mean the top-level field, never a STAC property of the same name.
TOP_LEVEL_FIELDS = (
    "id",
    "org_id",
    "task_id",
    "bandset_id",
    "area",
    "delivery_status",
    "created_at",
    "updated_at",
)
#: STAC properties (and the Pixxel linkage properties) always accepted in ``query`` and
#: ``sort_by``, even when no catalog in the index carries them.
STANDARD_PROPERTIES = (
    "datetime",
    "start_datetime",
    "end_datetime",
    "created",
    "updated",
    "platform",
    "constellation",
    "instruments",
    "gsd",
    "eo:cloud_cover",
    "proj:epsg",
    "view:off_nadir",
    "view:sun_azimuth",
    "view:sun_elevation",
    "sat:orbit_state",
    "project_id",
    "order_id",
    "order_item_id",
    "usecase",
    "satellite_id",
)
_LIST_FILTERS = ("ids", "collections", "item_ids", "order_ids", "order_item_ids")

_MISSING = object()
_I64_MIN = np.iinfo(np.int64).min
_I64_MAX = np.iinfo(np.int64).max
_EPOCH = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)

# ---------------------------------------------------------------------------------------------
# RFC 3339 timestamps


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:[Zz]|([+-])(\d{2}):(\d{2}))\Z"
)


def parse_rfc3339(text: Any) -> int | None:
    """Microseconds since the Unix epoch for an RFC 3339 date-time, or ``None``.

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
    micros = (naive - _EPOCH) // _ONE_US
    if frac:
        micros += int(frac[:6].ljust(6, "0"))
    if sign:
        if int(off_h) > 23 or int(off_m) > 59:
            return None
        offset = (int(off_h) * 60 + int(off_m)) * 60_000_000
        micros += -offset if sign == "+" else offset
    return micros


def parse_datetime_filter(value: Any, field: str = "datetime") -> tuple[int | None, int | None]:
    """Parse the ``datetime`` filter into an inclusive ``(start, end)`` in epoch microseconds.

    An instant ``t`` gives ``(t, t)``; an interval ``a/b`` gives ``(a, b)``; an open end
    (``..`` or empty) gives ``None`` on that side. Both ends open, an unparsable part or a start
    after the end is a 400.
    """
    if not isinstance(value, str):
        raise bad_request(
            f"{field} must be an RFC 3339 date-time or an interval 'start/end'", field=field
        )
    text = value.strip()
    if "/" not in text:
        instant = parse_rfc3339(text)
        if instant is None:
            raise bad_request(
                f"{field} {value!r} is not an RFC 3339 date-time (e.g. 2024-05-27T06:50:20Z) "
                "or an interval 'start/end' with '..' for an open end",
                field=field,
            )
        return instant, instant
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
        parsed = parse_rfc3339(part)
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
    return start, end


# ---------------------------------------------------------------------------------------------
# Value classes: how values of one field compare with each other and with query operands.
# Values of different classes never compare equal; sorting orders the classes as listed.

_NUM, _DT, _STR, _BOOL, _JSON, _NULL = range(6)
_ORDERED = (_NUM, _DT, _STR)


def _classify(value: Any) -> tuple[int, Any]:
    if value is None or value is _MISSING:
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
        micros = parse_rfc3339(value)
        return (_STR, value) if micros is None else (_DT, micros)
    try:
        return _JSON, json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    except (TypeError, ValueError):
        return _JSON, repr(value)


class _Column:
    """One field's values across all rows, arranged for equality, range and sort queries."""

    __slots__ = ("_n", "_sorted", "_keyed", "_class_rows", "_null_rows", "_sort_keys")

    def __init__(self, values: Sequence[Any]) -> None:
        self._n = len(values)
        groups: dict[int, list[tuple[Any, int]]] = {}
        for row, value in enumerate(values):
            cls, key = _classify(value)
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
                mask[self._equal(*_classify(item))] = True
            return mask
        cls, key = _classify(operand)
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
        rank = np.full(self._n, _I64_MAX, dtype=np.int64)
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
            present = rank != _I64_MAX
            rank[present] = next_rank - 1 - rank[present]
        self._sort_keys[descending] = rank
        return rank


# ---------------------------------------------------------------------------------------------
# Helpers


def _coords_bounds(coords: Any) -> tuple[float, float, float, float] | None:
    """Planar bounds of nested GeoJSON coordinates, without building a geometry."""
    xs: list[float] = []
    ys: list[float] = []
    stack = [coords]
    while stack:
        item = stack.pop()
        if not isinstance(item, list | tuple) or not item:
            continue
        if isinstance(item[0], int | float):
            if len(item) >= 2:
                xs.append(float(item[0]))
                ys.append(float(item[1]))
        else:
            stack.extend(item)
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def _geometry_bounds(geometry: Any) -> tuple[float, float, float, float] | None:
    if not isinstance(geometry, dict):
        return None
    if geometry.get("type") == "GeometryCollection":
        parts = [_geometry_bounds(g) for g in geometry.get("geometries") or []]
        boxes = [b for b in parts if b is not None]
        if not boxes:
            return None
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
    return _coords_bounds(geometry.get("coordinates"))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _box_geometry(west: float, south: float, east: float, north: float) -> Any:
    """A box as a geometry, degenerating to a line or a point when it has no area."""
    if west == east and south == north:
        return shapely.Point(west, south)
    if west == east or south == north:
        return shapely.LineString([(west, south), (east, north)])
    return shapely.box(west, south, east, north)


def _and(mask: np.ndarray | None, other: np.ndarray) -> np.ndarray:
    return other if mask is None else mask & other


# ---------------------------------------------------------------------------------------------
# The index


def _properties(doc: dict[str, Any]) -> dict[str, Any]:
    details = doc.get("details")
    props = details.get("properties") if isinstance(details, dict) else None
    return props if isinstance(props, dict) else {}


# Documents kept as plain JSON bytes before the store starts compressing: decoding one is then
# about 5 µs instead of 13 µs, for about 2.7 kB each instead of 450 bytes.
RAW_DOCUMENTS = 5_000


class _Documents:
    """Read-only JSON documents kept compact: orjson bytes (zlib-compressed against a shared
    dictionary beyond the first :data:`RAW_DOCUMENTS`), with identical ``eo:bands`` lists stored
    once and shared.

    A full catalog is about 5 kB of JSON, most of it the band list its bandset shares with every
    other catalog of that bandset; without the bands it is about 2.7 kB, and compressed about
    450 bytes. Decoding
    one takes about 10 µs, so pages and lookups materialise what they return and nothing else.
    Each access returns a fresh dict (the shared band lists excepted): callers cannot alter the
    stored document.
    """

    __slots__ = ("_blobs", "_band_lists", "_band_keys", "_zdict")

    def __init__(self) -> None:
        self._blobs: list[bytes] = []
        self._band_lists: list[list[Any]] = []
        self._band_keys: dict[bytes, int] = {}
        # The first document primes the compressor for every other: catalogs share most of
        # their keys and much of their text, so each then compresses to about 450 bytes.
        self._zdict: bytes | None = None

    def append(self, doc: dict[str, Any]) -> None:
        details = doc.get("details")
        assets = details.get("assets") if isinstance(details, dict) else None
        shared: dict[str, int] = {}
        if isinstance(assets, dict):
            for name, asset in assets.items():
                bands = asset.get("eo:bands") if isinstance(asset, dict) else None
                if isinstance(bands, list):
                    key = orjson.dumps(bands)
                    index = self._band_keys.get(key)
                    if index is None:
                        index = self._band_keys[key] = len(self._band_lists)
                        self._band_lists.append(orjson.loads(key))
                    shared[name] = index
        if shared:
            doc = {**doc, "details": {**details, "assets": dict(assets)}}
            for name in shared:
                doc["details"]["assets"][name] = {
                    k: v for k, v in assets[name].items() if k != "eo:bands"
                }
            doc["\x00bands"] = shared
        raw = orjson.dumps(doc)
        if len(self._blobs) < RAW_DOCUMENTS:
            self._blobs.append(raw)
            return
        if self._zdict is None:
            self._zdict = raw
        compressor = zlib.compressobj(6, zdict=self._zdict)
        self._blobs.append(compressor.compress(raw) + compressor.flush())

    def __len__(self) -> int:
        return len(self._blobs)

    def __getitem__(self, row: int) -> dict[str, Any]:
        blob = self._blobs[row]
        if row >= RAW_DOCUMENTS:
            blob = zlib.decompressobj(zdict=self._zdict).decompress(blob)  # type: ignore[arg-type]
        doc = orjson.loads(blob)
        shared = doc.pop("\x00bands", None)
        if shared:
            assets = doc["details"]["assets"]
            for name, index in shared.items():
                assets[name]["eo:bands"] = self._band_lists[index]
        return doc

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for row in range(len(self._blobs)):
            yield self[row]


class CatalogIndex:
    """An immutable, indexed view over a list of Catalog dicts.

    Search semantics (all request fields optional, combined with AND):

    * ``ids``, ``collections``, ``item_ids``, ``order_ids``, ``order_item_ids``: membership
      (OR within a list). ``null`` or an empty list means *no restriction*.
      ``order_ids`` / ``order_item_ids`` read ``details.properties.order_id`` / ``order_item_id``.
    * ``datetime``: instant or inclusive interval (see :func:`parse_datetime_filter`) against
      ``properties.datetime``, or ``start_datetime``..``end_datetime`` when ``datetime`` is null
      (matches when the ranges overlap). Catalogs with neither never match.
    * ``bbox``: 2D or 3D box, crossing the antimeridian when west > east. A catalog matches when
      its footprint geometry intersects the box (touching counts); footprints whose bbox already
      lies inside the box, or that have no usable geometry, are decided by their bbox.
    * ``intersects``: any GeoJSON geometry, planar intersection with the footprint. ``bbox`` and
      ``intersects`` together are a 400 (as in the STAC API).
    * ``query``: ``{prop: value}`` (equality) or ``{prop: {op: operand, ...}}`` with ops
      ``eq neq lt lte gt gte in``, ANDed. Names in :data:`TOP_LEVEL_FIELDS` mean the top-level
      catalog field, any other name a key of ``details.properties``; a name that is neither a
      top-level field, nor in :data:`STANDARD_PROPERTIES`, nor on any catalog is a 400.
      Values of different kinds (number, RFC 3339 date-time string, other string, boolean,
      array/object) never match each other; date-time strings compare as instants.
      ``eq null`` matches a null or absent value and ``neq null`` any non-null value;
      ``neq x`` matches values of x's kind that differ from x.
    * ``sort_by``: ``[{field: "ASC"|"DESC"}, ...]`` applied in order, missing/null values last,
      ties broken by catalog ``id`` ascending. Without ``sort_by``: ``properties.datetime``
      (``start_datetime`` when null) descending, then ``id`` ascending.
    * ``limit`` 1..100 (default 2), ``offset`` >= 0 (default 0). Unknown request keys are
      ignored.
    """

    def __init__(self, catalogs: Iterable[dict[str, Any]]) -> None:
        docs = _Documents()
        by_id: dict[str, int] = {}
        ids: list[str] = []
        keys: dict[str, list[Any]] = {name: [] for name in _LIST_FILTERS if name != "ids"}
        starts: list[int] = []
        ends: list[int] = []
        boxes: list[tuple[float, float, float, float]] = []
        no_box = (math.nan, math.nan, math.nan, math.nan)
        prop_names: set[str] = set()
        has_geometry: list[bool] = []

        for row, catalog in enumerate(catalogs):
            catalog_id = catalog.get("id")
            if not isinstance(catalog_id, str):
                raise ValueError(f"catalog at position {row} has no string 'id'")
            if by_id.setdefault(catalog_id, row) != row:
                raise ValueError(f"duplicate catalog id {catalog_id!r}")
            ids.append(catalog_id)
            details = catalog.get("details")
            details = details if isinstance(details, dict) else {}
            props = details.get("properties")
            props = props if isinstance(props, dict) else {}
            prop_names.update(props)
            keys["collections"].append(details.get("collection"))
            keys["item_ids"].append(details.get("id"))
            keys["order_ids"].append(props.get("order_id"))
            keys["order_item_ids"].append(props.get("order_item_id"))

            start = parse_rfc3339(props.get("datetime"))
            end = start
            if start is None:
                start = parse_rfc3339(props.get("start_datetime"))
                end = parse_rfc3339(props.get("end_datetime"))
            if start is None or end is None or start > end:
                start, end = _I64_MAX, _I64_MIN  # never inside any interval
            starts.append(start)
            ends.append(end)

            geometry = details.get("geometry")
            has_geometry.append(isinstance(geometry, dict))
            box = details.get("bbox")
            if (
                isinstance(box, list | tuple)
                and len(box) in (4, 6)
                and all(_is_number(v) for v in box)
            ):
                half = len(box) // 2
                boxes.append((box[0], box[1], box[half], box[half + 1]))
            else:
                boxes.append(_geometry_bounds(geometry) or no_box)
            docs.append(catalog)

        n = len(docs)
        self._docs = docs
        self._n = n
        self._by_id = by_id
        self._prop_names = frozenset(prop_names | set(STANDARD_PROPERTIES))
        self._dt_start = np.array(starts, dtype=np.int64)
        self._dt_end = np.array(ends, dtype=np.int64)
        self._has_dt = self._dt_start <= self._dt_end
        bounds = np.array(boxes, dtype=np.float64).reshape(n, 4)
        self._minx, self._miny, self._maxx, self._maxy = (bounds[:, i].copy() for i in range(4))
        del bounds, boxes, starts, ends
        # A footprint bbox with west > east crosses the antimeridian.
        self._crossing = self._minx > self._maxx
        has_geom = np.array(has_geometry, dtype=bool).reshape(n)
        self._refinable = has_geom & (self._minx <= self._maxx)

        self._id_rank = np.empty(n, dtype=np.int64)
        self._id_rank[sorted(range(n), key=ids.__getitem__)] = np.arange(n, dtype=np.int64)
        dt_key = np.where(self._has_dt, -self._dt_start, 0)
        self._order = np.lexsort((self._id_rank, dt_key, ~self._has_dt)).astype(np.intp)

        # Secondary indexes, built on first use: value -> row (one match), list of rows (a
        # few) or array of rows (many), each in the default search order.
        self._index_values = keys
        self._indexes: dict[str, dict[str, Any]] = {"ids": by_id}
        self._columns: dict[str, _Column] = {}

    def _index(self, name: str) -> dict[str, Any]:
        index = self._indexes.get(name)
        if index is not None:
            return index
        values = self._index_values[name]
        index = {}
        order = self._order.tolist()
        for row, value in zip(order, [values[row] for row in order], strict=True):
            if not isinstance(value, str):
                continue
            found = index.get(value)
            if found is None:
                index[value] = row
            elif isinstance(found, int):
                index[value] = [found, row]
            else:
                found.append(row)
        for value, found in index.items():
            if isinstance(found, list) and len(found) > 16:
                index[value] = np.array(found, dtype=np.intp)
        self._indexes[name] = index
        return index

    # -- lookups ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._n

    def get(self, catalog_id: str) -> dict[str, Any] | None:
        """The catalog with this id, or ``None``."""
        row = self._by_id.get(catalog_id) if isinstance(catalog_id, str) else None
        return None if row is None else self._docs[row]

    def by_order_item(self, order_item_id: str) -> list[dict[str, Any]]:
        """Catalogs produced by an order item, in the default search order."""
        found = self._index("order_item_ids").get(order_item_id)
        if found is None:
            return []
        rows = [found] if isinstance(found, int) else found
        return [self._docs[row] for row in rows]

    @property
    def queryables(self) -> list[str]:
        """Every name accepted in ``query`` and ``sort_by``."""
        return sorted(self._prop_names | set(TOP_LEVEL_FIELDS))

    # -- search ----------------------------------------------------------------------------

    def search(
        self,
        request: dict[str, Any] | None,
        delivery_statuses: Mapping[str, str] | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """The requested page of matching catalogs and the total number of matches.

        ``delivery_statuses`` maps catalog ids to the caller's own delivery status; a catalog not
        in it is ``UNSPECIFIED``. Without it, filters and sorts use the stored status.
        """
        if request is None:
            request = {}
        if not isinstance(request, dict):
            raise bad_request("the search request must be a JSON object")
        limit = self._int(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        offset = self._int(request, "offset", 0, 0, None)
        lists = {name: self._string_list(request, name) for name in _LIST_FILTERS}
        when = request.get("datetime")
        interval = None if when is None else parse_datetime_filter(when)
        bbox = request.get("bbox")
        intersects = request.get("intersects")
        if bbox is not None and intersects is not None:
            raise bad_request("give either bbox or intersects, not both", field="intersects")
        box = None if bbox is None else geo.parse_bbox(bbox, "bbox")
        area = None if intersects is None else geo.parse_geometry(intersects, "intersects")
        query = self._parse_query(request.get("query"))
        sort = self._parse_sort(request.get("sort_by"))

        columns: dict[str, _Column] = {}
        if delivery_statuses is not None:
            statuses = ["UNSPECIFIED"] * self._n
            for catalog_id, status in delivery_statuses.items():
                row = self._by_id.get(catalog_id)
                if row is not None:
                    statuses[row] = status
            columns["delivery_status"] = _Column(statuses)

        def column(name: str) -> _Column:
            return columns.get(name) or self._column(name)

        mask: np.ndarray | None = None
        for name, values in lists.items():
            if values:
                mask = _and(mask, self._membership(name, values))
        if interval is not None:
            mask = _and(mask, self._datetime_mask(*interval))
        boxes = None
        if box is not None:
            boxes = geo.bbox_boxes(box)
            mask = _and(mask, self._bbox_overlap(boxes))
        if area is not None:
            mask = _and(mask, self._bbox_overlap([area.bounds]))
        for name, op, operand in query:
            mask = _and(mask, column(name).match(op, operand))
        if boxes is not None and mask is not None:
            self._refine_bbox(mask, boxes)
        if area is not None and mask is not None:
            self._refine(mask, np.flatnonzero(mask & self._refinable), area)

        selected = self._sorted_rows(mask, sort, column)
        page = selected[offset : offset + limit].tolist()
        return [self._docs[row] for row in page], len(selected)

    # -- request parsing -------------------------------------------------------------------

    @staticmethod
    def _int(request: dict[str, Any], name: str, default: int, low: int, high: int | None) -> int:
        value = request.get(name)
        if value is None:
            return default
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise bad_request(f"{name} must be an integer", field=name)
        if value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise bad_request(f"{name} must be {bounds}, got {value}", field=name)
        return value

    @staticmethod
    def _string_list(request: dict[str, Any], name: str) -> list[str]:
        value = request.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            raise bad_request(f"{name} must be an array of strings", field=name)
        for i, item in enumerate(value):
            if not isinstance(item, str):
                raise bad_request(f"{name}[{i}] must be a string", field=f"{name}[{i}]")
        return value

    def _check_field(self, name: str, field: str, what: str) -> None:
        if name not in TOP_LEVEL_FIELDS and name not in self._prop_names:
            raise bad_request(
                f"{field}: unknown {what} {name!r}; known: {', '.join(self.queryables)}",
                field=field,
                queryables=self.queryables,
            )

    def _parse_query(self, query: Any) -> list[tuple[str, str, Any]]:
        if query is None:
            return []
        if not isinstance(query, dict):
            raise bad_request("query must be an object keyed by property name", field="query")
        parsed: list[tuple[str, str, Any]] = []
        for name, condition in query.items():
            field = f"query.{name}"
            self._check_field(name, field, "property")
            if not isinstance(condition, dict):
                parsed.append((name, "eq", self._operand(condition, field)))
                continue
            if not condition:
                raise bad_request(
                    f"{field} needs at least one operator ({', '.join(QUERY_OPERATORS)})",
                    field=field,
                )
            for op, operand in condition.items():
                where = f"{field}.{op}"
                if op not in QUERY_OPERATORS:
                    raise bad_request(
                        f"{where}: unknown operator {op!r}; use one of "
                        f"{', '.join(QUERY_OPERATORS)}",
                        field=where,
                        allowed=list(QUERY_OPERATORS),
                    )
                if op == "in":
                    if not isinstance(operand, list):
                        raise bad_request(f"{where} must be an array of values", field=where)
                    operand = [
                        self._operand(item, f"{where}[{i}]") for i, item in enumerate(operand)
                    ]
                else:
                    operand = self._operand(operand, where)
                parsed.append((name, op, operand))
        return parsed

    @staticmethod
    def _operand(value: Any, field: str) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            raise bad_request(f"{field} must be a finite number", field=field)
        return value

    def _parse_sort(self, sort_by: Any) -> list[tuple[str, bool]]:
        """Sort keys in either documented form: ``{"<field>": "ASC"|"DESC"}`` or
        ``{"field": "<field>", "direction": "asc"|"desc"}`` (the field may be written
        ``properties->>'<field>'``; the direction in either case, ascending when absent)."""
        if sort_by is None:
            return []
        if not isinstance(sort_by, list):
            raise bad_request(
                f"sort_by must be an array of sort keys ({_SORT_FORMS})", field="sort_by"
            )
        parsed: list[tuple[str, bool]] = []
        for i, item in enumerate(sort_by):
            field = f"sort_by[{i}]"
            if isinstance(item, dict) and "field" in item:
                name, direction = item["field"], item.get("direction", "ASC")
                if set(item) - {"field", "direction"} or not isinstance(name, str):
                    raise bad_request(f"{field} must be one sort key ({_SORT_FORMS})", field=field)
                name = _PROPERTY_PATH.sub(r"\1", name.strip())
                direction = direction.upper() if isinstance(direction, str) else direction
            elif isinstance(item, dict) and len(item) == 1:
                ((name, direction),) = item.items()
            else:
                raise bad_request(f"{field} must be one sort key ({_SORT_FORMS})", field=field)
            self._check_field(name, field, "sort field")
            if direction not in SORT_DIRECTIONS:
                raise bad_request(
                    f"{field}: direction must be 'ASC' or 'DESC', got {direction!r}",
                    field=field,
                    allowed=list(SORT_DIRECTIONS),
                )
            parsed.append((name, direction == "DESC"))
        return parsed

    # -- filtering -------------------------------------------------------------------------

    def _membership(self, name: str, values: list[str]) -> np.ndarray:
        mask = np.zeros(self._n, dtype=bool)
        index = self._index(name)
        for value in values:
            rows = index.get(value)
            if rows is not None:
                mask[rows] = True
        return mask

    def _datetime_mask(self, start: int | None, end: int | None) -> np.ndarray:
        mask = self._has_dt.copy()
        if end is not None:
            mask &= self._dt_start <= end
        if start is not None:
            mask &= self._dt_end >= start
        return mask

    def _bbox_overlap(self, boxes: Sequence[Sequence[float]]) -> np.ndarray:
        """Rows whose footprint bbox overlaps any of ``boxes`` (none crossing 180)."""
        minx, miny, maxx, maxy, crossing = (
            self._minx,
            self._miny,
            self._maxx,
            self._maxy,
            self._crossing,
        )
        mask = np.zeros(self._n, dtype=bool)
        for west, south, east, north in boxes:
            lon = np.where(
                crossing, (minx <= east) | (maxx >= west), (maxx >= west) & (minx <= east)
            )
            mask |= lon & (maxy >= south) & (miny <= north)
        return mask

    def _refine_bbox(
        self, mask: np.ndarray, boxes: list[tuple[float, float, float, float]]
    ) -> None:
        candidates = np.flatnonzero(mask & self._refinable)
        if len(candidates) == 0:
            return
        minx, miny = self._minx[candidates], self._miny[candidates]
        maxx, maxy = self._maxx[candidates], self._maxy[candidates]
        inside = np.zeros(len(candidates), dtype=bool)
        for west, south, east, north in boxes:
            inside |= (minx >= west) & (maxx <= east) & (miny >= south) & (maxy <= north)
        self._refine(mask, candidates[~inside], *(_box_geometry(*b) for b in boxes))

    def _refine(self, mask: np.ndarray, candidates: np.ndarray, *regions: Any) -> None:
        """Clear ``mask`` for candidates whose footprint geometry misses every region."""
        if len(candidates) == 0:
            return
        geoms = np.empty(len(candidates), dtype=object)
        usable = np.ones(len(candidates), dtype=bool)
        for i, row in enumerate(candidates.tolist()):
            try:
                geom = shape(self._docs[row]["details"]["geometry"])
                if geom.is_empty or geom.bounds[2] - geom.bounds[0] > 180:
                    raise ValueError("not usable planar")
                geoms[i] = geom
            except Exception:  # a footprint we cannot build: the bbox decides
                usable[i] = False
        if not usable.any():
            return
        footprints = geoms[usable]
        hits = np.zeros(len(footprints), dtype=bool)
        for region in regions:
            shapely.prepare(region)
            hits |= np.asarray(shapely.intersects(footprints, region), dtype=bool)
        mask[candidates[usable][~hits]] = False

    def _column(self, name: str) -> _Column:
        column = self._columns.get(name)
        if column is None:
            if name in TOP_LEVEL_FIELDS:
                values = [doc.get(name, _MISSING) for doc in self._docs]
            else:
                values = [_properties(doc).get(name, _MISSING) for doc in self._docs]
            column = _Column(values)
            self._columns[name] = column
        return column

    # -- ordering --------------------------------------------------------------------------

    def _sorted_rows(
        self,
        mask: np.ndarray | None,
        sort: list[tuple[str, bool]],
        column: Callable[[str], _Column],
    ) -> np.ndarray:
        if not sort:
            return self._order if mask is None else self._order[mask[self._order]]
        rows = np.arange(self._n, dtype=np.intp) if mask is None else np.flatnonzero(mask)
        keys = [self._id_rank[rows]]
        for name, descending in reversed(sort):
            keys.append(column(name).sort_key(descending)[rows])
        return rows[np.lexsort(keys)]

"""The catalog index: every fixture catalog, searched with vectorised numpy masks.

:class:`CatalogIndex` is built once from a list of Catalog dicts and answers searches with masks
over precomputed columns (datetime as epoch microseconds, footprint bounding boxes) and
:class:`~mockserver.catalog_search.postings.Postings` for the id filters. Footprint geometries are
only built, from the catalog's own GeoJSON, for the few candidates whose bounding box alone cannot
decide a spatial filter, so the index stays small. Only the requested page is materialised, and
the rows matching recent filter sets are remembered (:mod:`.selections`), so paging through a
search, or asking it again, filters once.

Invalid requests raise :func:`mockserver.errors.bad_request` (HTTP 400) naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from mockserver import geo, timestamps
from mockserver.catalog_search import request as parse
from mockserver.catalog_search.columns import I64_MAX, MISSING, Column
from mockserver.catalog_search.documents import CompactDocuments
from mockserver.catalog_search.fields import LIST_FILTERS, STANDARD_PROPERTIES, TOP_LEVEL_FIELDS
from mockserver.catalog_search.footprints import box_geometry, geometry_bounds, is_number
from mockserver.catalog_search.limits import DEFAULT_LIMIT, MAX_LIMIT
from mockserver.catalog_search.postings import Postings
from mockserver.catalog_search.selections import Selections, selection_key
from mockserver.errors import bad_request
from mockserver.timestamps import InstantMeans

_I64_MIN = np.iinfo(np.int64).min


def _and(mask: np.ndarray | None, other: np.ndarray) -> np.ndarray:
    return other if mask is None else mask & other


def _properties(doc: dict[str, Any]) -> dict[str, Any]:
    details = doc.get("details")
    props = details.get("properties") if isinstance(details, dict) else None
    return props if isinstance(props, dict) else {}


class CatalogIndex:
    """An immutable, indexed view over a list of Catalog dicts.

    Search semantics (all request fields optional, combined with AND):

    * ``ids``, ``collections``, ``item_ids``, ``order_ids``, ``order_item_ids``: membership
      (OR within a list). ``null`` or an empty list means *no restriction*.
      ``order_ids`` / ``order_item_ids`` read ``details.properties.order_id`` / ``order_item_id``.
    * ``datetime``: an instant (exactly then) or an inclusive interval against
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
        docs = CompactDocuments()
        by_id: dict[str, int] = {}
        ids: list[str] = []
        keys: dict[str, list[Any]] = {name: [] for name in LIST_FILTERS if name != "ids"}
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

            start = timestamps.micros(props.get("datetime"))
            end = start
            if start is None:
                start = timestamps.micros(props.get("start_datetime"))
                end = timestamps.micros(props.get("end_datetime"))
            if start is None or end is None or start > end:
                start, end = I64_MAX, _I64_MIN  # never inside any interval
            starts.append(start)
            ends.append(end)

            geometry = details.get("geometry")
            has_geometry.append(isinstance(geometry, dict))
            box = details.get("bbox")
            if (
                isinstance(box, list | tuple)
                and len(box) in (4, 6)
                and all(is_number(v) for v in box)
            ):
                half = len(box) // 2
                boxes.append((box[0], box[1], box[half], box[half + 1]))
            else:
                boxes.append(geometry_bounds(geometry) or no_box)
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

        # Secondary indexes (value -> rows in the default search order), built on first use.
        keys["ids"] = ids
        self._index_values = keys
        self._postings: dict[str, Postings] = {}
        self._columns: dict[str, Column] = {}
        self._selections = Selections()

    def _index(self, name: str) -> Postings:
        postings = self._postings.get(name)
        if postings is None:
            postings = Postings(self._index_values[name], self._order.tolist())
            self._postings[name] = postings
        return postings

    # -- lookups ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._n

    def get(self, catalog_id: str) -> dict[str, Any] | None:
        """The catalog with this id, or ``None``."""
        row = self._by_id.get(catalog_id) if isinstance(catalog_id, str) else None
        return None if row is None else self._docs[row]

    def by_order_item(self, order_item_id: str) -> list[dict[str, Any]]:
        """Catalogs produced by an order item, in the default search order."""
        rows = self._index("order_item_ids").rows(order_item_id)
        return [self._docs[row] for row in rows.tolist()]

    @property
    def queryables(self) -> list[str]:
        """Every name accepted in ``query`` and ``sort_by``."""
        return parse.queryables(self._prop_names)

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
        limit = parse.integer(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        offset = parse.integer(request, "offset", 0, 0, None)
        # A workspace's delivery statuses change with its clock: such a selection is not kept.
        key = selection_key(request) if delivery_statuses is None else None
        selected = self._selections.get(key) if key is not None else None
        if selected is None:
            selected = self._select(request, delivery_statuses)
            if key is not None:
                self._selections.put(key, selected)
        page = selected[offset : offset + limit].tolist()
        return [self._docs[row] for row in page], len(selected)

    def _select(
        self, request: dict[str, Any], delivery_statuses: Mapping[str, str] | None
    ) -> np.ndarray:
        """The rows matching ``request``'s filters, in its order (every page)."""
        lists = {name: parse.string_list(request, name) for name in LIST_FILTERS}
        when = request.get("datetime")
        interval = (
            None
            if when is None
            else timestamps.parse_interval(when, "datetime", InstantMeans.EXACTLY)
        )
        bbox = request.get("bbox")
        intersects = request.get("intersects")
        if bbox is not None and intersects is not None:
            raise bad_request("give either bbox or intersects, not both", field="intersects")
        box = None if bbox is None else geo.parse_bbox(bbox, "bbox")
        area = None if intersects is None else geo.parse_geometry(intersects, "intersects")
        query = parse.parse_query(request.get("query"), self._prop_names)
        sort = parse.parse_sort(request.get("sort_by"), self._prop_names)

        columns: dict[str, Column] = {}
        if delivery_statuses is not None:
            statuses = ["UNSPECIFIED"] * self._n
            for catalog_id, status in delivery_statuses.items():
                row = self._by_id.get(catalog_id)
                if row is not None:
                    statuses[row] = status
            columns["delivery_status"] = Column(statuses)

        def column(name: str) -> Column:
            return columns.get(name) or self._column(name)

        mask: np.ndarray | None = None
        for name, values in lists.items():
            if values:
                mask = _and(mask, self._membership(name, values))
        if interval is not None:
            mask = _and(mask, self._datetime_mask(interval.start, interval.end))
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

        return self._sorted_rows(mask, sort, column)

    # -- filtering -------------------------------------------------------------------------

    def _membership(self, name: str, values: list[str]) -> np.ndarray:
        mask = np.zeros(self._n, dtype=bool)
        postings = self._index(name)
        for value in values:
            mask[postings.rows(value)] = True
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
        self._refine(mask, candidates[~inside], *(box_geometry(*b) for b in boxes))

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

    def _column(self, name: str) -> Column:
        column = self._columns.get(name)
        if column is None:
            if name in TOP_LEVEL_FIELDS:
                values = [doc.get(name, MISSING) for doc in self._docs]
            else:
                values = [_properties(doc).get(name, MISSING) for doc in self._docs]
            column = Column(values)
            self._columns[name] = column
        return column

    # -- ordering --------------------------------------------------------------------------

    def _sorted_rows(
        self,
        mask: np.ndarray | None,
        sort: list[tuple[str, bool]],
        column: Callable[[str], Column],
    ) -> np.ndarray:
        if not sort:
            return self._order if mask is None else self._order[mask[self._order]]
        rows = np.arange(self._n, dtype=np.intp) if mask is None else np.flatnonzero(mask)
        keys = [self._id_rank[rows]]
        for name, descending in reversed(sort):
            keys.append(column(name).sort_key(descending)[rows])
        return rows[np.lexsort(keys)]

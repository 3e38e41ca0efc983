"""Turning schema-valid positive cases into requests a correct server must accept.

The contract's JSON schemas are looser than its prose: a description says a ``datetime`` is "an
RFC 3339 instant or an interval", that a store's ``secrets`` need "the keys a store type needs to
write", that ``satellite_id`` is "one of the satellites of `GET /v0/satellites`", and so on. A case
generated from the schema alone can break such a rule, and a correct server then answers 400,
which the ``positive_data_acceptance`` check would report as a false alarm.

So before a *positive* case is sent, :func:`prepare` rewrites exactly the fields a documented rule
governs, and leaves everything else as generated. Each rule below quotes the text of
``spec/openapi.yaml`` it comes from. Negative cases are never rewritten.

The same step applies the kit's safety policy to whatever it creates: names get the run's prefix,
deliveries only ever target a store the kit created itself, and batches stay small.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

# CreateStore: "the keys a store type needs to write" (table in its description); the kit's
# stores get them all, so that deliveries into them can succeed.
from mockserver.store_secrets import STORE_SECRETS

if TYPE_CHECKING:
    from schemathesis import Case

    from contract_tests.target import Target

# POSTs that only read: a search expressed as a POST creates nothing.
QUERY_OPERATIONS = frozenset({"SearchCatalogs"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# Most ids the kit puts in one create request, so that a run creates little (one against a real
# server, where an order item may stand for many catalogs, so only catalog ids are used there).
MAX_IDS_PER_REQUEST = 3
MAX_DELIVERY_ENTRIES = 2


def is_write(operation_id: str, method: str) -> bool:
    """Whether an operation may change state on the server (anything but a read or a query)."""
    return method.upper() not in READ_METHODS and operation_id not in QUERY_OPERATIONS


def is_create(operation_id: str, method: str) -> bool:
    return method.upper() == "POST" and operation_id not in QUERY_OPERATIONS


# -- values that follow the prose ------------------------------------------------------------------


def _instant(rng: random.Random) -> str:
    year = rng.randint(2021, 2026)
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    return f"{year:04d}-{month:02d}-{day:02d}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z"


def time_filter(rng: random.Random) -> str:
    """'an RFC 3339 instant or an interval `start/end` whose open end is `..`'."""
    first, second = sorted([_instant(rng), _instant(rng)])
    shape = rng.randrange(4)
    if shape == 0:
        return first
    if shape == 1:
        return f"{first}/.."
    if shape == 2:
        return f"../{second}"
    return f"{first}/{second}"


def bbox(rng: random.Random) -> list[float]:
    """'`[minLon, minLat, maxLon, maxLat]`; a box whose west edge is greater than its east edge
    crosses the antimeridian'."""
    south = round(rng.uniform(-80, 70), 3)
    north = round(min(89.9, south + rng.uniform(0.5, 20)), 3)
    west = round(rng.uniform(-180, 170), 3)
    east = round(west + rng.uniform(0.5, 40), 3)
    if east > 180:
        east = round(east - 360, 3)  # crosses the antimeridian
    return [west, south, east, north]


def polygon(rng: random.Random) -> dict[str, Any]:
    """'a closed GeoJSON Polygon (at least four positions, lon/lat in range, not
    self-intersecting)': a small convex polygon around a random centre."""
    lon, lat = rng.uniform(-170, 170), rng.uniform(-70, 70)
    corners = rng.randint(3, 7)
    radius = rng.uniform(0.01, 0.3)
    step = 2 * math.pi / corners
    ring = [
        [round(lon + radius * math.cos(i * step), 6), round(lat + radius * math.sin(i * step), 6)]
        for i in range(corners)
    ]
    ring.append(list(ring[0]))
    return {"type": "Polygon", "coordinates": [ring]}


def _pick(rng: random.Random, values: list[str], low: int = 1, high: int = 1) -> list[str]:
    if not values:
        return []
    count = min(len(values), rng.randint(low, high))
    return rng.sample(values, count)


# -- per operation -------------------------------------------------------------------------------


def _create_store(body: dict, target: Target, rng: random.Random) -> dict:
    store_type = body.get("type", "S3")
    body = dict(body)
    body["name"] = target.new_name("store")
    body["secrets"] = {key: f"pxct-dummy-{key}" for key in STORE_SECRETS.get(store_type, ())}
    return body


def _create_aoi(body: dict, target: Target, rng: random.Random) -> dict:
    facts = target.facts
    body = dict(body)
    body["name"] = target.new_name("aoi")
    # 'One of the satellites of `GET /v0/satellites`.'
    if facts.satellite_ids:
        body["satellite_id"] = rng.choice(facts.satellite_ids)
    # 'Draws an area of interest over one satellite's imagery in a project.'
    if facts.project_ids:
        body["project_id"] = rng.choice(facts.project_ids)
    body["geometry"] = polygon(rng)
    # 'STAC item ids of the imagery the AOI covers.' (for `pixxel` imagery, ids that exist)
    if body.get("provider") == "pixxel":
        body["item_ids"] = _pick(rng, facts.item_ids, 0, MAX_IDS_PER_REQUEST)
    return body


def _catalog_choice(body: dict, target: Target, rng: random.Random) -> dict:
    """'by `catalog_ids` and/or every catalog of the given `order_item_ids`': the kit names its
    catalogs one way per request, and sends no empty list, so that it creates little."""
    facts = target.facts
    body = dict(body)
    if "order_item_ids" in body and facts.order_item_ids and target.is_mock:
        body["order_item_ids"] = _pick(rng, facts.order_item_ids, 1, 1)
    elif facts.catalog_ids:
        body.pop("order_item_ids", None)
        most = MAX_IDS_PER_REQUEST if target.is_mock else 1
        body["catalog_ids"] = _pick(rng, facts.catalog_ids, 1, most)
    return body


def _create_download(body: dict, target: Target, rng: random.Random) -> dict:
    return _catalog_choice(body, target, rng)


def _create_delivery(body: dict, target: Target, rng: random.Random) -> dict:
    most = MAX_DELIVERY_ENTRIES if target.is_mock else 1
    entries = list(body.get("deliveries") or [{}])[:most]
    store = target.delivery_store()
    rewritten = []
    for entry in entries:
        entry = _catalog_choice(entry if isinstance(entry, dict) else {}, target, rng)
        cloud_info = dict(entry.get("cloud_info") or {})
        # 'the destination store in `cloud_info.config`': always a store the kit created.
        cloud_info["config"] = store
        entry["cloud_info"] = cloud_info
        rewritten.append(entry)
    return {**body, "deliveries": rewritten}


def _search(body: dict, target: Target, rng: random.Random) -> dict:
    facts = target.facts
    body = dict(body)
    if "datetime" in body:
        body["datetime"] = time_filter(rng)
    if "bbox" in body:
        body["bbox"] = bbox(rng)
    if "intersects" in body:
        body["intersects"] = polygon(rng)
    if "collections" in body and facts.collections:
        # Collection ids are free strings; keep some real ones among them so searches can match.
        body["collections"] = list(body["collections"])[:2] + _pick(rng, facts.collections, 0, 1)
    # '`query` is keyed by STAC property name ...; each value is either a plain value (equality)
    # or an object of operators `eq`, `neq`, `lt`, `lte`, `gt`, `gte`, `in`.'
    if "query" in body:
        query: dict[str, Any] = {}
        for name in _pick(rng, facts.queryables, 0, 2):
            operator = rng.choice(["eq", "neq", "lt", "lte", "gt", "gte", "in", None])
            operand: Any = rng.choice([10, 42.5, "agriculture", "Pixxel-TD2"])
            if operator is None:
                query[name] = operand
            elif operator == "in":
                query[name] = {"in": [operand, "forestry"]}
            else:
                query[name] = {operator: operand}
        body["query"] = query
    # 'Sort keys in priority order, each `{"<field>": "ASC" | "DESC"}`' (a sortable property).
    if "sort_by" in body:
        body["sort_by"] = [
            {name: rng.choice(["ASC", "DESC"])} for name in _pick(rng, facts.queryables, 0, 2)
        ]
    return body


def _order_item_filters(query: dict, target: Target, rng: random.Random) -> dict:
    # '`created_at`: an RFC 3339 instant (on or after it) or an interval `start/end`';
    # '`area`: a number (at least that much) or a range `min/max` with `..` for an open end'.
    query = dict(query)
    if "created_at" in query:
        query["created_at"] = time_filter(rng)
    if "area" in query:
        low = rng.randint(0, 2000)
        query["area"] = rng.choice([str(low), f"{low}/{low + rng.randint(0, 3000)}", f"../{low}"])
    return query


def _aoi_filters(query: dict, target: Target, rng: random.Random) -> dict:
    # '`created_at` and `updated_at` take an RFC 3339 instant (on or after it) or an interval'.
    query = dict(query)
    for name in ("created_at", "updated_at"):
        if name in query:
            query[name] = time_filter(rng)
    return query


BODY_RULES: dict[str, Callable[[dict, Target, random.Random], dict]] = {
    "CreateStore": _create_store,
    "AOICreateAOI": _create_aoi,
    "CreateDownload": _create_download,
    "CreateDelivery": _create_delivery,
    "SearchCatalogs": _search,
}
QUERY_RULES: dict[str, Callable[[dict, Target, random.Random], dict]] = {
    "ListAOIs": _aoi_filters,
    "ListOrderItems": _order_item_filters,
}


def _drop_empty_lists(case: Case) -> None:
    """An empty array in a `style: form, explode: false` parameter is 'undefined' (RFC 6570,
    section 2.3) and so is left out of the query string, not sent as `name=`."""
    if not isinstance(case.query, dict) or not case.query:
        return
    arrays = {
        parameter.name
        for parameter in case.operation.query
        if (parameter.definition.get("schema") or {}).get("type") == "array"
    }
    empties = [name for name, value in case.query.items() if name in arrays and value in ([], "")]
    if empties:
        case.query = {k: v for k, v in case.query.items() if k not in empties}


def prepare(case: Case, operation_id: str, target: Target, rng: random.Random) -> None:
    """Rewrite a positive case in place so that it follows the contract's prose rules."""
    _drop_empty_lists(case)
    body_rule = BODY_RULES.get(operation_id)
    if body_rule is not None and isinstance(case.body, dict):
        case.body = body_rule(case.body, target, rng)
    query_rule = QUERY_RULES.get(operation_id)
    if query_rule is not None and isinstance(case.query, dict):
        case.query = query_rule(case.query, target, rng)

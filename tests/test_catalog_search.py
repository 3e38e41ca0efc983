"""Unit tests for mockserver.catalog_search (the SearchCatalogs domain)."""

from __future__ import annotations

import copy
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mockserver.catalog_search import CatalogIndex
from mockserver.catalog_search.limits import DEFAULT_LIMIT
from mockserver.errors import ApiError
from mockserver.timestamps import micros

_UNSET: Any = object()
BASE = datetime(2024, 1, 1, tzinfo=UTC)


def cid(n: int) -> str:
    """Catalog ids that sort like their number."""
    return f"00000000-0000-4000-8000-{n:012d}"


def box_ring(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def make_catalog(
    n: int,
    *,
    dt: Any = "2024-01-01T00:00:00Z",
    box: tuple[float, float, float, float] = (0.0, 0.0, 1.0, 1.0),
    geometry: Any = _UNSET,
    bbox: Any = _UNSET,
    collection: str = "pixxel-td2-l2a",
    props: dict[str, Any] | None = None,
    drop: tuple[str, ...] = (),
    **top: Any,
) -> dict[str, Any]:
    """A Catalog dict shaped like the live API's, with overridable parts."""
    properties: dict[str, Any] = {
        "datetime": dt,
        "created": "2024-06-01T00:00:00Z",
        "platform": "pixxel-td2",
        "gsd": 5.0,
        "eo:cloud_cover": float(n % 50),
        "view:off_nadir": 10.0,
        "project_id": f"project-{n % 3}",
        "order_id": f"order-{n % 4}",
        "order_item_id": f"order-item-{n % 6}",
        "usecase": "agriculture" if n % 2 == 0 else "forestry",
        "satellite_id": "0005c5bb-0bd2-4c80-9393-4a808341c54c",
    }
    properties.update(props or {})
    for key in drop:
        properties.pop(key, None)
    catalog = {
        "id": cid(n),
        "org_id": "11111111-1111-4111-8111-111111111111",
        "task_id": None,
        "bandset_id": "22222222-2222-4222-8222-222222222222",
        "area": 100.0 + n,
        "delivery_status": "SUCCESS",
        "details": {
            "type": "Feature",
            "stac_version": "1.0.0",
            "stac_extensions": [],
            "id": f"TD2_{n:06d}_L2A",
            "collection": collection,
            "geometry": (
                {"type": "Polygon", "coordinates": [box_ring(*box)]}
                if geometry is _UNSET
                else geometry
            ),
            "bbox": list(box) if bbox is _UNSET else bbox,
            "properties": properties,
            "assets": {},
            "links": [],
        },
        "created_at": f"2024-06-{1 + n % 28:02d}T00:00:00Z",
        "created_by": "33333333-3333-4333-8333-333333333333",
        "updated_at": "2024-06-30T00:00:00Z",
        "updated_by": "33333333-3333-4333-8333-333333333333",
    }
    catalog.update(top)
    return catalog


def synthetic_catalogs(count: int, seed: int = 0) -> list[dict[str, Any]]:
    """Random catalogs spread over the globe and two years (also handy for benchmarks)."""
    rnd = random.Random(seed)
    out = []
    for n in range(count):
        x = rnd.uniform(-179.0, 178.0)
        y = rnd.uniform(-80.0, 79.0)
        w = rnd.uniform(0.05, 1.0)
        when = BASE + timedelta(seconds=rnd.randrange(0, 2 * 365 * 86400))
        out.append(
            make_catalog(
                n,
                dt=when.strftime("%Y-%m-%dT%H:%M:%S") + f".{rnd.randrange(10**6):06d}Z",
                box=(x, y, x + w, y + w),
                collection=rnd.choice(["pixxel-td1-l2a", "pixxel-td2-l2a"]),
                props={"eo:cloud_cover": round(rnd.uniform(0, 100), 1)},
            )
        )
    return out


def ids_of(catalogs: list[dict[str, Any]]) -> list[str]:
    return [c["id"] for c in catalogs]


def search_ids(index: CatalogIndex, request: dict[str, Any]) -> list[str]:
    """All matching ids (every page), checking that total agrees."""
    out: list[str] = []
    offset = 0
    while True:
        page, total = index.search({**request, "limit": 100, "offset": offset})
        out.extend(ids_of(page))
        offset += 100
        if offset >= total:
            assert len(out) == total
            return out


def assert_400(exc: pytest.ExceptionInfo[ApiError], field: str) -> ApiError:
    err = exc.value
    assert isinstance(err, ApiError)
    assert err.status == 400
    assert err.code == "INVALID_ARGUMENT"
    assert err.details["field"] == field, err.message
    return err


def expect_400(index: CatalogIndex, request: Any, field: str) -> ApiError:
    with pytest.raises(ApiError) as exc:
        index.search(request)
    return assert_400(exc, field)


@pytest.fixture(scope="module")
def small() -> tuple[list[dict[str, Any]], CatalogIndex]:
    """Ten catalogs, one per day of January 2024, on a 1-degree grid along the equator."""
    catalogs = [
        make_catalog(n, dt=f"2024-01-{n + 1:02d}T10:00:00Z", box=(n, 0, n + 1, 1))
        for n in range(10)
    ]
    return catalogs, CatalogIndex(catalogs)


# -- building and lookups ---------------------------------------------------------------------


def test_get_by_order_item_and_len(small: tuple[list[dict[str, Any]], CatalogIndex]) -> None:
    catalogs, index = small
    assert len(index) == 10
    assert index.get(cid(3)) == catalogs[3]
    assert index.get("missing") is None
    assert index.get(None) is None  # type: ignore[arg-type]
    # order-item-1 holds catalogs 1 and 7; default order is newest first.
    assert ids_of(index.by_order_item("order-item-1")) == [cid(7), cid(1)]
    assert index.by_order_item("nope") == []


def test_by_order_item_many_rows() -> None:
    catalogs = [
        make_catalog(n, dt=f"2024-02-{1 + n % 28:02d}T00:00:00Z", props={"order_item_id": "oi"})
        for n in range(40)
    ]
    index = CatalogIndex(catalogs)
    found = index.by_order_item("oi")
    assert len(found) == 40
    assert found == index.search({"limit": 100})[0]


def test_duplicate_or_missing_ids_are_programming_errors() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        CatalogIndex([make_catalog(1), make_catalog(1)])
    with pytest.raises(ValueError, match="id"):
        CatalogIndex([make_catalog(1, id=None)])


def test_empty_index() -> None:
    index = CatalogIndex([])
    assert index.search({}) == ([], 0)
    assert index.search({"datetime": "2024-01-01T00:00:00Z", "bbox": [0, 0, 1, 1]}) == ([], 0)
    assert index.search({"sort_by": [{"id": "ASC"}, {"datetime": "DESC"}]}) == ([], 0)
    assert index.search({"query": {"usecase": "agriculture"}}) == ([], 0)
    expect_400(index, {"query": {"colour": "red"}}, "query.colour")


def test_queryables_lists_properties_and_top_level_fields(
    small: tuple[list[dict[str, Any]], CatalogIndex],
) -> None:
    _, index = small
    names = index.queryables
    assert "eo:cloud_cover" in names and "usecase" in names and "area" in names
    assert "sat:orbit_state" in names  # standard, though no catalog here carries it
    assert names == sorted(names)


def test_search_never_mutates_catalogs() -> None:
    catalogs = synthetic_catalogs(60, seed=3)
    before = copy.deepcopy(catalogs)
    index = CatalogIndex(catalogs)
    for request in (
        {},
        {"datetime": "2024-01-01T00:00:00Z/..", "bbox": [-180, -90, 180, 90]},
        {"intersects": {"type": "Point", "coordinates": [0, 0]}},
        {"query": {"eo:cloud_cover": {"lt": 50}}, "sort_by": [{"eo:cloud_cover": "DESC"}]},
    ):
        index.search(request)
    assert catalogs == before


# -- request shape, limit and offset ----------------------------------------------------------


def test_defaults(small: tuple[list[dict[str, Any]], CatalogIndex]) -> None:
    _, index = small
    page, total = index.search({})
    assert total == 10
    assert len(page) == DEFAULT_LIMIT == 2
    assert ids_of(page) == [cid(9), cid(8)]
    assert index.search(None) == (page, total)  # type: ignore[arg-type]


def test_limit_offset(small: tuple[list[dict[str, Any]], CatalogIndex]) -> None:
    _, index = small
    page, total = index.search({"limit": 3, "offset": 2})
    assert ids_of(page) == [cid(7), cid(6), cid(5)]
    assert total == 10
    assert index.search({"limit": 100, "offset": 10}) == ([], 10)
    assert index.search({"limit": 5, "offset": 1_000_000}) == ([], 10)
    assert len(index.search({"limit": 1})[0]) == 1
    assert len(index.search({"limit": 100})[0]) == 10
    assert len(index.search({"limit": 4.0, "offset": None})[0]) == 4


@pytest.mark.parametrize(
    ("request_body", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": -1}, "limit"),
        ({"limit": "5"}, "limit"),
        ({"limit": True}, "limit"),
        ({"limit": 2.5}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": "0"}, "offset"),
        ({"offset": False}, "offset"),
    ],
)
def test_limit_offset_rejects(
    small: tuple[list[dict[str, Any]], CatalogIndex], request_body: dict[str, Any], field: str
) -> None:
    expect_400(small[1], request_body, field)


def test_request_must_be_an_object(small: tuple[list[dict[str, Any]], CatalogIndex]) -> None:
    with pytest.raises(ApiError) as exc:
        small[1].search([])  # type: ignore[arg-type]
    assert exc.value.status == 400
    assert exc.value.code == "INVALID_ARGUMENT"


def test_unknown_request_keys_are_ignored(
    small: tuple[list[dict[str, Any]], CatalogIndex],
) -> None:
    assert small[1].search({"fields": ["id"]})[1] == 10


# -- list filters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_body", "expected"),
    [
        ({"ids": [cid(2), cid(5), "unknown"]}, [5, 2]),
        ({"item_ids": ["TD2_000004_L2A", "TD2_000009_L2A"]}, [9, 4]),
        ({"order_ids": ["order-1"]}, [9, 5, 1]),
        ({"order_item_ids": ["order-item-0", "order-item-5"]}, [6, 5, 0]),
        ({"collections": ["pixxel-td2-l2a"]}, list(range(9, -1, -1))),
        ({"collections": ["pixxel-td1-l2a"]}, []),
        ({"ids": [cid(1), cid(5), cid(9)], "order_ids": ["order-1"]}, [9, 5, 1]),
        ({"ids": [cid(1), cid(5), cid(9)], "order_item_ids": ["order-item-3"]}, [9]),
        ({"ids": [cid(1)], "item_ids": ["TD2_000002_L2A"]}, []),
        ({"ids": []}, list(range(9, -1, -1))),
        ({"ids": None, "collections": [], "item_ids": []}, list(range(9, -1, -1))),
    ],
)
def test_list_filters(
    small: tuple[list[dict[str, Any]], CatalogIndex],
    request_body: dict[str, Any],
    expected: list[int],
) -> None:
    assert search_ids(small[1], request_body) == [cid(n) for n in expected]


def test_list_filters_with_many_rows_per_value() -> None:
    catalogs = [
        make_catalog(n, dt=f"2024-01-01T00:{n:02d}:00Z", collection=f"c{n % 2}") for n in range(50)
    ]
    index = CatalogIndex(catalogs)
    assert search_ids(index, {"collections": ["c1"]}) == [cid(n) for n in range(49, 0, -2)]
    assert search_ids(index, {"collections": ["c1", "c0"]}) == [cid(n) for n in range(49, -1, -1)]


@pytest.mark.parametrize("name", ["ids", "collections", "item_ids", "order_ids", "order_item_ids"])
def test_list_filters_reject_bad_shapes(
    small: tuple[list[dict[str, Any]], CatalogIndex], name: str
) -> None:
    expect_400(small[1], {name: "abc"}, name)
    expect_400(small[1], {name: ["a", 3]}, f"{name}[1]")


# -- datetime ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "../..",
        "/",
        "..",
        "",
        "yesterday",
        "2024-01-01",
        "2024-01-01T00:00:00Z/2024-01-02",
        "2024-01-01T00:00:00Z/2024-01-02T00:00:00Z/2024-01-03T00:00:00Z",
        "2024-02-01T00:00:00Z/2024-01-01T00:00:00Z",
        "2024-01-01T00:00:01Z/2024-01-01T00:00:00.999999Z",
        17,
        ["2024-01-01T00:00:00Z"],
    ],
)
def test_datetime_rejects(small: tuple[list[dict[str, Any]], CatalogIndex], value: Any) -> None:
    err = expect_400(small[1], {"datetime": value}, "datetime")
    assert err.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-03T10:00:00Z", [2]),
        ("2024-01-03T15:30:00+05:30", [2]),
        ("2024-01-03T10:00:00.000000001Z", [2]),
        ("2024-01-03T10:00:00.000001Z", []),
        ("2024-01-03T10:00:00Z/2024-01-05T10:00:00Z", [4, 3, 2]),
        ("2024-01-03T10:00:00.000001Z/2024-01-05T09:59:59Z", [3]),
        ("../2024-01-02T10:00:00Z", [1, 0]),
        ("2024-01-09T10:00:00Z/..", [9, 8]),
        ("2024-01-09T10:00:00Z/", [9, 8]),
        ("2025-01-01T00:00:00Z/..", []),
    ],
)
def test_datetime_filter(
    small: tuple[list[dict[str, Any]], CatalogIndex], value: str, expected: list[int]
) -> None:
    assert search_ids(small[1], {"datetime": value}) == [cid(n) for n in expected]


def test_datetime_ranges_and_missing_datetimes() -> None:
    catalogs = [
        make_catalog(
            0,
            dt=None,
            props={
                "start_datetime": "2024-03-01T00:00:00Z",
                "end_datetime": "2024-03-10T00:00:00Z",
            },
        ),
        make_catalog(1, dt=None),
        make_catalog(2, drop=("datetime",)),
        make_catalog(3, dt="not a date"),
        make_catalog(4, dt="2024-03-05T00:00:00Z"),
    ]
    index = CatalogIndex(catalogs)
    assert search_ids(index, {"datetime": "2024-03-09T00:00:00Z"}) == [cid(0)]
    assert search_ids(index, {"datetime": "2024-03-10T00:00:00Z/.."}) == [cid(0)]
    assert search_ids(index, {"datetime": "../2024-03-01T00:00:00Z"}) == [cid(0)]
    assert search_ids(index, {"datetime": "../2024-02-29T23:59:59Z"}) == []
    assert search_ids(index, {"datetime": "2024-03-02T00:00:00Z/2024-03-06T00:00:00Z"}) == [
        cid(4),
        cid(0),
    ]
    # Without a datetime filter everything matches; undated catalogs come last, by id.
    assert search_ids(index, {}) == [cid(4), cid(0), cid(1), cid(2), cid(3)]


_instants = st.datetimes(
    min_value=datetime(2023, 12, 30), max_value=datetime(2024, 1, 3), timezones=st.just(UTC)
)


def _render(moment: datetime, style: int) -> str:
    """The same instant written in one of several RFC 3339 forms."""
    if style == 0:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if style == 1:
        shifted = moment + timedelta(hours=5, minutes=30)
        return shifted.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+05:30"
    if style == 2:
        shifted = moment - timedelta(hours=3)
        return shifted.strftime("%Y-%m-%dT%H:%M:%S.%f") + "000-03:00"
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + (
        f".{moment.microsecond:06d}Z" if moment.microsecond else "Z"
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    moments=st.lists(st.tuples(_instants, st.integers(0, 3)), min_size=1, max_size=25),
    start=st.one_of(st.none(), st.tuples(_instants, st.integers(0, 3))),
    end=st.one_of(st.none(), st.tuples(_instants, st.integers(0, 3))),
    pick=st.integers(0, 24),
)
def test_datetime_filter_matches_brute_force(
    moments: list[tuple[datetime, int]],
    start: tuple[datetime, int] | None,
    end: tuple[datetime, int] | None,
    pick: int,
) -> None:
    catalogs = [make_catalog(n, dt=_render(m, s)) for n, (m, s) in enumerate(moments)]
    index = CatalogIndex(catalogs)
    # An instant taken from the data, written differently, matches exactly those rows.
    moment, style = moments[pick % len(moments)]
    got = set(search_ids(index, {"datetime": _render(moment, (style + 1) % 4)}))
    assert got == {cid(n) for n, (m, _s) in enumerate(moments) if m == moment}
    assume(start is not None or end is not None)
    assume(start is None or end is None or start[0] <= end[0])
    text = "/".join(".." if part is None else _render(part[0], part[1]) for part in (start, end))
    expected = {
        cid(n)
        for n, (m, _s) in enumerate(moments)
        if (start is None or m >= start[0]) and (end is None or m <= end[0])
    }
    assert set(search_ids(index, {"datetime": text})) == expected


# -- bbox -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bbox", "expected"),
    [
        ([2.5, 0.2, 4.5, 0.8], [4, 3, 2]),
        ([3, 0.5, 3, 0.5], [3, 2]),  # a point on the shared edge touches both
        ([3.1, 0.5, 3.2, 0.6], [3]),
        ([0, 1, 10, 2], list(range(9, -1, -1))),  # touching the top edge counts
        ([0, 1.01, 10, 2], []),
        ([2.5, 0.2, 0, 4.5, 0.8, 100], [4, 3, 2]),
        ([-180, -90, 180, 90], list(range(9, -1, -1))),
        ([9.5, 0, -179, 1], [9]),  # crosses the antimeridian
        ([170, -10, 0.5, 10], [0]),
    ],
)
def test_bbox_filter(
    small: tuple[list[dict[str, Any]], CatalogIndex], bbox: list[float], expected: list[int]
) -> None:
    assert search_ids(small[1], {"bbox": bbox}) == [cid(n) for n in expected]


def test_bbox_refines_with_the_footprint() -> None:
    triangle = {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [0, 10], [0, 0]]]}
    catalogs = [
        make_catalog(0, box=(0, 0, 10, 10), geometry=triangle),
        make_catalog(1, box=(0, 0, 10, 10), geometry=None),  # no footprint: bbox decides
        make_catalog(2, box=(0, 0, 10, 10), geometry={"type": "Bogus"}),
        make_catalog(3, box=(8, 8, 9, 9)),
    ]
    index = CatalogIndex(catalogs)
    # The box sits inside catalog 0's bbox but beyond the hypotenuse.
    assert set(search_ids(index, {"bbox": [7, 7, 9, 9]})) == {cid(1), cid(2), cid(3)}
    assert set(search_ids(index, {"bbox": [1, 1, 2, 2]})) == {cid(0), cid(1), cid(2)}
    assert set(search_ids(index, {"bbox": [4, 4, 6, 6]})) == {cid(0), cid(1), cid(2)}


def test_degenerate_boxes() -> None:
    triangle = {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [0, 10], [0, 0]]]}
    catalogs = [
        make_catalog(0, box=(0, 0, 10, 10), geometry=triangle),
        make_catalog(1, box=(179, 0, 180, 1)),
        make_catalog(2, box=(-180, 0, -179, 1)),
    ]
    index = CatalogIndex(catalogs)
    assert search_ids(index, {"bbox": [180, 0.5, -180, 0.5]}) == [cid(1), cid(2)]
    assert search_ids(index, {"bbox": [180, 0, -180, 1]}) == [cid(1), cid(2)]
    assert search_ids(index, {"bbox": [9, 0, 9, 10]}) == [cid(0)]  # a vertical line
    assert search_ids(index, {"bbox": [9, 5, 9, 10]}) == []
    assert search_ids(index, {"bbox": [2, 2, 2, 2]}) == [cid(0)]  # a point
    assert search_ids(index, {"bbox": [6, 6, 6, 6]}) == []


def test_bbox_falls_back_to_geometry_bounds_and_handles_3d_item_bbox() -> None:
    catalogs = [
        make_catalog(0, box=(10, 10, 11, 11), bbox=None),
        make_catalog(1, box=(20, 20, 21, 21), bbox=[20, 20, 0, 21, 21, 50]),
        make_catalog(2, geometry=None, bbox=None),
        make_catalog(
            3,
            geometry={
                "type": "GeometryCollection",
                "geometries": [{"type": "Polygon", "coordinates": [box_ring(30, 30, 31, 31)]}],
            },
            bbox="bad",
        ),
    ]
    index = CatalogIndex(catalogs)
    assert search_ids(index, {"bbox": [10.5, 10.5, 12, 12]}) == [cid(0)]
    assert search_ids(index, {"bbox": [20.5, 20.5, 22, 22]}) == [cid(1)]
    assert search_ids(index, {"bbox": [30.5, 30.5, 32, 32]}) == [cid(3)]
    assert cid(2) not in search_ids(index, {"bbox": [-180, -90, 180, 90]})


def test_catalog_footprint_crossing_the_antimeridian() -> None:
    split = {
        "type": "MultiPolygon",
        "coordinates": [[box_ring(179, -1, 180, 1)], [box_ring(-180, -1, -179, 1)]],
    }
    catalogs = [
        make_catalog(0, geometry=split, bbox=[179, -1, -179, 1]),
        # An unsplit ring that spans the globe when read planar: only its bbox is used.
        make_catalog(
            1,
            geometry={"type": "Polygon", "coordinates": [box_ring(179, -1, -179, 1)]},
            bbox=[179, -1, -179, 1],
        ),
        make_catalog(2, box=(0, -1, 1, 1)),
    ]
    index = CatalogIndex(catalogs)
    assert search_ids(index, {"bbox": [179.5, 0, 179.8, 0.5]}) == [cid(0), cid(1)]
    assert search_ids(index, {"bbox": [-179.5, 0, -179.2, 0.5]}) == [cid(0), cid(1)]
    assert search_ids(index, {"bbox": [178, 0, -178, 0.5]}) == [cid(0), cid(1)]
    assert search_ids(index, {"bbox": [0, 0, 1, 0.5]}) == [cid(2)]
    assert search_ids(index, {"bbox": [-178, -1, 178, 1]}) == [cid(2)]


@pytest.mark.parametrize(
    ("bbox", "field"),
    [
        ([0, 0, 1], "bbox"),
        ("0,0,1,1", "bbox"),
        ([0, 0, "1", 1], "bbox[2]"),
        ([0, 0, 1, None], "bbox[3]"),
        ([-190, 0, 1, 1], "bbox[0]"),
        ([0, 0, 1, 95], "bbox[3]"),
        ([0, 5, 1, 1], "bbox"),
    ],
)
def test_bbox_rejects(
    small: tuple[list[dict[str, Any]], CatalogIndex], bbox: Any, field: str
) -> None:
    expect_400(small[1], {"bbox": bbox}, field)


def test_bbox_and_intersects_are_exclusive(
    small: tuple[list[dict[str, Any]], CatalogIndex],
) -> None:
    expect_400(
        small[1],
        {"bbox": [0, 0, 1, 1], "intersects": {"type": "Point", "coordinates": [0, 0]}},
        "intersects",
    )


_lon = st.floats(-180, 180, allow_nan=False)
_lat = st.floats(-90, 90, allow_nan=False)


@st.composite
def _catalog_boxes(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(1, 30))
    catalogs = []
    for n in range(count):
        x = draw(st.floats(-180, 175))
        y = draw(st.floats(-90, 85))
        w = draw(st.floats(0.001, 5))
        h = draw(st.floats(0.001, 5))
        if draw(st.booleans()):
            geometry = {
                "type": "Polygon",
                "coordinates": [[[x, y], [x + w, y], [x, y + h], [x, y]]],
            }
        else:
            geometry = _UNSET
        catalogs.append(make_catalog(n, box=(x, y, x + w, y + h), geometry=geometry))
    return catalogs


@settings(max_examples=80, deadline=None)
@given(catalogs=_catalog_boxes(), west=_lon, east=_lon, lats=st.tuples(_lat, _lat))
def test_bbox_equals_brute_force_and_antimeridian_union(
    catalogs: list[dict[str, Any]], west: float, east: float, lats: tuple[float, float]
) -> None:
    south, north = sorted(lats)
    index = CatalogIndex(catalogs)
    got = set(search_ids(index, {"bbox": [west, south, east, north]}))
    if west <= east:
        regions = [shapely.box(west, south, east, north)]
    else:
        regions = [shapely.box(west, south, 180, north), shapely.box(-180, south, east, north)]
        halves = set(search_ids(index, {"bbox": [west, south, 180, north]})) | set(
            search_ids(index, {"bbox": [-180, south, east, north]})
        )
        assert got == halves
    footprints = {c["id"]: shapely.geometry.shape(c["details"]["geometry"]) for c in catalogs}
    expected = {i for i, f in footprints.items() if any(f.intersects(r) for r in regions)}
    assert got == expected


# -- intersects -------------------------------------------------------------------------------


def test_intersects_uses_real_geometry() -> None:
    triangle = {"type": "Polygon", "coordinates": [[[0, 0], [10, 0], [0, 10], [0, 0]]]}
    catalogs = [
        make_catalog(0, box=(0, 0, 10, 10), geometry=triangle),
        make_catalog(1, box=(20, 20, 21, 21)),
        make_catalog(2, box=(0, 0, 10, 10), geometry=None),
    ]
    index = CatalogIndex(catalogs)

    def hits(geometry: dict[str, Any]) -> set[str]:
        return set(search_ids(index, {"intersects": geometry}))

    assert hits({"type": "Point", "coordinates": [1, 1]}) == {cid(0), cid(2)}
    assert hits({"type": "Point", "coordinates": [9, 9]}) == {cid(2)}
    assert hits({"type": "Point", "coordinates": [5, 5]}) == {cid(0), cid(2)}  # on the edge
    assert hits({"type": "MultiPoint", "coordinates": [[9, 9], [20.5, 20.5]]}) == {cid(1), cid(2)}
    assert hits({"type": "LineString", "coordinates": [[9, 9], [20.5, 20.5]]}) == {cid(1), cid(2)}
    assert hits({"type": "LineString", "coordinates": [[-5, 1], [1, 1]]}) == {cid(0), cid(2)}
    assert hits(
        {"type": "MultiLineString", "coordinates": [[[8, 8], [9, 9]], [[30, 30], [31, 31]]]}
    ) == {cid(2)}
    assert hits({"type": "Polygon", "coordinates": [box_ring(6, 6, 25, 25)]}) == {cid(1), cid(2)}
    assert hits(
        {
            "type": "MultiPolygon",
            "coordinates": [[box_ring(1, 1, 2, 2)], [box_ring(40, 40, 41, 41)]],
        }
    ) == {cid(0), cid(2)}
    assert hits(
        {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "Point", "coordinates": [20.5, 20.5]},
                {"type": "Point", "coordinates": [50, 50]},
            ],
        }
    ) == {cid(1)}
    assert hits({"type": "Point", "coordinates": [-100, -50]}) == set()


def test_intersects_combines_with_other_filters(
    small: tuple[list[dict[str, Any]], CatalogIndex],
) -> None:
    line = {"type": "LineString", "coordinates": [[0.5, 0.5], [6.5, 0.5]]}
    assert search_ids(small[1], {"intersects": line}) == [cid(n) for n in range(6, -1, -1)]
    request = {"intersects": line, "datetime": "2024-01-03T00:00:00Z/..", "order_ids": ["order-2"]}
    assert search_ids(small[1], request) == [cid(6), cid(2)]


@pytest.mark.parametrize(
    ("geometry", "field"),
    [
        ({"type": "Point", "coordinates": [0, 100]}, "intersects.coordinates"),
        ({"type": "Circle", "coordinates": [0, 0]}, "intersects.type"),
        ("POINT (0 0)", "intersects"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            "intersects.coordinates[0]",
        ),
    ],
)
def test_intersects_rejects(
    small: tuple[list[dict[str, Any]], CatalogIndex], geometry: Any, field: str
) -> None:
    expect_400(small[1], {"intersects": geometry}, field)


# -- query ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def varied() -> CatalogIndex:
    """Catalogs whose properties exercise every value kind."""
    catalogs = [
        make_catalog(
            0,
            dt="2024-01-01T00:00:00Z",
            props={"eo:cloud_cover": 5, "flag": True, "instruments": ["vnir"], "note": None},
        ),
        make_catalog(
            1,
            dt="2024-01-02T00:00:00.5Z",
            props={"eo:cloud_cover": 12.5, "flag": False, "instruments": ["vnir", "swir"]},
        ),
        make_catalog(
            2,
            dt="2024-01-03T05:30:00+05:30",
            props={"eo:cloud_cover": 20.0, "flag": True, "note": "check"},
        ),
        make_catalog(
            3,
            dt="2024-01-04T00:00:00Z",
            props={"eo:cloud_cover": "unknown", "note": "2024-01-01T00:00:00Z"},
        ),
        make_catalog(4, dt="2024-01-05T00:00:00Z", props={"eo:cloud_cover": None}),
        make_catalog(5, dt="2024-01-06T00:00:00Z", drop=("eo:cloud_cover",)),
    ]
    return CatalogIndex(catalogs)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"usecase": "agriculture"}, [4, 2, 0]),
        ({"usecase": {"eq": "forestry"}}, [5, 3, 1]),
        ({"usecase": {"neq": "forestry"}}, [4, 2, 0]),
        ({"usecase": {"in": ["forestry", "mining"]}}, [5, 3, 1]),
        ({"usecase": {"in": []}}, []),
        ({"usecase": "agriculture", "project_id": "project-1"}, [4]),
        ({"eo:cloud_cover": 5}, [0]),
        ({"eo:cloud_cover": 5.0}, [0]),
        ({"eo:cloud_cover": 20}, [2]),
        ({"eo:cloud_cover": {"lt": 12.5}}, [0]),
        ({"eo:cloud_cover": {"lte": 12.5}}, [1, 0]),
        ({"eo:cloud_cover": {"gt": 12.5}}, [2]),
        ({"eo:cloud_cover": {"gte": 12.5}}, [2, 1]),
        ({"eo:cloud_cover": {"gt": 1, "lt": 20}}, [1, 0]),
        ({"eo:cloud_cover": {"gte": 5, "lte": 20, "neq": 12.5}}, [2, 0]),
        ({"eo:cloud_cover": {"in": [5, 20, "unknown"]}}, [3, 2, 0]),
        # Strings and numbers never compare with each other.
        ({"eo:cloud_cover": {"lt": "z"}}, [3]),
        ({"eo:cloud_cover": {"neq": 5}}, [2, 1]),
        ({"eo:cloud_cover": "5"}, []),
        ({"eo:cloud_cover": {"gt": True}}, []),
        ({"eo:cloud_cover": {"lt": 10**400}}, [2, 1, 0]),
        ({"eo:cloud_cover": {"gt": -(10**400)}}, [2, 1, 0]),
        ({"eo:cloud_cover": {"lt": [1]}}, []),
        ({"eo:cloud_cover": None}, [5, 4]),
        ({"eo:cloud_cover": {"eq": None}}, [5, 4]),
        ({"eo:cloud_cover": {"neq": None}}, [3, 2, 1, 0]),
        ({"flag": True}, [2, 0]),
        ({"flag": {"neq": True}}, [1]),
        ({"flag": 1}, []),
        ({"flag": {"lt": True}}, []),
        ({"instruments": ["vnir"]}, [0]),
        ({"instruments": {"eq": ["vnir", "swir"]}}, [1]),
        ({"instruments": {"neq": ["vnir"]}}, [1]),
        ({"instruments": {"in": [["vnir"], "vnir"]}}, [0]),
        ({"note": "check"}, [2]),
        ({"note": None}, [5, 4, 1, 0]),
        # Date-time strings compare as instants, whatever their offset or precision.
        ({"datetime": "2024-01-03T00:00:00Z"}, [2]),
        ({"datetime": {"eq": "2024-01-02T05:30:00.000+05:30"}}, []),
        ({"datetime": {"eq": "2024-01-02T00:00:00.500Z"}}, [1]),
        ({"datetime": {"gt": "2024-01-02T00:00:00Z", "lt": "2024-01-04T00:00:00Z"}}, [2, 1]),
        ({"datetime": {"gte": "2024-01-04T01:00:00+01:00"}}, [5, 4, 3]),
        ({"datetime": {"lte": "2024-01-02T00:00:00.499999Z"}}, [0]),
        ({"datetime": {"lt": 5}}, []),
        ({"note": {"gte": "2023-12-31T23:00:00-01:00"}}, [3]),
        ({"note": {"lt": "2024-01-01T00:00:00Z"}}, []),
        # Top-level catalog fields.
        ({"id": cid(3)}, [3]),
        ({"id": {"gte": cid(4)}}, [5, 4]),
        ({"area": {"gt": 102.5}}, [5, 4, 3]),
        ({"delivery_status": "SUCCESS"}, [5, 4, 3, 2, 1, 0]),
        ({"delivery_status": {"neq": "SUCCESS"}}, []),
        ({"task_id": None}, [5, 4, 3, 2, 1, 0]),
        ({"created_at": {"lt": "2024-06-03T00:00:00Z"}}, [1, 0]),
        ({"updated_at": "2024-06-30T00:00:00+00:00"}, [5, 4, 3, 2, 1, 0]),
        ({"org_id": "11111111-1111-4111-8111-111111111111"}, [5, 4, 3, 2, 1, 0]),
        ({"bandset_id": {"in": ["x"]}}, []),
    ],
)
def test_query(varied: CatalogIndex, query: dict[str, Any], expected: list[int]) -> None:
    assert search_ids(varied, {"query": query}) == [cid(n) for n in expected]


def test_query_combines_with_other_filters(varied: CatalogIndex) -> None:
    request = {"query": {"usecase": "agriculture"}, "datetime": "2024-01-02T00:00:00Z/.."}
    assert search_ids(varied, request) == [cid(4), cid(2)]
    assert search_ids(varied, {"query": {}}) == search_ids(varied, {})
    assert search_ids(varied, {"query": None}) == search_ids(varied, {})


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("usecase=agriculture", "query"),
        (["usecase"], "query"),
        ({"no_such_property": 1}, "query.no_such_property"),
        ({"usecase": {"like": "agri%"}}, "query.usecase.like"),
        ({"usecase": {"eq": "x", "startsWith": "a"}}, "query.usecase.startsWith"),
        ({"usecase": {}}, "query.usecase"),
        ({"usecase": {"in": "agriculture"}}, "query.usecase.in"),
        ({"eo:cloud_cover": {"lt": float("nan")}}, "query.eo:cloud_cover.lt"),
        ({"eo:cloud_cover": float("inf")}, "query.eo:cloud_cover"),
        ({"eo:cloud_cover": {"in": [1, float("nan")]}}, "query.eo:cloud_cover.in[1]"),
    ],
)
def test_query_rejects(varied: CatalogIndex, query: Any, field: str) -> None:
    expect_400(varied, {"query": query}, field)


def test_unknown_query_property_names_the_queryables(varied: CatalogIndex) -> None:
    err = expect_400(varied, {"query": {"cloud": {"lt": 5}}}, "query.cloud")
    assert "eo:cloud_cover" in err.details["queryables"]
    assert "delivery_status" in err.details["queryables"]
    assert "eo:cloud_cover" in err.message


# -- sort_by ----------------------------------------------------------------------------------


def test_default_order_is_datetime_desc_then_id() -> None:
    catalogs = [
        make_catalog(3, dt="2024-01-01T00:00:00Z"),
        make_catalog(1, dt="2024-01-01T01:00:00+01:00"),  # same instant as 3
        make_catalog(2, dt="2024-01-01T00:00:00.000001Z"),
        make_catalog(0, dt=None),
        make_catalog(4, dt="2023-12-31T23:59:59.999999Z"),
    ]
    index = CatalogIndex(catalogs)
    assert search_ids(index, {}) == [cid(2), cid(1), cid(3), cid(4), cid(0)]


@pytest.mark.parametrize(
    ("sort_by", "expected"),
    [
        ([{"eo:cloud_cover": "ASC"}], [0, 1, 2, 3, 4, 5]),
        # DESC is the exact reverse of ASC (numbers, then strings), except missing stays last.
        ([{"eo:cloud_cover": "DESC"}], [3, 2, 1, 0, 4, 5]),
        ([{"datetime": "ASC"}], [0, 1, 2, 3, 4, 5]),
        ([{"datetime": "DESC"}], [5, 4, 3, 2, 1, 0]),
        ([{"usecase": "ASC"}, {"datetime": "DESC"}], [4, 2, 0, 5, 3, 1]),
        ([{"usecase": "DESC"}, {"eo:cloud_cover": "ASC"}], [1, 3, 5, 0, 2, 4]),
        ([{"flag": "ASC"}], [1, 0, 2, 3, 4, 5]),
        ([{"flag": "DESC"}], [0, 2, 1, 3, 4, 5]),
        ([{"instruments": "ASC"}], [1, 0, 2, 3, 4, 5]),
        ([{"note": "ASC"}], [3, 2, 0, 1, 4, 5]),
        ([{"note": "DESC"}], [2, 3, 0, 1, 4, 5]),
        ([{"id": "DESC"}], [5, 4, 3, 2, 1, 0]),
        ([{"area": "ASC"}], [0, 1, 2, 3, 4, 5]),
        ([{"created_at": "DESC"}], [5, 4, 3, 2, 1, 0]),
        ([{"delivery_status": "ASC"}], [0, 1, 2, 3, 4, 5]),
        ([{"task_id": "DESC"}], [0, 1, 2, 3, 4, 5]),
        ([], [5, 4, 3, 2, 1, 0]),
    ],
)
def test_sort_by(varied: CatalogIndex, sort_by: list[dict[str, str]], expected: list[int]) -> None:
    assert search_ids(varied, {"sort_by": sort_by}) == [cid(n) for n in expected]


def test_sort_by_with_filters_and_paging(varied: CatalogIndex) -> None:
    request = {"sort_by": [{"eo:cloud_cover": "DESC"}], "query": {"usecase": "agriculture"}}
    page, total = varied.search({**request, "limit": 1, "offset": 1})
    assert ids_of(page) == [cid(0)]
    assert total == 3


@pytest.mark.parametrize(
    ("sort_by", "field"),
    [
        ({"datetime": "DESC"}, "sort_by"),
        ("datetime", "sort_by"),
        (["datetime"], "sort_by[0]"),
        ([{}], "sort_by[0]"),
        ([{"datetime": "DESC", "id": "ASC"}], "sort_by[0]"),
        ([{"no_such_field": "ASC"}], "sort_by[0]"),
        ([{"datetime": "DESC"}, {"id": "asc"}], "sort_by[1]"),
        ([{"datetime": "DOWN"}], "sort_by[0]"),
        ([{"datetime": None}], "sort_by[0]"),
    ],
)
def test_sort_by_rejects(varied: CatalogIndex, sort_by: Any, field: str) -> None:
    expect_400(varied, {"sort_by": sort_by}, field)


def _reference_key(catalog: dict[str, Any], field: str) -> tuple[int, float]:
    value = catalog["details"]["properties"].get(field)
    return (1, 0.0) if value is None else (0, float(value))


@settings(max_examples=60, deadline=None)
@given(
    clouds=st.lists(st.one_of(st.none(), st.sampled_from([0, 5, 5.5, 10, 99])), max_size=40),
    offnadir=st.lists(st.sampled_from([0.0, 1.0, 2.0]), min_size=40, max_size=40),
    sort_fields=st.lists(
        st.tuples(st.sampled_from(["eo:cloud_cover", "view:off_nadir"]), st.booleans()),
        max_size=2,
    ),
    limit=st.integers(1, 7),
)
def test_pagination_concatenates_to_the_full_sorted_result(
    clouds: list[float | None],
    offnadir: list[float],
    sort_fields: list[tuple[str, bool]],
    limit: int,
) -> None:
    catalogs = [
        make_catalog(
            n,
            dt=f"2024-01-{1 + n % 5:02d}T00:00:00Z",
            props={"eo:cloud_cover": c, "view:off_nadir": offnadir[n]},
        )
        for n, c in enumerate(clouds)
    ]
    index = CatalogIndex(catalogs)
    sort_by = [{f: "DESC" if desc else "ASC"} for f, desc in sort_fields]

    def ref_key(catalog: dict[str, Any]) -> tuple[Any, ...]:
        parts: list[Any] = []
        for f, desc in sort_fields:
            missing, value = _reference_key(catalog, f)
            parts.extend([missing, -value if desc else value])
        if not sort_fields:
            parts.append(-micros(catalog["details"]["properties"]["datetime"]))  # type: ignore[operator]
        parts.append(catalog["id"])
        return tuple(parts)

    expected = [c["id"] for c in sorted(catalogs, key=ref_key)]
    pages: list[str] = []
    offset = 0
    while True:
        page, total = index.search({"sort_by": sort_by, "limit": limit, "offset": offset})
        assert total == len(catalogs)
        assert len(page) <= limit
        if not page:
            break
        pages.extend(ids_of(page))
        offset += limit
    assert pages == expected


# -- a larger random catalog against brute force ----------------------------------------------


def test_combined_filters_against_brute_force() -> None:
    catalogs = synthetic_catalogs(2000, seed=11)
    index = CatalogIndex(catalogs)
    rnd = random.Random(5)
    for _ in range(25):
        x = rnd.uniform(-180, 150)
        y = rnd.uniform(-90, 60)
        start = BASE + timedelta(days=rnd.randrange(0, 600))
        end = start + timedelta(days=rnd.randrange(1, 200))
        request = {
            "datetime": f"{start:%Y-%m-%dT%H:%M:%SZ}/{end:%Y-%m-%dT%H:%M:%SZ}",
            "bbox": [x, y, x + 30, y + 30],
            "collections": ["pixxel-td2-l2a"],
            "query": {"eo:cloud_cover": {"lt": 60}},
            "sort_by": [{"eo:cloud_cover": "ASC"}],
        }
        region = shapely.box(x, y, x + 30, y + 30)
        matches = []
        for c in catalogs:
            props = c["details"]["properties"]
            when = datetime.fromisoformat(props["datetime"])
            if not start <= when <= end or c["details"]["collection"] != "pixxel-td2-l2a":
                continue
            if props["eo:cloud_cover"] >= 60:
                continue
            if shapely.geometry.shape(c["details"]["geometry"]).intersects(region):
                matches.append(c)
        matches.sort(key=lambda c: (c["details"]["properties"]["eo:cloud_cover"], c["id"]))
        assert search_ids(index, request) == ids_of(matches)
        page, total = index.search({**request, "limit": 5, "offset": 2})
        assert total == len(matches)
        assert page == matches[2:7]


def test_returned_catalogs_are_copies_the_caller_cannot_corrupt():
    catalogs = [make_catalog(i) for i in range(3)]
    index = CatalogIndex(catalogs)
    first = index.get(cid(1))
    first["details"]["properties"]["gsd"] = -1
    first["id"] = "changed"
    assert index.get(cid(1)) == catalogs[1]

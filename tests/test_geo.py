"""Unit tests for mockserver.geo: GeoJSON validation, bbox parsing and measurements."""

from __future__ import annotations

import math
from typing import Any

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver import geo
from mockserver.errors import ApiError

SQUARE = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
HOLE = [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.4], [0.2, 0.2]]


def polygon(*rings: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [list(r) for r in rings]}


def assert_400(exc: pytest.ExceptionInfo[ApiError], field: str) -> None:
    err = exc.value
    assert isinstance(err, ApiError)
    assert err.status == 400
    assert err.code == "INVALID_ARGUMENT"
    assert err.details["field"] == field, err.message
    assert err.message


# -- parse_polygon ----------------------------------------------------------------------------


def test_parse_polygon_simple() -> None:
    poly = geo.parse_polygon(polygon(SQUARE))
    assert isinstance(poly, shapely.Polygon)
    assert poly.area == pytest.approx(1.0)


def test_parse_polygon_with_hole_and_3d_positions() -> None:
    shell = [[x, y, 12.5] for x, y in SQUARE]
    poly = geo.parse_polygon(polygon(shell, HOLE))
    assert len(poly.interiors) == 1
    assert not poly.has_z
    assert poly.area == pytest.approx(1.0 - 0.04)


def test_parse_polygon_accepts_extra_members_and_either_orientation() -> None:
    geometry = {"type": "Polygon", "coordinates": [SQUARE[::-1]], "bbox": [0, 0, 1, 1]}
    assert geo.parse_polygon(geometry).area == pytest.approx(1.0)


def test_parse_polygon_extreme_coordinates() -> None:
    ring = [[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]]
    assert geo.parse_polygon(polygon(ring)).area == pytest.approx(360 * 180)


@pytest.mark.parametrize(
    ("geometry", "field"),
    [
        (None, "geometry"),
        ([SQUARE], "geometry"),
        ("POLYGON((0 0, 1 0, 1 1, 0 0))", "geometry"),
        ({"coordinates": [SQUARE]}, "geometry.type"),
        ({"type": "MultiPolygon", "coordinates": [[SQUARE]]}, "geometry.type"),
        ({"type": "Point", "coordinates": [0, 0]}, "geometry.type"),
        ({"type": "Polygon"}, "geometry.coordinates"),
        ({"type": "Polygon", "coordinates": None}, "geometry.coordinates"),
        ({"type": "Polygon", "coordinates": "nope"}, "geometry.coordinates"),
        (polygon(), "geometry.coordinates"),
        ({"type": "Polygon", "coordinates": [{"a": 1}]}, "geometry.coordinates[0]"),
        (polygon([[0, 0], [1, 0], [0, 0]]), "geometry.coordinates[0]"),
        (polygon([[0, 0], [1, 0], [1, 1], [0, 1]]), "geometry.coordinates[0]"),
        (
            polygon(SQUARE, [[0.2, 0.2], [0.4, 0.2], [0.4, 0.4], [0.2, 0.4]]),
            "geometry.coordinates[1]",
        ),
        (polygon([[0, 0], [1, 0], [1], [0, 1], [0, 0]]), "geometry.coordinates[0][2]"),
        (polygon([[0, 0], [1, 0], [1, 1, 1, 1], [0, 1], [0, 0]]), "geometry.coordinates[0][2]"),
        (polygon([[0, 0], [1, 0], 7, [0, 1], [0, 0]]), "geometry.coordinates[0][2]"),
        (polygon([[0, 0], ["1", 0], [1, 1], [0, 1], [0, 0]]), "geometry.coordinates[0][1]"),
        (polygon([[0, 0], [True, 0], [1, 1], [0, 1], [0, 0]]), "geometry.coordinates[0][1]"),
        (polygon([[0, 0], [None, 0], [1, 1], [0, 1], [0, 0]]), "geometry.coordinates[0][1]"),
        (polygon([[0, 0], [math.nan, 0], [1, 1], [0, 1], [0, 0]]), "geometry.coordinates[0][1]"),
        (polygon([[0, 0], [math.inf, 0], [1, 1], [0, 1], [0, 0]]), "geometry.coordinates[0][1]"),
        (polygon([[0, 0], [1, 0], [1, 1], [180.5, 1], [0, 0]]), "geometry.coordinates[0][3]"),
        (polygon([[0, 0], [1, 0], [1, 1], [-181, 1], [0, 0]]), "geometry.coordinates[0][3]"),
        (polygon([[0, 0], [1, 0], [1, 90.01], [0, 1], [0, 0]]), "geometry.coordinates[0][2]"),
        (polygon([[0, 0], [1, 0], [1, -91], [0, 1], [0, 0]]), "geometry.coordinates[0][2]"),
        (polygon(SQUARE, [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0.5]]), "geometry.coordinates[1]"),
    ],
)
def test_parse_polygon_rejects(geometry: Any, field: str) -> None:
    with pytest.raises(ApiError) as exc:
        geo.parse_polygon(geometry)
    assert_400(exc, field)


def test_parse_polygon_self_intersection_names_the_ring() -> None:
    bowtie = [[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]
    with pytest.raises(ApiError) as exc:
        geo.parse_polygon(polygon(bowtie))
    assert_400(exc, "geometry.coordinates[0]")
    assert "Self-intersection" in exc.value.details["reason"]
    assert "Self-intersection" in exc.value.message


def test_parse_polygon_degenerate_ring() -> None:
    line = [[0, 0], [1, 1], [2, 2], [0, 0]]
    with pytest.raises(ApiError) as exc:
        geo.parse_polygon(polygon(line))
    assert_400(exc, "geometry.coordinates[0]")


def test_parse_polygon_invalid_holes_blame_the_whole_polygon() -> None:
    outside = [[2, 2], [3, 2], [3, 3], [2, 3], [2, 2]]
    with pytest.raises(ApiError) as exc:
        geo.parse_polygon(polygon(SQUARE, outside))
    assert_400(exc, "geometry.coordinates")
    assert exc.value.details["reason"]


def test_parse_polygon_custom_field_name() -> None:
    with pytest.raises(ApiError) as exc:
        geo.parse_polygon(polygon([[0, 0], [1, 0], [1, 1], [0, 1], [0, 2]]), field="aoi.geometry")
    assert_400(exc, "aoi.geometry.coordinates[0]")


# -- parse_geometry ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("geometry", "geom_type"),
    [
        ({"type": "Point", "coordinates": [10, 20]}, "Point"),
        ({"type": "Point", "coordinates": [10, 20, 5]}, "Point"),
        ({"type": "MultiPoint", "coordinates": [[10, 20], [11, 21]]}, "MultiPoint"),
        ({"type": "LineString", "coordinates": [[10, 20], [11, 21]]}, "LineString"),
        (
            {"type": "MultiLineString", "coordinates": [[[10, 20], [11, 21]], [[0, 0], [1, 1]]]},
            "MultiLineString",
        ),
        (polygon(SQUARE, HOLE), "Polygon"),
        (
            {
                "type": "MultiPolygon",
                "coordinates": [[SQUARE], [[[5, 5], [6, 5], [6, 6], [5, 5]]]],
            },
            "MultiPolygon",
        ),
        (
            {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Point", "coordinates": [1, 2]},
                    polygon(SQUARE),
                    {
                        "type": "GeometryCollection",
                        "geometries": [{"type": "LineString", "coordinates": [[0, 0], [1, 2]]}],
                    },
                ],
            },
            "GeometryCollection",
        ),
    ],
)
def test_parse_geometry_accepts_every_type(geometry: dict[str, Any], geom_type: str) -> None:
    parsed = geo.parse_geometry(geometry)
    assert parsed.geom_type == geom_type
    assert not parsed.is_empty
    assert parsed.is_valid


def _nested_collections(depth: int) -> dict[str, Any]:
    geometry: dict[str, Any] = {"type": "Point", "coordinates": [0, 0]}
    for _ in range(depth):
        geometry = {"type": "GeometryCollection", "geometries": [geometry]}
    return geometry


@pytest.mark.parametrize(
    ("geometry", "field"),
    [
        ("Point(1 2)", "intersects"),
        ({"type": "Feature", "geometry": None}, "intersects.type"),
        ({"type": "point", "coordinates": [0, 0]}, "intersects.type"),
        ({"type": "Point"}, "intersects.coordinates"),
        ({"type": "Point", "coordinates": [0]}, "intersects.coordinates"),
        ({"type": "Point", "coordinates": [[0, 0]]}, "intersects.coordinates"),
        ({"type": "Point", "coordinates": [200, 0]}, "intersects.coordinates"),
        ({"type": "Point", "coordinates": [0, -95]}, "intersects.coordinates"),
        ({"type": "MultiPoint", "coordinates": []}, "intersects.coordinates"),
        ({"type": "MultiPoint", "coordinates": [[0, 0], [0, "x"]]}, "intersects.coordinates[1]"),
        ({"type": "LineString", "coordinates": [[0, 0]]}, "intersects.coordinates"),
        ({"type": "LineString", "coordinates": [[0, 0], [0, 0]]}, "intersects.coordinates"),
        ({"type": "LineString", "coordinates": [[0, 0], [0, 91]]}, "intersects.coordinates[1]"),
        ({"type": "MultiLineString", "coordinates": []}, "intersects.coordinates"),
        (
            {"type": "MultiLineString", "coordinates": [[[0, 0], [1, 1]], [[0, 0]]]},
            "intersects.coordinates[1]",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]},
            "intersects.coordinates[0]",
        ),
        (
            polygon([[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]),
            "intersects.coordinates[0]",
        ),
        ({"type": "MultiPolygon", "coordinates": []}, "intersects.coordinates"),
        (
            {"type": "MultiPolygon", "coordinates": [[SQUARE], [[[0, 0], [1, 0], [1, 1]]]]},
            "intersects.coordinates[1][0]",
        ),
        (
            {"type": "MultiPolygon", "coordinates": [[SQUARE], [HOLE]]},
            "intersects.coordinates",
        ),
        ({"type": "GeometryCollection"}, "intersects.geometries"),
        ({"type": "GeometryCollection", "geometries": []}, "intersects.geometries"),
        ({"type": "GeometryCollection", "geometries": {}}, "intersects.geometries"),
        (
            {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Point", "coordinates": [0, 0]},
                    {"type": "Point", "coordinates": [0, 100]},
                ],
            },
            "intersects.geometries[1].coordinates",
        ),
        (
            {"type": "GeometryCollection", "geometries": [None]},
            "intersects.geometries[0]",
        ),
        (
            _nested_collections(6),
            "intersects.geometries[0].geometries[0].geometries[0].geometries[0].geometries",
        ),
    ],
)
def test_parse_geometry_rejects(geometry: Any, field: str) -> None:
    with pytest.raises(ApiError) as exc:
        geo.parse_geometry(geometry)
    assert_400(exc, field)


def test_parse_geometry_allows_moderate_nesting() -> None:
    assert geo.parse_geometry(_nested_collections(4)).geom_type == "GeometryCollection"


def test_parse_geometry_custom_field() -> None:
    with pytest.raises(ApiError) as exc:
        geo.parse_geometry({"type": "Point", "coordinates": [0, 99]}, field="body.area")
    assert_400(exc, "body.area.coordinates")


# -- parse_bbox / bbox_boxes ------------------------------------------------------------------


def test_parse_bbox_2d_and_3d() -> None:
    assert geo.parse_bbox([1, 2, 3, 4]) == (1.0, 2.0, 3.0, 4.0)
    assert geo.parse_bbox([1, 2, -10, 3, 4, 100]) == (1.0, 2.0, 3.0, 4.0)
    assert geo.parse_bbox((170, -10, -170, 10)) == (170.0, -10.0, -170.0, 10.0)
    assert geo.parse_bbox([-180, -90, 180, 90]) == (-180.0, -90.0, 180.0, 90.0)


@pytest.mark.parametrize(
    ("value", "field"),
    [
        (None, "bbox"),
        ("1,2,3,4", "bbox"),
        ([1, 2, 3], "bbox"),
        ([1, 2, 3, 4, 5], "bbox"),
        ([1, 2, 3, 4, 5, 6, 7], "bbox"),
        ([1, 2, "3", 4], "bbox[2]"),
        ([1, False, 3, 4], "bbox[1]"),
        ([1, 2, 3, math.nan], "bbox[3]"),
        ([-181, 2, 3, 4], "bbox[0]"),
        ([1, -91, 3, 4], "bbox[1]"),
        ([1, 2, 181, 4], "bbox[2]"),
        ([1, 2, 3, 91], "bbox[3]"),
        ([1, 2, 0, 3, 95, 0], "bbox[4]"),
        ([1, 2, 0, 200, 5, 0], "bbox[3]"),
        ([1, 5, 3, 4], "bbox"),
        ([1, 2, 10, 3, 4, 5], "bbox"),
    ],
)
def test_parse_bbox_rejects(value: Any, field: str) -> None:
    with pytest.raises(ApiError) as exc:
        geo.parse_bbox(value)
    assert_400(exc, field)


def test_bbox_boxes_splits_at_antimeridian() -> None:
    assert geo.bbox_boxes((1, 2, 3, 4)) == [(1, 2, 3, 4)]
    assert geo.bbox_boxes((170, -5, -170, 5)) == [(170, -5, 180.0, 5), (-180.0, -5, -170, 5)]


# -- measurements -----------------------------------------------------------------------------

_AUTHALIC_RADIUS = 6_371_007.2


def _spherical_box_area(west: float, south: float, east: float, north: float) -> float:
    return (
        _AUTHALIC_RADIUS**2
        * math.radians(east - west)
        * (math.sin(math.radians(north)) - math.sin(math.radians(south)))
    )


def test_geodesic_area_of_one_degree_cell_at_equator() -> None:
    area = geo.geodesic_area_m2(geo.parse_polygon(polygon(SQUARE)))
    assert area == pytest.approx(12_308_778_361, rel=1e-6)


def test_geodesic_area_is_orientation_independent() -> None:
    ccw = geo.parse_polygon(polygon(SQUARE))
    cw = geo.parse_polygon(polygon(SQUARE[::-1]))
    assert geo.geodesic_area_m2(cw) == pytest.approx(geo.geodesic_area_m2(ccw))
    assert geo.geodesic_area_m2(cw) > 0


def test_geodesic_area_subtracts_holes() -> None:
    full = geo.geodesic_area_m2(geo.parse_polygon(polygon(SQUARE)))
    holed = geo.geodesic_area_m2(geo.parse_polygon(polygon(SQUARE, HOLE)))
    hole = geo.geodesic_area_m2(geo.parse_polygon(polygon(HOLE)))
    assert holed == pytest.approx(full - hole, rel=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    west=st.floats(-179, 178),
    south=st.floats(-80, 79),
    width=st.floats(0.01, 1.0),
    height=st.floats(0.01, 1.0),
)
def test_geodesic_area_close_to_spherical_formula(
    west: float, south: float, width: float, height: float
) -> None:
    east, north = west + width, south + height
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    area = geo.geodesic_area_m2(geo.parse_polygon(polygon(ring)))
    assert area == pytest.approx(_spherical_box_area(west, south, east, north), rel=0.01)


def test_centroid() -> None:
    triangle = geo.parse_polygon(polygon([[0, 0], [3, 0], [0, 3], [0, 0]]))
    assert geo.centroid(triangle) == [1.0, 1.0]
    odd = geo.parse_polygon(polygon([[0, 0], [1, 0], [0, 1 / 3], [0, 0]]))
    c = geo.centroid(odd)
    assert c == [round(1 / 3, 6), round(1 / 9, 6)]


def test_geodesic_area_of_multipolygon_with_same_winding_hole() -> None:
    other = [[10, 10], [11, 10], [11, 11], [10, 11], [10, 10]]
    multi = geo.parse_geometry(
        {"type": "MultiPolygon", "coordinates": [[SQUARE, HOLE], [other[::-1]]]}
    )
    parts = [
        geo.geodesic_area_m2(geo.parse_polygon(polygon(SQUARE, HOLE))),
        geo.geodesic_area_m2(geo.parse_polygon(polygon(other))),
    ]
    assert geo.geodesic_area_m2(multi) == pytest.approx(sum(parts), rel=1e-9)

"""GeoJSON parsing, validation and measurement for AOIs and catalog search.

Everything here is HTTP-free. Malformed input raises :func:`mockserver.errors.bad_request`
(an :class:`~mockserver.errors.ApiError` with status 400) whose ``details["field"]`` names the
offending member with a dotted / indexed path such as ``geometry.coordinates[0][3]``.

Coordinates are WGS84 longitude/latitude. Geometry is handled planar in degrees (shapely), so a
polygon is never interpreted as crossing the antimeridian: a shape that crosses it must be split
into parts, as RFC 7946 recommends. A third coordinate (height) is accepted and dropped.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import shapely
from pyproj import Geod
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient
from shapely.validation import explain_validity

from mockserver.errors import ApiError, bad_request

__all__ = [
    "GEOMETRY_TYPES",
    "bbox_boxes",
    "centroid",
    "geodesic_area_m2",
    "parse_bbox",
    "parse_geometry",
    "parse_polygon",
]

GEOMETRY_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)

_WGS84 = Geod(ellps="WGS84")
_MAX_COLLECTION_DEPTH = 4

Position = tuple[float, float]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if _is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _check_lon_lat(lon: float, lat: float, field: str) -> None:
    if not -180.0 <= lon <= 180.0:
        raise bad_request(
            f"longitude {lon} at {field} is outside [-180, 180]", field=field, value=[lon, lat]
        )
    if not -90.0 <= lat <= 90.0:
        raise bad_request(
            f"latitude {lat} at {field} is outside [-90, 90]", field=field, value=[lon, lat]
        )


def _position(value: Any, field: str) -> Position:
    if not isinstance(value, list | tuple) or len(value) not in (2, 3):
        raise bad_request(
            f"{field} must be a position: an array of 2 (or 3) numbers [longitude, latitude]",
            field=field,
        )
    for number in value:
        if not _is_number(number) or not math.isfinite(number):
            raise bad_request(
                f"{field} must contain only finite numbers, got {_type_name(number)} {number!r}",
                field=field,
            )
    lon, lat = float(value[0]), float(value[1])
    _check_lon_lat(lon, lat, field)
    return lon, lat


def _array(value: Any, field: str, what: str, *, min_len: int = 1) -> Sequence[Any]:
    if not isinstance(value, list | tuple):
        raise bad_request(f"{field} must be an array of {what}", field=field)
    if len(value) < min_len:
        raise bad_request(
            f"{field} must hold at least {min_len} {what}, got {len(value)}", field=field
        )
    return value


def _positions(value: Any, field: str, *, min_len: int) -> list[Position]:
    items = _array(value, field, "positions", min_len=min_len)
    return [_position(item, f"{field}[{i}]") for i, item in enumerate(items)]


def _ring(value: Any, field: str) -> list[Position]:
    ring = _positions(value, field, min_len=4)
    if ring[0] != ring[-1]:
        raise bad_request(
            f"{field} is not a closed linear ring: its first position {list(ring[0])} "
            f"differs from its last {list(ring[-1])}",
            field=field,
        )
    return ring


def _invalid(geom: BaseGeometry, field: str, what: str) -> ApiError:
    reason = explain_validity(geom)
    return bad_request(f"{field} is not a valid {what}: {reason}", field=field, reason=reason)


def _polygon_coords(value: Any, field: str) -> shapely.Polygon:
    rings = _array(value, field, "linear rings")
    parsed = [_ring(ring, f"{field}[{i}]") for i, ring in enumerate(rings)]
    polygon = shapely.Polygon(parsed[0], parsed[1:])
    if polygon.is_valid:
        return polygon
    # Blame the single ring that is broken on its own, if there is one.
    for i, ring in enumerate(parsed):
        alone = shapely.Polygon(ring)
        if not alone.is_valid:
            raise _invalid(alone, f"{field}[{i}]", "linear ring")
    raise _invalid(polygon, field, "polygon")


def _geometry_object(value: Any, field: str) -> tuple[str, Any]:
    if not isinstance(value, dict):
        raise bad_request(
            f"{field} must be a GeoJSON geometry object, got {_type_name(value)}", field=field
        )
    kind = value.get("type")
    if kind not in GEOMETRY_TYPES:
        raise bad_request(
            f"{field}.type must be one of {', '.join(GEOMETRY_TYPES)}, got {kind!r}",
            field=f"{field}.type",
            allowed=list(GEOMETRY_TYPES),
        )
    if kind == "GeometryCollection":
        if "geometries" not in value:
            raise bad_request(f"{field}.geometries is required", field=f"{field}.geometries")
        return kind, value["geometries"]
    if "coordinates" not in value:
        raise bad_request(f"{field}.coordinates is required", field=f"{field}.coordinates")
    return kind, value["coordinates"]


def parse_polygon(geometry: Any, field: str = "geometry") -> shapely.Polygon:
    """Parse and validate a GeoJSON ``Polygon`` (an AOI footprint).

    Requires ``{"type": "Polygon", "coordinates": [[[lng, lat], ...], ...holes]}``: every
    position 2 or 3 finite numbers within range, every ring closed with at least 4 positions,
    and the polygon valid in the OGC sense (no self-intersection, holes inside the shell, ...).
    """
    if not isinstance(geometry, dict):
        raise bad_request(
            f"{field} must be a GeoJSON Polygon object, got {_type_name(geometry)}", field=field
        )
    if geometry.get("type") != "Polygon":
        raise bad_request(
            f"{field}.type must be 'Polygon', got {geometry.get('type')!r}",
            field=f"{field}.type",
            allowed=["Polygon"],
        )
    _kind, coords = _geometry_object(geometry, field)
    return _polygon_coords(coords, f"{field}.coordinates")


def _parse_any(value: Any, field: str, depth: int) -> BaseGeometry:
    kind, coords = _geometry_object(value, field)
    where = f"{field}.coordinates"
    if kind == "Point":
        return shapely.Point(_position(coords, where))
    if kind == "MultiPoint":
        return shapely.MultiPoint(_positions(coords, where, min_len=1))
    if kind == "LineString":
        line = shapely.LineString(_positions(coords, where, min_len=2))
        if not line.is_valid:
            raise _invalid(line, where, "line string")
        return line
    if kind == "MultiLineString":
        lines = _array(coords, where, "line strings")
        parts = [_positions(line, f"{where}[{i}]", min_len=2) for i, line in enumerate(lines)]
        multi = shapely.MultiLineString(parts)
        if not multi.is_valid:
            raise _invalid(multi, where, "multi line string")
        return multi
    if kind == "Polygon":
        return _polygon_coords(coords, where)
    if kind == "MultiPolygon":
        polygons = _array(coords, where, "polygons")
        parts = [_polygon_coords(poly, f"{where}[{i}]") for i, poly in enumerate(polygons)]
        multi = shapely.MultiPolygon(parts)
        if not multi.is_valid:
            raise _invalid(multi, where, "multi polygon")
        return multi
    # GeometryCollection
    where = f"{field}.geometries"
    if depth >= _MAX_COLLECTION_DEPTH:
        raise bad_request(
            f"{where} nests geometry collections deeper than {_MAX_COLLECTION_DEPTH} levels",
            field=where,
        )
    members = _array(coords, where, "geometries")
    return shapely.GeometryCollection(
        [_parse_any(member, f"{where}[{i}]", depth + 1) for i, member in enumerate(members)]
    )


def parse_geometry(geometry: Any, field: str = "intersects") -> BaseGeometry:
    """Parse and validate any GeoJSON geometry (the catalog search ``intersects`` filter).

    Supports Point, MultiPoint, LineString, MultiLineString, Polygon, MultiPolygon and
    GeometryCollection. Empty geometries, out-of-range coordinates, unclosed rings and
    invalid (e.g. self-intersecting) surfaces are rejected with a 400.
    """
    return _parse_any(geometry, field, 0)


def parse_bbox(value: Any, field: str = "bbox") -> tuple[float, float, float, float]:
    """Validate a bounding box and return it as ``(min_lon, min_lat, max_lon, max_lat)``.

    Accepts the 2D form ``[minLon, minLat, maxLon, maxLat]`` and the 3D form
    ``[minLon, minLat, minZ, maxLon, maxLat, maxZ]`` (heights are checked, then dropped).
    ``min_lon > max_lon`` is allowed and means the box crosses the antimeridian.
    """
    if not isinstance(value, list | tuple) or len(value) not in (4, 6):
        raise bad_request(
            f"{field} must be an array of 4 numbers [minLon, minLat, maxLon, maxLat] "
            "(or 6 with heights)",
            field=field,
        )
    for i, number in enumerate(value):
        if not _is_number(number) or not math.isfinite(number):
            raise bad_request(
                f"{field}[{i}] must be a finite number, got {_type_name(number)} {number!r}",
                field=f"{field}[{i}]",
            )
    if len(value) == 6:
        min_lon, min_lat, min_z, max_lon, max_lat, max_z = (float(v) for v in value)
        if min_z > max_z:
            raise bad_request(
                f"{field}: minimum height {min_z} is greater than maximum height {max_z}",
                field=field,
            )
        names = (0, 1, 3, 4)
    else:
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in value)
        names = (0, 1, 2, 3)
    for index, (number, low, high, what) in zip(
        names,
        (
            (min_lon, -180.0, 180.0, "longitude"),
            (min_lat, -90.0, 90.0, "latitude"),
            (max_lon, -180.0, 180.0, "longitude"),
            (max_lat, -90.0, 90.0, "latitude"),
        ),
        strict=True,
    ):
        if not low <= number <= high:
            raise bad_request(
                f"{field}[{index}]: {what} {number} is outside [{low:g}, {high:g}]",
                field=f"{field}[{index}]",
            )
    if min_lat > max_lat:
        raise bad_request(
            f"{field}: minimum latitude {min_lat} is greater than maximum latitude {max_lat}",
            field=field,
        )
    return min_lon, min_lat, max_lon, max_lat


def bbox_boxes(bbox: Sequence[float]) -> list[tuple[float, float, float, float]]:
    """Split a 2D bbox into boxes that do not cross the antimeridian (one box, or two)."""
    min_lon, min_lat, max_lon, max_lat = bbox
    if min_lon <= max_lon:
        return [(min_lon, min_lat, max_lon, max_lat)]
    return [(min_lon, min_lat, 180.0, max_lat), (-180.0, min_lat, max_lon, max_lat)]


def geodesic_area_m2(polygon: BaseGeometry) -> float:
    """Area on the WGS84 ellipsoid in square metres (always non-negative), holes excluded.

    pyproj signs each ring's area by its winding, so rings are first oriented consistently
    (shell counter-clockwise, holes clockwise); otherwise a hole wound like its shell would be
    added instead of subtracted.
    """
    if isinstance(polygon, shapely.Polygon):
        polygon = orient(polygon, sign=1.0)
    elif isinstance(polygon, shapely.MultiPolygon):
        polygon = shapely.MultiPolygon([orient(part, sign=1.0) for part in polygon.geoms])
    area, _perimeter = _WGS84.geometry_area_perimeter(polygon)
    return abs(float(area))


def centroid(polygon: BaseGeometry) -> list[float]:
    """The planar centroid as ``[lon, lat]``, rounded to 6 decimal places."""
    point = polygon.centroid
    return [round(point.x, 6), round(point.y, 6)]


def hull_polygon(geometries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The convex hull of GeoJSON polygons, as a GeoJSON Polygon (counter-clockwise, closed,
    coordinates rounded to 6 decimal places)."""
    shapes = [shape(g) for g in geometries]
    hull = orient(shapely.union_all(shapes).convex_hull, sign=1.0)
    ring = [[round(x, 6), round(y, 6)] for x, y in hull.exterior.coords]
    return {"type": "Polygon", "coordinates": [ring]}

"""Planar bounds of catalog footprints, read from their GeoJSON without building geometries."""

from __future__ import annotations

from typing import Any

import shapely


def coords_bounds(coords: Any) -> tuple[float, float, float, float] | None:
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


def geometry_bounds(geometry: Any) -> tuple[float, float, float, float] | None:
    if not isinstance(geometry, dict):
        return None
    if geometry.get("type") == "GeometryCollection":
        parts = [geometry_bounds(g) for g in geometry.get("geometries") or []]
        boxes = [b for b in parts if b is not None]
        if not boxes:
            return None
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
    return coords_bounds(geometry.get("coordinates"))


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def box_geometry(west: float, south: float, east: float, north: float) -> Any:
    """A box as a geometry, degenerating to a line or a point when it has no area."""
    if west == east and south == north:
        return shapely.Point(west, south)
    if west == east or south == north:
        return shapely.LineString([(west, south), (east, north)])
    return shapely.box(west, south, east, north)

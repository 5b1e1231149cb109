"""Geometry helpers for display: estimated outlines, simplification, coordinate rounding.

Points are ``(lat, lon)`` as folium takes them; GeoJSON is ``[lon, lat]`` as the spec says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

LatLon = tuple[float, float]
Bounds = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
Polygonal = Polygon | MultiPolygon

PRECISION = 5  # decimal places, about 1 m
OUTLINE_RATIO = 0.3
OUTLINE_BUFFER_DEG = 0.0003  # about 30 m around the outermost households
# The whole extent spans this many tolerance steps: about a quarter pixel when the map is
# first shown, a pixel two zoom levels closer.
DISPLAY_STEPS = 4000


def to_polygonal(geojson: Mapping[str, Any]) -> Polygonal | None:
    """Return the polygonal part of a GeoJSON geometry or Feature, repaired if invalid."""
    if geojson.get("type") == "Feature":
        geojson = geojson.get("geometry") or {}
    if geojson.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    geom = shape(geojson)
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return _polygonal_part(geom)


def _polygonal_part(geom: BaseGeometry) -> Polygonal | None:
    if isinstance(geom, Polygon | MultiPolygon):
        return None if geom.is_empty else geom
    parts = [
        p
        for g in getattr(geom, "geoms", ())
        for p in ([g] if isinstance(g, Polygon) else getattr(g, "geoms", ()))
        if isinstance(p, Polygon) and not p.is_empty
    ]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def outline_shape(
    points: Sequence[LatLon],
    *,
    ratio: float = OUTLINE_RATIO,
    buffer_deg: float = OUTLINE_BUFFER_DEG,
) -> Polygonal | None:
    """Return a concave hull around household points, widened a little; None below 3 points."""
    if len(points) < 3:
        return None
    cloud = shapely.multipoints(np.array([(lon, lat) for lat, lon in points], dtype=float))
    hull = shapely.concave_hull(cloud, ratio=ratio)
    return _polygonal_part(hull.buffer(buffer_deg, quad_segs=2))


def concave_outline(
    points: Sequence[LatLon],
    *,
    ratio: float = OUTLINE_RATIO,
    buffer_deg: float = OUTLINE_BUFFER_DEG,
) -> dict[str, Any] | None:
    """Return an estimated GeoJSON outline of a hamlet from its households' (lat, lon)."""
    geom = outline_shape(points, ratio=ratio, buffer_deg=buffer_deg)
    return None if geom is None else to_geojson(geom)


def display_tolerance(bounds: Bounds, steps: int = DISPLAY_STEPS) -> float:
    """Return a simplification tolerance, in degrees, suited to showing ``bounds`` at once."""
    min_x, min_y, max_x, max_y = bounds
    return max(max_x - min_x, max_y - min_y) / steps


def simplify_shape(geom: Polygonal, tolerance: float) -> Polygonal:
    """Simplify one geometry for display, snapped to the output precision."""
    simplified = geom.simplify(tolerance, preserve_topology=True) if tolerance > 0 else geom
    snapped = _polygonal_part(shapely.set_precision(simplified, 10.0**-PRECISION))
    return snapped if snapped is not None else geom


def simplify_shapes(geoms: Sequence[Polygonal], tolerance: float) -> list[Polygonal]:
    """Simplify many geometries, keeping shared borders shared when they tile the area."""
    if tolerance <= 0 or len(geoms) < 2:
        return [simplify_shape(g, tolerance) for g in geoms]
    coverage = np.array(list(geoms), dtype=object)
    if not shapely.coverage_is_valid(coverage):
        return [simplify_shape(g, tolerance) for g in geoms]
    # Hamlets that tile a commune share their borders; coverage_simplify removes the same
    # vertices on both sides so no gaps or slivers open (Visvalingam-Whyatt: its tolerance is
    # roughly the square root of the areas removed).
    simplified = shapely.coverage_simplify(coverage, tolerance)
    return [
        simplify_shape(s, 0) if isinstance(s, Polygon | MultiPolygon) and s.is_valid else g
        for s, g in zip(simplified, geoms, strict=True)
    ]


def simplify_geometry(geojson: Mapping[str, Any], tolerance: float) -> dict[str, Any]:
    """Return a GeoJSON polygon simplified for display with coordinates rounded."""
    geom = to_polygonal(geojson)
    if geom is None:
        raise ValueError("expected a GeoJSON Polygon or MultiPolygon")
    return to_geojson(simplify_shape(geom, tolerance))


def to_geojson(geom: BaseGeometry, precision: int = PRECISION) -> dict[str, Any]:
    """Return a GeoJSON geometry with coordinates rounded to ``precision`` places."""
    rounded = shapely.transform(geom, lambda xy: np.round(xy, precision))
    geo = mapping(rounded)
    return {"type": geo["type"], "coordinates": geo["coordinates"]}


def union_bounds(boxes: Iterable[Bounds]) -> Bounds | None:
    """Return the box around all boxes, or None when there are none."""
    boxes = list(boxes)
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def points_bounds(points: Iterable[LatLon]) -> Bounds | None:
    """Return the box around (lat, lon) points."""
    pts = list(points)
    if not pts:
        return None
    lats = [p[0] for p in pts]
    lons = [p[1] for p in pts]
    return (min(lons), min(lats), max(lons), max(lats))

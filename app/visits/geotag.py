"""Geotagging a visit: distance to the household, the hamlet the point falls in, flags.

Hamlet polygons of a commune are indexed in a shapely STRtree, built once per process and
rebuilt when the commune's hamlets change: the cache key is (count, max(updated_at)) of those
hamlets, one indexed aggregate query per check.
"""

from __future__ import annotations

import statistics
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from geopy.distance import geodesic
from shapely import STRtree
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.prepared import prep
from sqlalchemy import func, select

from app.extensions import db
from app.people.models import Household
from app.units.models import Unit

FAR_FROM_HOUSEHOLD_M = 150.0
LOW_ACCURACY_M = 100.0
LEARN_ACCURACY_M = 50.0


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Geodesic distance in metres between two (lat, lon) points on WGS 84."""
    return float(geodesic(a, b).meters)


@dataclass
class HamletIndex:
    """The hamlet polygons of one commune, indexed for point lookups."""

    key: tuple
    tree: STRtree | None
    hamlets: list[tuple[int, str]]  # (id, code), in tree order
    shapes: dict[int, Any] = field(default_factory=dict)  # hamlet id -> prepared polygon

    def hamlets_at(self, point: BaseGeometry) -> list[tuple[int, str]]:
        """Return the hamlets whose polygon covers the point."""
        if self.tree is None:
            return []
        found = self.tree.query(point, predicate="intersects")
        return [self.hamlets[i] for i in sorted(int(i) for i in found)]

    def covers(self, hamlet_id: int, point: BaseGeometry) -> bool | None:
        """Tell whether a hamlet covers the point; None when it has no polygon."""
        polygon = self.shapes.get(hamlet_id)
        return None if polygon is None else bool(polygon.intersects(point))


_cache: dict[int, HamletIndex] = {}
_lock = threading.Lock()
_builds = 0  # how many indexes were built, for tests


def builds() -> int:
    """Return how many hamlet indexes this process has built."""
    return _builds


def key_columns(commune_id: Any) -> tuple[Any, Any]:
    """The count and latest change of a commune's hamlets, as scalar subqueries: a caller may
    read them with its own query and hand them to `hamlet_index` (`commune_id` may be a
    column of that query)."""
    hamlets = (Unit.parent_id == commune_id, Unit.level == "hamlet")
    return (
        select(func.count(Unit.id)).where(*hamlets).scalar_subquery(),
        select(func.max(Unit.updated_at)).where(*hamlets).scalar_subquery(),
    )


def _key(commune_id: int, known: tuple[Any, Any] | None = None) -> tuple:
    if known is None:
        count, latest = db.session.execute(select(*key_columns(commune_id))).one()
    else:
        count, latest = known
    if isinstance(latest, datetime):
        latest = latest.isoformat()
    return (db.engine.url.render_as_string(), count, latest)


def _build(commune_id: int, key: tuple) -> HamletIndex:
    global _builds
    rows = db.session.execute(
        select(Unit.id, Unit.code, Unit.geometry)
        .where(Unit.parent_id == commune_id, Unit.level == "hamlet", Unit.geometry.is_not(None))
        .order_by(Unit.code)
    ).all()
    hamlets: list[tuple[int, str]] = []
    geoms = []
    shapes = {}
    for hamlet_id, code, geometry in rows:
        try:
            geom = shape(geometry)
        except Exception:  # a malformed stored boundary must not stop visits
            continue
        if geom.is_empty:
            continue
        if not geom.is_valid:
            geom = geom.buffer(0)
        hamlets.append((hamlet_id, code))
        geoms.append(geom)
        shapes[hamlet_id] = prep(geom)
    _builds += 1
    return HamletIndex(
        key=key, tree=STRtree(geoms) if geoms else None, hamlets=hamlets, shapes=shapes
    )


def hamlet_index(commune_id: int, known: tuple[Any, Any] | None = None) -> HamletIndex:
    """Return the (cached, current) hamlet index of a commune; `known` is the count and
    latest change of its hamlets when the caller read them (see `key_columns`)."""
    key = _key(commune_id, known)
    index = _cache.get(commune_id)
    if index is not None and index.key == key:
        return index
    with _lock:
        index = _cache.get(commune_id)
        if index is None or index.key != key:
            index = _build(commune_id, key)
            _cache[commune_id] = index
    return index


@dataclass
class Geotag:
    """Where a visit was taken, as the answer tells it."""

    distance_m: float | None
    hamlet_id: int | None
    hamlet_code: str | None
    flags: list[str]

    def answer(self) -> dict[str, Any]:
        """The `geotag` part of a visit answer."""
        return {"distance_m": self.distance_m, "hamlet_code": self.hamlet_code, "flags": self.flags}


def geotag(household: Household, location: dict | None, index: HamletIndex | None = None) -> Geotag:
    """Compute distance, hamlet and flags of a visit fix against its household."""
    if location is None:
        return Geotag(None, None, None, ["no_location"])
    lat, lon = location["lat"], location["lon"]
    accuracy = location.get("accuracy_m")
    flags: list[str] = []
    dist = None
    if household.lat is not None and household.lon is not None:
        dist = round(distance_m((lat, lon), (household.lat, household.lon)), 1)
        if dist > FAR_FROM_HOUSEHOLD_M + (accuracy or 0.0):
            flags.append("far_from_household")
    if index is None:
        index = hamlet_index(household.commune_id)
    point = Point(lon, lat)
    found = index.hamlets_at(point)
    hamlet_id = hamlet_code = None
    if found:
        chosen = next((h for h in found if h[0] == household.hamlet_id), found[0])
        hamlet_id, hamlet_code = chosen
    if household.hamlet_id is not None and index.covers(household.hamlet_id, point) is False:
        flags.append("outside_hamlet")
    if accuracy is not None and accuracy > LOW_ACCURACY_M:
        flags.append("low_accuracy")
    return Geotag(dist, hamlet_id, hamlet_code, flags)


def learn_location(household: Household, fixes: list[tuple[float, float]]) -> bool:
    """Give a household without a known location the median of good fixes; answer if set."""
    if household.location_source == "known" or not fixes:
        return False
    if household.lat is not None and household.location_source not in (None, "learned"):
        return False
    lat = round(statistics.median(f[0] for f in fixes), 7)
    lon = round(statistics.median(f[1] for f in fixes), 7)
    if (household.lat, household.lon) == (lat, lon) and household.location_source == "learned":
        return False
    household.lat, household.lon, household.location_source = lat, lon, "learned"
    return True

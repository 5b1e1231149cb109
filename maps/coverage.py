"""Coverage maps: hamlets (or communes) coloured by a campaign metric, with the gaps on top.

Pure: aggregates and geometry in, a folium map out (STYLE rule 13). The figures are those of
``GET /api/v1/coverage`` (API.md); points are ``(lat, lon)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape
from typing import Any
from urllib.parse import quote

import folium

from maps import labels
from maps.geometry import (
    Bounds,
    LatLon,
    Polygonal,
    display_tolerance,
    outline_shape,
    points_bounds,
    simplify_shapes,
    to_geojson,
    to_polygonal,
    union_bounds,
)
from maps.labels import METRICS, MapWords
from maps.legend import Legend, MetricScale, legend_html, metric_scale
from maps.offline import (
    DEFAULT_ATTRIBUTION,
    DEFAULT_TILES_URL,
    OfflineFastMarkerCluster,
    OfflineHeatMap,
    OfflineMap,
    render_html,
)
from maps.sites import SitePoint, sites_layer

__all__ = [
    "METRICS",
    "FollowupPoint",
    "MapLayers",
    "SitePoint",
    "UnitFigures",
    "coverage_map",
    "metric_value",
    "render_html",
    "unit_properties",
]

FigureValue = float | int | str | datetime | date | None
VIETNAM_CENTER: LatLon = (16.0, 106.0)
MIN_POINTS_FOR_OUTLINE = 3
PRECISION = 5
MAX_ZOOM = 19


@dataclass
class UnitFigures:
    """One unit's figures and whatever tells where it is."""

    code: str
    name: str
    level: str
    geometry: dict[str, Any] | None  # GeoJSON Polygon or MultiPolygon
    centroid: LatLon | None
    figures: Mapping[str, FigureValue]
    estimated_geometry: bool = False
    household_points: list[LatLon] | None = None


@dataclass
class FollowupPoint:
    """An open follow-up at a household's location."""

    lat: float
    lon: float
    label: str
    overdue: bool = False


@dataclass
class MapLayers:
    """Optional overlays, each a layer the commander can switch on and off."""

    unvisited_households: list[LatLon] = field(default_factory=list)
    followups: list[FollowupPoint] = field(default_factory=list)
    flagged_visits: list[tuple[float, float, str]] = field(default_factory=list)
    sites: list[SitePoint] = field(default_factory=list)


@dataclass
class _Placed:
    unit: UnitFigures
    shape: Polygonal | None = None
    point: LatLon | None = None
    estimated: bool = False


def metric_value(figures: Mapping[str, FigureValue], metric: str) -> float | None:
    """Return a unit's value for a metric: a 0..1 share, or a count (follow-ups overdue,
    temporary residents)."""
    if metric == "coverage":
        given = _number(figures.get("coverage"))
        if given is not None:
            return given
        return _ratio(figures.get("households_visited"), figures.get("households_total"))
    if metric == "id_rate":
        return _ratio(figures.get("id_collected"), figures.get("residents_eligible"))
    if metric == "eid_rate":
        return _ratio(figures.get("eid_level2_active"), figures.get("residents_eligible"))
    if metric in ("followups_overdue", "temporary_residents"):
        return _number(figures.get(metric))
    raise ValueError(f"unknown metric {metric!r}; use one of {list(METRICS)}")


def _number(value: FigureValue) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    return float(value)


def _ratio(part: FigureValue, whole: FigureValue) -> float | None:
    num, den = _number(part), _number(whole)
    if num is None or not den:
        return None
    return min(max(num / den, 0.0), 1.0)


def coverage_map(
    units: Sequence[UnitFigures],
    *,
    metric: str,
    static_base: str,
    tiles_url: str | None = DEFAULT_TILES_URL,
    attribution: str = DEFAULT_ATTRIBUTION,
    layers: MapLayers | None = None,
    link_template: str | None = None,
    inline: bool = False,
    title: str | None = None,
    words: MapWords,
) -> OfflineMap:
    """Build the coverage map of ``units`` coloured by ``metric``; render with render_html."""
    scale = metric_scale(metric, (metric_value(u.figures, metric) for u in units), words)
    placed = _place_units(units)
    m = OfflineMap(
        location=VIETNAM_CENTER,
        zoom_start=6,
        static_base=static_base,
        inline=inline,
        prefer_canvas=True,
        control_scale=True,
    )
    # Leaflet.markercluster refuses a map without maxZoom, which only a tile layer would set.
    m.options["max_zoom"] = MAX_ZOOM
    m.get_root().title = escape(title or scale.title)  # type: ignore[attr-defined]
    if tiles_url:
        folium.TileLayer(
            tiles=tiles_url, attr=attribution, name=words.base_layer, max_zoom=MAX_ZOOM
        ).add_to(m)
    units_layer = _units_layer(placed, scale, link_template, words)
    if units_layer is not None:
        units_layer.add_to(m)
    layers = layers or MapLayers()
    _add_overlays(m, layers, words)
    if layers.sites:
        sites_layer(layers.sites, words).add_to(m)
    Legend(
        legend_html(
            scale,
            words,
            estimated=any(p.estimated for p in placed if p.shape is not None),
            circles=any(p.point is not None for p in placed),
            unplaced=sum(p.shape is None and p.point is None for p in placed),
        )
    ).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    _fit(m, placed, layers)
    return m


def _place_units(units: Sequence[UnitFigures]) -> list[_Placed]:
    """Decide how each unit is drawn: its boundary, an estimated outline, or a circle."""
    placed: list[_Placed] = []
    for unit in units:
        item = _Placed(unit)
        points = unit.household_points or []
        shape = to_polygonal(unit.geometry) if unit.geometry else None
        if shape is not None:
            item.shape, item.estimated = shape, unit.estimated_geometry
        elif len(points) >= MIN_POINTS_FOR_OUTLINE:
            item.shape, item.estimated = outline_shape(points), True
        if item.shape is None:
            item.estimated = False
            if unit.centroid is not None:
                item.point = unit.centroid
            elif points:
                item.point = (
                    sum(p[0] for p in points) / len(points),
                    sum(p[1] for p in points) / len(points),
                )
        placed.append(item)
    with_shape = [p for p in placed if p.shape is not None]
    extent = union_bounds(p.shape.bounds for p in with_shape if p.shape is not None)
    if extent is not None:
        tolerance = display_tolerance(extent)
        simplified = simplify_shapes([p.shape for p in with_shape if p.shape], tolerance)
        for item, shape in zip(with_shape, simplified, strict=True):
            item.shape = shape
    return placed


def unit_properties(
    unit: UnitFigures,
    words: MapWords,
    *,
    estimated: bool = False,
    link_template: str | None = None,
) -> dict[str, str]:
    """Return a unit's tooltip and popup fields, formatted and HTML-escaped."""
    figures = dict(unit.figures)
    for key in ("coverage", "id_rate", "eid_rate"):
        figures[key] = metric_value(unit.figures, key)
    props = {
        "code": unit.code,
        "name": escape(unit.name) + (escape(words.estimated_suffix) if estimated else ""),
        **{key: labels.format_figure(key, figures.get(key)) for key in labels.FIGURE_KEYS},
    }
    if link_template:
        url = link_template.format(code=quote(unit.code, safe=""))
        text = words.links.get(unit.level, words.links["commune"])
        props["link"] = f'<a href="{escape(url)}" target="_top">{escape(text)}</a>'
    return props


def _units_layer(
    placed: Sequence[_Placed], scale: MetricScale, link_template: str | None, words: MapWords
) -> folium.GeoJson | None:
    """Return one GeoJson layer: a feature per unit, polygons first, circles on top."""
    drawn = [p for p in placed if p.shape is not None] + [p for p in placed if p.point]
    if not drawn:
        return None
    totals = [_number(p.unit.figures.get("households_total")) or 0.0 for p in drawn]
    largest = max(totals) or 1.0
    features, styles = [], {}
    for i, (item, total) in enumerate(zip(drawn, totals, strict=True)):
        fid = item.unit.code if item.unit.code not in styles else f"{item.unit.code}~{i}"
        color = scale.color(metric_value(item.unit.figures, scale.metric))
        props = unit_properties(
            item.unit, words, estimated=item.estimated, link_template=link_template
        )
        if item.shape is not None:
            geometry = to_geojson(item.shape, PRECISION)
            styles[fid] = _polygon_style(color, item.estimated)
        else:
            assert item.point is not None
            lat, lon = item.point
            geometry = {
                "type": "Point",
                "coordinates": [round(lon, PRECISION), round(lat, PRECISION)],
            }
            styles[fid] = _circle_style(color, total / largest)
        features.append({"type": "Feature", "id": fid, "geometry": geometry, "properties": props})
    fields = ["name", *labels.FIGURE_KEYS]
    aliases = [words.name, *(words.figures[key] for key in labels.FIGURE_KEYS)]
    popup = None
    if link_template:
        popup = folium.GeoJsonPopup(
            fields=["name", scale.metric, "link"],
            aliases=[words.name, words.figures[scale.metric], words.link],
            localize=False,
        )
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=words.layer_units,
        style_function=lambda feature: styles[feature["id"]],
        highlight_function=lambda feature: {"weight": 3, "fillOpacity": 0.85},
        tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases, sticky=True),
        popup=popup,
        marker=folium.CircleMarker(fill=True),
    )


def _polygon_style(color: str, estimated: bool) -> dict[str, Any]:
    style: dict[str, Any] = {
        "fillColor": color,
        "fillOpacity": 0.6,
        "color": "#424242",
        "opacity": 0.8,
    }
    if estimated:
        style.update({"weight": 2, "dashArray": "6 4", "fillOpacity": 0.45})
    else:
        style["weight"] = 1
    return style


def _circle_style(color: str, share: float) -> dict[str, Any]:
    radius = 4 + round(14 * math.sqrt(max(share, 0.0)))
    return {
        "fillColor": color,
        "fillOpacity": 0.8,
        "color": "#424242",
        "weight": 1,
        "radius": radius,
    }


def _add_overlays(m: OfflineMap, layers: MapLayers, words: MapWords) -> None:
    """Add the switchable overlays that have data."""
    if layers.unvisited_households:
        data = [
            [round(lat, PRECISION), round(lon, PRECISION)]
            for lat, lon in layers.unvisited_households
        ]
        OfflineFastMarkerCluster(
            data, name=words.layer_unvisited, show=True, disableClusteringAtZoom=18
        ).add_to(m)
        OfflineHeatMap(
            data, name=words.layer_heat, show=False, radius=18, blur=14, min_opacity=0.3
        ).add_to(m)
    if layers.followups:
        ordered = sorted(layers.followups, key=lambda f: f.overdue)  # overdue drawn on top
        _points_layer(
            words.layer_followups,
            [
                (f.lat, f.lon, {"label": escape(f.label), "status": _status(f, words)})
                for f in ordered
            ],
            {"label": words.followup, "status": words.followup_status},
            lambda props: _followup_style(props["status"] == escape(words.followup_overdue)),
        ).add_to(m)
    if layers.flagged_visits:
        _points_layer(
            words.layer_flagged,
            [(lat, lon, {"label": escape(text)}) for lat, lon, text in layers.flagged_visits],
            {"label": words.flagged},
            lambda props: {
                "radius": 6,
                "color": "#40004b",
                "weight": 1,
                "fillColor": "#9970ab",
                "fillOpacity": 0.9,
            },
        ).add_to(m)


def _status(followup: FollowupPoint, words: MapWords) -> str:
    return escape(words.followup_overdue if followup.overdue else words.followup_open)


def _followup_style(overdue: bool) -> dict[str, Any]:
    color = "#d7191c" if overdue else "#fd8d3c"
    return {
        "radius": 7 if overdue else 5,
        "color": "#424242",
        "weight": 1,
        "fillColor": color,
        "fillOpacity": 0.9,
    }


def _points_layer(
    name: str,
    points: Sequence[tuple[float, float, dict[str, str]]],
    tooltip_fields: Mapping[str, str],
    style: Callable[[dict[str, str]], dict[str, Any]],
) -> folium.GeoJson:
    """Return points as one GeoJson layer of circle markers with a tooltip each."""
    features = [
        {
            "type": "Feature",
            "id": str(i),
            "geometry": {
                "type": "Point",
                "coordinates": [round(lon, PRECISION), round(lat, PRECISION)],
            },
            "properties": props,
        }
        for i, (lat, lon, props) in enumerate(points)
    ]
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        style_function=lambda feature: style(feature["properties"]),
        tooltip=folium.GeoJsonTooltip(
            fields=list(tooltip_fields), aliases=list(tooltip_fields.values())
        ),
        marker=folium.CircleMarker(fill=True),
    )


def _fit(m: OfflineMap, placed: Sequence[_Placed], layers: MapLayers) -> None:
    """Fit the view to everything drawn, or leave the whole country in view."""
    boxes: list[Bounds] = [p.shape.bounds for p in placed if p.shape is not None]
    point_sets: list[list[LatLon]] = [
        [p.point for p in placed if p.point is not None],
        list(layers.unvisited_households),
        [(f.lat, f.lon) for f in layers.followups],
        [(lat, lon) for lat, lon, _ in layers.flagged_visits],
        [(site.lat, site.lon) for site in layers.sites],
    ]
    boxes += [b for pts in point_sets if (b := points_bounds(pts)) is not None]
    extent = union_bounds(boxes)
    if extent is not None:
        min_lon, min_lat, max_lon, max_lat = extent
        m.fit_bounds([[min_lat, min_lon], [max_lat, max_lon]], max_zoom=16)

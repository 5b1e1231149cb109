"""Tests for maps/: offline assets, coverage map content, geometry helpers, size at scale."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import folium
import folium.plugins
import pytest
from shapely.geometry import Point, shape

from app.reports.mapdata import map_words
from maps import (
    FollowupPoint,
    MapLayers,
    OfflineAssetError,
    OfflineFastMarkerCluster,
    OfflineHeatMap,
    OfflineMap,
    OfflineMarkerCluster,
    UnitFigures,
    assets,
    concave_outline,
    coverage_map,
    metric_value,
    render_html,
    simplify_geometry,
)
from maps.geometry import simplify_shapes, to_polygonal
from maps.labels import format_figure, format_percent

STATIC = "/static/vendor"
TILES = "https://tiles.example.invalid/{z}/{x}/{y}.png"
ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OSM</a>'
BASE_LAT, BASE_LON = 16.15, 107.69
# The words come from the app's catalogue: outside a request, in Vietnamese (the msgids).
WORDS = map_words()
CELL = 0.01  # degrees per hamlet square in the synthetic grid


# --- helpers --------------------------------------------------------------------------------------


def square(lat: float, lon: float, size: float = CELL, vertices_per_side: int = 1) -> dict:
    """Return a GeoJSON square with extra vertices along each side (to test simplify)."""
    corners = [(lon, lat), (lon + size, lat), (lon + size, lat + size), (lon, lat + size)]
    ring = []
    for (x0, y0), (x1, y1) in zip(corners, corners[1:] + corners[:1], strict=True):
        for k in range(vertices_per_side):
            t = k / vertices_per_side
            ring.append([x0 + (x1 - x0) * t, y0 + (y1 - y0) * t])
    ring.append(ring[0])
    return {"type": "Polygon", "coordinates": [ring]}


def figures(total: int = 120, visited: int = 75, **extra: object) -> dict:
    values: dict = {
        "households_total": total,
        "households_visited": visited,
        "coverage": visited / total if total else None,
        "residents_eligible": 300,
        "id_collected": 210,
        "eid_level2_active": 96,
        "corrections_open": 4,
        "followups_open": 7,
        "followups_overdue": 2,
        "last_visit_at": "2026-11-22T08:30:00+07:00",
    }
    values.update(extra)
    return values


def hamlet(i: int, *, cols: int = 10, geometry: bool = True, **kw: object) -> UnitFigures:
    row, col = divmod(i, cols)
    lat, lon = BASE_LAT + row * CELL, BASE_LON + col * CELL
    return UnitFigures(
        code=f"20179-{i + 1:03d}",
        name=f"Thôn {i + 1}",
        level="hamlet",
        geometry=square(lat, lon, vertices_per_side=kw.pop("vertices", 1)) if geometry else None,
        centroid=(lat + CELL / 2, lon + CELL / 2),
        figures=kw.pop("figs", figures(visited=(i * 7) % 120)),
        **kw,
    )


def features_of(html: str) -> list[dict]:
    """Return every GeoJSON feature embedded in the page (folium's ``*_add({...})`` calls)."""
    found = []
    for match in re.finditer(r"_add\((\{.*?\})\);\n", html):
        data = json.loads(match.group(1))
        if data.get("type") == "FeatureCollection":
            found.extend(data["features"])
    return found


def styles_of(html: str, ids: list[str]) -> dict[str, dict]:
    """Return the style folium's first style switch gives each feature id."""
    start = html.index("_styler(feature)")
    body = html[start : html.index("\n        }\n", start)]
    styles: dict[str, dict] = {}
    for cases, style in re.findall(r"((?:case \"[^\"]+\": ?)+)\s*return (\{.*?\});", body):
        for fid in re.findall(r'case "([^"]+)"', cases):
            styles[fid] = json.loads(style)
    default = json.loads(re.search(r"default:\s*return (\{.*?\});", body).group(1))
    return {fid: styles.get(fid, default) for fid in ids}


def legend_of(html: str) -> str:
    """Return the legend's HTML."""
    return json.loads(re.search(r"div.innerHTML = (\".*?\");", html).group(1))


class Tags(HTMLParser):
    """Collect script src, link href and inline script bodies."""

    def __init__(self) -> None:
        super().__init__()
        self.srcs: list[str] = []
        self.hrefs: list[str] = []
        self._in_script = False
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self._in_script = True
            if a.get("src"):
                self.srcs.append(a["src"] or "")
        if tag == "link" and a.get("href"):
            self.hrefs.append(a["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    return tags


def commune_map(**kw: object) -> str:
    units = kw.pop("units", [hamlet(i) for i in range(6)])
    kw.setdefault("metric", "coverage")
    kw.setdefault("words", WORDS)
    m = coverage_map(units, static_base=STATIC, tiles_url=TILES, attribution=ATTRIBUTION, **kw)
    return render_html(m)


# --- vendored assets ------------------------------------------------------------------------------


def test_vendored_files_exist_and_versions_match_folium() -> None:
    assert len(assets.ALL_ASSETS) >= 4
    for path in assets.ALL_ASSETS:
        assert (assets.VENDOR_DIR / path).is_file(), path
    links = dict(folium.Map.default_js) | dict(folium.Map.default_css)
    assert f"leaflet@{assets.LEAFLET_VERSION}/" in links["leaflet"]
    assert f"jquery-{assets.JQUERY_VERSION}." in links["jquery"]
    cluster = dict(folium.plugins.MarkerCluster.default_js)["markerclusterjs"]
    assert f"/{assets.MARKERCLUSTER_VERSION}/" in cluster
    folium_heat = Path(folium.__file__).parent / "templates" / "leaflet_heat.min.js"
    assert f"folium-{folium.__version__}" == assets.HEAT_SOURCE
    assert assets.read_asset(assets.HEAT_JS) == folium_heat.read_bytes()


def test_vendor_readme_records_sources() -> None:
    readme = (assets.VENDOR_DIR / "README.md").read_text(encoding="utf-8")
    for needle in (
        "leaflet",
        assets.LEAFLET_VERSION,
        "jquery",
        assets.JQUERY_VERSION,
        "leaflet.markercluster",
        assets.MARKERCLUSTER_VERSION,
        "BSD-2-Clause",
        "MIT",
    ):
        assert needle in readme


def test_offline_map_does_not_change_folium_globals() -> None:
    before = (
        list(folium.Map.default_js),
        list(folium.Map.default_css),
        list(folium.plugins.MarkerCluster.default_js),
        list(folium.plugins.FastMarkerCluster.default_css),
        list(folium.plugins.HeatMap.default_js),
    )
    m = OfflineMap(location=[BASE_LAT, BASE_LON], static_base=STATIC)
    OfflineFastMarkerCluster([[BASE_LAT, BASE_LON]]).add_to(m)
    OfflineHeatMap([[BASE_LAT, BASE_LON]]).add_to(m)
    render_html(m)
    after = (
        folium.Map.default_js,
        folium.Map.default_css,
        folium.plugins.MarkerCluster.default_js,
        folium.plugins.FastMarkerCluster.default_css,
        folium.plugins.HeatMap.default_js,
    )
    assert before == tuple(list(x) for x in after)
    plain = folium.Map(tiles=None).get_root().render()
    assert "cdn.jsdelivr.net/npm/leaflet@1.9.3" in plain


def test_all_assets_come_from_static_base() -> None:
    html = commune_map(layers=MapLayers(unvisited_households=[(BASE_LAT, BASE_LON)] * 3))
    tags = parse(html)
    assert tags.srcs and tags.hrefs
    for url in tags.srcs + tags.hrefs:
        assert url.startswith(STATIC + "/"), url
        assert (assets.VENDOR_DIR / url.removeprefix(STATIC + "/")).is_file(), url
    assert f"{STATIC}/{assets.MARKERCLUSTER_JS}" in tags.srcs
    assert f"{STATIC}/{assets.HEAT_JS}" in tags.srcs
    # No URL anywhere but the tile template and the attribution link.
    urls = re.findall(r"(?:https?:)?//[^\s\"'<>\\]+", html)
    allowed = {TILES, "https://www.openstreetmap.org/copyright"}
    assert urls and set(urls) <= allowed, set(urls) - allowed


def test_static_base_trailing_slash_and_plain_plugins_are_refused() -> None:
    m = OfflineMap(static_base="/assets/")
    folium.plugins.MarkerCluster().add_to(m)  # stock plugin: CDN links
    with pytest.raises(OfflineAssetError, match="cdnjs"):
        render_html(m)
    m = OfflineMap(static_base="/assets/")
    OfflineMarkerCluster().add_to(m)
    assert f"/assets/{assets.MARKERCLUSTER_CSS}" in parse(render_html(m)).hrefs


def test_offline_plugin_needs_offline_map() -> None:
    m = folium.Map(tiles=None)
    OfflineHeatMap([[BASE_LAT, BASE_LON]]).add_to(m)
    with pytest.raises(TypeError, match="OfflineMap"):
        m.get_root().render()


def test_inline_mode_is_self_contained() -> None:
    html = commune_map(
        inline=True, layers=MapLayers(unvisited_households=[(BASE_LAT, BASE_LON)] * 3)
    )
    tags = parse(html)
    assert tags.srcs == []
    assert not [h for h in tags.hrefs if not h.startswith("data:")]
    assert "markerClusterGroup" in html
    assert "sourceMappingURL" not in html
    # leaflet.css images (layer switcher, marker icons) become data: URIs
    assert 'url("data:image/png;base64,' in html
    assert "url(images/" not in html
    assert "L.Icon.Default.mergeOptions" in html
    assert len(html) < 1_000_000


# --- coverage map content -------------------------------------------------------------------------


def test_one_polygon_feature_per_hamlet() -> None:
    units = [hamlet(i) for i in range(12)]
    feats = features_of(commune_map(units=units))
    polygons = [f for f in feats if f["geometry"]["type"] in ("Polygon", "MultiPolygon")]
    assert sorted(f["id"] for f in polygons) == sorted(u.code for u in units)
    assert len(polygons) == len(units)


def test_tooltip_has_vietnamese_labels_and_formats() -> None:
    unit = hamlet(0, figs=figures(total=120, visited=75, households_total=1234))
    html = commune_map(units=[unit])
    for label in (
        "Hộ đã gõ cửa",
        "Tỷ lệ bao phủ",
        "Tổng số hộ",
        "Đã kích hoạt VNeID mức 2",
        "Tỷ lệ thu nhận căn cước",
        "Việc quay lại quá hạn",
        "Lần gõ cửa gần nhất",
    ):
        assert json.dumps(label)[1:-1] in html or label in html
    props = features_of(html)[0]["properties"]
    assert props["coverage"] == "62,5%"
    assert props["households_total"] == "1.234"
    assert props["id_rate"] == "70,0%"
    assert props["eid_rate"] == "32,0%"
    assert props["last_visit_at"] == "22/11/2026 08:30"
    assert "bindTooltip" in html


def test_names_are_escaped() -> None:
    unit = UnitFigures(
        code="20179-001",
        name="Thôn <img src=x onerror=alert(1)>",
        level="hamlet",
        geometry=square(BASE_LAT, BASE_LON),
        centroid=None,
        figures=figures(),
    )
    props = features_of(commune_map(units=[unit]))[0]["properties"]
    assert "<img" not in props["name"] and "&lt;img" in props["name"]


def test_estimated_outline_is_dashed_and_labelled() -> None:
    points = [(BASE_LAT + 0.001 * math.sin(k), BASE_LON + 0.001 * math.cos(k)) for k in range(20)]
    measured = hamlet(0)
    guessed = UnitFigures(
        code="20179-009",
        name="Bản Khe",
        level="hamlet",
        geometry=None,
        centroid=None,
        figures=figures(),
        household_points=points,
    )
    html = commune_map(units=[measured, guessed])
    feats = {f["id"]: f for f in features_of(html)}
    assert feats["20179-009"]["geometry"]["type"] == "Polygon"
    assert feats["20179-009"]["properties"]["name"] == "Bản Khe (ước tính)"
    assert "(ước tính)" not in feats[measured.code]["properties"]["name"]
    hull = shape(feats["20179-009"]["geometry"])
    assert all(hull.contains(Point(lon, lat)) for lat, lon in points)
    styles = styles_of(html, ["20179-009", measured.code])
    assert styles["20179-009"]["dashArray"] == "6 4"
    assert "dashArray" not in styles[measured.code]
    assert "Ranh giới ước tính" in legend_of(html)


def test_given_estimated_geometry_is_dashed_too() -> None:
    unit = hamlet(0, estimated_geometry=True)
    feats = features_of(commune_map(units=[unit]))
    assert feats[0]["properties"]["name"].endswith("(ước tính)")


def test_province_level_draws_circles_sized_by_households() -> None:
    communes = [
        UnitFigures(
            code=f"2{k:04d}",
            name=f"Xã {k}",
            level="commune",
            geometry=None,
            centroid=(16.0 + k * 0.1, 107.0),
            figures=figures(total=100 * (k + 1)),
        )
        for k in range(5)
    ]
    html = commune_map(units=communes, link_template="/maps/coverage?unit={code}")
    feats = features_of(html)
    assert [f["geometry"]["type"] for f in feats] == ["Point"] * 5
    assert "new L.CircleMarker(latlng, opts)" in html
    radii = [int(r) for r in re.findall(r'"radius": (\d+)', html)]
    assert min(radii) < max(radii)
    link = feats[0]["properties"]["link"]
    assert link == '<a href="/maps/coverage?unit=20000" target="_top">Xem bản đồ xã</a>'
    assert "bindPopup" in html


@pytest.mark.parametrize("metric", ["coverage", "id_rate", "eid_rate", "followups_overdue"])
def test_every_metric_renders_with_vietnamese_legend(metric: str) -> None:
    html = commune_map(metric=metric)
    assert "gocua-legend" in html
    assert {
        "coverage": "Tỷ lệ hộ đã gõ cửa",
        "id_rate": "Tỷ lệ thu nhận căn cước",
        "eid_rate": "Tỷ lệ kích hoạt VNeID mức 2",
        "followups_overdue": "Việc quay lại quá hạn",
    }[metric] in legend_of(html)


def test_unknown_metric_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown metric"):
        coverage_map([], metric="nonsense", static_base=STATIC, words=WORDS)


def test_metric_values() -> None:
    f = figures(total=200, visited=50, coverage=None)
    assert metric_value(f, "coverage") == 0.25
    assert metric_value(f, "id_rate") == 0.7
    assert metric_value({"residents_eligible": 0, "id_collected": 0}, "id_rate") is None
    assert metric_value(f, "followups_overdue") == 2


def test_overlays_are_toggleable_layers() -> None:
    layers = MapLayers(
        unvisited_households=[(BASE_LAT + k * 1e-4, BASE_LON) for k in range(50)],
        followups=[
            FollowupPoint(BASE_LAT, BASE_LON, "Quay lại hộ <A>", overdue=True),
            FollowupPoint(BASE_LAT, BASE_LON + 0.001, "Hỗ trợ VNeID"),
        ],
        flagged_visits=[(BASE_LAT + 0.05, BASE_LON, "Lượt gõ cửa 812")],
    )
    html = commune_map(layers=layers)
    for name in (
        "Hộ chưa gõ cửa",
        "Mật độ hộ chưa gõ cửa",
        "Việc quay lại (đỏ: quá hạn)",
        "Lượt gõ cửa ngoài địa bàn thôn",
        "Đơn vị hành chính",
    ):
        assert json.dumps(name) in html or json.dumps(name, ensure_ascii=False) in html
    assert "L.control.layers" in html
    assert "L.markerClusterGroup" in html and "L.heatLayer" in html
    assert "L.AwesomeMarkers" not in html
    labels = [f["properties"].get("label") for f in features_of(html)]
    assert "Quay lại hộ &lt;A&gt;" in labels
    assert '"fillColor": "#d7191c"' in html  # overdue in red


def test_hamlet_with_nothing_is_counted_not_drawn() -> None:
    lost = UnitFigures(
        code="20179-077",
        name="Tổ 7",
        level="hamlet",
        geometry=None,
        centroid=None,
        figures=figures(),
    )
    html = commune_map(units=[hamlet(0), lost])
    assert [f["id"] for f in features_of(html)] == ["20179-001"]
    assert "1 đơn vị chưa có vị trí" in legend_of(html)


def test_fits_bounds_to_data() -> None:
    html = commune_map(units=[hamlet(i) for i in range(4)])
    bounds = re.search(r"fitBounds\(\s*(\[\[.*?\]\])", html, re.S).group(1)
    (lat0, lon0), (lat1, lon1) = json.loads(bounds)
    assert lat0 == pytest.approx(BASE_LAT) and lon0 == pytest.approx(BASE_LON)
    assert (lat1, lon1) == pytest.approx((BASE_LAT + CELL, BASE_LON + 4 * CELL))


def test_no_tiles_url_means_no_tile_layer() -> None:
    m = coverage_map(
        [hamlet(0)], metric="coverage", static_base=STATIC, tiles_url=None, words=WORDS
    )
    html = render_html(m)
    assert "L.tileLayer" not in html
    assert not re.findall(r"https?://", html)


# --- geometry helpers -----------------------------------------------------------------------------


def test_concave_outline() -> None:
    assert concave_outline([(16.0, 107.0), (16.001, 107.0)]) is None
    outline = concave_outline([(16.0, 107.0), (16.001, 107.0), (16.0, 107.001)])
    assert outline is not None and outline["type"] == "Polygon"
    ring = outline["coordinates"][0]
    assert all(len(str(c).split(".")[-1]) <= 5 for pt in ring for c in pt)
    # the same point three times still gives a small outline
    assert concave_outline([(16.0, 107.0)] * 3) is not None


def test_simplify_geometry_reduces_vertices_and_rounds() -> None:
    dense = square(BASE_LAT, BASE_LON, vertices_per_side=200)
    out = simplify_geometry(dense, tolerance=1e-4)
    ring = out["coordinates"][0]
    assert len(ring) == 5
    corners = {
        (round(BASE_LON + dx, 5), round(BASE_LAT + dy, 5)) for dx in (0, CELL) for dy in (0, CELL)
    }
    assert {tuple(pt) for pt in ring} == corners
    with pytest.raises(ValueError):
        simplify_geometry({"type": "Point", "coordinates": [0, 0]}, 1e-4)


def test_invalid_polygon_is_repaired() -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    geom = to_polygonal(bowtie)
    assert geom is not None and geom.is_valid and geom.area == pytest.approx(0.5)


def test_shared_borders_stay_shared() -> None:
    # two wiggly neighbours sharing one wiggly border
    wiggle = [(0.5 + 0.01 * math.sin(k), k / 50) for k in range(51)]
    left = {
        "type": "Polygon",
        "coordinates": [[[0, 0], *[list(p) for p in wiggle], [0, 1], [0, 0]]],
    }
    right = {
        "type": "Polygon",
        "coordinates": [[[1, 0], [1, 1], *[list(p) for p in reversed(wiggle)], [1, 0]]],
    }
    a, b = (to_polygonal(g) for g in (left, right))
    assert a is not None and b is not None
    sa, sb = simplify_shapes([a, b], 0.05)
    assert len(sa.exterior.coords) < len(a.exterior.coords)
    assert sa.intersection(sb).area == pytest.approx(0, abs=1e-9)
    assert sa.union(sb).area == pytest.approx(1.0, rel=1e-3)


def test_formats() -> None:
    assert format_percent(0.625) == "62,5%"
    # A share short of all never reads 100,0%: a commune with one household left is 99,9%.
    assert format_percent(1999 / 2000) == "99,9%" and format_percent(1.0) == "100,0%"
    assert format_figure("households_total", 1234567) == "1.234.567"
    assert format_figure("coverage", None) == "—"
    assert format_figure("last_visit_at", "not a date <x>") == "not a date &lt;x&gt;"


# --- scale ----------------------------------------------------------------------------------------


def test_province_of_3000_hamlets_stays_small() -> None:
    # 3,000 hamlets of 40 vertices each (real boundaries are denser, and simplify removes
    # what the scale cannot show), half without boundaries but with household points.
    units = []
    for i in range(3000):
        if i % 2:
            units.append(hamlet(i, cols=60, vertices=10))
        else:
            row, col = divmod(i, 60)
            lat, lon = BASE_LAT + row * CELL, BASE_LON + col * CELL
            pts = [
                (
                    lat + CELL * (0.2 + 0.6 * ((k * 37) % 11) / 10),
                    lon + CELL * (0.2 + 0.6 * ((k * 53) % 13) / 12),
                )
                for k in range(30)
            ]
            units.append(hamlet(i, cols=60, geometry=False, household_points=pts))
    m = coverage_map(
        units,
        metric="coverage",
        static_base=STATIC,
        tiles_url=TILES,
        attribution=ATTRIBUTION,
        link_template="/maps/coverage?unit={code}",
        words=WORDS,
    )
    html = render_html(m)
    assert len(features_of(html)) == 3000
    assert len(html.encode()) < 6_000_000, len(html.encode())


def test_script_tag_is_not_broken_by_inlined_assets() -> None:
    html = commune_map(inline=True)
    tags = parse(html)
    joined = "".join(tags.scripts)
    assert "L.map(" in joined and "jQuery" in joined


# --- what the app loads ---------------------------------------------------------------------------

FACTORY_ONLY = """
import sys
from app import create_app
create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_ENABLED": False})
heavy = ("folium", "branca", "maps.coverage", "app.reports.mapdata")
print(sorted(m for m in heavy if m in sys.modules))
import maps
print(all(getattr(maps, name) is not None for name in maps.__all__), "folium" in sys.modules)
"""


def test_the_app_loads_folium_only_when_a_map_is_drawn():
    """A process that draws no map (an import, a new worker) does without folium; every name
    maps/ offers still comes when asked for."""
    root = Path(__file__).resolve().parent.parent
    run = subprocess.run(
        [sys.executable, "-c", FACTORY_ONLY],
        capture_output=True,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:2] == ["[]", "True True"]

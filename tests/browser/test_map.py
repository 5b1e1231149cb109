"""The coverage map and the dashboard in Chromium, on the demo commune and its field work.

The map page must draw one shape per hamlet, show no console error and make no request to any
host but the app itself (tiles come from a local URL here, as on a closed network).
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.units.models import Unit

DEMO_PASSWORD = "gocua-demo"
MAP_JS = """() => {
  const maps = Object.keys(window)
    .filter((k) => k.startsWith("map_") && window[k] instanceof L.Map)
    .map((k) => window[k]);
  const out = {maps: maps.length, polygons: 0, tooltips: 0, circles: 0, tiles: 0};
  if (!maps.length) return out;
  maps[0].eachLayer((layer) => {
    if (layer instanceof L.GeoJSON && layer.getTooltip()) {
      layer.eachLayer((child) => { if (child instanceof L.Polygon) out.tooltips += 1; });
    }
    if (layer instanceof L.Polygon) {
      out.polygons += 1;
    } else if (layer instanceof L.CircleMarker) {
      out.circles += 1;
    } else if (layer instanceof L.TileLayer) {
      out.tiles += 1;
    }
  });
  return out;
}"""


def _load_demo(app) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["units", "load"]).exit_code == 0
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output


def _log_in(page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.fixture
def demo_field(app, live_server):
    """The demo commune with field work, tiles served by the live server itself."""
    _load_demo(app)  # with its running campaign
    hamlets = db.session.scalar(
        select(func.count(Unit.id)).where(Unit.level == "hamlet", Unit.code.like("20179-%"))
    )
    # A plain local tile stands in for the tile server of a closed network.
    tile = f"{live_server.url}/static/reports/blank-tile.svg?z={{z}}&x={{x}}&y={{y}}"
    app.config["MAP_TILES_URL"] = tile
    return {"hamlets": hamlets}


def test_commune_map_in_chromium(page, live_server, demo_field, screenshot):
    _log_in(page, "chihuy")
    assert page.url.endswith("/dashboard")
    page.goto("/maps/coverage?unit=20179")
    page.wait_for_function("() => window.L && document.querySelector('.leaflet-container')")
    page.wait_for_load_state("networkidle")
    drawn = page.evaluate(MAP_JS)
    assert drawn["maps"] == 1
    assert drawn["polygons"] == demo_field["hamlets"] == 6
    assert drawn["tooltips"] == drawn["polygons"]
    assert drawn["tiles"] == 1
    assert page.locator(".gocua-legend").count() == 1
    assert page.locator(".leaflet-control-layers").count() == 1
    assert page.locator("h1").inner_text().startswith("Bản đồ độ bao phủ")
    # Hover the first hamlet: its tooltip shows the figures in Vietnamese.
    page.locator("#coverage-map").scroll_into_view_if_needed()
    point = page.evaluate(
        """() => {
          const m = Object.keys(window).filter((k) => k.startsWith("map_"))
            .map((k) => window[k]).find((v) => v instanceof L.Map);
          let target = null;
          m.eachLayer((l) => { if (!target && l instanceof L.Polygon) target = l; });
          const p = m.latLngToContainerPoint(target.getCenter());
          const box = m.getContainer().getBoundingClientRect();
          return {x: box.left + p.x, y: box.top + p.y};
        }"""
    )
    page.mouse.move(point["x"], point["y"])
    page.wait_for_selector(".leaflet-tooltip", state="visible")
    assert "Tổng số hộ" in page.locator(".leaflet-tooltip").inner_text()
    assert page.console_errors == []
    assert page.off_server_requests == []
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto("/maps/coverage?unit=20179")
    page.wait_for_load_state("networkidle")
    screenshot(page, "map-coverage", full_page=False)
    assert page.console_errors == []
    assert page.off_server_requests == []


def test_switch_metric_and_province_map(page, live_server, demo_field):
    _log_in(page, "admin")
    page.goto("/maps/coverage?unit=20179")
    page.click("text=Tỷ lệ kích hoạt VNeID mức 2")
    page.wait_for_load_state("networkidle")
    assert "metric=eid_rate" in page.url
    assert page.evaluate(MAP_JS)["polygons"] == 6
    page.click("text=↑ Thành phố Huế")
    page.wait_for_load_state("networkidle")
    assert "unit=46" in page.url
    drawn = page.evaluate(MAP_JS)
    assert drawn["maps"] == 1 and drawn["circles"] >= 1  # communes at their centroids
    assert page.console_errors == []
    assert page.off_server_requests == []


def test_dashboard_in_chromium(page, live_server, demo_field, screenshot):
    _log_in(page, "chihuy")
    page.goto("/dashboard")
    assert page.locator("h1").inner_text() == "Bảng tổng hợp: Xã Nam Đông"
    # The demo campaign's three rankings (households, ID cards, e-ID), then the units.
    assert page.locator("table.units").count() == 4
    assert page.locator("svg.chart rect.bar").count() == 30
    assert "thôn hoàn thành" in page.content()
    page.click("th a[href*='sort=coverage']")
    page.wait_for_load_state()
    assert "sort=coverage" in page.url
    assert page.console_errors == []
    assert page.off_server_requests == []
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/dashboard")
    screenshot(page, "dashboard")


SITES_JS = """() => {
  const m = Object.keys(window).filter((k) => k.startsWith("map_"))
    .map((k) => window[k]).find((v) => v instanceof L.Map);
  const out = [];
  m.eachLayer((l) => {
    if (l instanceof L.Marker && l.options.icon && l.options.icon.options.className
        === "gocua-site-icon") {
      out.push({lat: l.getLatLng().lat, lon: l.getLatLng().lng});
    }
  });
  return out;
}"""


def test_sites_layer_in_chromium(page, live_server, demo_field, screenshot):
    """The demo's boarding house, dormitory and informal lot are badges with a popup."""
    _log_in(page, "chihuy")
    page.set_viewport_size({"width": 1280, "height": 860})
    page.goto("/maps/coverage?unit=20179&metric=temporary_residents")
    page.wait_for_function("() => window.L && document.querySelector('.gocua-site-badge')")
    page.wait_for_load_state("networkidle")
    sites = page.evaluate(SITES_JS)
    assert len(sites) == 3
    assert page.locator(".gocua-site-badge").count() == 3
    assert "Nhà trọ, ký túc xá, công ty" in page.locator(".leaflet-control-layers").inner_text()
    assert "Người tạm trú, lưu trú" in page.locator(".gocua-legend").inner_text()
    page.locator('.gocua-site-badge[data-kind="boarding_house"]').click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(state="visible")
    text = popup.inner_text()
    assert "Nhà trọ Hoa Sen" in text and "Số người đang ở" in text and "VNeID mức 2" in text
    page.mouse.move(5, 5)  # no tooltip over the popup
    page.wait_for_timeout(500)  # the popup's fade-in
    screenshot(page, "map-sites", full_page=False)
    assert page.console_errors == []
    assert page.off_server_requests == []

"""Commander pages: the coverage map (parsed) and the dashboard, behind a session login."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from app.auth.models import AuditEntry
from app.extensions import db
from app.text import fold
from app.units.models import Unit
from tests.reports.conftest import adult

LOCAL_TILES = "/static/icon.svg?z={z}&x={x}&y={y}"


class Assets(HTMLParser):
    """Collect every <script src>, <link href>, <img src> and inline script of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            if attrs.get("src"):
                self.links.append(attrs["src"])
            else:
                self.inline_scripts += 1
        if tag == "link" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in ("img", "iframe") and attrs.get("src"):
            self.links.append(attrs["src"])


def unescaped(html: str) -> str:
    """Undo the \\uXXXX escapes folium's JSON puts in the page's script."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)


def assets_of(html: str) -> Assets:
    parser = Assets()
    parser.feed(html)
    return parser


def feature_collections(html: str) -> list[dict]:
    """Return every GeoJSON FeatureCollection folium put in the page's script."""
    found = []
    for match in re.finditer(r"_add\((\{.*?\"FeatureCollection\".*?\})\);\s*$", html, re.M):
        found.append(json.loads(match.group(1)))
    return found


def units_layer(html: str) -> dict:
    for collection in feature_collections(html):
        if collection["features"] and "households_total" in collection["features"][0]["properties"]:
            return collection
    raise AssertionError("no units layer in the map")


@pytest.fixture
def login(client, make_user):
    """Sign a new user of a role in through the login page."""

    def sign_in(role: str, unit: str):
        user = make_user(role, unit)
        response = client.post(
            "/login", data={"username": user.username, "password": "secret-pass"}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return user

    return sign_in


@pytest.fixture
def local_tiles(app):
    app.config["MAP_TILES_URL"] = LOCAL_TILES


def test_commanders_land_on_the_dashboard(client, counted, make_user):
    user = make_user("commander", "20179")
    response = client.post("/login", data={"username": user.username, "password": "secret-pass"})
    assert response.headers["Location"] == "/dashboard"


def test_commune_map_has_one_polygon_per_hamlet(client, counted, login, local_tiles):
    login("commander", "20179")
    response = client.get("/maps/coverage?unit=20179")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<title>Bản đồ độ bao phủ — Xã Nam Đông — Gõ Cửa</title>" in html
    layer = units_layer(html)
    shapes = [f for f in layer["features"] if f["geometry"]["type"] in ("Polygon", "MultiPolygon")]
    assert sorted(f["properties"]["code"] for f in shapes) == [
        "20179-001",
        "20179-002",
        "20179-003",
    ]
    assert len(layer["features"]) == 3
    first = next(f for f in shapes if f["properties"]["code"] == "20179-001")
    assert first["properties"]["households_total"] == "4"
    assert first["properties"]["coverage"] == "50,0%"
    assert "GeoJsonTooltip" in html or "bindTooltip" in html
    aliases = [json.loads(m) for m in re.findall(r"aliases = (\[.*?\]);", html)]
    assert aliases[0][:4] == ["Đơn vị", "Tổng số hộ", "Hộ đã gõ cửa", "Tỷ lệ bao phủ hộ"]
    links = assets_of(html).links
    assert links  # the map loads its scripts and styles
    for url in links:
        assert url.startswith("/static/"), url
    assert "tile.openstreetmap.org" not in html and "cdn" not in html.lower()
    assert LOCAL_TILES.replace("&", "\\u0026") in html or LOCAL_TILES in html
    # The gap layers: unvisited households (B, D, F), the open follow-ups.
    text = unescaped(html)
    assert "Hộ chưa gõ cửa" in text and "Việc quay lại (đỏ: quá hạn)" in text
    assert 'href="/maps/coverage?unit=20179&amp;metric=id_rate"' in html
    assert "/maps/coverage?unit=46" not in html  # the province lies outside this scope


def test_hamlet_without_boundary_gets_an_estimated_outline(
    client, counted, world, make_household, login, local_tiles
):
    commune = world["20179"]
    bare = Unit(
        code="20179-004",
        name="Bản Ka Zăng",
        name_folded=fold("Bản Ka Zăng"),
        level="hamlet",
        kind="bản",
        parent_id=commune.id,
        province_id=commune.province_id,
    )
    db.session.add(bare)
    db.session.commit()
    world.units[bare.code] = bare
    for lat, lon in [(16.10, 107.80), (16.102, 107.80), (16.101, 107.803), (16.099, 107.802)]:
        make_household("20179-004", residents=[adult("Người bản")], location=(lat, lon))
    login("commander", "20179")
    html = client.get("/maps/coverage?unit=20179").get_data(as_text=True)
    layer = units_layer(html)
    estimated = next(f for f in layer["features"] if f["properties"]["code"] == "20179-004")
    assert estimated["geometry"]["type"] == "Polygon"
    assert "ước tính" in estimated["properties"]["name"]
    assert "dashArray" in html
    assert len(layer["features"]) == 4


def test_province_map_colours_communes_with_links(client, counted, login, local_tiles):
    login("admin", "46")
    response = client.get("/maps/coverage?unit=46&metric=id_rate")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    layer = units_layer(html)
    codes = {f["properties"]["code"]: f for f in layer["features"]}
    assert set(codes) == {"19777", "20179"}
    assert codes["20179"]["geometry"]["type"] == "Point"  # no boundary: at its centroid
    assert "/maps/coverage?metric=id_rate&amp;unit=20179" in codes["20179"]["properties"]["link"]
    links = assets_of(html).links
    assert links  # the map loads its scripts and styles
    for url in links:
        assert url.startswith("/static/"), url


def test_download_is_one_self_contained_file(client, counted, login, local_tiles):
    login("commander", "20179")
    response = client.get("/maps/coverage?unit=20179-001&metric=eid_rate&download=1")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert 'filename="ban-do-eid_rate-20179-001.html"' in response.headers["Content-Disposition"]
    html = response.get_data(as_text=True)
    assert assets_of(html).links == []
    assert "L.map(" in html and len(units_layer(html)["features"]) == 1
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "coverage_map"))
    assert entry.action == "export" and entry.object_id == "20179-001"


def test_map_page_scripts_all_carry_the_request_nonce(client, counted, login, local_tiles):
    login("commander", "20179")
    response = client.get("/maps/coverage?unit=20179")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    html = response.get_data(as_text=True)
    tags = re.findall(r"<script\b[^>]*>", html, re.IGNORECASE)
    assert len(tags) >= 4  # Leaflet, jQuery, folium's settings and the map itself
    assert all(f'nonce="{nonce}"' in tag for tag in tags), tags
    assert not re.search(r"\son[a-z]+\s*=", html)  # no inline event handler


def test_map_scope_roles_and_input(client, counted, login, make_user):
    assert client.get("/maps/coverage").status_code == 302  # to the login page
    login("officer", "20179")
    assert client.get("/maps/coverage").status_code == 200
    assert client.get("/maps/coverage?unit=19777").status_code == 404
    assert client.get("/maps/coverage?metric=colour").status_code == 422
    assert client.get("/maps/coverage?unit=20179&campaign=999").status_code == 404
    client.post("/logout")
    login("village_head", "20179-001")
    assert client.get("/maps/coverage?unit=20179-001").status_code == 403
    assert client.get("/dashboard").status_code == 403


def test_dashboard_shows_units_overdue_flagged_and_chart(client, counted, login, add_visit, world):
    add_visit(
        counted.households["F"],
        "met",
        flags=["outside_hamlet"],
        location=world.hamlet_point("20179-001"),
    )
    login("commander", "20179")
    response = client.get("/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Bảng tổng hợp: Xã Nam Đông" in html
    for name in ("Thôn 1", "Thôn 2", "Thôn 3", "Chưa xác định thôn"):
        assert name in html
    assert "<svg" in html and "lượt" in html
    assert "Quay lại gõ cửa" in html  # B's overdue follow-up
    assert "Ngoài địa bàn thôn" in html
    assert "/api/v1/exports/coverage.xlsx?unit=20179" in html
    links = assets_of(html).links
    assert links  # the map loads its scripts and styles
    for url in links:
        assert url.startswith("/static/"), url


def test_dashboard_sorts_by_a_column(client, counted, login):
    login("commander", "20179")
    names = ("Thôn 1", "Thôn 2", "Thôn 3", "Chưa xác định thôn")

    def order(query: str) -> list[str]:
        html = client.get(f"/dashboard?{query}").get_data(as_text=True)
        table = html[html.index("Theo đơn vị") : html.index("Lượt gõ cửa mỗi ngày")]
        return sorted(names, key=table.index)

    assert order("sort=households_total&dir=desc") == [
        "Thôn 1",
        "Thôn 2",
        "Chưa xác định thôn",
        "Thôn 3",
    ]
    assert order("sort=households_total&dir=asc") == [
        "Thôn 3",
        "Chưa xác định thôn",
        "Thôn 2",
        "Thôn 1",
    ]
    # Units without a rate (no households) come last whichever way.
    assert order("sort=coverage&dir=asc")[-1] == "Thôn 3"
    assert order("sort=coverage&dir=desc")[-1] == "Thôn 3"
    assert client.get("/dashboard?sort=colour").status_code == 422


def test_dashboard_shows_running_campaign_progress(client, counted, login):
    user = login("commander", "20179")
    from datetime import timedelta

    from app.clock import today_in_vietnam
    from app.reports.models import Campaign, CampaignTarget

    campaign = Campaign(
        name="Cao điểm 45 ngày đêm",
        unit_id=user.unit_id,
        starts_on=today_in_vietnam() - timedelta(days=10),
        ends_on=today_in_vietnam() + timedelta(days=34),
        metrics=["households_visited"],
    )
    db.session.add(campaign)
    db.session.flush()
    for code, target in (("20179-001", 2), ("20179-002", 1)):
        unit = db.session.scalar(select(Unit).where(Unit.code == code))
        db.session.add(
            CampaignTarget(
                campaign_id=campaign.id, unit_id=unit.id, metric="households_visited", target=target
            )
        )
    db.session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Cao điểm 45 ngày đêm" in html
    assert "Đạt <strong>100,00%</strong> chỉ tiêu" in html
    assert "2/2 thôn hoàn thành" in html
    assert "vượt kế hoạch" in html

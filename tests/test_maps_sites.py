"""The sites layer and the temporary-residents metric: pure maps/ and the map page's data."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from maps import MapLayers, SitePoint, coverage_map, metric_value, render_html
from maps.legend import metric_scale
from maps.sites import site_popup
from tests.factories import api_get
from tests.reports.conftest import adult
from tests.test_maps import ATTRIBUTION, STATIC, TILES, WORDS, figures, hamlet


def _plain(html: str) -> str:
    """The page with the JavaScript string escapes undone (folium writes \\uXXXX and \\")."""
    html = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)
    return html.replace('\\"', '"')


def _site(**kw) -> SitePoint:
    values = dict(
        lat=16.155,
        lon=107.695,
        name="Nhà trọ <Hoa Sen>",
        kind="boarding_house",
        people=20,
        eligible=18,
        id_collected=12,
        eid_level2_active=6,
    )
    values.update(kw)
    return SitePoint(**values)


def test_the_popup_names_the_site_its_kind_people_and_shares():
    html = site_popup(_site(), WORDS)
    assert "Nhà trọ &lt;Hoa Sen&gt;" in html and "<Hoa" not in html
    assert "Nhà trọ" in html  # the kind's label
    assert "Số người đang ở" in html and ">20<" in html
    assert "66,7% (12/18)" in html and "33,3% (6/18)" in html
    assert "—" in site_popup(_site(eligible=0, id_collected=0, eid_level2_active=0), WORDS)


def test_sites_are_a_layer_of_badges_with_no_request_off_the_server():
    sites = [_site(), _site(kind="dormitory", name="KTX", lat=16.16), _site(kind="company")]
    m = coverage_map(
        [hamlet(i) for i in range(3)],
        metric="coverage",
        static_base=STATIC,
        tiles_url=TILES,
        attribution=ATTRIBUTION,
        layers=MapLayers(sites=sites),
        words=WORDS,
    )
    html = _plain(render_html(m))
    assert html.count("gocua-site-badge") == 3
    assert 'data-kind="dormitory"' in html
    assert ">KTX<" in html and ">Trọ<" in html and ">Cty<" in html
    assert "Nhà trọ, ký túc xá, công ty" in html  # the layer's name in the layer control
    assert "cdn" not in html.lower() and "awesome" not in html.lower()


def test_temporary_residents_is_a_count_metric():
    assert metric_value(figures(temporary_residents=23), "temporary_residents") == 23.0
    scale = metric_scale("temporary_residents", [0.0, 23.0, 80.0], WORDS)
    assert scale.title == "Người tạm trú, lưu trú"
    assert scale.color(0.0) != scale.color(23.0) != scale.color(80.0)
    units = [hamlet(i, figs=figures(temporary_residents=i * 10)) for i in range(3)]
    html = _plain(
        render_html(
            coverage_map(
                units,
                metric="temporary_residents",
                static_base=STATIC,
                tiles_url=TILES,
                words=WORDS,
            )
        )
    )
    assert "Người tạm trú, lưu trú" in html and "từ 50 trở lên" in html


@pytest.fixture
def a_site(make_household):
    home = make_household(
        "20179-001",
        residents=[
            adult("Trọ Một", residence="temporary", id_card="collected"),
            adult("Trọ Hai", residence="temporary", eid="level2_active"),
        ],
    )
    home.kind, home.site_name = "boarding_house", "Nhà trọ Cúc"
    make_household("20179-001")  # a family: no marker
    db.session.commit()
    return home


def test_the_map_page_draws_the_site_and_the_metric(client, a_site, make_user):
    user = make_user("commander", "20179")
    client.post("/login", data={"username": user.username, "password": "secret-pass"})
    page = client.get("/maps/coverage?unit=20179&metric=temporary_residents")
    assert page.status_code == 200
    html = _plain(page.get_data(as_text=True))
    assert html.count("gocua-site-badge") == 1
    assert "Nhà trọ Cúc" in html and "50,0% (1/2)" in html


def test_a_commander_elsewhere_sees_no_site(client, a_site, make_user, token_for):
    headers = token_for(make_user("commander", "19777"))
    status, _body = api_get(client, "/api/v1/coverage?unit=20179&kind=boarding_house", headers)
    assert status == 404

"""The sites layer: a marker per boarding house, dormitory, company or other place.

Pure (STYLE rule 13): sites in, a folium layer out. Each marker is a `DivIcon` — a small badge
of text coloured by kind, drawn by Leaflet itself (no image, nothing fetched) — with a popup
of the site's name, kind, people and the shares with an ID card and with e-ID level 2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

import folium

from maps.labels import MISSING, MapWords, format_int, format_percent

# A colour per kind, readable on the base map and distinct from the metric scales.
KIND_COLORS = {
    "boarding_house": "#6a3d9a",
    "dormitory": "#1f78b4",
    "company": "#b15928",
    "other_site": "#33a02c",
}
DEFAULT_BADGES = {"boarding_house": "T", "dormitory": "K", "company": "C", "other_site": "?"}
BADGE_STYLE = (
    "display:inline-block;padding:2px 5px;border-radius:9px;border:2px solid #fff;"
    "box-shadow:0 0 3px rgba(0,0,0,.6);color:#fff;font:bold 12px/14px sans-serif;"
    "white-space:nowrap;background:{color}"
)


@dataclass
class SitePoint:
    """A site (boarding house, dormitory, company, other place) and its people's figures."""

    lat: float
    lon: float
    name: str
    kind: str  # a household kind other than family
    people: int  # residents present
    eligible: int  # of whom a card is owed to
    id_collected: int
    eid_level2_active: int


def _share(part: int, whole: int) -> str:
    if not whole:
        return MISSING
    return f"{format_percent(part / whole)} ({format_int(part)}/{format_int(whole)})"


def site_popup(site: SitePoint, words: MapWords) -> str:
    """The popup's HTML: name, kind, people, shares with ID card and e-ID level 2 (escaped)."""
    kind = (words.site_kinds or {}).get(site.kind, site.kind)
    rows = (
        (words.site_people, format_int(site.people)),
        (words.site_id_share, _share(site.id_collected, site.eligible)),
        (words.site_eid_share, _share(site.eid_level2_active, site.eligible)),
    )
    cells = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return (
        f'<div class="gocua-site"><strong>{escape(site.name)}</strong><br>'
        f"<em>{escape(kind)}</em><table>{cells}</table></div>"
    )


def site_icon(kind: str, words: MapWords) -> folium.DivIcon:
    """A text badge for a site's kind."""
    badge = (words.site_badges or DEFAULT_BADGES).get(kind, DEFAULT_BADGES.get(kind, "?"))
    style = BADGE_STYLE.format(color=KIND_COLORS.get(kind, "#555"))
    html = f'<span class="gocua-site-badge" data-kind="{escape(kind)}" style="{style}">'
    return folium.DivIcon(
        html=html + f"{escape(badge)}</span>",
        icon_size=(36, 22),
        icon_anchor=(18, 11),
        class_name="gocua-site-icon",
    )


def sites_layer(sites: Sequence[SitePoint], words: MapWords) -> folium.FeatureGroup:
    """Return the sites as one switchable layer of badge markers with popups."""
    group = folium.FeatureGroup(name=words.layer_sites, show=True)
    for site in sites:
        folium.Marker(
            location=(round(site.lat, 5), round(site.lon, 5)),
            icon=site_icon(site.kind, words),
            tooltip=escape(site.name),
            popup=folium.Popup(site_popup(site, words), max_width=280),
        ).add_to(group)
    return group

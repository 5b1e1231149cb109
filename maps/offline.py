"""Folium classes that load Leaflet from the app's own static files, never from a CDN.

folium's ``JSCSSMixin.render`` reads ``self.default_js`` / ``self.default_css`` when the map
is rendered, so each instance here sets its own lists at that moment, from the
:class:`~maps.assets.AssetSource` of the :class:`OfflineMap` it belongs to. The class-level
lists of folium (shared by every map in the process) are never touched, unlike
``add_js_link``, which mutates them.

Only what our maps use is vendored: Leaflet, jQuery (folium's ``Popup`` needs it),
Leaflet.markercluster and Leaflet.heat. folium's Bootstrap, Font Awesome, glyphicons and
awesome-markers links are dropped, so ``folium.Icon`` markers are not available on these maps:
use ``CircleMarker`` or ``DivIcon``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

import folium
from branca.element import Element
from folium.elements import JSCSSMixin
from folium.plugins import FastMarkerCluster, HeatMap, MarkerCluster

from maps import assets
from maps.assets import AssetSource

AssetList = Sequence[tuple[str, str]]

DEFAULT_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_ATTRIBUTION = "&copy; OpenStreetMap contributors"

# folium's default FastMarkerCluster callback needs L.AwesomeMarkers, which is not vendored.
CIRCLE_MARKER_CALLBACK = """function (row) {
    return L.circleMarker(new L.LatLng(row[0], row[1]),
        {radius: 5, weight: 1, color: "#3f3f3f", fillColor: "#636363", fillOpacity: 0.8});
}"""

_LINKS = re.compile(r"""<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']*)["']""", re.I)


class OfflineAssetError(RuntimeError):
    """A rendered map links to something outside the vendored assets."""


class RawHtml(Element):
    """An element rendered verbatim, not as a Jinja template (vendored JS contains braces)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self._html = html

    def render(self, **kwargs: Any) -> str:
        return self._html


class OfflineAssetsMixin(JSCSSMixin):
    """Link or inline vendored copies of the assets a folium class needs."""

    vendored_js: ClassVar[AssetList] = ()
    vendored_css: ClassVar[AssetList] = ()

    def asset_source(self) -> AssetSource:
        """Return the asset settings of the OfflineMap this element is drawn on."""
        parent = self._parent
        while parent is not None:
            if isinstance(parent, OfflineMap):
                return parent.assets
            parent = parent._parent
        raise TypeError(f"{type(self).__name__} must be added to an OfflineMap")

    def inline_elements(self, source: AssetSource) -> list[tuple[str, str]]:
        """Return (name, html) pairs to put in the page head in inline mode."""
        return [(name, assets.inline_style(path)) for name, path in self.vendored_css] + [
            (name, assets.inline_script(path)) for name, path in self.vendored_js
        ]

    def render(self, **kwargs: Any) -> None:
        source = self.asset_source()
        if source.inline:
            self.default_js, self.default_css = [], []
            header = self.get_root().header
            for name, html in self.inline_elements(source):
                header.add_child(RawHtml(html), name=name)
        else:
            self.default_js = [(name, source.url(path)) for name, path in self.vendored_js]
            self.default_css = [(name, source.url(path)) for name, path in self.vendored_css]
        super().render(**kwargs)


class OfflineMap(OfflineAssetsMixin, folium.Map):
    """A folium.Map whose Leaflet and jQuery come from ``static_base`` or are inlined."""

    # The names are folium's, so a plugin asking for the same library does not load it twice.
    vendored_js = (("leaflet", assets.LEAFLET_JS), ("jquery", assets.JQUERY_JS))
    vendored_css = (("leaflet_css", assets.LEAFLET_CSS),)

    def __init__(self, *args: Any, static_base: str, inline: bool = False, **kwargs: Any):
        kwargs.setdefault("tiles", None)
        super().__init__(*args, **kwargs)
        self.assets = AssetSource(static_base, inline)

    def asset_source(self) -> AssetSource:
        return self.assets

    def inline_elements(self, source: AssetSource) -> list[tuple[str, str]]:
        # Leaflet finds its marker images through the stylesheet's URL, which a data: URI
        # defeats; give the default icon its images directly.
        images = assets.LEAFLET_IMAGES
        icon = (
            "<script>L.Icon.Default.imagePath = '';"
            "L.Icon.Default.mergeOptions({"
            f"iconUrl: '{assets.data_uri(images + '/marker-icon.png')}',"
            f"iconRetinaUrl: '{assets.data_uri(images + '/marker-icon-2x.png')}',"
            f"shadowUrl: '{assets.data_uri(images + '/marker-shadow.png')}'"
            "});</script>"
        )
        return [*super().inline_elements(source), ("leaflet_default_icon", icon)]


_CLUSTER_JS = (("markerclusterjs", assets.MARKERCLUSTER_JS),)
_CLUSTER_CSS = (
    ("markerclustercss", assets.MARKERCLUSTER_CSS),
    ("markerclusterdefaultcss", assets.MARKERCLUSTER_DEFAULT_CSS),
)


class OfflineMarkerCluster(OfflineAssetsMixin, MarkerCluster):
    """folium's MarkerCluster with vendored Leaflet.markercluster."""

    vendored_js = _CLUSTER_JS
    vendored_css = _CLUSTER_CSS


class OfflineFastMarkerCluster(OfflineAssetsMixin, FastMarkerCluster):
    """folium's FastMarkerCluster with vendored assets and circle markers by default."""

    vendored_js = _CLUSTER_JS
    vendored_css = _CLUSTER_CSS

    def __init__(self, data: Any, callback: str | None = None, **kwargs: Any) -> None:
        super().__init__(data, callback=callback or CIRCLE_MARKER_CALLBACK, **kwargs)


class OfflineHeatMap(OfflineAssetsMixin, HeatMap):
    """folium's HeatMap with its Leaflet.heat copy served locally."""

    vendored_js = (("leaflet-heat.js", assets.HEAT_JS),)


def asset_links(html: str) -> list[str]:
    """Return every ``<script src>`` and ``<link href>`` URL in a page."""
    return _LINKS.findall(html)


def render_html(m: OfflineMap) -> str:
    """Render a map to a full HTML page, refusing any asset link outside the vendored files."""
    html = m.get_root().render()
    source = m.assets
    foreign = [url for url in asset_links(html) if source.inline or not source.is_local(url)]
    if foreign:
        raise OfflineAssetError(
            "map links to assets that are not vendored (an element not from maps.offline?): "
            + ", ".join(sorted(set(foreign)))
        )
    return html

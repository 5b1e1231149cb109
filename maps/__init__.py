"""Folium map builders: pure functions from aggregates and geometry to maps (no Flask, no DB).

Assets are vendored in ``forms/static/vendor``; pass the URL that serves that folder as
``static_base`` (``/static/vendor`` when ``forms/static`` is served at ``/static``).
"""

from maps.coverage import (
    METRICS,
    FollowupPoint,
    MapLayers,
    UnitFigures,
    coverage_map,
    metric_value,
    unit_properties,
)
from maps.geometry import concave_outline, simplify_geometry
from maps.labels import MapWords
from maps.offline import (
    DEFAULT_ATTRIBUTION,
    DEFAULT_TILES_URL,
    OfflineAssetError,
    OfflineFastMarkerCluster,
    OfflineHeatMap,
    OfflineMap,
    OfflineMarkerCluster,
    render_html,
)
from maps.sites import SitePoint, sites_layer

__all__ = [
    "DEFAULT_ATTRIBUTION",
    "DEFAULT_TILES_URL",
    "METRICS",
    "FollowupPoint",
    "MapLayers",
    "MapWords",
    "OfflineAssetError",
    "OfflineFastMarkerCluster",
    "OfflineHeatMap",
    "OfflineMap",
    "OfflineMarkerCluster",
    "SitePoint",
    "UnitFigures",
    "concave_outline",
    "coverage_map",
    "metric_value",
    "render_html",
    "simplify_geometry",
    "sites_layer",
    "unit_properties",
]

"""Folium map builders: pure functions from aggregates and geometry to maps (no Flask, no DB).

Assets are vendored in ``forms/static/vendor``; pass the URL that serves that folder as
``static_base`` (``/static/vendor`` when ``forms/static`` is served at ``/static``).

Each name below is imported from its module when first asked for (``from maps import
coverage_map``), so that ``from maps.labels import ...`` loads no folium: a process that draws
no map (a household import, a worker that has not drawn one yet) does without folium, branca
and their templates.
"""

from __future__ import annotations

import importlib
from typing import Any

# Each name this package answers -> the module that defines it.
_HOMES = {
    "METRICS": "maps.coverage",
    "FollowupPoint": "maps.coverage",
    "MapLayers": "maps.coverage",
    "UnitFigures": "maps.coverage",
    "coverage_map": "maps.coverage",
    "metric_value": "maps.coverage",
    "unit_properties": "maps.coverage",
    "concave_outline": "maps.geometry",
    "simplify_geometry": "maps.geometry",
    "MapWords": "maps.labels",
    "DEFAULT_ATTRIBUTION": "maps.offline",
    "DEFAULT_TILES_URL": "maps.offline",
    "OfflineAssetError": "maps.offline",
    "OfflineFastMarkerCluster": "maps.offline",
    "OfflineHeatMap": "maps.offline",
    "OfflineMap": "maps.offline",
    "OfflineMarkerCluster": "maps.offline",
    "render_html": "maps.offline",
    "SitePoint": "maps.sites",
    "sites_layer": "maps.sites",
}

__all__ = list(_HOMES)


def __getattr__(name: str) -> Any:
    """Import the module that defines `name` on first use, and keep the name here."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'maps' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})

"""Vendored Leaflet assets: where they live, how to link them and how to inline them.

The files sit in ``forms/static/vendor/`` (see its README.md and ``scripts/vendor_assets.sh``);
paths here are relative to that folder, so the same manifest serves both the linked mode
(``<static_base>/<path>``) and the inline mode (file contents read from disk).
"""

from __future__ import annotations

import base64
import mimetypes
import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

VENDOR_DIR: Path = Path(__file__).resolve().parent.parent / "forms" / "static" / "vendor"

# Versions are those folium 0.20 links to; tests/test_maps.py checks they still agree.
LEAFLET_VERSION = "1.9.3"
JQUERY_VERSION = "3.7.1"
MARKERCLUSTER_VERSION = "1.1.0"
HEAT_SOURCE = "folium-0.20.0"  # folium ships its own patched Leaflet.heat

LEAFLET_JS = f"leaflet/{LEAFLET_VERSION}/leaflet.js"
LEAFLET_CSS = f"leaflet/{LEAFLET_VERSION}/leaflet.css"
LEAFLET_IMAGES = f"leaflet/{LEAFLET_VERSION}/images"
JQUERY_JS = f"jquery/{JQUERY_VERSION}/jquery.min.js"
MARKERCLUSTER_JS = f"leaflet.markercluster/{MARKERCLUSTER_VERSION}/leaflet.markercluster.js"
MARKERCLUSTER_CSS = f"leaflet.markercluster/{MARKERCLUSTER_VERSION}/MarkerCluster.css"
MARKERCLUSTER_DEFAULT_CSS = (
    f"leaflet.markercluster/{MARKERCLUSTER_VERSION}/MarkerCluster.Default.css"
)
HEAT_JS = f"leaflet.heat/{HEAT_SOURCE}/leaflet_heat.min.js"

ALL_ASSETS: tuple[str, ...] = (
    LEAFLET_JS,
    LEAFLET_CSS,
    f"{LEAFLET_IMAGES}/layers.png",
    f"{LEAFLET_IMAGES}/layers-2x.png",
    f"{LEAFLET_IMAGES}/marker-icon.png",
    f"{LEAFLET_IMAGES}/marker-icon-2x.png",
    f"{LEAFLET_IMAGES}/marker-shadow.png",
    JQUERY_JS,
    MARKERCLUSTER_JS,
    MARKERCLUSTER_CSS,
    MARKERCLUSTER_DEFAULT_CSS,
    HEAT_JS,
)

_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=\S+\s*$", re.MULTILINE)
_SCRIPT_CLOSE = re.compile(r"</(script)", re.IGNORECASE)


class MissingAssetError(FileNotFoundError):
    """A vendored file is absent: run scripts/vendor_assets.sh."""


@dataclass(frozen=True)
class AssetSource:
    """Where a rendered map takes its JS/CSS from: links under ``static_base`` or inline."""

    static_base: str
    inline: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "static_base", self.static_base.rstrip("/"))

    def url(self, path: str) -> str:
        """Return the URL of a vendored file as the browser should request it."""
        return f"{self.static_base}/{path}"

    def is_local(self, url: str) -> bool:
        """Tell whether a link points inside ``static_base``."""
        return url.startswith(f"{self.static_base}/")


def read_asset(path: str) -> bytes:
    """Return the bytes of a vendored file."""
    return _read(path)


@lru_cache(maxsize=64)
def _read(path: str) -> bytes:
    full = VENDOR_DIR / path
    if not full.is_file():
        raise MissingAssetError(f"{full} is missing; run scripts/vendor_assets.sh")
    return full.read_bytes()


def data_uri(path: str) -> str:
    """Return a vendored file as a ``data:`` URI."""
    mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(_read(path)).decode('ascii')}"


@lru_cache(maxsize=16)
def inline_script(path: str) -> str:
    """Return a vendored script as an inline ``<script>`` element."""
    code = _SOURCE_MAP.sub("", _read(path).decode("utf-8"))
    # A literal "</script" would end the element early; "<\/script" means the same to JS.
    code = _SCRIPT_CLOSE.sub(r"<\\/\1", code)
    return f"<script>\n{code}\n</script>"


@lru_cache(maxsize=16)
def inline_style(path: str) -> str:
    """Return a vendored stylesheet as ``<style>``, its relative url()s made data: URIs."""
    folder = posixpath.dirname(path)

    def embed(match: re.Match[str]) -> str:
        target = match.group(2).strip()
        if target.startswith(("data:", "#", "http:", "https:", "//", "/")):
            return match.group(0)
        return f'url("{data_uri(posixpath.normpath(posixpath.join(folder, target)))}")'

    css = _CSS_URL.sub(embed, _read(path).decode("utf-8"))
    css = css.replace("</style", "<\\/style")
    return f"<style>\n{css}\n</style>"

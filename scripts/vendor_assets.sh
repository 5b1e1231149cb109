#!/usr/bin/env bash
# Refresh forms/static/vendor/ from the npm registry and the installed folium package.
#
# Versions must match what folium references (maps/offline.py checks this in the tests).
# Usage: scripts/vendor_assets.sh            (from the repository root, with .venv present)
set -euo pipefail

LEAFLET=1.9.3
JQUERY=3.7.1
MARKERCLUSTER=1.1.0
HEAT_LICENSE_FROM=leaflet.heat@0.2.0

root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/forms/static/vendor"
python="${PYTHON:-$root/.venv/bin/python}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fetch() {  # fetch <package@version> -> prints the extracted package directory
    local spec="$1" dir="$work/${1//[@\/]/_}"
    mkdir -p "$dir"
    (cd "$dir" && npm pack "$spec" --silent >/dev/null && tar xzf ./*.tgz)
    echo "$dir/package"
}

rm -rf "$vendor/leaflet" "$vendor/jquery" "$vendor/leaflet.markercluster" "$vendor/leaflet.heat"

src="$(fetch "leaflet@$LEAFLET")"
dst="$vendor/leaflet/$LEAFLET"
mkdir -p "$dst/images"
cp "$src/dist/leaflet.js" "$src/dist/leaflet.css" "$src/LICENSE" "$dst/"
cp "$src/dist/images/"*.png "$dst/images/"

src="$(fetch "jquery@$JQUERY")"
dst="$vendor/jquery/$JQUERY"
mkdir -p "$dst"
cp "$src/dist/jquery.min.js" "$dst/"
cp "$src/LICENSE.txt" "$dst/LICENSE"

src="$(fetch "leaflet.markercluster@$MARKERCLUSTER")"
dst="$vendor/leaflet.markercluster/$MARKERCLUSTER"
mkdir -p "$dst"
cp "$src/dist/leaflet.markercluster.js" "$src/dist/MarkerCluster.css" \
   "$src/dist/MarkerCluster.Default.css" "$dst/"
cp "$src/MIT-LICENCE.txt" "$dst/LICENSE"

# folium's HeatMap points at its own patched copy of Leaflet.heat (weights fix, PR #78),
# which ships inside the folium wheel: take that exact file.
folium_dir="$("$python" -c 'import folium, os; print(os.path.dirname(folium.__file__))')"
folium_version="$("$python" -c 'import folium; print(folium.__version__)')"
src="$(fetch "$HEAT_LICENSE_FROM")"
dst="$vendor/leaflet.heat/folium-$folium_version"
mkdir -p "$dst"
cp "$folium_dir/templates/leaflet_heat.min.js" "$dst/"
cp "$src/LICENSE" "$dst/LICENSE"

echo "vendored into $vendor:"
(cd "$vendor" && find . -type f ! -name README.md | sort)

"""Colour scales for the coverage metrics and the Vietnamese legend drawn on the map.

The legend is plain HTML in a Leaflet control rather than branca's colormap legend, which
draws with d3 fetched from a CDN and labels ticks as raw fractions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

from branca.colormap import StepColormap
from branca.element import MacroElement
from folium.template import Template

from maps import labels
from maps.labels import MapWords

NO_DATA_COLOR = "#bdbdbd"
# ColorBrewer RdYlGn: red for gaps, green for done.
RDYLGN_5 = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")
RATE_STEPS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
OVERDUE_STEPS = (0.0, 1.0, 5.0, 10.0, 20.0)
# Temporary residents per unit: a count, more is neither good nor bad, so a single-hue scale.
PEOPLE_STEPS = (0.0, 1.0, 10.0, 20.0, 50.0)
BLUES_5 = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")


@dataclass(frozen=True)
class MetricScale:
    """How one metric maps to colours, and the legend rows that explain it."""

    metric: str
    title: str
    colormap: StepColormap
    rows: tuple[tuple[str, str], ...]  # (colour, label), best last

    def color(self, value: float | None) -> str:
        """Return the fill colour for a metric value (grey when unknown)."""
        if value is None or math.isnan(value):
            return NO_DATA_COLOR
        clamped = min(max(value, self.colormap.vmin), self.colormap.vmax)
        return self.colormap.rgb_hex_str(clamped)


def metric_scale(metric: str, values: Iterable[float | None], words: MapWords) -> MetricScale:
    """Return the colour scale of a metric; rates red->yellow->green, overdue reversed."""
    if metric not in labels.METRICS:
        raise ValueError(f"unknown metric {metric!r}; use one of {sorted(labels.METRICS)}")
    title = words.metrics[metric]
    if metric == "followups_overdue":
        top = max([v for v in values if v is not None] + [OVERDUE_STEPS[-1]]) + 1
        index = [*OVERDUE_STEPS, top]
        colors = list(reversed(RDYLGN_5))
        rows = (
            (colors[0], "0"),
            (colors[1], "1–4"),
            (colors[2], "5–9"),
            (colors[3], "10–19"),
            (colors[4], words.legend_at_least.format(count=20)),
        )
    elif metric == "temporary_residents":
        top = max([v for v in values if v is not None] + [PEOPLE_STEPS[-1]]) + 1
        index = [*PEOPLE_STEPS, top]
        colors = list(BLUES_5)
        rows = (
            (colors[0], "0"),
            (colors[1], "1–9"),
            (colors[2], "10–19"),
            (colors[3], "20–49"),
            (colors[4], words.legend_at_least.format(count=50)),
        )
    else:
        index = list(RATE_STEPS)
        colors = list(RDYLGN_5)
        rows = tuple(
            (color, f"{round(lo * 100)}–{round(hi * 100)}%")
            for color, lo, hi in zip(colors, index, index[1:], strict=False)
        )
    colormap = StepColormap(colors, index=index, vmin=index[0], vmax=index[-1], caption=title)
    return MetricScale(metric, title, colormap, rows)


class Legend(MacroElement):
    """A Leaflet control in the map corner showing prepared HTML."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
            .gocua-legend { background: rgba(255,255,255,0.92); padding: 6px 8px;
                border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.3);
                font: 12px/1.4 system-ui, sans-serif; max-width: 16rem; }
            .gocua-legend b { display: block; margin-bottom: 4px; }
            .gocua-legend i { display: inline-block; width: 14px; height: 12px;
                margin-right: 6px; vertical-align: -1px; border: 1px solid #555; }
            .gocua-legend i.dashed { border: 2px dashed #333; background: transparent; }
            .gocua-legend i.circle { border-radius: 50%; background: #999; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "gocua-legend");
                div.innerHTML = {{ this.html|tojson }};
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, html: str, position: str = "bottomright") -> None:
        super().__init__()
        self._name = "Legend"
        self.html = html
        self.position = position


def legend_html(
    scale: MetricScale, words: MapWords, *, estimated: bool, circles: bool, unplaced: int
) -> str:
    """Return the legend's HTML: the metric's bins, then the symbols this map uses."""
    parts = [f"<b>{escape(scale.title)}</b>"]
    for color, label in reversed(scale.rows):
        parts.append(f'<i style="background:{color}"></i>{escape(label)}<br>')
    parts.append(f'<i style="background:{NO_DATA_COLOR}"></i>{escape(words.legend_no_data)}<br>')
    if estimated:
        parts.append(f'<i class="dashed"></i>{escape(words.legend_estimated)}<br>')
    if circles:
        parts.append(f'<i class="circle"></i>{escape(words.legend_circle)}<br>')
    if unplaced:
        parts.append(f"<small>{escape(words.legend_unplaced.format(count=unplaced))}</small>")
    return "".join(parts)

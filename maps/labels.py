"""The words a map shows, received as data, and Vietnamese number formats for tooltips.

Machine keys stay English (API.md). maps/ holds no language: the caller passes the words in
the reader's language (app/reports/mapdata.py builds them from the app's catalogue).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from html import escape

MISSING = "—"

# Tooltip rows, in order: figure keys (API.md coverage) and derived rates.
FIGURE_KEYS: tuple[str, ...] = (
    "households_total",
    "households_visited",
    "coverage",
    "sites_total",
    "sites_visited",
    "residents_eligible",
    "temporary_residents",
    "id_collected",
    "id_rate",
    "eid_level2_active",
    "eid_rate",
    "corrections_open",
    "followups_open",
    "followups_overdue",
    "cards_to_reissue",
    "renewals_due",
    "last_visit_at",
)
RATE_KEYS = frozenset({"coverage", "id_rate", "eid_rate"})
METRICS: tuple[str, ...] = (
    "coverage",
    "id_rate",
    "eid_rate",
    "followups_overdue",
    "temporary_residents",
)
# The counts among the metrics (the others are 0..1 shares).
COUNT_METRICS = frozenset({"followups_overdue", "temporary_residents"})


@dataclass(frozen=True)
class MapWords:
    """Every text a map shows, in the reader's language."""

    figures: Mapping[str, str]  # FIGURE_KEYS -> tooltip row label
    metrics: Mapping[str, str]  # METRICS -> legend title
    links: Mapping[str, str]  # unit level -> text of the link that opens its map
    name: str  # the tooltip's first row: the unit's name
    link: str  # the popup's link row
    estimated_suffix: str  # after the name of a unit drawn from an estimated outline
    base_layer: str
    layer_units: str
    layer_unvisited: str
    layer_heat: str
    layer_followups: str
    layer_flagged: str
    followup: str
    followup_status: str
    followup_overdue: str
    followup_open: str
    flagged: str
    legend_no_data: str
    legend_estimated: str
    legend_circle: str
    legend_unplaced: str  # with {count}
    legend_at_least: str  # with {count}
    layer_sites: str = "Sites"
    site_kinds: Mapping[str, str] | None = None  # household kind -> its label
    site_badges: Mapping[str, str] | None = None  # household kind -> a short marker text
    site_people: str = "People"
    site_id_share: str = "ID card"
    site_eid_share: str = "e-ID level 2"


def format_int(value: float) -> str:
    """Format a count the Vietnamese way: 12.345."""
    return f"{round(value):,}".replace(",", ".")


def format_number(value: float) -> str:
    """Format a count, or a fraction with a decimal comma."""
    if float(value).is_integer():
        return format_int(value)
    return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def format_percent(rate: float) -> str:
    """Format a 0..1 share as a percentage with a decimal comma: 62,5%. A share short of all
    never reads 100,0% (1,999 of 2,000 is 99,9%): only a complete unit does."""
    text = f"{rate * 100:.1f}"
    if rate < 1 and text == "100.0":
        text = "99.9"
    return text.replace(".", ",") + "%"


def format_timestamp(value: datetime | date | str) -> str:
    """Format a timestamp as dd/mm/yyyy HH:MM (a date as dd/mm/yyyy), in its own offset."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return escape(value)
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return value.strftime("%d/%m/%Y")


def format_figure(key: str, value: object) -> str:
    """Format one figure for a tooltip; missing values show a dash."""
    if value is None or value == "":
        return MISSING
    if key == "last_visit_at":
        if isinstance(value, datetime | date | str):
            return format_timestamp(value)
        return escape(str(value))
    if isinstance(value, bool) or not isinstance(value, int | float):
        return escape(str(value))
    if key in RATE_KEYS:
        return format_percent(float(value))
    return format_number(value)

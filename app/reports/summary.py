"""The report that goes up the chain: a unit's fixed-form figures for a period, as of its end.

Every figure is counted **as of the last day of the period** (`AsOf(end)`): only what was done by
the end of that day *and* had reached the server by then counts, and residents' statuses are
read back from the status history. A report for a past week therefore gives the same figures
whatever day it is generated; a visit made inside the week but synced after it never moves the
week (it shows in the cumulative figures of later reports). The previous period is the same
number of days just before, counted as of its own last day, so "difference" compares two
reports that will never change.

What each figure counts (rows inside the unit and the user's scope):

Households
- `households_total`: households in the list, created by the end.
- `households_checked`: households whose situation a visit settled in the period (outcome
  met or household moved); nobody home and refused are attempts, not checks.
- `households_checked_total`: the same, ever, by the end.
- `sites_checked` / `_total`: among them, sites (boarding houses, dormitories, companies, other
  sites).

Residents
- `residents_checked` / `_total`: residents seen in a visit (in the period / ever).
- `residents_required`: residents who must hold a card at the end: created by then, living in
  the unit (present, away working or away for another reason; not moved or deceased), confirmed
  (not a returnee's unconfirmed name), old enough (`ELIGIBLE_AGE`, 14) on the last day.

ID cards (among `residents_required` for the standing figures)
- `id_collected`: residents whose card moved from not collected to collected or issued in the
  period; `id_issued`: residents whose card became issued in the period.
- `id_collected_total`: card collected or issued at the end; `id_issued_total`: issued.
- `not_collected_total`: card not collected at the end, with the reason, in this order:
  `away_working` (presence away working at the end), `unable_to_travel` (marked unable to
  travel at the end), `refused` (the household's last visit by the end was refused), `other`.

By residence status (`permanent`, `temporary`, `staying`): `residents_required_<status>`,
`id_collected_total_<status>`, `eid_level2_active_total_<status>` split the standing figures
above by the resident's residence status as it is on file (it has no history yet); a
temporary stay that ended before the last day is no longer required (`reports.eligibility`).

e-ID: `eid_level2_applied` / `eid_level2_active` residents whose e-ID became level 2 applied /
active in the period; `_total` those at that level at the end (level 2 applied is reported
beside level 2 active, never added to it).

Corrections, by kind: `duplicate_record` (field duplicate_record), `missing_information`
(problem "missing", any other field), `wrong_id_number` (field id_number), `wrong_details` (the
other fields). `corrections_found`: found in the period; `corrections_fixed`: status fixed and
resolved in the period (resolved by the end for `_total`).

Data cleaned: `records_matched`: residents checked in the period whose record had no unresolved
correction (found by the end, not fixed or dismissed by then) at the end; `records_fixed`: the
corrections fixed in the period.

Follow-ups: `followups_opened` in the period, `followups_done` (done in the period),
`followups_open` and `followups_overdue` (open at the end and due before the last day).
Known limits: a follow-up's due date and a correction's kind are read as they are now.

Cards (`app.reports.summary_cards`): `cards_to_reissue`, residents present at the end whose
card had a problem then (lost, damaged, expired, wrong details: the status history says);
`renewals_due`, those whose card must be renewed within 90 days of the last day or is overdue
(`card_renewal_due` as on file; it has no history).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _

from app.auth.models import User
from app.clock import today_in_vietnam
from app.common import utcnow
from app.errors import InvalidError
from app.labels import label
from app.reports.coverage import child_units, group_by_for, group_owner, resolve_unit, unit_summary
from app.reports.performance import officer_performance
from app.reports.summary_cards import CARD_FIGURES
from app.reports.summary_counts import (
    CORRECTION_KINDS,
    NOT_COLLECTED_REASONS,
    RESIDENCE_FIGURES,
    Counts,
    Span,
    pair_counts,
)
from app.units.models import Unit

MAX_DAYS = 366

# The fixed form: (section, figure keys in order). Labels: app.labels "report_figure".
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "households",
        (
            "households_total",
            "households_checked",
            "households_checked_total",
            "sites_checked",
            "sites_checked_total",
        ),
    ),
    ("residents", ("residents_checked", "residents_checked_total", "residents_required")),
    ("id_cards", ("id_collected", "id_issued", "id_collected_total", "id_issued_total")),
    (
        "not_collected",
        ("not_collected_total", *(f"not_collected_{r}" for r in NOT_COLLECTED_REASONS)),
    ),
    (
        "eid",
        (
            "eid_level2_applied",
            "eid_level2_active",
            "eid_level2_applied_total",
            "eid_level2_active_total",
        ),
    ),
    (
        "corrections",
        (
            "corrections_found",
            *(f"corrections_found_{k}" for k in CORRECTION_KINDS),
            "corrections_fixed",
            *(f"corrections_fixed_{k}" for k in CORRECTION_KINDS),
            "corrections_found_total",
            "corrections_fixed_total",
        ),
    ),
    ("residence", RESIDENCE_FIGURES),
    ("cleaned", ("records_matched", "records_fixed")),
    ("followups", ("followups_opened", "followups_done", "followups_open", "followups_overdue")),
    ("cards", CARD_FIGURES),
)
FIGURES = tuple(key for _section, keys in SECTIONS for key in keys)
# The columns of the per-hamlet (per-commune) table.
CHILD_FIGURES = (
    "households_total",
    "households_checked",
    "households_checked_total",
    "residents_checked",
    "id_collected",
    "id_issued",
    "not_collected_total",
    "eid_level2_applied",
    "eid_level2_active",
    "corrections_found",
    "corrections_fixed",
    "followups_done",
    "followups_overdue",
    *CARD_FIGURES,
)


def last_full_week(today: date | None = None) -> tuple[date, date]:
    """Monday to Sunday of the last full week in Vietnam."""
    today = today or today_in_vietnam()
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(days=7), monday - timedelta(days=1)


def resolve_period(start: date | None, end: date | None) -> tuple[date, date]:
    """The period asked for: last full week by default, a week from a lone end; 422 if wrong."""
    if start is None and end is None:
        return last_full_week()
    if start is None:
        start = end - timedelta(days=6)
    if end is None:
        end = start + timedelta(days=6)
    if start > end:
        raise InvalidError(
            _("Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."),
            {"from": [_("Ngày bắt đầu sau ngày kết thúc.")]},
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidError(
            _("Kỳ báo cáo dài tối đa %(days)s ngày.", days=MAX_DAYS),
            {"to": [_("Kỳ báo cáo dài tối đa %(days)s ngày.", days=MAX_DAYS)]},
        )
    return start, end


def previous_span(span: Span) -> Span:
    """The period of the same length just before."""
    ends_on = span.starts_on - timedelta(days=1)
    return Span(ends_on - timedelta(days=span.days - 1), ends_on)


def totals_of(pairs: Counts) -> dict[str, int]:
    """Add the counts of every pair: the unit's figures (every key present)."""
    out = dict.fromkeys(FIGURES, 0)
    for values in pairs.values():
        for key, value in values.items():
            out[key] = out.get(key, 0) + value
    out["records_fixed"] = out["corrections_fixed"]
    return out


def figure_rows(now: dict[str, int], before: dict[str, int]) -> list[dict[str, Any]]:
    """The fixed form: each figure with the previous period's and the difference."""
    return [
        {
            "section": section,
            "section_label": label("report_section", section),
            "key": key,
            "label": label("report_figure", key),
            "value": now[key],
            "previous": before[key],
            "difference": now[key] - before[key],
        }
        for section, keys in SECTIONS
        for key in keys
    ]


def child_rows(unit: Unit, pairs: Counts, before: Counts) -> list[dict[str, Any]]:
    """One row per hamlet (of a commune) or commune (of a province or district), with a bucket
    for rows that fit no child; each with its figures and the previous period's."""
    if unit.level == "hamlet":
        return []
    by = group_by_for(unit)
    children = child_units(unit)
    owner = group_owner(unit, children, by)
    rows: dict[int | None, dict[str, Any]] = {
        c.id: {"code": c.code, "name": c.name, "level": c.level, "now": {}, "before": {}}
        for c in children
    }
    stray = {"code": None, "name": _("Chưa xác định thôn"), "level": by, "now": {}, "before": {}}
    for which, counts in (("now", pairs), ("before", before)):
        for (commune_id, hamlet_id), values in counts.items():
            key = hamlet_id if by == "hamlet" else commune_id
            row = rows.get(owner.get(key)) if key is not None else None
            target = (row or stray)[which]
            for name, value in values.items():
                target[name] = target.get(name, 0) + value
    ordered = list(rows.values()) + ([stray] if stray["now"] or stray["before"] else [])
    return [
        {
            "code": row["code"],
            "name": row["name"],
            "level": row["level"],
            "figures": {k: row["now"].get(k, 0) for k in CHILD_FIGURES},
            "previous": {k: row["before"].get(k, 0) for k in CHILD_FIGURES},
        }
        for row in ordered
    ]


def _span_dict(span: Span) -> dict[str, Any]:
    return {"from": span.starts_on, "to": span.ends_on, "days": span.days}


def report_summary(
    user: User, unit_code: str | None, start: date | None, end: date | None
) -> dict[str, Any]:
    """Count a unit's fixed-form report for a period as of its last day, with the previous
    period of the same length, a row per child unit and a row per officer."""
    unit = resolve_unit(user, unit_code)
    span = Span(*resolve_period(start, end))
    before = previous_span(span)
    pairs, earlier = pair_counts(unit, user, span), pair_counts(unit, user, before)
    now, then = totals_of(pairs), totals_of(earlier)
    return {
        "unit": unit_summary(unit),
        "period": _span_dict(span),
        "previous_period": _span_dict(before),
        "as_of": span.ends_on,
        "final": span.ends_on < today_in_vietnam(),
        "generated_at": utcnow(),
        "figures": figure_rows(now, then),
        "totals": now,
        "previous_totals": then,
        "child_level": group_by_for(unit) if unit.level != "hamlet" else None,
        "children": child_rows(unit, pairs, earlier),
        "officers": officer_performance(user, unit, span.starts_on, span.ends_on, span.asof),
    }

"""Progress of a campaign against its targets, as of a day.

Progress counts what was achieved inside the period: households whose situation a visit
settled in the period, residents whose ID card was collected (or issued) and whose e-ID
reached level 2 in the period (from the status history), counted as of a day (`asof`). The
straight-line plan expects `target * elapsed / total` days; days ahead (positive) or behind
(negative) say how many days of that plan the count is worth, minus the days elapsed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.clock import today_in_vietnam
from app.extensions import db
from app.labels import in_sentence, label
from app.people.models import Resident
from app.reports import campaign_counts, rollup
from app.reports.asof import AsOf
from app.reports.campaign_counts import status_reached, status_select
from app.reports.campaigns import get_campaign, shown_campaign
from app.reports.coverage import (
    FOLLOWERS,
    GroupBy,
    Period,
    child_units,
    group_by_for,
    group_owner,
    recount,
    tune_for_reports,
    visit_counts,
)
from app.reports.models import METRICS, Campaign, CampaignCounted, CampaignTarget
from app.units.models import Unit


def _metric_label(metric: str) -> str:
    return label("figure", metric)


def _level_word(level: str) -> str:
    if level not in ("district", "commune", "hamlet"):
        return _("đơn vị")
    return in_sentence(label("unit_level", level))


# --- progress ----------------------------------------------------------------------------------


def status_counts(
    unit: Unit, by: GroupBy, period: Period, metric: str, user: User | None, asof: AsOf
) -> dict[int | None, int]:
    """Residents who reached a metric's status inside the period and still held it at the end
    of the `asof` day, per group; only changes the server knew by then count."""
    _when, conditions = status_reached(unit, period, metric, user, asof)
    key = Resident.hamlet_id if by == "hamlet" else Resident.commune_id
    return dict(db.session.execute(status_select((key,), conditions)).all())


def fresh_campaign(campaign: Campaign, today: date) -> None:
    """Bring a campaign's rollup up to date before it is read: the marked hamlets into both
    rollups, then the whole campaign if it was not counted for its unit and period up to
    today (`campaign_counts.is_current`)."""
    counted = db.session.get(CampaignCounted, campaign.id)
    if campaign_counts.is_current(counted, campaign, today) and not rollup.marks_exist(db.session):
        return

    def work() -> None:
        rollup.refresh(db.session, None, today, recount, FOLLOWERS, stale=False)
        counted = db.session.scalar(
            select(CampaignCounted)
            .where(CampaignCounted.campaign_id == campaign.id)
            .execution_options(populate_existing=True)
        )
        if not campaign_counts.is_current(counted, campaign, today):
            campaign_counts.count_whole(db.session, campaign, today)

    rollup.in_own_transaction(work)


def metric_counts(
    campaign: Campaign,
    unit: Unit,
    by: GroupBy,
    period: Period,
    metric: str,
    user: User | None,
    asof: AsOf,
    live: bool = False,
) -> dict[int | None, int]:
    """Return a campaign metric's count per group inside the period, as of a day: today's
    from the campaign rollup (`app.reports.campaign_counts`, exact), a past or later day's
    (or when asked: `live`) from the rows."""
    today = today_in_vietnam()
    if asof.day == today and not live:
        fresh_campaign(campaign, today)
        return campaign_counts.metric_counts(campaign, unit, by, metric, user)
    if metric == "households_visited":
        out: dict[int | None, int] = {}
        counted = visit_counts(unit, period, user, sites=False)
        for (commune_id, hamlet_id), values in counted.items():
            key = hamlet_id if by == "hamlet" else commune_id
            out[key] = out.get(key, 0) + values["households_visited"]
        return out
    return status_counts(unit, by, period, metric, user, asof)


def progress_period(campaign: Campaign, asof: AsOf) -> Period:
    """The campaign's days up to the `asof` day, counting only what had reached the server."""
    return Period(campaign.starts_on, min(campaign.ends_on, asof.day), known_by=asof.end)


def percent(count: int, target: int | None) -> str | None:
    """Return count/target as a percentage with two decimals ("116.61"); may pass 100."""
    if not target:
        return None
    value = (Decimal(count) * 100 / Decimal(target)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if count < target and value >= 100:
        value = Decimal("99.99")  # not done reads below 100, as `done` says
    return str(value)


@dataclass(frozen=True)
class Schedule:
    """Where a day falls in a campaign's period."""

    total_days: int
    elapsed_days: int
    status: str

    @classmethod
    def of(cls, campaign: Campaign, on: date) -> Schedule:
        total = (campaign.ends_on - campaign.starts_on).days + 1
        elapsed = min(max((on - campaign.starts_on).days + 1, 0), total)
        status = "upcoming" if on < campaign.starts_on else "running"
        if on > campaign.ends_on:
            status = "ended"
        return cls(total, elapsed, status)

    def expected(self, target: int | None) -> float | None:
        """Return the count the straight-line plan expects by now."""
        if not target:
            return None
        return round(target * self.elapsed_days / self.total_days, 1)

    def days_ahead(self, count: int, target: int | None) -> float | None:
        """Return how many days ahead (positive) or behind (negative) of the plan a count is."""
        if not target:
            return None
        return round(count * self.total_days / target - self.elapsed_days, 1)


def _ranks(rows: list[dict[str, Any]]) -> None:
    """Rank units by percent of target (then count), ties sharing a rank (1, 2, 2, 4)."""

    def score(row: dict[str, Any]) -> tuple[int, Decimal, int]:
        pct = row["percent"]
        return (1 if pct is not None else 0, Decimal(pct) if pct else Decimal(0), row["count"])

    ordered = sorted(rows, key=score, reverse=True)
    previous, rank = None, 0
    for position, row in enumerate(ordered, start=1):
        if score(row) != previous:
            rank, previous = position, score(row)
        row["rank"] = rank


def _counts_by_child(
    groups: dict[Any, int], owner_map: dict[Any, int], children: list[Unit]
) -> dict[int, int]:
    """Add the grouped counts up to the child unit each group lies in."""
    counts = {child.id: 0 for child in children}
    for key, n in groups.items():
        child_id = owner_map.get(key)
        if child_id in counts:
            counts[child_id] += n
    return counts


def _unit_progress(child: Unit, count: int, target: int | None, schedule: Schedule) -> dict:
    """One child unit's line of a metric's progress."""
    return {
        "code": child.code,
        "name": child.name,
        "count": count,
        "target": target,
        "percent": percent(count, target),
        "done": bool(target) and count >= target,
        "expected": schedule.expected(target),
        "days_ahead": schedule.days_ahead(count, target),
    }


def _metric_progress(
    campaign: Campaign,
    owner: Unit,
    children: list[Unit],
    metric: str,
    schedule: Schedule,
    user: User,
    asof: AsOf,
    live: bool = False,
) -> dict[str, Any]:
    by = group_by_for(owner)
    period = progress_period(campaign, asof)
    groups = metric_counts(campaign, owner, by, period, metric, user, asof, live)
    counts = _counts_by_child(groups, group_owner(owner, children, by), children)
    targets = dict(
        db.session.execute(
            select(CampaignTarget.unit_id, CampaignTarget.target).where(
                CampaignTarget.campaign_id == campaign.id, CampaignTarget.metric == metric
            )
        ).all()
    )
    units = [
        _unit_progress(child, counts[child.id], targets.get(child.id), schedule)
        for child in children
    ]
    _ranks(units)
    count = sum(groups.values())
    target = sum(t for t in targets.values()) if targets else None
    with_target = [u for u in units if u["target"]]
    done = sum(1 for u in with_target if u["done"])
    level = children[0].level if children else "commune"
    return {
        "metric": metric,
        "label": _metric_label(metric),
        "count": count,
        "target": target,
        "percent": percent(count, target),
        "expected": schedule.expected(target),
        "days_ahead": schedule.days_ahead(count, target),
        "units_done": done,
        "units_with_target": len(with_target),
        "summary": _(
            "%(done)s/%(total)s %(level)s hoàn thành",
            done=done,
            total=len(with_target),
            level=_level_word(level),
        ),
        "units": units,
    }


def campaign_progress(
    user: User, campaign_id: int, on: date | None = None, live: bool = False
) -> dict[str, Any]:
    """Compute a campaign's progress per metric and per child unit, as of a day (today);
    `live` counts today's from the rows, not the rollup (the rollup's tests compare them)."""
    campaign = get_campaign(user, campaign_id)
    tune_for_reports()
    on = on or today_in_vietnam()
    owner = db.session.get(Unit, campaign.unit_id)
    children = child_units(owner)
    schedule = Schedule.of(campaign, on)
    return {
        "campaign": shown_campaign(campaign),
        "as_of": on,
        "status": schedule.status,
        "total_days": schedule.total_days,
        "elapsed_days": schedule.elapsed_days,
        "metrics": [
            _metric_progress(campaign, owner, children, metric, schedule, user, AsOf.of(on), live)
            for metric in campaign.metrics or []
            if metric in METRICS
        ],
    }

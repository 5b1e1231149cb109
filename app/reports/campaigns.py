"""Campaigns: a period, a unit and metrics; targets per child unit (progress: `progress`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from app.auth.models import User
from app.auth.scope import rows_inside, unit_in_scope, unit_scope_clause
from app.clock import today_in_vietnam
from app.errors import InvalidError, NotFoundError
from app.extensions import db
from app.paging import Page, paginate
from app.people.models import Household, Resident
from app.reports.coverage import (
    child_units,
    eligible_clause,
    group_by_for,
    group_owner,
    resolve_unit,
)
from app.reports.models import Campaign, CampaignTarget
from app.schemas import Shown
from app.units.models import Unit

SPREAD_BASES = ("households", "eligible_residents")
CAMPAIGN_LEVELS = ("province", "district", "commune")
CAMPAIGN_MAX_DAYS = 5 * 366

# --- campaigns ---------------------------------------------------------------------------------


def create_campaign(
    user: User,
    *,
    name: str,
    starts_on: date,
    ends_on: date,
    unit: str,
    metrics: Sequence[str],
    show_ranking_to_officers: bool = False,
) -> Campaign:
    """Create a campaign for a province, district or commune in the user's scope."""
    target_unit = resolve_unit(user, unit)
    if target_unit.level not in CAMPAIGN_LEVELS:
        raise InvalidError(
            _("Chiến dịch phải gắn với tỉnh, huyện hoặc xã."),
            {"unit": [_("Cấp đơn vị không phù hợp.")]},
        )
    _check_dates(starts_on, ends_on)
    campaign = Campaign(
        name=name.strip(),
        unit_id=target_unit.id,
        starts_on=starts_on,
        ends_on=ends_on,
        metrics=_chosen_metrics(metrics),
        created_by_id=user.id,
        show_ranking_to_officers=show_ranking_to_officers,
    )
    db.session.add(campaign)
    db.session.flush()
    return campaign


def _check_dates(starts_on: date, ends_on: date) -> None:
    if ends_on < starts_on:
        raise InvalidError(
            _("Ngày kết thúc phải sau ngày bắt đầu."),
            {"ends_on": [_("Phải từ ngày bắt đầu trở đi.")]},
        )
    if (ends_on - starts_on).days > CAMPAIGN_MAX_DAYS:
        raise InvalidError(
            _("Chiến dịch dài quá 5 năm."), {"ends_on": [_("Chiến dịch dài quá 5 năm.")]}
        )


def _chosen_metrics(metrics: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(metrics))
    if not chosen:
        raise InvalidError(
            _("Cần ít nhất một chỉ tiêu."), {"metrics": [_("Trường này là bắt buộc.")]}
        )
    return chosen


EDITABLE = ("name", "starts_on", "ends_on", "metrics", "show_ranking_to_officers")


def update_campaign(user: User, campaign_id: int, changes: dict[str, Any]) -> Campaign:
    """Change a campaign's name, dates, metrics or whether officers see the performance table;
    targets of a metric no longer chosen are dropped."""
    campaign = get_campaign(user, campaign_id)
    starts_on = changes.get("starts_on", campaign.starts_on)
    ends_on = changes.get("ends_on", campaign.ends_on)
    _check_dates(starts_on, ends_on)
    if "metrics" in changes:
        chosen = _chosen_metrics(changes["metrics"])
        db.session.execute(
            delete(CampaignTarget).where(
                CampaignTarget.campaign_id == campaign.id, CampaignTarget.metric.not_in(chosen)
            )
        )
        campaign.metrics = chosen
    if "name" in changes:
        campaign.name = changes["name"].strip()
    campaign.starts_on, campaign.ends_on = starts_on, ends_on
    if "show_ranking_to_officers" in changes:
        campaign.show_ranking_to_officers = changes["show_ranking_to_officers"]
    db.session.flush()
    return campaign


def list_campaigns(user: User, page: int, per_page: int) -> Page:
    """List the campaigns of units in the user's scope, newest period first."""
    in_scope = select(Unit.id).where(unit_scope_clause(user))
    query = select(Campaign).where(Campaign.unit_id.in_(in_scope))
    result = paginate(query.order_by(Campaign.starts_on.desc(), Campaign.id.desc()), page, per_page)
    result.items = [shown_campaign(c) for c in result.items]
    return result


def get_campaign(user: User, campaign_id: int) -> Campaign:
    """Return a campaign whose unit is in the user's scope, or answer 404."""
    campaign = db.session.get(Campaign, campaign_id)
    unit = db.session.get(Unit, campaign.unit_id) if campaign else None
    if campaign is None or unit is None or not unit_in_scope(user, unit):
        raise NotFoundError(_("Không tìm thấy chiến dịch."))
    return campaign


def active_campaigns(user: User, unit: Unit, on: date | None = None) -> list[Campaign]:
    """Return campaigns of this unit or above it that run on a day (today by default)."""
    on = on or today_in_vietnam()
    ids = [unit.id]
    current = unit
    while current.parent_id is not None and len(ids) < 6:
        ids.append(current.parent_id)
        parent = db.session.get(Unit, current.parent_id)
        if parent is None:
            break
        current = parent
    rows = db.session.scalars(
        select(Campaign)
        .where(Campaign.unit_id.in_(ids), Campaign.starts_on <= on, Campaign.ends_on >= on)
        .order_by(Campaign.ends_on, Campaign.id)
    )
    return [c for c in rows if unit_in_scope(user, db.session.get(Unit, c.unit_id))]


def shown_campaign(campaign: Campaign) -> Shown:
    """Return a campaign with its unit and its targets, each with its unit's code and name."""
    rows = db.session.execute(
        select(CampaignTarget, Unit.code, Unit.name)
        .join(Unit, Unit.id == CampaignTarget.unit_id)
        .where(CampaignTarget.campaign_id == campaign.id)
        .order_by(CampaignTarget.metric, Unit.code)
    )
    return Shown(
        campaign,
        unit=db.session.get(Unit, campaign.unit_id),
        targets=[Shown(t, unit=code, unit_name=name) for t, code, name in rows],
    )


# --- targets -----------------------------------------------------------------------------------


def _check_metric(campaign: Campaign, metric: str, path: str) -> None:
    if metric not in (campaign.metrics or []):
        raise InvalidError(
            _("Chiến dịch không có chỉ tiêu %(metric)s.", metric=metric),
            {path: [_("Phải là một trong: %(arg)s.", arg=", ".join(campaign.metrics or []))]},
        )


def _replace_targets(campaign: Campaign, metric: str, targets: dict[int, int]) -> None:
    db.session.execute(
        delete(CampaignTarget).where(
            CampaignTarget.campaign_id == campaign.id, CampaignTarget.metric == metric
        )
    )
    for unit_id, target in targets.items():
        db.session.add(
            CampaignTarget(campaign_id=campaign.id, unit_id=unit_id, metric=metric, target=target)
        )


def largest_remainder(total: int, weights: dict[int, int]) -> dict[int, int]:
    """Split a whole number in proportion to weights so the parts add up to it exactly."""
    weight_sum = sum(weights.values())
    if not weights:
        return {}
    if weight_sum == 0:
        weights = {key: 1 for key in weights}
        weight_sum = len(weights)
    shares = {key: Decimal(total) * w / weight_sum for key, w in weights.items()}
    parts = {key: int(share) for key, share in shares.items()}
    left = total - sum(parts.values())
    by_remainder = sorted(shares, key=lambda key: (-(shares[key] - parts[key]), key))
    for key in by_remainder[:left]:
        parts[key] += 1
    return parts


def population_of(unit: Unit, by: str) -> dict[int, int]:
    """Return each child unit's households or eligible residents (one aggregate query)."""
    children = child_units(unit)
    group = group_by_for(unit)
    if by == "households":
        model, extra = Household, []
    else:
        model, extra = Resident, [eligible_clause()]
    key = model.hamlet_id if group == "hamlet" else model.commune_id
    rows = db.session.execute(
        select(key, func.count(model.id)).where(rows_inside(model, unit), *extra).group_by(key)
    )
    owner = group_owner(unit, children, group)
    counts = {child.id: 0 for child in children}
    for group_id, n in rows:
        child_id = owner.get(group_id)
        if child_id in counts:
            counts[child_id] += n
    return counts


def set_targets(
    user: User,
    campaign_id: int,
    *,
    targets: list[dict[str, Any]] | None = None,
    spread: dict[str, Any] | None = None,
) -> Campaign:
    """Set a campaign's targets per child unit, given one by one or spread by population."""
    campaign = get_campaign(user, campaign_id)
    owner = db.session.get(Unit, campaign.unit_id)
    children = {child.code: child for child in child_units(owner)}
    if spread is not None:
        _check_metric(campaign, spread["metric"], "spread.metric")
        weights = population_of(owner, spread["by"])
        _replace_targets(campaign, spread["metric"], largest_remainder(spread["total"], weights))
    else:
        by_metric: dict[str, dict[int, int]] = {}
        errors: dict[str, list[str]] = {}
        for i, item in enumerate(targets or []):
            _check_metric(campaign, item["metric"], f"targets.{i}.metric")
            child = children.get(item["unit"])
            if child is None:
                errors[f"targets.{i}.unit"] = [
                    _("%(code)s không thuộc %(name)s.", code=item["unit"], name=owner.name)
                ]
                continue
            by_metric.setdefault(item["metric"], {})[child.id] = item["target"]
        if errors:
            raise InvalidError(_("Có đơn vị không thuộc phạm vi chiến dịch."), errors)
        for metric, values in by_metric.items():
            _replace_targets(campaign, metric, values)
    db.session.flush()
    return campaign


def replace_targets(user: User, campaign_id: int, by_metric: dict[str, dict[str, int]]) -> Campaign:
    """Replace each given metric's targets with these, by child unit code (none: cleared)."""
    campaign = get_campaign(user, campaign_id)
    owner = db.session.get(Unit, campaign.unit_id)
    children = {child.code: child for child in child_units(owner)}
    for metric, values in by_metric.items():
        _check_metric(campaign, metric, "metric")
        unknown = [code for code in values if code not in children]
        if unknown:
            raise InvalidError(
                _("Có đơn vị không thuộc phạm vi chiến dịch."),
                {"unit": [_("%(code)s không thuộc %(name)s.", code=unknown[0], name=owner.name)]},
            )
        _replace_targets(campaign, metric, {children[c].id: n for c, n in values.items()})
    db.session.flush()
    return campaign


def campaign_units(user: User) -> list[Unit]:
    """The units a user may run a campaign for: provinces, districts and communes in scope."""
    return list(
        db.session.scalars(
            select(Unit)
            .where(unit_scope_clause(user), Unit.level.in_(CAMPAIGN_LEVELS))
            .order_by(Unit.code)
        )
    )

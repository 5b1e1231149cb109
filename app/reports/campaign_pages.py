"""Campaign pages: the list, the campaign form, targets per child unit and the progress page
(session login, scope as the API; commanders and admins change, officers only look)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from app.auth.access import acting_user, require
from app.auth.models import User
from app.clock import today_in_vietnam
from app.errors import InvalidError, flatten_errors
from app.extensions import db
from app.labels import label
from app.reports import campaigns as service
from app.reports import progress as progress_service
from app.reports.asof import AsOf
from app.reports.campaign_forms import (
    CampaignListArgs,
    ProgressArgs,
    campaign_form,
    parse_pasted,
    typed_targets,
)
from app.reports.campaign_series import cumulative_svg, daily_cumulative
from app.reports.coverage import child_units
from app.reports.models import METRICS, Campaign
from app.reports.performance import FIELDS, officer_performance, sort_lines
from app.reports.schemas import CampaignSpreadIn
from app.units.models import Unit

bp = Blueprint("campaign_pages", __name__)

VIEW_ROLES = ("commander", "admin", "officer")
EDIT_ROLES = ("commander", "admin")
PAGE_SIZE = 30


def _load(schema: type[Schema], source: MultiDict | None = None) -> dict[str, Any]:
    """Load a query string (or form) through its schema (an error page on bad input)."""
    try:
        return schema().load((request.args if source is None else source).to_dict())
    except ValidationError as exc:
        raise InvalidError(_("Tham số không hợp lệ."), flatten_errors(exc.messages)) from exc


def _errors_of(exc: InvalidError) -> dict[str, list[str]]:
    return exc.errors or {"_schema": [str(exc.message)]}


@bp.route("/campaigns")
@login_required
@require(*VIEW_ROLES)
def campaigns():
    """List the campaigns of units in the user's scope: status, period and unit."""
    args = _load(CampaignListArgs)
    user = acting_user()
    result = service.list_campaigns(user, args["page"], PAGE_SIZE)
    today = today_in_vietnam()
    return render_template(
        "campaigns/list.html",
        rows=[(c, progress_service.Schedule.of(c, today).status) for c in result.items],
        result=result,
        pages=max((result.total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        can_edit=user.role in EDIT_ROLES,
    )


def _form_page(user: User, typed: dict, errors: dict, campaign: Campaign | None, status=200):
    return (
        render_template(
            "campaigns/form.html",
            typed=typed,
            errors=errors,
            campaign=service.shown_campaign(campaign) if campaign else None,
            units=service.campaign_units(user) if campaign is None else [],
            metrics=[(m, label("figure", m)) for m in METRICS],
        ),
        status,
    )


@bp.route("/campaigns/new", methods=["GET", "POST"])
@login_required
@require(*EDIT_ROLES)
def new_campaign():
    """Show the campaign form, or create the campaign and go on to its targets."""
    user = acting_user()
    if request.method == "GET":
        start = today_in_vietnam()
        typed = {"unit": user.unit.code, "starts_on": start.isoformat(), "metrics": list(METRICS)}
        return _form_page(user, typed, {}, None)
    typed, read = campaign_form(request.form, editing=False)
    if "errors" in read:
        return _form_page(user, typed, read["errors"], None, 422)
    try:
        campaign = service.create_campaign(user, **read["data"])
    except InvalidError as exc:
        db.session.rollback()
        return _form_page(user, typed, _errors_of(exc), None, 422)
    db.session.commit()
    flash(
        _("Đã tạo chiến dịch “%(name)s”. Giao chỉ tiêu cho từng đơn vị.", name=campaign.name), "ok"
    )
    return redirect(url_for("campaign_pages.targets", campaign_id=campaign.id), code=303)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@login_required
@require(*EDIT_ROLES)
def edit_campaign(campaign_id: int):
    """Show a campaign's form filled in, or save the changes."""
    user = acting_user()
    campaign = service.get_campaign(user, campaign_id)
    if request.method == "GET":
        typed = {
            "name": campaign.name,
            "starts_on": campaign.starts_on.isoformat(),
            "ends_on": campaign.ends_on.isoformat(),
            "metrics": list(campaign.metrics or []),
            "show_ranking_to_officers": campaign.show_ranking_to_officers,
        }
        return _form_page(user, typed, {}, campaign)
    typed, read = campaign_form(request.form, editing=True)
    if "errors" in read:
        return _form_page(user, typed, read["errors"], campaign, 422)
    try:
        service.update_campaign(user, campaign_id, read["data"])
    except InvalidError as exc:
        db.session.rollback()
        return _form_page(
            user, typed, _errors_of(exc), service.get_campaign(user, campaign_id), 422
        )
    db.session.commit()
    flash(_("Đã lưu chiến dịch."), "ok")
    return redirect(url_for("campaign_pages.progress", campaign_id=campaign_id), code=303)


def _targets_page(user: User, campaign: Campaign, status: int = 200, **state: Any):
    owner = db.session.get(Unit, campaign.unit_id)
    children = child_units(owner)
    current: dict[str, dict[str, int]] = {}
    for target in service.shown_campaign(campaign).targets:
        current.setdefault(target.metric, {})[target.unit] = target.target
    return (
        render_template(
            "campaigns/targets.html",
            campaign=campaign,
            owner=owner,
            children=children,
            current=current,
            households=service.population_of(owner, "households"),
            residents=service.population_of(owner, "eligible_residents"),
            metrics=[(m, label("figure", m)) for m in campaign.metrics or [] if m in METRICS],
            state=state,
        ),
        status,
    )


def _save_targets(user: User, campaign: Campaign, how: str, form: MultiDict) -> dict[str, Any]:
    """Save the targets the form gives; answer the page's state when something is refused."""
    children = child_units(db.session.get(Unit, campaign.unit_id))
    metrics = [m for m in campaign.metrics or [] if m in METRICS]
    if how == "typed":
        values, cells = typed_targets(form, metrics, children)
        if cells:
            return {"cells": cells, "typed": form.to_dict()}
        service.replace_targets(user, campaign.id, values)
        return {}
    if how == "spread":
        typed = {k: form.get(k, "").strip() for k in ("metric", "total", "by")}
        body = {k: v for k, v in typed.items() if v}
        try:
            spread = CampaignSpreadIn().load(body)
        except ValidationError as exc:
            return {"spread_errors": flatten_errors(exc.messages), "spread": typed}
        service.set_targets(user, campaign.id, spread=spread)
        return {}
    metric, text = form.get("metric", ""), form.get("pasted", "")
    if metric not in metrics:
        return {"paste_errors": [(0, "", _("Chọn một chỉ tiêu của chiến dịch."))], "pasted": text}
    pasted = parse_pasted(text, children)
    if pasted.problems:
        return {"paste_errors": pasted.problems, "pasted": text, "paste_metric": metric}
    service.replace_targets(user, campaign.id, {metric: pasted.targets})
    return {}


@bp.route("/campaigns/<int:campaign_id>/targets", methods=["GET", "POST"])
@login_required
@require(*EDIT_ROLES)
def targets(campaign_id: int):
    """Show the targets per child unit; save them typed, spread or pasted from a spreadsheet."""
    user = acting_user()
    campaign = service.get_campaign(user, campaign_id)
    if request.method == "GET":
        return _targets_page(user, campaign)
    how = request.form.get("how", "typed")
    if how not in ("typed", "spread", "paste"):
        how = "typed"
    try:
        state = _save_targets(user, campaign, how, request.form)
    except InvalidError as exc:
        db.session.rollback()
        state = {"error": str(exc.message)}
    if state:
        db.session.rollback()
        return _targets_page(user, service.get_campaign(user, campaign_id), 422, **state)
    db.session.commit()
    flash(_("Đã lưu chỉ tiêu."), "ok")
    return redirect(url_for("campaign_pages.targets", campaign_id=campaign_id), code=303)


def _charts(user: User, campaign: Campaign, data: dict[str, Any], day: date) -> dict[str, Any]:
    """The cumulative chart of each metric, as of the day."""
    out = {}
    for m in data["metrics"]:
        series = daily_cumulative(user, campaign, m["metric"], AsOf.of(day))
        out[m["metric"]] = cumulative_svg(
            series,
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
            target=m["target"],
            title=_("%(metric)s: số cộng dồn theo ngày so với kế hoạch", metric=m["label"]),
            chart_id=f"chart-{m['metric']}",
        )
    return out


@bp.route("/campaigns/<int:campaign_id>")
@login_required
@require(*VIEW_ROLES)
def progress(campaign_id: int):
    """Show a campaign's progress as of a day: per metric the ranking, bars, days ahead or
    behind and the cumulative chart; and the officers' performance for those allowed."""
    args = _load(ProgressArgs)
    user = acting_user()
    day = min(args.get("on") or today_in_vietnam(), today_in_vietnam())
    data = progress_service.campaign_progress(user, campaign_id, day)
    campaign = service.get_campaign(user, campaign_id)
    show_officers = user.role in EDIT_ROLES or campaign.show_ranking_to_officers
    officers = []
    if show_officers:
        owner = db.session.get(Unit, campaign.unit_id)
        lines = officer_performance(user, owner, campaign.starts_on, campaign.ends_on, AsOf.of(day))
        officers = sort_lines(lines, args["sort"], args["dir"] == "desc")
    return render_template(
        "campaigns/progress.html",
        **data,
        day=day,
        today=today_in_vietnam(),
        charts=_charts(user, campaign, data, day),
        show_officers=show_officers,
        officers=officers,
        fields=FIELDS,
        sort=args["sort"],
        dir=args["dir"],
        can_edit=user.role in EDIT_ROLES,
    )

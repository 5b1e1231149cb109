"""Commander pages: the dashboard and the coverage maps (session login, scope as the API)."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import Schema, ValidationError

from app.auth.access import acting_user, require
from app.auth.audit import record
from app.clock import to_vietnam
from app.common import writes_on_get
from app.errors import ForbiddenError, InvalidError, flatten_errors
from app.extensions import db
from app.labels import choices, label
from app.reports import dashboard as dashboard_service
from app.reports import dashboard_overdue
from app.reports.charts import daily_bars_svg
from app.reports.dashboard_forms import OverdueListArgs, ReassignForm
from app.reports.schemas import DashboardArgs, MapArgs
from maps.labels import format_int, format_percent

bp = Blueprint("reports_pages", __name__)

PAGE_ROLES = ("commander", "admin", "officer")
EXPORT_ROLES = ("commander", "admin")


def _args(schema: type[Schema], source: Any = None) -> dict[str, Any]:
    """Load a page's query string (or form) through its schema (422 page on bad input)."""
    try:
        return schema().load((request.args if source is None else source).to_dict())
    except ValidationError as exc:
        raise InvalidError(_("Tham số không hợp lệ."), flatten_errors(exc.messages)) from exc


@bp.app_template_filter("pct")
def pct_filter(rate: float | None) -> str:
    """Format a 0..1 share as 62,5% (a dash when unknown)."""
    return "—" if rate is None else format_percent(rate)


@bp.app_template_filter("num")
def num_filter(value: float | None) -> str:
    """Format a count as 12.345."""
    return "—" if value is None else format_int(value)


@bp.app_template_filter("vn_time")
def vn_time_filter(moment: Any) -> str:
    """Format a timestamp in Vietnam time as dd/mm/yyyy HH:MM."""
    if moment is None:
        return "—"
    return to_vietnam(moment).strftime("%d/%m/%Y %H:%M")


@bp.app_template_filter("vn_date")
def vn_date_filter(day: Any) -> str:
    """Format a date as dd/mm/yyyy."""
    return "—" if day is None else day.strftime("%d/%m/%Y")


@bp.app_template_filter("vn_percent")
def vn_percent_filter(value: str | None) -> str:
    """Format an API percent string ("116.61") the Vietnamese way (116,61%)."""
    return "—" if value is None else value.replace(".", ",") + "%"


@bp.route("/dashboard")
@login_required
@require(*PAGE_ROLES)
def dashboard():
    """Show the dashboard of a unit: units with progress, overdue, flagged, daily visits."""
    args = _args(DashboardArgs)
    user = acting_user()
    data = dashboard_service.dashboard_for(user, args.get("unit"), args["sort"], args["dir"])
    chart = daily_bars_svg(
        data["daily"], title=_("Số lượt gõ cửa mỗi ngày, 30 ngày qua"), unit_label=_("lượt")
    )
    return render_template(
        "reports/dashboard.html",
        **data,
        chart=chart,
        chart_total=sum(n for _d, n in data["daily"]),
        can_export=user.role in EXPORT_ROLES,
        can_reassign=user.role in dashboard_overdue.REASSIGN_ROLES,
        options_for=dashboard_overdue.options_for,
    )


@bp.route("/dashboard/overdue")
@login_required
@require(*PAGE_ROLES)
def overdue():
    """List every overdue follow-up of a unit, page by page, with who owns it."""
    args = _args(OverdueListArgs)
    user = acting_user()
    data = dashboard_service.overdue_page(user, args.get("unit"), args["page"])
    return render_template(
        "reports/overdue.html",
        **data,
        can_reassign=user.role in dashboard_overdue.REASSIGN_ROLES,
        options_for=dashboard_overdue.options_for,
    )


@bp.route("/dashboard/overdue/<int:followup_id>/assignee", methods=["POST"])
@login_required
@require(*dashboard_overdue.REASSIGN_ROLES)
def reassign(followup_id: int):
    """Give an overdue follow-up to another officer of its commune, then go back."""
    form = _args(ReassignForm, request.form)
    user = acting_user()
    back = form.get("next") or url_for("reports_pages.dashboard")
    try:
        followup, name = dashboard_overdue.reassign(user, followup_id, form["assignee_id"])
    except (InvalidError, ForbiddenError) as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(back, code=303)
    db.session.commit()
    flash(_("Đã giao việc số %(id)s cho %(name)s.", id=followup.id, name=name), "ok")
    return redirect(back, code=303)


@bp.route("/maps/coverage")
@writes_on_get(when=lambda: request.args.get("download") not in (None, "", "0", "false"))
@login_required
@require(*PAGE_ROLES)
def coverage_map():
    """Show the coverage map of a unit, or download it as a single HTML file."""
    # Imported here: folium and its templates load with the first map a worker draws.
    from app.reports import mapdata
    from maps import render_html

    args = _args(MapArgs)
    user = acting_user()
    metric = args["metric"]
    config = current_app.config
    link = url_for("reports_pages.coverage_map") + f"?metric={metric}&unit={{code}}"
    title = label("map_metric", metric)
    unit, totals, fmap = mapdata.build_map(
        user,
        args.get("unit"),
        metric=metric,
        campaign_id=args.get("campaign"),
        static_base=url_for("static", filename="vendor"),
        tiles_url=config.get("MAP_TILES_URL") or None,
        attribution=config.get("MAP_TILES_ATTRIBUTION", ""),
        link_template=link,
        inline=args["download"],
        title=title,
    )
    html = render_html(fmap)
    if args["download"]:
        record(
            db.session, "export", "coverage_map", unit.code, {"format": "html", "metric": metric}
        )
        db.session.commit()
        return Response(
            html,
            mimetype="text/html",
            headers={
                "Content-Disposition": f'attachment; filename="ban-do-{metric}-{unit.code}.html"',
                "Cache-Control": "no-store",
            },
        )
    parent = dashboard_service.parent_in_scope(user, unit)
    return render_template(
        "reports/map.html",
        unit=unit,
        parent=parent,
        totals=totals.as_dict(),
        metric=metric,
        metrics=choices("map_metric"),
        campaign=args.get("campaign"),
        can_export=user.role in EXPORT_ROLES,
        map=mapdata.map_page_parts(fmap),
    )

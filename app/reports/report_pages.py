"""The weekly report's pages: pick a unit and a period, read the form, download it, print it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import login_required
from marshmallow import ValidationError

from app.auth.access import acting_user, require
from app.auth.audit import record
from app.common import writes_on_get
from app.errors import InvalidError, NotFoundError, flatten_errors
from app.extensions import db
from app.labels import label
from app.reports.performance import FIELDS as OFFICER_FIGURES
from app.reports.summary import CHILD_FIGURES, report_summary
from app.reports.summary_export import period_text, report_title
from app.reports.summary_forms import iso_week, shortcuts, unit_choices, week_period
from app.reports.summary_schemas import ReportPageArgs

bp = Blueprint("report_pages", __name__)

ROLES = ("commander", "admin")


def _asked() -> dict[str, Any]:
    """The unit and period asked for in the query string (a week field wins over from/to)."""
    try:
        args = ReportPageArgs().load(
            {k: v for k, v in request.args.items() if k in ("unit", "from", "to") and v}
        )
    except ValidationError as exc:
        raise InvalidError(_("Tham số không hợp lệ."), flatten_errors(exc.messages)) from exc
    week = request.args.get("week")
    if week:
        args["start"], args["end"] = week_period(week)
    return args


def _report() -> tuple[dict[str, Any] | None, dict[str, list[str]], str | None, int]:
    """The report asked for, or the errors to show beside the form and the status to answer
    (nothing typed is lost: the form shows it again)."""
    try:
        args = _asked()
        data = report_summary(acting_user(), args.get("unit"), args.get("start"), args.get("end"))
    except (InvalidError, NotFoundError) as exc:
        db.session.rollback()
        return None, getattr(exc, "errors", None) or {}, str(exc.message), exc.status
    return data, {}, None, 200


def _context(data: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "data": data,
        "title": report_title(),
        "period_text": period_text,
        "child_figures": CHILD_FIGURES,
        "officer_figures": OFFICER_FIGURES,
        "figure_label": lambda key: label("report_figure", key),
    }


@bp.route("/reports")
@login_required
@require(*ROLES)
def reports():
    """Show the report of a unit for a period, with the form to pick another."""
    user = acting_user()
    data, errors, message, status = _report()
    typed = {key: request.args.get(key, "") for key in ("unit", "from", "to", "week")}
    if data is not None:
        typed["unit"] = data["unit"]["code"]
        typed["from"], typed["to"] = data["period"]["from"], data["period"]["to"]
        typed["week"] = iso_week(data["period"]["from"])
    page = render_template(
        "reports/report.html",
        **_context(data),
        units=unit_choices(user),
        shortcuts=shortcuts(),
        typed=typed,
        errors=errors,
        message=message,
    )
    return page, status


@bp.route("/reports/print")
@writes_on_get
@login_required
@require(*ROLES)
def print_report():
    """Show the report as a printable A4 page, without the menu (recorded as a print)."""
    data, errors, message, status = _report()
    if data is None:
        raise (NotFoundError(message) if status == 404 else InvalidError(message, errors))
    period = data["period"]
    record(
        db.session,
        "print",
        "report",
        data["unit"]["code"],
        {"from": period["from"].isoformat(), "to": period["to"].isoformat()},
    )
    db.session.commit()
    return render_template("reports/report_print.html", **_context(data), user=acting_user())

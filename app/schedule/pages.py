"""The visit plan's pages: planning a hamlet's visits, and its printable household notices.

`/hamlets/<code>/schedule` shows the form (from and to which day, which weekdays, the hours
of a day, minutes per household) and the plan as a table; planning posts the same form and the
answer is the page again (422 with the reasons when the plan cannot be made). The form's days
are every chosen weekday between the two dates. `/hamlets/<code>/notices` is the printable
notices, one A4 page per household, recorded as an audit `print`.
"""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from app.auth.access import acting_user
from app.clock import today_in_vietnam
from app.common import writes_on_get
from app.errors import InvalidError, NotFoundError
from app.extensions import db
from app.labels import in_sentence, label
from app.schedule import notices as notice_builder
from app.schedule import planning
from app.text import ascii_digits

bp = Blueprint("schedule_pages", __name__)

# Weekdays offered on the form (Monday 0 .. Sunday 6); Monday to Saturday are ticked at first.
WEEKDAYS = (_l("T2"), _l("T3"), _l("T4"), _l("T5"), _l("T6"), _l("T7"), _l("CN"))
WEEKDAY_VALUES = {str(n) for n in range(7)}
DEFAULTS = {"day_start": "07:30", "day_end": "17:00", "minutes_per_household": "20"}


def _defaults(plan: planning.Plan | None) -> dict[str, Any]:
    """The form as first shown: the current plan's values, else tomorrow for a week."""
    if plan is not None:
        days = plan.days
        return {
            "first_day": days[0].isoformat(),
            "last_day": days[-1].isoformat(),
            "weekdays": sorted({d.weekday() for d in days}),
            "day_start": plan.schedule.day_start.strftime("%H:%M"),
            "day_end": plan.schedule.day_end.strftime("%H:%M"),
            "minutes_per_household": str(plan.schedule.minutes_per_household),
        }
    tomorrow = today_in_vietnam() + timedelta(days=1)
    return {
        "first_day": tomorrow.isoformat(),
        "last_day": (tomorrow + timedelta(days=6)).isoformat(),
        "weekdays": list(range(6)),
        **DEFAULTS,
    }


def _typed() -> dict[str, Any]:
    form = request.form
    return {
        "first_day": form.get("first_day", ""),
        "last_day": form.get("last_day", ""),
        "weekdays": [int(d) for d in form.getlist("weekdays") if d in WEEKDAY_VALUES],
        "day_start": form.get("day_start", ""),
        "day_end": form.get("day_end", ""),
        "minutes_per_household": form.get("minutes_per_household", ""),
    }


def _parse(typed: dict[str, Any]) -> dict[str, Any]:
    """Turn the form into the API's body; a field that cannot be read is a 422 on it."""
    errors: dict[str, list[str]] = {}
    parsed: dict[str, Any] = {}
    for name in ("first_day", "last_day"):
        try:
            parsed[name] = date.fromisoformat(typed[name])
        except ValueError:
            errors[name] = [_("Chọn một ngày.")]
    for name in ("day_start", "day_end"):
        try:
            parsed[name] = time.fromisoformat(typed[name]).replace(second=0, microsecond=0)
        except ValueError:
            errors[name] = [_("Nhập giờ dạng 07:30.")]
    minutes = typed["minutes_per_household"]
    if not ascii_digits(minutes) or len(minutes) > 4:
        errors["minutes_per_household"] = [_("Nhập số phút.")]
    if errors:
        raise InvalidError(_("Lịch thăm chưa hợp lệ."), errors)
    first, last = parsed.pop("first_day"), parsed.pop("last_day")
    if last < first or (last - first).days > 366:
        raise InvalidError(_("Lịch thăm chưa hợp lệ."), {"last_day": [_("Ngày cuối sai.")]})
    span = ((first + timedelta(days=n)) for n in range((last - first).days + 1))
    parsed["days"] = [d for d in span if d.weekday() in typed["weekdays"]]
    parsed["minutes_per_household"] = int(minutes)
    return parsed


def _current(hamlet) -> planning.Plan | None:
    schedule = planning.schedule_of(hamlet)
    if schedule is None:
        return None
    return planning.Plan(hamlet, schedule, planning.slots_of(schedule))


def _page(hamlet, plan, typed, errors=None, message=None, status=200):
    return (
        render_template(
            "schedule/schedule.html",
            hamlet=hamlet,
            plan=plan,
            typed=typed,
            errors=errors or {},
            message=message,
            weekdays=WEEKDAYS,
        ),
        status,
    )


@bp.route("/hamlets/<code>/schedule", methods=["GET", "POST"])
@login_required
def schedule(code: str):
    """Plan a hamlet's visits and show the plan (its officer, a commander over it)."""
    user = acting_user()
    hamlet = planning.planner_hamlet(user, code)
    if request.method == "GET":
        plan = _current(hamlet)
        return _page(hamlet, plan, _defaults(plan))
    typed = _typed()
    try:
        plan = planning.plan_hamlet(user, code, _parse(typed))
    except InvalidError as exc:
        db.session.rollback()
        return _page(hamlet, _current(hamlet), typed, exc.errors, exc.message, 422)
    db.session.commit()
    message = _("Đã lập lịch thăm %(n)d hộ.", n=len(plan.slots))
    if plan.left_out:
        message += " " + _("%(n)d hộ đã được thăm nên không xếp lại.", n=plan.left_out)
    return _page(hamlet, _current(hamlet), typed, message=message)


@bp.route("/hamlets/<code>/notices")
@writes_on_get
@login_required
def notices(code: str):
    """The hamlet's household notices, one A4 page each (recorded as a print)."""
    user = acting_user()
    hamlet = planning.planner_hamlet(user, code)
    found = notice_builder.build_notices(hamlet, user)
    if not found.notices:
        raise NotFoundError(_("Thôn %(name)s chưa có hộ nào.", name=hamlet.name))
    notice_builder.record_print(found)
    db.session.commit()
    return render_template(
        "schedule/notices.html", data=found, label=label, in_sentence=in_sentence
    )

"""What the report page offers: the units a user may report on and the periods at one click."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.clock import today_in_vietnam
from app.errors import InvalidError
from app.extensions import db
from app.reports.summary import last_full_week
from app.units.models import Unit

WEEK = re.compile(r"^([0-9]{4})-W([0-9]{2})$")


def unit_choices(user: User) -> list[dict[str, Any]]:
    """The user's unit and the units one and two levels below it (hamlets only of a commune)."""
    own = user.unit
    out = [{"code": own.code, "name": own.name, "level": own.level, "depth": 0}]
    children = list(
        db.session.scalars(select(Unit).where(Unit.parent_id == own.id).order_by(Unit.code))
    )
    grandchildren: dict[int, list[Unit]] = {}
    below = [c.id for c in children if c.level != "commune"]
    if below:
        for unit in db.session.scalars(
            select(Unit)
            .where(Unit.parent_id.in_(below), Unit.level != "hamlet")
            .order_by(Unit.code)
        ):
            grandchildren.setdefault(unit.parent_id, []).append(unit)
    for child in children:
        out.append({"code": child.code, "name": child.name, "level": child.level, "depth": 1})
        for unit in grandchildren.get(child.id, []):
            out.append({"code": unit.code, "name": unit.name, "level": unit.level, "depth": 2})
    return out


def week_period(week: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week written `2026-W47` (a week field's value)."""
    match = WEEK.match(week or "")
    try:
        if not match:
            raise ValueError(week)
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise InvalidError(
            _("Tuần không hợp lệ."), {"week": [_("Chọn một tuần, ví dụ 2026-W47.")]}
        ) from exc
    return monday, monday + timedelta(days=6)


def iso_week(day: date) -> str:
    """The ISO week of a day, as a week field writes it."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def shortcuts(today: date | None = None) -> list[dict[str, Any]]:
    """Periods at one click: last week, this week, last month."""
    today = today or today_in_vietnam()
    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    last_month_end = first - timedelta(days=1)
    periods = [
        ("last_week", _("Tuần trước"), *last_full_week(today)),
        ("this_week", _("Tuần này"), monday, monday + timedelta(days=6)),
        ("last_month", _("Tháng trước"), last_month_end.replace(day=1), last_month_end),
    ]
    return [
        {"key": key, "label": text, "from": start, "to": end} for key, text, start, end in periods
    ]

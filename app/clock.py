"""The campaign's one clock: Vietnam time (UTC+7, no daylight saving since 1975).

Timestamps are stored in UTC; days (due dates, campaign periods, "today") are Vietnam's
calendar days. This module imports nothing from the app, so every layer can use it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# For SQL that cannot take a zone name (SQLite's date modifiers).
SQLITE_OFFSET = "+7 hours"


def now_in_vietnam() -> datetime:
    """Return the current moment as Vietnam's wall clock shows it."""
    return datetime.now(UTC).astimezone(VIETNAM)


def today_in_vietnam() -> date:
    """Return today's date in Vietnam, the campaign's calendar."""
    return now_in_vietnam().date()


def to_vietnam(moment: datetime) -> datetime:
    """Return a moment on Vietnam's wall clock (a naive moment is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(VIETNAM)


def vietnam_day(moment: datetime) -> date:
    """Return the Vietnam calendar day of a moment."""
    return to_vietnam(moment).date()


def start_of_day(day: date) -> datetime:
    """Return the first instant (in UTC) of a Vietnam calendar day."""
    return datetime.combine(day, time(), VIETNAM).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """Return the first instant (in UTC) after a Vietnam calendar day."""
    return start_of_day(day + timedelta(days=1))

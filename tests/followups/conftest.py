"""Fixtures of the follow-up tests: the commune's people, visits submitted through the visits
service, and follow-ups placed directly for route tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from app.auth.models import User
from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Followup
from app.followups.rules import RULE
from app.followups.service import new_followup
from app.people.models import Household
from app.visits.service import submit_visit

VIETNAM = timezone(timedelta(hours=7))
HAMLET1, HAMLET2, HAMLET3 = "20179-001", "20179-002", "20179-003"


def years_ago(years: int, days: int = 0) -> str:
    """A birth date `years` years before today (Vietnam), moved `days` later."""
    now = today_in_vietnam()
    try:
        born = now.replace(year=now.year - years)
    except ValueError:
        born = now.replace(year=now.year - years, day=28)
    return (born + timedelta(days=days)).isoformat()


def at(days_ago: int, hour: int) -> datetime:
    """A moment `days_ago` days before today at an hour of the day, Vietnam time."""
    day = today_in_vietnam() - timedelta(days=days_ago)
    when = datetime(day.year, day.month, day.day, hour, 15, tzinfo=VIETNAM)
    now = datetime.now(UTC)
    return min(when, now - timedelta(minutes=1))


def open_followups(**filters: Any) -> list[Followup]:
    """Open follow-ups matching column filters, oldest first."""
    query = db.session.query(Followup).filter_by(status="open", **filters)
    return query.order_by(Followup.id).all()


@dataclass
class People:
    officer: User
    colleague: User
    other_hamlet_officer: User
    mobile: User
    commander: User
    head: User


@pytest.fixture
def people(make_user) -> People:
    """Officers of Thôn 1 (two), Thôn 2, a mobile-team officer, a commander, a village head."""
    return People(
        officer=make_user("officer", "20179", hamlets=[HAMLET1], username="canbo1"),
        colleague=make_user("officer", "20179", hamlets=[HAMLET1], username="canbo2"),
        other_hamlet_officer=make_user("officer", "20179", hamlets=[HAMLET2], username="canbo3"),
        mobile=make_user("officer", "20179", mobile_team=True, username="luuDong"),
        commander=make_user("commander", "20179", username="chihuy"),
        head=make_user("village_head", HAMLET1, username="truongthon1"),
    )


@pytest.fixture
def visit(app) -> Callable[..., dict]:
    """Submit a visit through the visits service and commit; return its answer."""

    def submit(
        officer: User,
        household: Household,
        *,
        outcome: str = "met",
        residents: list[dict] | None = None,
        new_residents: list[dict] | None = None,
        when: datetime | None = None,
        location: tuple[float, float] | bool | None = True,
    ) -> dict:
        if location is True:
            location = (household.lat, household.lon)
        when = when or datetime.now(UTC) - timedelta(seconds=1)
        body = {
            "client_id": str(uuid.uuid4()),
            "household_id": household.id,
            "visited_at": when.astimezone(VIETNAM).isoformat(timespec="seconds"),
            "location": (
                {"lat": location[0], "lon": location[1], "accuracy_m": 10} if location else None
            ),
            "location_missing_reason": None if location else "denied",
            "outcome": outcome,
            "residents": residents or [],
            "new_residents": new_residents or [],
            "note": "",
        }
        result = submit_visit(body, officer)
        db.session.commit()
        assert result.status == "created", result.answer
        return result.answer

    return submit


@pytest.fixture
def place_followup(world) -> Callable[..., Followup]:
    """Put an open follow-up directly on a household (for list and route tests)."""

    def place(
        household: Household,
        assignee: User | None,
        *,
        kind: str = "id_capture",
        due: date | None = None,
        priority: int | None = None,
    ) -> Followup:
        rule = RULE[kind if kind in RULE else "id_capture"]
        followup = new_followup(
            rule,
            due=due or today_in_vietnam() + timedelta(days=3),
            place=household,
            assignee_id=assignee.id if assignee else None,
        )
        followup.kind = kind
        if priority is not None:
            followup.priority = priority
        db.session.commit()
        return followup

    return place

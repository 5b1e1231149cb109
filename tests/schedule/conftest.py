"""Fixtures of the visit plan tests: the commune's people and a hamlet of located households."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from app.auth.models import User
from app.clock import today_in_vietnam
from app.extensions import db
from app.people.models import Household
from tests.factories import CENTROID

HAMLET1, HAMLET2 = "20179-001", "20179-002"


def day(offset: int) -> str:
    """An ISO day `offset` days after today (Vietnam)."""
    return (today_in_vietnam() + timedelta(days=offset)).isoformat()


def plan_body(days: list[str] | None = None, **changes) -> dict:
    body = {
        "days": [day(1), day(2)] if days is None else days,
        "day_start": "07:30",
        "day_end": "11:30",
        "minutes_per_household": 30,
    }
    return {**body, **changes}


@dataclass
class People:
    officer: User
    other_hamlet_officer: User
    commander: User
    other_commander: User
    head: User
    admin: User


@pytest.fixture
def people(make_user) -> People:
    officer = make_user("officer", "20179", hamlets=[HAMLET1], username="canbo1")
    officer.full_name, officer.phone = "Trần Văn Cán", "0912345678"
    db.session.commit()
    return People(
        officer=officer,
        other_hamlet_officer=make_user("officer", "20179", hamlets=[HAMLET2], username="canbo3"),
        commander=make_user("commander", "20179", username="chihuy"),
        other_commander=make_user("commander", "19777", username="chihuykhac"),
        head=make_user("village_head", HAMLET1, username="truongthon1"),
        admin=make_user("admin", "46", username="quantri"),
    )


@pytest.fixture
def hamlet_households(make_household) -> list[Household]:
    """Six households of Thôn 1 strung along a line (a known walking order), one unplaced."""
    lat, lon = CENTROID[0], CENTROID[1] - 0.03
    spots = [0.004, -0.002, 0.002, -0.004, 0.0]
    made = [
        make_household(HAMLET1, location=(lat, lon + dx), code=f"T1-{i}")
        for i, dx in enumerate(spots, start=1)
    ]
    made.append(make_household(HAMLET1, location=None, code="T1-9"))
    return made

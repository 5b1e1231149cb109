"""Fixtures for visit tests: an officer of xã Nam Đông, a household, a visit body builder."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.people.models import Household
from app.visits.signals import visit_recorded

HEAD_ID_NUMBER = "046068000123"


@pytest.fixture
def officer(make_user):
    return make_user("officer", "20179", hamlets=["20179-001"], username="canbo")


@pytest.fixture
def headers(officer, token_for) -> dict[str, str]:
    return token_for(officer)


@pytest.fixture
def household(make_household) -> Household:
    """A household in Thôn 1 with a head (ID on file) and his wife."""
    return make_household(
        "20179-001",
        code="HO-00812",
        residents=[
            {
                "full_name": "Hồ Văn Nhờ",
                "date_of_birth": "1968-03-02",
                "sex": "male",
                "id_number": HEAD_ID_NUMBER,
            },
            {
                "full_name": "Hồ Thị Mai",
                "date_of_birth": "1990-01-01",
                "sex": "female",
                "relationship_to_head": "spouse",
            },
        ],
    )


def an_hour_ago() -> str:
    """A visit time one hour ago, in Vietnam time."""
    when = datetime.now(UTC) - timedelta(hours=1)
    return when.astimezone(timezone(timedelta(hours=7))).isoformat(timespec="seconds")


@pytest.fixture
def visit_body(household) -> Callable[..., dict]:
    """Build a valid visit body for the household; keyword arguments replace fields."""

    def build(**changes) -> dict:
        head = household.residents[0]
        body = {
            "client_id": str(uuid.uuid4()),
            "household_id": household.id,
            "visited_at": an_hour_ago(),
            "location": {"lat": household.lat, "lon": household.lon, "accuracy_m": 12},
            "location_missing_reason": None,
            "outcome": "met",
            "residents": [
                {
                    "resident_id": head.id,
                    "presence": "present",
                    "id_card": "issued",
                    "eid": "level1",
                    "has_smartphone": True,
                }
            ],
            "new_residents": [],
            "note": "",
        }
        body.update(changes)
        return body

    return build


@pytest.fixture
def real_followups() -> None:
    """Ask for the real follow-up rules (listening to visit_recorded) in this test."""


@pytest.fixture(autouse=True)
def quiet_followups(request) -> Iterator[None]:
    """Keep the follow-up rules (another area, tested there) out of visit tests by default."""
    if "real_followups" in request.fixturenames:
        yield
        return
    with visit_recorded.muted():
        yield

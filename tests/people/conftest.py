"""Fixtures for people tests: users of each role and a few households of xã Nam Đông."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.extensions import db
from app.people.models import Household
from app.people.rules import refresh_search_text
from app.visits.signals import visit_recorded


def searchable(household: Household) -> Household:
    """Give a factory household the search text the service keeps (address and names)."""
    db.session.refresh(household)
    refresh_search_text(household)
    db.session.commit()
    return household


@pytest.fixture
def officer(make_user):
    return make_user("officer", "20179", hamlets=["20179-001"], username="canbo")


@pytest.fixture
def headers(officer, token_for) -> dict[str, str]:
    return token_for(officer)


@pytest.fixture
def household(make_household) -> Household:
    """Thôn 1: Hồ Văn Nhờ (ID on file, phone) and his wife."""
    return searchable(
        make_household(
            "20179-001",
            code="HO-00812",
            address="Thôn 1, xã Nam Đông",
            residents=[
                {
                    "full_name": "Hồ Văn Nhờ",
                    "date_of_birth": "1968-03-02",
                    "sex": "male",
                    "id_number": "046068000123",
                    "phone": "0912345678",
                    "eid": "level1",
                },
                {
                    "full_name": "Hồ Thị Mai",
                    "date_of_birth": "1990",
                    "sex": "female",
                    "relationship_to_head": "spouse",
                },
            ],
        )
    )


@pytest.fixture
def neighbour(make_household) -> Household:
    """Thôn 2: Đặng Văn Đức."""
    return searchable(
        make_household(
            "20179-002",
            code="HO-00900",
            address="Thôn 2, xã Nam Đông",
            residents=[{"full_name": "Đặng Văn Đức", "date_of_birth": "1975-07-01"}],
        )
    )


@pytest.fixture(autouse=True)
def quiet_followups() -> Iterator[None]:
    """Visits made here to set up corrections skip the follow-up rules (another area)."""
    with visit_recorded.muted():
        yield

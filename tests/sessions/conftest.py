"""Fixtures of the session tests: the follow-up tests' people and visits, and a planned session
with residents whose capture follow-ups are open."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from app.clock import today_in_vietnam
from tests.factories import api_post
from tests.followups.conftest import HAMLET1, HAMLET2, people, visit, years_ago  # noqa: F401


def present(resident, **seen) -> dict:
    return {"resident_id": resident.id, "presence": "present", **seen}


@pytest.fixture
def invited(people, make_household, visit) -> dict[str, Any]:  # noqa: F811
    """Four residents with open follow-ups: one unable to travel (far, Thôn 2), one aged 80
    (Thôn 1), one of 40 (Thôn 1), one with a card and a smartphone lacking VNeID level 2."""
    far = make_household(
        HAMLET2,
        residents=[{"full_name": "Lê Văn Nằm", "date_of_birth": "1990", "unable_to_travel": True}],
    )
    old = make_household(HAMLET1, residents=[{"full_name": "Hồ Thị Già", "date_of_birth": "1946"}])
    young = make_household(
        HAMLET1,
        residents=[
            {"full_name": "Hồ Văn Trẻ", "date_of_birth": years_ago(40)},
            {"full_name": "Hồ Thị Mạng", "id_card": "issued", "eid": "level1"},
        ],
    )
    visit(people.other_hamlet_officer, far, residents=[present(far.residents[0])])
    visit(people.officer, old, residents=[present(old.residents[0])])
    trẻ, mạng = young.residents
    visit(people.officer, young, residents=[present(trẻ), present(mạng, has_smartphone=True)])
    return {
        "far": far.residents[0],
        "old": old.residents[0],
        "young": trẻ,
        "phone": mạng,
    }


@pytest.fixture
def plan(client, people, token_for) -> Callable[..., dict]:  # noqa: F811
    """Plan a session as the commander; answer it."""

    def make(resident_ids: list[int], **change: Any) -> dict:
        body = {
            "kind": "at_home",
            "date": (today_in_vietnam() + timedelta(days=1)).isoformat(),
            "starts_at": "08:00",
            "ends_at": "11:30",
            "team_ids": [people.mobile.id, people.officer.id],
            "resident_ids": resident_ids,
            "equipment": "Máy thu nhận lưu động",
            **change,
        }
        status, answer = api_post(client, "/api/v1/sessions", token_for(people.commander), body)
        assert status == 201, answer
        return answer

    return make

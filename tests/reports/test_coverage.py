"""Coverage figures: hand counts, a direct SQL count, roll-ups, campaign periods, scope."""

from __future__ import annotations

import random
from datetime import timedelta

import sqlalchemy as sa

from app.clock import today_in_vietnam
from app.extensions import db
from app.reports.coverage import eligible_cutoff, ratio
from app.reports.models import Campaign
from tests.factories import api_get
from tests.reports.conftest import adult, at_days_ago, years_ago

FIGURES = (
    "households_total",
    "households_visited",
    "households_attempted",
    "residents_eligible",
    "id_collected",
    "eid_level2_active",
    "corrections_open",
    "followups_open",
    "followups_overdue",
)


def _by_code(body):
    return {child["code"]: child for child in body["children"]}


def _pick(row):
    return {key: row[key] for key in FIGURES}


def test_commune_figures_match_the_hand_count(client, counted, make_user, token_for):
    headers = token_for(make_user("commander", "20179"))
    status, body = api_get(client, "/api/v1/coverage?unit=20179", headers)
    assert status == 200, body
    assert body["unit"] == {
        "code": "20179",
        "name": "Xã Nam Đông",
        "level": "commune",
        "parent_code": "46",
    }
    rows = _by_code(body)
    assert list(rows) == ["20179-001", "20179-002", "20179-003", None]
    assert _pick(rows["20179-001"]) == {
        "households_total": 4,
        "households_visited": 2,
        "households_attempted": 3,
        "residents_eligible": 6,
        "id_collected": 3,
        "eid_level2_active": 2,
        "corrections_open": 2,
        "followups_open": 2,
        "followups_overdue": 1,
    }
    assert rows["20179-001"]["coverage"] == 0.5
    assert rows["20179-001"]["id_rate"] == 0.5
    assert rows["20179-001"]["eid_rate"] == 0.3333
    assert _pick(rows["20179-002"]) == {
        "households_total": 2,
        "households_visited": 1,
        "households_attempted": 1,
        "residents_eligible": 2,
        "id_collected": 1,
        "eid_level2_active": 1,
        "corrections_open": 1,
        "followups_open": 1,
        "followups_overdue": 0,
    }
    empty = rows["20179-003"]
    assert _pick(empty) == dict.fromkeys(FIGURES, 0)
    assert empty["coverage"] is None and empty["last_visit_at"] is None
    stray = rows[None]
    assert stray["households_total"] == 1 and stray["residents_eligible"] == 1
    assert body["totals"]["households_total"] == 7
    assert body["totals"]["households_visited"] == 3
    assert body["totals"]["residents_eligible"] == 9
    assert body["totals"]["coverage"] == round(3 / 7, 4)
    last = rows["20179-001"]["last_visit_at"]
    assert last.startswith(counted.visits["C"].visited_at.isoformat()[:19])


def test_province_rolls_communes_up(client, counted, make_user, token_for):
    headers = token_for(make_user("admin", "46"))
    status, body = api_get(client, "/api/v1/coverage?unit=46", headers)
    assert status == 200, body
    rows = _by_code(body)
    assert list(rows) == ["19777", "20179"]
    assert rows["20179"]["level"] == "commune"
    assert rows["20179"]["households_total"] == 7
    assert rows["20179"]["residents_eligible"] == 9
    assert rows["19777"]["households_visited"] == 1
    assert rows["19777"]["id_collected"] == 1
    assert body["totals"]["households_total"] == 8  # I (Hà Nội) is not in province 46
    commune = api_get(client, "/api/v1/coverage?unit=20179", headers)[1]
    assert _pick(rows["20179"]) == _pick(commune["totals"])


def test_hamlet_has_totals_and_no_children(client, counted, make_user, token_for):
    headers = token_for(make_user("officer", "20179"))
    status, body = api_get(client, "/api/v1/coverage?unit=20179-002", headers)
    assert status == 200, body
    assert body["children"] == []
    assert body["totals"]["households_total"] == 2
    assert body["totals"]["households_visited"] == 1


def test_default_unit_is_the_users_own(client, counted, make_user, token_for):
    headers = token_for(make_user("commander", "20179"))
    body = api_get(client, "/api/v1/coverage", headers)[1]
    assert body["unit"]["code"] == "20179"


def test_scope_and_roles(client, counted, make_user, token_for):
    commune = token_for(make_user("commander", "20179"))
    assert api_get(client, "/api/v1/coverage?unit=46", commune)[0] == 404
    assert api_get(client, "/api/v1/coverage?unit=19777", commune)[0] == 404
    assert api_get(client, "/api/v1/coverage?unit=19777-001", commune)[0] == 404
    assert api_get(client, "/api/v1/coverage?unit=99999", commune)[0] == 404
    far = token_for(make_user("admin", "01"))
    assert api_get(client, "/api/v1/coverage?unit=20179", far)[0] == 404
    head = token_for(make_user("village_head", "20179-001"))
    status, body = api_get(client, "/api/v1/coverage?unit=20179-001", head)
    assert status == 403 and body["message"]
    assert client.get("/api/v1/coverage?unit=20179").status_code == 401
    status, body = api_get(client, "/api/v1/coverage?unit=abc", commune)
    assert status == 422 and "unit" in body["errors"]
    assert api_get(client, "/api/v1/coverage?unit=20179&campaign=0", commune)[0] == 422


def test_campaign_limits_visits_to_its_period(client, counted, make_user, token_for):
    user = make_user("commander", "20179")
    headers = token_for(user)
    # The period holds the visits of the last 1.5 days (B, C and H), not those of A (2 days
    # ago) and E (3 days ago), nor C's first attempt.
    start = (at_days_ago(1.5) + timedelta(hours=7)).date()
    if start == (at_days_ago(2) + timedelta(hours=7)).date():
        start += timedelta(days=1)  # keep A out whatever the hour
    campaign = Campaign(
        name="Cao điểm",
        unit_id=user.unit_id,
        starts_on=start,
        ends_on=today_in_vietnam(),
        metrics=[],
    )
    db.session.add(campaign)
    db.session.commit()
    status, body = api_get(client, f"/api/v1/coverage?unit=20179&campaign={campaign.id}", headers)
    assert status == 200, body
    assert body["campaign"]["id"] == campaign.id
    rows = _by_code(body)
    assert rows["20179-002"]["households_visited"] == 0
    assert rows["20179-001"]["households_visited"] == 1  # C only
    assert rows["20179-001"]["households_attempted"] == 2  # B and C
    assert rows["20179-001"]["households_total"] == 4  # the list, not what was visited
    other = make_user("commander", "19777")
    assert api_get(client, f"/api/v1/coverage?campaign={campaign.id}", token_for(other))[0] == 404


def test_province_campaign_limits_a_communes_figures(client, counted, make_user, token_for):
    province = make_user("admin", "46")
    campaign = Campaign(
        name="60 ngày",
        unit_id=province.unit_id,
        starts_on=today_in_vietnam() + timedelta(days=1),
        ends_on=today_in_vietnam() + timedelta(days=60),
        metrics=["households_visited"],
    )
    db.session.add(campaign)
    db.session.commit()
    headers = token_for(make_user("commander", "20179"))
    status, body = api_get(client, f"/api/v1/coverage?campaign={campaign.id}", headers)
    assert status == 200, body
    assert body["totals"]["households_visited"] == 0
    assert body["totals"]["last_visit_at"] is None


def test_eligible_age_edges(app, client, world, make_household, make_user, token_for):
    make_household(
        "20179-003",
        residents=[
            adult("Mười bốn hôm nay", date_of_birth=years_ago(14)),
            adult("Mười bốn ngày mai", date_of_birth=years_ago(14, days=1)),
            adult("Chỉ có năm", date_of_birth=str(today_in_vietnam().year - 14)),
            adult("Năm sau", date_of_birth=str(today_in_vietnam().year - 13)),
        ],
    )
    headers = token_for(make_user("commander", "20179"))
    body = api_get(client, "/api/v1/coverage?unit=20179-003", headers)[1]
    assert body["totals"]["residents_eligible"] == 2
    assert body["eligible_age"] == 14
    app.config["ELIGIBLE_AGE"] = 13
    body = api_get(client, "/api/v1/coverage?unit=20179-003", headers)[1]
    assert body["totals"]["residents_eligible"] == 4


def test_leap_day_cutoff():
    from datetime import date

    assert eligible_cutoff(date(2028, 2, 29), 14) == date(2014, 2, 28)
    assert eligible_cutoff(date(2026, 11, 22), 14) == date(2012, 11, 22)


def _direct_counts(hamlet_id: int) -> dict[str, int]:
    """Count one hamlet's figures with plain SQL, independently of the service."""
    cutoff = eligible_cutoff(today_in_vietnam(), 14)
    q = {
        "households_total": "SELECT count(*) FROM households WHERE hamlet_id = :h",
        "households_visited": (
            "SELECT count(DISTINCT v.household_id) FROM visits v"
            " JOIN households h ON h.id = v.household_id"
            " WHERE h.hamlet_id = :h AND v.outcome IN ('met', 'household_moved')"
        ),
        "households_attempted": (
            "SELECT count(DISTINCT v.household_id) FROM visits v"
            " JOIN households h ON h.id = v.household_id WHERE h.hamlet_id = :h"
        ),
        "residents_eligible": (
            "SELECT count(*) FROM residents WHERE hamlet_id = :h AND presence = 'present'"
            " AND pending = :f AND (birth_date <= :cutoff OR (birth_date IS NULL AND"
            " (birth_year IS NULL OR birth_year <= :year)))"
        ),
        "id_collected": (
            "SELECT count(*) FROM residents WHERE hamlet_id = :h AND presence = 'present'"
            " AND pending = :f AND (birth_date <= :cutoff OR (birth_date IS NULL AND"
            " (birth_year IS NULL OR birth_year <= :year)))"
            " AND id_card IN ('collected', 'issued')"
        ),
        "eid_level2_active": (
            "SELECT count(*) FROM residents WHERE hamlet_id = :h AND presence = 'present'"
            " AND pending = :f AND (birth_date <= :cutoff OR (birth_date IS NULL AND"
            " (birth_year IS NULL OR birth_year <= :year))) AND eid = 'level2_active'"
        ),
        "corrections_open": (
            "SELECT count(*) FROM corrections WHERE hamlet_id = :h AND status = 'open'"
        ),
        "followups_open": "SELECT count(*) FROM followups WHERE hamlet_id = :h AND status = 'open'",
        "followups_overdue": (
            "SELECT count(*) FROM followups WHERE hamlet_id = :h AND status = 'open'"
            " AND due_date < :today"
        ),
    }
    params = {
        "h": hamlet_id,
        "f": False,
        "cutoff": cutoff,
        "year": today_in_vietnam().year - 14,
        "today": today_in_vietnam(),
    }
    return {key: db.session.execute(sa.text(sql), params).scalar_one() for key, sql in q.items()}


def test_random_commune_matches_a_direct_sql_count(
    client, world, make_household, make_user, token_for, add_visit, add_followup, add_correction
):
    rng = random.Random(20179)
    hamlets = ["20179-001", "20179-002", "20179-003"]
    presence = ["present"] * 6 + ["away_working", "away_other", "moved", "deceased"]
    for n in range(40):
        people = [
            adult(
                f"Người {n}-{k}",
                date_of_birth=rng.choice(
                    [
                        years_ago(rng.randint(0, 90)),
                        str(rng.randint(1930, today_in_vietnam().year)),
                        None,
                    ]
                ),
                presence=rng.choice(presence),
                id_card=rng.choice(["not_collected", "collected", "issued"]),
                eid=rng.choice(["none", "level1", "level2_applied", "level2_active"]),
                pending=rng.random() < 0.1,
            )
            for k in range(rng.randint(0, 5))
        ]
        household = make_household(rng.choice(hamlets), residents=people)
        for _ in range(rng.choice([0, 0, 1, 2])):
            add_visit(
                household,
                rng.choice(["met", "nobody_home", "refused", "household_moved"]),
                at=at_days_ago(rng.uniform(0, 30)),
            )
        for _ in range(rng.choice([0, 1])):
            add_followup(
                household,
                today_in_vietnam() + timedelta(days=rng.randint(-5, 5)),
                status=rng.choice(["open", "open", "done", "cancelled"]),
            )
        if people and rng.random() < 0.3:
            add_correction(household, status=rng.choice(["open", "fixed"]))
    headers = token_for(make_user("commander", "20179"))
    body = api_get(client, "/api/v1/coverage?unit=20179", headers)[1]
    rows = _by_code(body)
    for code in hamlets:
        expected = _direct_counts(world[code].id)
        assert _pick(rows[code]) == expected, code
    totals = {key: sum(rows[code][key] for code in hamlets) for key in FIGURES}
    assert _pick(body["totals"]) == totals
    assert totals["households_total"] == 40


def test_figures_are_live(client, counted, make_user, token_for, add_visit):
    headers = token_for(make_user("commander", "20179"))
    before = api_get(client, "/api/v1/coverage?unit=20179-002", headers)[1]["totals"]
    add_visit(counted.households["F"], "met")
    after = api_get(client, "/api/v1/coverage?unit=20179-002", headers)[1]["totals"]
    assert (before["households_visited"], after["households_visited"]) == (1, 2)
    assert after["coverage"] == 1.0


def test_a_rate_short_of_all_never_reads_one():
    """19,999 of 20,000 is 0.9999, not a rounded 1.0: only a complete unit reads 1.0."""
    assert ratio(19_999, 20_000) == 0.9999 and ratio(20_000, 20_000) == 1.0
    assert ratio(1, 3) == 0.3333 and ratio(0, 0) is None

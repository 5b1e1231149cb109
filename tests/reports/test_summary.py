"""The weekly report: hand-counted figures of a small story, counted as of the week's last day.

The clock is moved with time-machine so that visits are made *and received* on the days the
story says, through the real API and rules (which write the status history). The week's report
is then asked again after later visits (and a late-synced visit dated inside the week) arrive:
its figures never move.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from app.auth.models import AuditEntry
from app.clock import VIETNAM, today_in_vietnam
from app.extensions import db
from app.followups.models import Followup
from app.people.models import Correction, Resident, StatusChange
from tests.factories import api_get, api_post


def days_from(today: date) -> dict[str, Any]:
    """The week the report is about, two weeks back (set again by tests/conftest.py when a
    run crosses Vietnam's midnight)."""
    monday = today - timedelta(days=today.weekday() + 14)
    sunday = monday + timedelta(days=6)
    return {"MONDAY": monday, "SUNDAY": sunday, "WEEK": f"from={monday}&to={sunday}"}


TODAY = today_in_vietnam()
MONDAY, SUNDAY, WEEK = days_from(TODAY).values()


def at(day: date, hour: int = 10) -> datetime:
    """A moment of a Vietnam day."""
    return datetime.combine(day, time(hour), VIETNAM)


def visit(household, *, made: datetime, outcome: str = "met", corrections=None, **seen) -> dict:
    """A visit body; meeting the household's first resident with the statuses given."""
    head = household.residents[0]
    residents = []
    if outcome == "met":
        residents = [{"resident_id": head.id, "presence": "present", **seen}]
        if corrections:
            residents[0]["corrections"] = corrections
    return {
        "client_id": str(uuid.uuid4()),
        "household_id": household.id,
        "visited_at": made.isoformat(timespec="seconds"),
        "location": {"lat": household.lat, "lon": household.lon, "accuracy_m": 12},
        "outcome": outcome,
        "residents": residents,
        "new_residents": [],
        "note": "",
    }


@pytest.fixture
def story(client, make_user, make_household, token_for):
    """Xã Nam Đông, an officer, a commander and four households A–D of one adult each."""
    with time_machine.travel(at(MONDAY - timedelta(days=12)), tick=False):
        officer = make_user("officer", "20179", hamlets=["20179-001", "20179-002"])
        commander = make_user("commander", "20179")
        names = ("Hồ Văn An", "Lê Thị Bình", "Trần Văn Cường", "Nguyễn Thị Dung")
        homes = {
            "ABCD"[n]: make_household(
                f"20179-00{1 + n % 2}", residents=[{"full_name": name, "sex": sex}]
            )
            for n, (name, sex) in enumerate(zip(names, ("male", "female") * 2, strict=True))
        }
        headers = {"officer": token_for(officer), "commander": token_for(commander)}
    return {
        "homes": homes,
        "officer_id": officer.id,
        "chief": commander,
        "token_for": token_for,
        **headers,
    }


def send(client, story, body, *, received: datetime) -> None:
    with time_machine.travel(received, tick=False):
        status, answer = api_post(client, "/api/v1/visits", story["officer"], body)
    assert status == 201, answer


def summary(client, story, query: str | None = None, *, asked: datetime) -> dict:
    query = WEEK if query is None else query  # read when called: WEEK follows the day
    with time_machine.travel(asked, tick=False):
        headers = story["token_for"](story["chief"])  # a token of that day
        status, body = api_get(client, f"/api/v1/reports/summary?unit=20179&{query}", headers)
    assert status == 200, body
    return body


def stable(body: dict) -> dict:
    """What must never move: every figure, per hamlet and per officer."""
    return {
        key: body[key] for key in ("figures", "totals", "previous_totals", "children", "officers")
    }


def the_week(client, story) -> None:
    """The visits of the story up to the end of the week, each received when made."""
    a, b, c, d = (story["homes"][k] for k in "ABCD")
    before = at(MONDAY - timedelta(days=3))
    send(client, story, visit(a, made=before, id_card="collected"), received=before)
    wrong_name = [{"field": "full_name", "proposed": "Hồ Văn Bê", "note": "theo CCCD"}]
    tuesday = at(MONDAY + timedelta(days=1))
    body = visit(b, made=tuesday, id_card="collected", eid="level2_applied", corrections=wrong_name)
    send(client, story, body, received=tuesday)
    wednesday = at(MONDAY + timedelta(days=2))
    send(client, story, visit(c, made=wednesday, outcome="refused"), received=wednesday)
    thursday = at(MONDAY + timedelta(days=3))
    body = visit(d, made=thursday)
    body["residents"][0]["presence"] = "away_working"
    send(client, story, body, received=thursday)
    friday = at(MONDAY + timedelta(days=4))
    body = visit(a, made=friday, id_card="issued", eid="level2_active")
    send(client, story, body, received=friday)


def after_the_week(client, story) -> None:
    """What arrives later: a visit dated Saturday synced on Tuesday, visits of the next week."""
    b, c = story["homes"]["B"], story["homes"]["C"]
    late = visit(c, made=at(SUNDAY - timedelta(days=1)), id_card="collected")
    send(client, story, late, received=at(SUNDAY + timedelta(days=2)))
    monday = at(SUNDAY + timedelta(days=1))
    send(client, story, visit(b, made=monday, eid="level2_active"), received=monday)


def test_the_week_is_counted_by_hand(client, story):
    the_week(client, story)
    body = summary(client, story, asked=at(SUNDAY + timedelta(days=1), 8))
    now, before = body["totals"], body["previous_totals"]
    assert body["period"] == {"from": str(MONDAY), "to": str(SUNDAY), "days": 7}
    assert body["previous_period"]["to"] == str(MONDAY - timedelta(days=1))
    assert body["final"] is True and body["as_of"] == str(SUNDAY)
    expected = {
        "households_total": 4,
        "households_checked": 3,  # A (Friday), B, D; C refused is an attempt
        "households_checked_total": 3,
        "residents_checked": 3,
        "residents_required": 4,  # D away working still must hold a card
        "id_collected": 1,  # B; A was already collected the week before
        "id_issued": 1,  # A
        "id_collected_total": 2,
        "id_issued_total": 1,
        "not_collected_total": 2,
        "not_collected_away_working": 1,  # D
        "not_collected_refused": 1,  # C
        "not_collected_unable_to_travel": 0,
        "not_collected_other": 0,
        "eid_level2_applied": 1,  # B
        "eid_level2_active": 1,  # A
        "eid_level2_applied_total": 1,
        "eid_level2_active_total": 1,
        "corrections_found": 1,
        "corrections_found_wrong_details": 1,
        "corrections_fixed": 0,
        "records_matched": 2,  # A and D; B has an open correction
        "records_fixed": 0,
    }
    assert {k: now[k] for k in expected} == expected
    assert before["households_checked"] == 1 and before["id_collected"] == 1
    assert before["not_collected_total"] == 3 and before["not_collected_other"] == 3
    rows = {f["key"]: f for f in body["figures"]}
    assert rows["households_checked"]["difference"] == 2
    assert rows["not_collected_total"]["difference"] == -1
    assert rows["eid_level2_applied"]["label"] == "Đăng ký VNeID mức 2 trong kỳ"
    hamlets = {c["code"]: c["figures"] for c in body["children"]}
    assert hamlets["20179-001"]["households_checked"] == 1  # A and C are in Thôn 1, B and D in 2
    assert hamlets["20179-002"]["households_checked"] == 2
    assert hamlets["20179-003"]["households_total"] == 0
    (officer,) = body["officers"]
    assert officer["id"] == story["officer_id"]
    assert (officer["visits"], officer["households_completed"]) == (4, 3)
    assert officer["corrections_found"] == 1


def test_the_week_never_moves_when_later_visits_arrive(client, story):
    the_week(client, story)
    that_evening = summary(client, story, asked=at(SUNDAY, 21))
    assert that_evening["final"] is False  # still the week's last day
    after_the_week(client, story)
    for asked in (
        at(SUNDAY + timedelta(days=1), 8),
        at(SUNDAY + timedelta(days=3), 9),
        at(TODAY, 9),
        at(TODAY + timedelta(days=30)),
    ):
        assert stable(summary(client, story, asked=asked)) == stable(that_evening), asked
    # The later visits are real: a report up to today sees them (C's card, B's e-ID).
    whole = summary(client, story, f"from={MONDAY}&to={TODAY}", asked=at(TODAY, 9))
    assert whole["totals"]["id_collected_total"] == 3
    assert whole["totals"]["eid_level2_active_total"] == 2
    assert whole["totals"]["not_collected_refused"] == 0


def test_desk_changes_and_reviews_after_the_week_do_not_move_it(client, story, add_change):
    the_week(client, story)
    that_evening = stable(summary(client, story, asked=at(SUNDAY, 21)))
    c_head = story["homes"]["C"].residents[0]
    b_head = story["homes"]["B"].residents[0]
    later = at(SUNDAY + timedelta(days=2)).astimezone(UTC)
    with time_machine.travel(later, tick=False):
        resident = db.session.get(Resident, c_head.id)
        resident.unable_to_travel = True
        db.session.add(
            StatusChange(
                resident_id=resident.id,
                field="unable_to_travel",
                old_value="false",
                new_value="true",
                at=later,
            )
        )
        correction = db.session.scalar(
            select(Correction).where(Correction.resident_id == b_head.id)
        )
        correction.status, correction.resolved_at = "fixed", later
        followup = db.session.scalar(select(Followup).where(Followup.status == "open"))
        if followup is not None:
            followup.status, followup.closed_at = "done", later
        db.session.commit()
    assert stable(summary(client, story, asked=at(TODAY, 9))) == that_evening
    next_week = f"from={SUNDAY + timedelta(days=1)}&to={SUNDAY + timedelta(days=7)}"
    moved = summary(client, story, next_week, asked=at(TODAY, 9))["totals"]
    assert moved["corrections_fixed"] == moved["records_fixed"] == 1
    assert moved["corrections_fixed_wrong_details"] == 1
    assert moved["not_collected_unable_to_travel"] == 1  # C, marked at the desk that week
    assert moved["not_collected_refused"] == 0


def test_followups_opened_done_and_overdue_as_of_the_end(
    client, story, make_household, add_followup
):
    home = story["homes"]["A"]
    with time_machine.travel(at(MONDAY + timedelta(days=1)), tick=False):
        early = add_followup(home, MONDAY + timedelta(days=2))  # done late, on Saturday
        due_sunday = add_followup(home, SUNDAY)  # open at the end: due, not yet overdue
        overdue = add_followup(home, MONDAY + timedelta(days=3))  # done after the week
        for row in (early, due_sunday, overdue):
            row.assignee_id = story["officer_id"]
        db.session.commit()
    early.status, early.closed_at = "done", at(SUNDAY - timedelta(days=1)).astimezone(UTC)
    overdue.status, overdue.closed_at = "done", at(SUNDAY + timedelta(days=2)).astimezone(UTC)
    db.session.commit()
    totals = summary(client, story, asked=at(TODAY, 9))["totals"]
    assert totals["followups_opened"] == 3
    assert totals["followups_done"] == 1
    assert totals["followups_open"] == 2
    assert totals["followups_overdue"] == 1
    (officer,) = summary(client, story, asked=at(TODAY, 9))["officers"]
    assert officer["followups_done_late"] == 1 and officer["followups_overdue"] == 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-13-01&to=2026-12-07", "from"),
        ("from=tomorrow", "from"),
        ("from=2026-12-07&to=2026-12-01", "from"),
        ("from=2025-01-01&to=2026-12-31", "to"),
        ("from=1999-12-27&to=2000-01-02", "from"),
        ("unit=not-a-code", "unit"),
    ],
)
def test_bad_input_answers_422_in_vietnamese(client, story, query, field):
    headers = story["token_for"](story["chief"])  # a token of today (the story's is weeks old)
    status, body = api_get(client, f"/api/v1/reports/summary?{query}", headers)
    assert status == 422, body
    assert field in body["errors"]
    assert body["message"] and body["code"] == 422


def test_english_error_and_outside_unit(client, story, make_user, token_for):
    today = story["token_for"](story["chief"])  # a token of today (the story's is weeks old)
    headers = {**today, "Accept-Language": "en"}
    status, body = api_get(client, "/api/v1/reports/summary?from=2026-12-07&to=2026-12-01", headers)
    assert status == 422 and "Ngày" not in body["message"]
    status, body = api_get(client, "/api/v1/reports/summary?unit=19777", today)
    assert status == 404
    officer = make_user("officer", "20179")
    assert api_get(client, "/api/v1/reports/summary", token_for(officer))[0] == 403


def test_default_is_the_last_full_week(client, story):
    body = summary(client, story, "", asked=at(TODAY, 9))
    monday = TODAY - timedelta(days=TODAY.weekday() + 7)
    assert body["period"] == {"from": str(monday), "to": str(monday + timedelta(days=6)), "days": 7}


def test_the_workbook_is_the_fixed_form(client, story):
    openpyxl = pytest.importorskip("openpyxl")
    the_week(client, story)
    with time_machine.travel(at(TODAY, 9), tick=False):
        headers = story["token_for"](story["chief"])  # a token of that day
        response = client.get(f"/api/v1/exports/report.xlsx?unit=20179&{WEEK}", headers=headers)
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Báo cáo", "Theo thôn", "Theo cán bộ"]
    form = book["Báo cáo"]
    assert form["A1"].value.startswith("BÁO CÁO KẾT QUẢ")
    cells = [[c.value for c in row] for row in form.iter_rows()]
    assert cells[1][:2] == ["Đơn vị", "Xã Nam Đông (20179)"]
    assert MONDAY.strftime("%d/%m/%Y") in cells[2][1]
    by_label = {row[1]: row[2:5] for row in cells if isinstance(row[0], int)}
    assert by_label["Hộ đã rà soát trong kỳ"] == [3, 1, 2]
    assert by_label["— do từ chối"] == [1, 0, 1]
    hamlets = [[c.value for c in row] for row in book["Theo thôn"].iter_rows()]
    assert hamlets[0][:3] == ["Mã", "Thôn", "Hộ trong danh sách"]
    assert [row[0] for row in hamlets[1:]] == ["20179-001", "20179-002", "20179-003"]
    officers = [[c.value for c in row] for row in book["Theo cán bộ"].iter_rows()]
    assert officers[1][2] == 4  # visits
    db.session.rollback()
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "report"))
    assert entry.action == "export" and entry.object_id == "20179"

"""Officers' performance on a hand-counted story: visits per day, households settled,
corrections found, follow-ups done on time, late, and overdue — as of a day."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta

import pytest

from app.clock import VIETNAM, today_in_vietnam
from app.extensions import db
from app.followups.models import Followup
from app.people.models import Correction
from app.reports.asof import AsOf
from app.reports.performance import officer_performance, sort_lines
from app.visits.models import Visit

TODAY = today_in_vietnam()
_ids = itertools.count(1)


def day(n: int) -> date:
    return TODAY + timedelta(days=n)


def at(n: int, hour: int = 10) -> datetime:
    """A moment of the day `n` days from today, Vietnam time."""
    return datetime.combine(day(n), time(hour), VIETNAM)


def add_visit(officer, household, outcome="met", *, made: int, received: int | None = None):
    visit = Visit(
        client_id=f"perf-{next(_ids)}",
        body_hash="0" * 64,
        household_id=household.id,
        officer_id=officer.id,
        visited_at=at(made),
        received_at=at(made if received is None else received, 11),
        outcome=outcome,
        flags=[],
        body={},
        hamlet_id=household.hamlet_id,
        commune_id=household.commune_id,
        province_id=household.province_id,
    )
    db.session.add(visit)
    db.session.commit()
    return visit


def add_followup(household, due: int, *, assignee=None, closed_by=None, closed_at=None):
    row = Followup(
        kind="revisit",
        status="done" if closed_by else "open",
        reason="",
        due_date=day(due),
        household_id=household.id,
        assignee_id=assignee.id if assignee else None,
        closed_by_visit_id=closed_by.id if closed_by else None,
        closed_at=closed_at,
        created_at=at(-9),
        hamlet_id=household.hamlet_id,
        commune_id=household.commune_id,
        province_id=household.province_id,
    )
    if closed_at is not None and closed_by is None:
        row.status = "done"
    db.session.add(row)
    db.session.commit()
    return row


def add_correction(household, visit):
    row = Correction(
        household_id=household.id,
        field="date_of_birth",
        visit_id=visit.id,
        created_at=visit.received_at,
        hamlet_id=household.hamlet_id,
        commune_id=household.commune_id,
        province_id=household.province_id,
    )
    db.session.add(row)
    db.session.commit()


@pytest.fixture
def story(world, make_user, make_household):
    """Two officers of xã Nam Đông and one of Phường Vỹ Dạ; a window from day -6 to day +10.

    Mot: day -5 met h1 and nobody home at h2; day -3 met h2 (a correction found, closing a
    follow-up due day -4: late); day -2 met h1 again (closing one due day -1: on time); a
    visit made day -2 but received today (h3, met); a visit today (h4, refused).
    Hai: a met visit before the window (day -8, h3); day -4 refused at h3; two follow-ups
    assigned: due day -3, still open (overdue), and due day -2, closed today by the commander.
    Vy (another commune) visited there on day -3: not listed for xã Nam Đông.
    """
    mot = make_user("officer", "20179", hamlets=["20179-001"], username="mot")
    hai = make_user("officer", "20179", hamlets=["20179-002"], username="hai")
    vy = make_user("officer", "19777", username="vy")
    mot.full_name, hai.full_name, vy.full_name = "Hồ Văn Một", "Lê Thị Hai", "Trần Văn Vỹ"
    commander = make_user("commander", "20179", username="chihuy")
    h1, h2, h3, h4 = (make_household(f"20179-00{1 + n % 2}") for n in range(4))
    elsewhere = make_household("19777-001")
    add_visit(mot, h1, made=-5)
    add_visit(mot, h2, "nobody_home", made=-5)
    settled = add_visit(mot, h2, made=-3)
    add_correction(h2, settled)
    add_followup(h2, -4, closed_by=settled, closed_at=at(-3, 11))
    again = add_visit(mot, h1, made=-2)
    add_followup(h1, -1, closed_by=again, closed_at=at(-2, 11))
    add_visit(mot, h3, made=-2, received=0)
    add_visit(mot, h4, "refused", made=0)
    before = add_visit(hai, h3, made=-8)
    add_correction(h3, before)
    add_visit(hai, h3, "refused", made=-4)
    add_followup(h3, -3, assignee=hai)
    add_followup(h4, -2, assignee=hai, closed_at=at(0, 9))
    add_visit(vy, elsewhere, made=-3)
    return {"commander": commander, "unit": world["20179"]}


def lines(story, asof_day: int) -> dict[str, dict]:
    out = officer_performance(
        story["commander"], story["unit"], day(-6), day(10), AsOf.of(day(asof_day))
    )
    return {line["username"]: line for line in out}


def test_performance_as_of_yesterday(story):
    got = lines(story, -1)
    assert set(got) == {"mot", "hai"}
    mot, hai = got["mot"], got["hai"]
    assert mot["name"] == "Hồ Văn Một" and mot["days"] == 6  # day -6 .. day -1
    assert (mot["visits"], mot["active_days"], mot["visits_per_day"]) == (4, 3, 0.7)
    assert mot["households_completed"] == 2
    assert mot["corrections_found"] == 1
    assert (mot["followups_done_on_time"], mot["followups_done_late"]) == (1, 1)
    assert mot["followups_overdue"] == 0
    assert (hai["visits"], hai["households_completed"], hai["corrections_found"]) == (1, 0, 0)
    assert hai["followups_overdue"] == 2


def test_performance_as_of_today_counts_what_arrived_today(story):
    got = lines(story, 0)
    mot, hai = got["mot"], got["hai"]
    assert mot["days"] == 7
    assert (mot["visits"], mot["active_days"], mot["visits_per_day"]) == (6, 4, 0.9)
    assert mot["households_completed"] == 3  # h3, made day -2, arrived today
    assert hai["followups_overdue"] == 1  # the one due day -2 was closed today


def test_a_past_day_does_not_move_and_before_the_window_nothing_counts(story):
    assert lines(story, -1) == lines(story, -1)
    early = lines(story, -7)
    assert early["mot"]["days"] == 0 and early["mot"]["visits_per_day"] == 0.0
    assert early["mot"]["visits"] == 0


def test_sorting_by_a_figure_and_by_name(story):
    got = list(lines(story, -1).values())
    assert [line["username"] for line in sort_lines(got, "visits", True)] == ["mot", "hai"]
    assert [line["username"] for line in sort_lines(got, "name", False)] == ["mot", "hai"]
    assert [line["username"] for line in sort_lines(got, "followups_overdue", True)] == [
        "hai",
        "mot",
    ]
    assert [line["username"] for line in sort_lines(got, "nonsense", False)] == ["mot", "hai"]

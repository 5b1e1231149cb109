"""The daily cumulative series of a campaign's progress: its last point is the progress count
of the day it is drawn for, it only grows, and a past day's series never moves."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from app.extensions import db
from app.reports.asof import AsOf
from app.reports.campaign_series import cumulative_svg, daily_cumulative
from app.reports.models import Campaign
from tests.reports import test_asof
from tests.reports.test_asof import (
    DAY,
    TODAY,
    at,
    days_from,  # noqa: F401 - tests/conftest.py moves DAY by it
    progress,
    send,
    visit,
)

story = test_asof.story  # the time-machine story of test_asof, as a fixture here too

METRICS = ("households_visited", "id_collected", "eid_level2_active")


def series(story, day, *, asked) -> dict[str, list]:
    with time_machine.travel(asked, tick=False):
        db.session.rollback()
        campaign = db.session.get(Campaign, story["id"])
        out = {m: daily_cumulative(None, campaign, m, AsOf.of(day)) for m in METRICS}
        db.session.rollback()
    return out


def fill(client, story) -> None:
    """The story of test_asof: visits before, on and after DAY, one synced late."""
    one, two, three, four = story["homes"]
    before = at(DAY - timedelta(days=2))
    send(client, story["officer"], visit(one, made=before, id_card="collected"), received=before)
    both = visit(two, made=at(DAY), eid="level2_active", id_card="issued")
    send(client, story["officer"], both, received=at(DAY, 15))
    after = at(DAY + timedelta(days=1))
    send(client, story["officer"], visit(three, made=after, id_card="collected"), received=after)
    late = visit(four, made=at(DAY - timedelta(days=1)), id_card="collected")
    send(client, story["officer"], late, received=at(DAY + timedelta(days=2)))


def test_the_last_point_is_the_progress_count_of_the_day(client, story):
    fill(client, story)
    for day in (DAY - timedelta(days=1), DAY, DAY + timedelta(days=2), TODAY):
        asked = at(TODAY, 9)
        counts = progress(client, story, day, asked=asked)
        drawn = series(story, day, asked=asked)
        for metric in METRICS:
            points = drawn[metric]
            assert points[0][0] == TODAY - timedelta(days=10)
            assert points[-1] == (day, counts[metric][0]), (day, metric)
            values = [n for _d, n in points]
            assert values == sorted(values)


def test_a_past_days_series_never_moves_and_places_late_visits_on_their_day(client, story):
    fill(client, story)
    on_day = series(story, DAY, asked=at(DAY, 21))
    assert series(story, DAY, asked=at(TODAY, 9)) == on_day
    visited = dict(on_day["households_visited"])
    assert visited[DAY - timedelta(days=2)] == 1 and visited[DAY] == 2
    # As of today, the visit made the day before DAY (synced two days later) is on its day.
    now = dict(series(story, TODAY, asked=at(TODAY, 9))["households_visited"])
    assert now[DAY - timedelta(days=1)] == 2 and now[DAY] == 3 and now[TODAY] == 4


def test_before_the_campaign_there_is_no_series(client, story):
    assert series(story, TODAY - timedelta(days=11), asked=at(TODAY, 9))["id_collected"] == []


def test_the_chart_draws_the_plan_and_the_count():
    start = TODAY - timedelta(days=4)
    svg = cumulative_svg(
        [(start, 1), (start + timedelta(days=1), 3)],
        starts_on=start,
        ends_on=start + timedelta(days=9),
        target=20,
        title="Hộ <đã> gõ cửa",
        chart_id="c1",
    )
    assert svg.startswith("<svg") and 'class="plan"' in svg and 'class="done"' in svg
    assert "Hộ &lt;đã&gt; gõ cửa" in svg
    empty = cumulative_svg(
        [], starts_on=start, ends_on=start, target=None, title="x", chart_id="c2"
    )
    assert 'class="plan"' not in empty and "<polyline" not in empty

"""The coverage rollup (hamlet_counts) and the campaign rollup (campaign_counts) equal a full
recount after every kind of write: visits through the API, moves, imports, a household added by
a phone, card and residence changes, a campaign's period edited, a day change, deletes; a read
after a write shows it; on PostgreSQL, under concurrent writers."""

from __future__ import annotations

import http.client
import json
import random
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select, text, true, update
from werkzeug.serving import make_server

import app.clock as clock
from app.auth.models import User
from app.clock import today_in_vietnam
from app.errors import NotFoundError
from app.extensions import db
from app.followups.models import Followup
from app.imports import run_import
from app.people.models import HOUSEHOLD_KINDS, Correction, Household, Resident
from app.reports import coverage
from app.reports.coverage import Figures, pair_figures
from app.reports.models import (
    METRICS,
    Campaign,
    CampaignCount,
    CampaignCounted,
    HamletCount,
    HamletDirty,
)
from app.reports.progress import campaign_progress
from app.visits.models import Visit
from tests.factories import api_get, api_post
from tests.reports.conftest import years_ago

FIXTURES = Path(__file__).resolve().parents[1] / "imports" / "fixtures"
HAMLETS = ("20179-001", "20179-002", "20179-003")


def _nonzero(pairs: dict) -> dict:
    return {key: vars(f) for key, f in pairs.items() if f != Figures()}


def assert_rollup_equals_recount(world) -> None:
    """Every figure of every hamlet, for every household kind, from the rollup and live; and
    every campaign's progress, as every commander who may see it, from its rollup and live."""
    db.session.commit()
    for code in ("46", "20179", "19777", "20179-002"):
        for kind in (None, *HOUSEHOLD_KINDS):
            kept = _nonzero(pair_figures(world[code], kind=kind))
            live = _nonzero(pair_figures(world[code], kind=kind, live=True))
            assert kept == live, (code, kind)
    assert db.session.scalar(select(HamletCount.id).limit(1)) is not None
    commanders = list(db.session.scalars(select(User).where(User.role == "commander")))
    seen = 0
    for campaign in db.session.scalars(select(Campaign).order_by(Campaign.id)).all():
        for commander in commanders:
            try:
                live = campaign_progress(commander, campaign.id, live=True)
            except NotFoundError:
                continue
            kept = campaign_progress(commander, campaign.id)
            assert kept["metrics"] == live["metrics"], (campaign.name, commander)
            seen += 1
    assert seen >= 4
    assert db.session.scalar(select(CampaignCounted.campaign_id).limit(1)) is not None


@pytest.fixture(autouse=True)
def campaigns(world, make_user) -> list[Campaign]:
    """A province's running campaign, a commune's ended one and one starting today, all three
    metrics each; and a commander of each unit to read them."""
    make_user("commander", "46")
    make_user("commander", "20179")
    today = today_in_vietnam()
    spans = {"46": (-1, 10), "20179": (-5, -1), "20179-001": (0, 3)}
    made = [
        Campaign(name=f"Đợt {code}", unit_id=world[code].id, metrics=list(METRICS),
                 starts_on=today + timedelta(days=start), ends_on=today + timedelta(days=end))
        for code, (start, end) in spans.items()
    ]  # fmt: skip
    db.session.add_all(made)
    db.session.commit()
    return made


@pytest.fixture
def officer(make_user):
    return make_user("officer", "20179", hamlets=list(HAMLETS))


@pytest.fixture
def headers(officer, token_for):
    return token_for(officer)


def _visit_body(rng: random.Random, household: Household) -> dict:
    seen = [
        {
            "resident_id": r.id,
            "presence": rng.choice(("present", "present", "away_working")),
            "id_card": rng.choice(("not_collected", "collected", "issued")),
            "eid": rng.choice(("none", "level1", "level2_active")),
        }
        for r in household.residents
    ]
    return {
        "client_id": str(uuid.uuid4()),
        "household_id": household.id,
        "visited_at": (datetime.now(UTC) - timedelta(minutes=rng.randint(5, 600))).isoformat(),
        "location": {"lat": household.lat, "lon": household.lon, "accuracy_m": 10},
        "outcome": rng.choice(("met", "met", "nobody_home", "refused", "household_moved")),
        "residents": seen,
        "new_residents": [],
        "note": "",
    }


def _site_body(n: int) -> dict:
    return {
        "client_id": f"phone-1:household:{n:04d}",
        "hamlet_code": "20179-003",
        "address": f"Khu trọ số {n}",
        "location": {"lat": 16.151, "lon": 107.69},
        "kind": "boarding_house",
        "site_name": f"Khu trọ {n}",
        "rooms": ["A1"],
        "residents": [
            {"full_name": "Lò Văn Sáng", "date_of_birth": "2000", "sex": "male", "room": "A1",
             "residence": "temporary", "home_province_code": "01"},
        ],
    }  # fmt: skip


def _move(household: Household, hamlet) -> None:
    """Move a household and its rows to another hamlet (as an import does)."""
    household.hamlet_id = hamlet.id
    for model in (Resident, Visit):
        db.session.execute(
            update(model).where(model.household_id == household.id).values(hamlet_id=hamlet.id)
        )


def _households(commune) -> list[Household]:
    """The households of a commune (the officer's), by id."""
    stmt = select(Household).where(Household.commune_id == commune.id).order_by(Household.id)
    return list(db.session.scalars(stmt))


def test_rollup_equals_recount_after_every_kind_of_write(
    app, client, world, make_household, headers, monkeypatch, campaigns
):
    rng = random.Random(17)
    for i in range(6):
        make_household(
            HAMLETS[i % 3],
            residents=[
                {"full_name": f"Chủ hộ {i}", "date_of_birth": years_ago(40)},
                {"full_name": f"Con {i}", "date_of_birth": years_ago(14, days=1)},
                {"full_name": f"Trọ {i}", "residence": "temporary",
                 "residence_until": today_in_vietnam()},
            ],
        )  # fmt: skip
    make_household("19777-001")
    assert_rollup_equals_recount(world)
    operations = ["visit"] * 12 + ["move", "card", "kind", "stay"] * 2
    rng.shuffle(operations)
    for step, operation in enumerate(operations):
        households = _households(world["20179"])
        household = rng.choice(households)
        if operation == "visit":
            status, answer = api_post(
                client, "/api/v1/visits", headers, _visit_body(rng, household)
            )
            assert status in (200, 201), answer
        elif operation == "move":
            _move(household, world[rng.choice(HAMLETS)])
        elif operation == "card":
            resident = rng.choice(household.residents)
            resident.id_card = rng.choice(("collected", "issued", "not_collected"))
            resident.eid = rng.choice(("level2_active", "none"))
        elif operation == "kind":
            household.kind = rng.choice(HOUSEHOLD_KINDS)
        else:
            resident = rng.choice(household.residents)
            resident.pending = not resident.pending
        db.session.commit()
        assert_rollup_equals_recount(world), (step, operation)

    # The recount's two plans (a few hamlets, counted per household and joined by key; many)
    # count the same, on every backend.
    assert coverage.recount(db.session, lambda _model: true(), today_in_vietnam(), True) == (
        coverage.recount(db.session, lambda _model: true(), today_in_vietnam(), False)
    )
    kept = db.session.execute(
        select(func.sum(CampaignCount.households_visited), func.sum(CampaignCount.id_collected))
    ).one()
    assert all(kept), kept  # the campaigns' rollup counts visits and status changes

    # A household added by a phone, then imports: a list, then its update (a household moves).
    assert api_post(client, "/api/v1/households", headers, _site_body(1))[0] == 201
    assert_rollup_equals_recount(world)
    for name in ("nam_dong.xlsx", "nam_dong_cap_nhat.xlsx"):
        result = run_import((FIXTURES / name).read_bytes(), name, world["20179"])
        assert result.summary.written, name
        db.session.commit()
        assert_rollup_equals_recount(world)

    # A commander moves a campaign's start: it is counted whole again.
    campaigns[0].starts_on -= timedelta(days=2)
    db.session.commit()
    assert_rollup_equals_recount(world)

    # Deletes: a household's residents, then the household.
    fresh = make_household("20179-002", residents=[{"full_name": "Người sẽ xoá"}])
    assert_rollup_equals_recount(world)
    db.session.execute(delete(Resident).where(Resident.household_id == fresh.id))
    db.session.commit()
    assert_rollup_equals_recount(world)
    db.session.execute(delete(Household).where(Household.id == fresh.id))
    db.session.commit()
    assert_rollup_equals_recount(world)

    # The next day: the fourteen-year-olds of tomorrow count, the stays ending today do not.
    before = pair_figures(world["20179"])
    tomorrow = clock.now_in_vietnam() + timedelta(days=1)
    monkeypatch.setattr(clock, "now_in_vietnam", lambda: tomorrow)
    assert_rollup_equals_recount(world)
    after = pair_figures(world["20179"])
    assert after != before
    assert set(db.session.scalars(select(HamletCount.computed_on))) == {tomorrow.date()}


def test_a_read_after_a_write_shows_it(
    app, client, world, make_household, headers, make_user, token_for, campaigns
):
    household = make_household("20179-001", residents=[{"full_name": "Hồ Văn Nhờ"}])
    commander = token_for(make_user("commander", "20179"))

    def visited() -> int:
        status, body = api_get(client, "/api/v1/coverage?unit=20179-001", commander)
        assert status == 200, body
        return body["totals"]["households_visited"]

    def progressed() -> int:
        url = f"/api/v1/campaigns/{campaigns[0].id}/progress"
        status, body = api_get(client, url, token_for(make_user("commander", "46")))
        assert status == 200, body
        return body["metrics"][0]["count"]

    assert visited() == progressed() == 0
    body = _visit_body(random.Random(1), household) | {"outcome": "met"}
    assert api_post(client, "/api/v1/visits", headers, body)[0] == 201
    assert visited() == progressed() == 1
    assert db.session.scalar(select(HamletDirty.id).limit(1)) is None  # the read took the mark


def _marked_hamlets() -> set:
    db.session.commit()
    return set(db.session.scalars(select(HamletDirty.hamlet_id)))


def test_a_read_recounts_only_the_marks_inside_its_unit(app, world, make_household, make_user):
    """A commune's (or a hamlet's) read takes the marks of its own hamlets and leaves the
    others' for a read that holds them; every read is exact."""
    here = make_household("20179-001", residents=[{"full_name": "Hồ Văn Nhờ"}])
    there = make_household("19777-001", residents=[{"full_name": "Lê Thị Lan"}])
    far = make_household("00004-001", residents=[{"full_name": "Trần Văn Tư"}])
    officer, now = make_user("officer", "20179"), datetime.now(UTC)
    pair_figures(world["46"])
    pair_figures(world["01"])
    assert _marked_hamlets() == set()
    for household, outcome in ((here, "met"), (there, "met"), (far, "refused")):
        db.session.add(
            Visit(client_id=str(uuid.uuid4()), body_hash="0" * 64, household_id=household.id,
                  officer_id=officer.id, visited_at=now, received_at=now, outcome=outcome,
                  flags=[], flagged=False, note="", body={}, hamlet_id=household.hamlet_id,
                  commune_id=household.commune_id, province_id=household.province_id)
        )  # fmt: skip
    db.session.add(
        Resident(household_id=here.id, full_name="Hồ Thị Mai", name_folded="ho thi mai",
                 hamlet_id=here.hamlet_id, commune_id=here.commune_id,
                 province_id=here.province_id)
    )  # fmt: skip
    db.session.commit()
    all_marks = {here.hamlet_id, there.hamlet_id, far.hamlet_id}
    assert _marked_hamlets() == all_marks
    # The other hamlets of the demo commune: nothing marked there, nothing to do.
    assert pair_figures(world["20179-002"], live=False) == pair_figures(
        world["20179-002"], live=True
    )
    assert _marked_hamlets() == all_marks
    # The demo hamlet's read takes its own mark only, and shows the visit.
    kept = pair_figures(world["20179-001"])
    assert _marked_hamlets() == all_marks - {here.hamlet_id}
    assert kept == pair_figures(world["20179-001"], live=True)
    assert kept[(here.commune_id, here.hamlet_id)].households_visited == 1
    # The province's read takes its own communes' marks, not another province's.
    assert _nonzero(pair_figures(world["46"])) == _nonzero(pair_figures(world["46"], live=True))
    assert _marked_hamlets() == {far.hamlet_id}
    assert _nonzero(pair_figures(world["01"])) == _nonzero(pair_figures(world["01"], live=True))
    assert _marked_hamlets() == set()


@pytest.mark.postgres_only
def test_a_recount_of_a_few_hamlets_reads_by_index_and_leaves_the_costs_as_they_were(
    app, world, make_household, headers, client
):
    """A refresh of fewer than FEW_HAMLETS hamlets reads by index (random_page_cost lowered),
    and its coverage recount joins by key (hash and merge joins off; the campaigns' recount,
    a follower, keeps them), for itself only: a refresh that joins the caller's transaction
    hands it back with the default settings."""
    from app.reports import rollup

    household = make_household("20179-001", residents=[{"full_name": "Hồ Văn Nhờ"}])
    pair_figures(world["20179"])
    db.session.execute(update(Household).where(Household.id == household.id).values(kind="company"))
    db.session.commit()
    names = [name for name, _value in (*rollup.INDEX_COSTS, *rollup.JOINS_BY_KEY)]
    seen = {}

    def settings(session):
        return [session.scalar(text(f"SHOW {name}")) for name in names]

    def recount(session, where, today, by_key):
        seen["recount"] = [*settings(session), by_key]
        return coverage.recount(session, where, today, by_key)

    def follower(session, _where, _today):
        seen["follower"] = settings(session)
        return 0

    default = settings(db.session)
    assert default[0] != "1.1" and default[1:] == ["on", "on"]
    rollup.refresh(db.session, world["20179"], today_in_vietnam(), recount, [follower])
    assert seen == {"recount": ["1.1", "off", "off", True], "follower": ["1.1", "on", "on"]}
    assert settings(db.session) == default
    db.session.commit()
    assert _marked_hamlets() == set()
    assert _nonzero(pair_figures(world["20179"])) == _nonzero(
        pair_figures(world["20179"], live=True)
    )


def test_a_raw_insert_marks_its_hamlet(app, world, make_household):
    household = make_household("20179-002")
    pair_figures(world["20179"])
    db.session.commit()
    assert db.session.scalar(select(HamletDirty.id).limit(1)) is None
    db.session.add(
        Followup(kind="revisit", status="open", reason="", priority=2, attempts=0,
                 needs_village_head=False, due_date=today_in_vietnam(),
                 household_id=household.id, hamlet_id=household.hamlet_id,
                 commune_id=household.commune_id, province_id=household.province_id)
    )  # fmt: skip
    db.session.add(
        Correction(household_id=household.id, field="other", problem="x", source="server",
                   status="open", hamlet_id=household.hamlet_id,
                   commune_id=household.commune_id, province_id=household.province_id)
    )  # fmt: skip
    db.session.commit()
    assert db.session.scalar(select(HamletDirty.id).limit(1)) is None  # live families: no mark
    db.session.execute(update(Household).where(Household.id == household.id).values(kind="company"))
    db.session.commit()
    marks = db.session.execute(select(HamletDirty.hamlet_id, HamletDirty.commune_id)).all()
    assert marks == [(household.hamlet_id, household.commune_id)]
    assert_rollup_equals_recount(world)


@pytest.fixture
def server(app):
    """The app served by werkzeug on 127.0.0.1 (threaded), for the length of a test."""
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.server_port
    srv.shutdown()
    thread.join(timeout=10)


@pytest.mark.postgres_only
def test_concurrent_writers_and_readers_leave_the_rollup_exact(
    backend, server, world, make_household, headers, make_user, token_for, campaigns
):
    progress_url = f"/api/v1/campaigns/{campaigns[0].id}/progress"
    commander = token_for(make_user("commander", "46"))
    households = [
        make_household(HAMLETS[i % 3], residents=[{"full_name": f"Người {i}"}]) for i in range(9)
    ]
    bodies = [
        [_visit_body(random.Random(t * 100 + n), households[(t + n) % 9]) for n in range(25)]
        for t in range(4)
    ]
    errors: list[str] = []
    writing = threading.Event()

    def call(method: str, url: str, body: dict | None, auth: dict) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", server, timeout=60)
        conn.request(method, url, body=json.dumps(body) if body else None,
                     headers={**auth, "Content-Type": "application/json"})  # fmt: skip
        status = conn.getresponse().status
        conn.close()
        return status

    def writer(plan: list[dict]) -> None:
        for body in plan:
            # A 409 asking for a retry (the household was being updated by another writer
            # through all the server's tries) is sent again, as a phone does.
            for _try in range(5):
                status = call("POST", "/api/v1/visits", body, headers)
                if status != 409:
                    break
            if status not in (200, 201):
                errors.append(f"visit {status}")

    def reader() -> None:
        for _ in range(200):
            if call("GET", "/api/v1/coverage?unit=46", None, commander) != 200:
                errors.append("read")
            if call("GET", progress_url, None, commander) != 200:
                errors.append("progress")
            if not writing.is_set():
                return

    writing.set()
    threads = [threading.Thread(target=writer, args=(plan,)) for plan in bodies]
    watcher = threading.Thread(target=reader)
    for thread in [*threads, watcher]:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    writing.clear()
    watcher.join(timeout=300)
    assert errors == []
    db.session.rollback()  # a fresh snapshot: the server wrote after this session's reads
    assert db.session.scalar(select(Visit.id).order_by(Visit.id.desc()).limit(1)) is not None
    assert_rollup_equals_recount(world)


def test_rebuild_and_refresh_commands(app, world, make_household, monkeypatch, campaigns):
    make_household("20179-001", residents=[{"full_name": "Trọ", "residence": "temporary",
                                            "residence_until": today_in_vietnam()}])  # fmt: skip
    make_household("20179-002")
    # As after a load with the triggers off: no rollup rows, no marks.
    db.session.execute(delete(HamletDirty))
    db.session.execute(delete(HamletCount))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["coverage", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "hamlet_counts: 2 " in result.output
    assert_rollup_equals_recount(world)
    tomorrow = clock.now_in_vietnam() + timedelta(days=1)
    monkeypatch.setattr(clock, "now_in_vietnam", lambda: tomorrow)
    result = app.test_cli_runner().invoke(args=["coverage", "refresh"])
    assert result.exit_code == 0, result.output
    assert "hamlet_counts: 2 " in result.output
    assert "campaign_counts: 2 chiến dịch" in result.output  # the running ones, a day further
    db.session.rollback()
    counted = db.session.execute(select(CampaignCounted.campaign_id, CampaignCounted.counted_on))
    running, ended, starting = campaigns
    assert dict(counted.all()) == {
        running.id: tomorrow.date(),
        ended.id: today_in_vietnam() - timedelta(days=1),  # counted today: its period is over
        starting.id: tomorrow.date(),
    }
    assert set(db.session.scalars(select(HamletCount.computed_on))) == {tomorrow.date()}
    assert_rollup_equals_recount(world)


@pytest.mark.postgres_only
def test_a_refresh_that_fails_raises_its_own_error(app, world):
    """A statement failing inside a refresh planned for a few hamlets raises its own error,
    not PostgreSQL's "transaction is aborted" from putting the settings back; the rollback
    puts them back."""
    from sqlalchemy.exc import ProgrammingError

    from app.reports import rollup

    default = db.session.scalar(text("SHOW enable_hashjoin"))
    with (
        pytest.raises(ProgrammingError, match="no_such_table"),
        rollup.read_by_index(db.session, True),
        rollup.joins_by_key(db.session, True),
    ):
        db.session.execute(text("SELECT * FROM no_such_table"))
    db.session.rollback()
    assert db.session.scalar(text("SHOW enable_hashjoin")) == default == "on"

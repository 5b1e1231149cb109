"""Twenty phones at once through the real HTTP stack: every visit recorded exactly once.

On PostgreSQL the twins race for the unique client_id; on SQLite (what `make run` serves)
writers queue for the database lock instead of failing with "database is locked"."""

from __future__ import annotations

import http.client
import json
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from app.extensions import db
from app.visits.models import Visit

THREADS, PER_THREAD = 20, 50


@pytest.fixture
def server(app):
    """The app served by werkzeug on 127.0.0.1 (threaded), for the length of a test."""
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv.server_port
    srv.shutdown()
    thread.join(timeout=10)


def test_twenty_phones_fifty_visits_each_one_in_ten_twice(
    backend, server, officer, headers, make_household
):
    households = [
        make_household("20179-001", residents=[{"full_name": f"Người {i}"}]) for i in range(10)
    ]
    db.session.commit()
    when = (datetime.now(UTC) - timedelta(hours=1)).isoformat()

    def body(n: int) -> dict:
        home = households[n % len(households)]
        return {
            "client_id": str(uuid.uuid4()),
            "household_id": home.id,
            "visited_at": when,
            "location": {"lat": home.lat, "lon": home.lon, "accuracy_m": 10},
            "outcome": "met",
            "residents": [
                {
                    "resident_id": home.residents[0].id,
                    "presence": "present",
                    "eid": ["none", "level1", "level2_applied"][n % 3],
                }
            ],
        }

    bodies = [body(n) for n in range(THREADS * PER_THREAD)]
    # Each phone sends its own fifty; every tenth of them is sent again, at the same
    # position in its list, by the next phone: the two arrive together.
    plans = [list(bodies[t * PER_THREAD : (t + 1) * PER_THREAD]) for t in range(THREADS)]
    for t in range(THREADS):
        own = bodies[t * PER_THREAD : (t + 1) * PER_THREAD]
        for i in range(0, PER_THREAD, 10):
            plans[(t + 1) % THREADS].insert(i, own[i])
    results: list[tuple[str, int, dict]] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def phone(plan: list[dict]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server, timeout=60)
        start.wait()
        for item in plan:
            conn.request(
                "POST",
                "/api/v1/visits",
                body=json.dumps(item),
                headers={**headers, "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            answer = json.loads(response.read())
            with lock:
                results.append((item["client_id"], response.status, answer))
        conn.close()

    threads = [threading.Thread(target=phone, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)

    assert len(results) == THREADS * PER_THREAD + THREADS * PER_THREAD // 10
    statuses = Counter(status for _, status, _ in results)
    assert statuses == {201: 1000, 200: 100}, [r for r in results if r[1] not in (200, 201)][:3]
    first_ids = {cid: answer["id"] for cid, status, answer in results if status == 201}
    for cid, status, answer in results:
        assert answer["id"] == first_ids[cid]
        assert answer["status"] == ("created" if status == 201 else "duplicate")
    db.session.rollback()  # a fresh snapshot: the server wrote after this session's reads
    assert db.session.scalar(select(func.count(Visit.id))) == 1000
    assert db.session.scalar(select(func.count(func.distinct(Visit.client_id)))) == 1000

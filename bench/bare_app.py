"""The limit of visit capture over HTTP: a bare WSGI app that stores a visit with plain SQL.

It answers `POST /api/v1/visits` by reading the JSON body, looking up the household's units
and inserting the visit row and one `visit_residents` row per resident seen, with plain
INSERTs in one transaction (SQLAlchemy Core, a pooled connection), and answers 201 with the
visit's id. No sign-in check, no validation, no geotag, no history: the least work that
stores what the app stores. bench/bench_http.py serves it with gunicorn with the same
settings as the app (`make start`), on the same database.

Serve: DATABASE_URL=postgresql+psycopg://... gunicorn --workers 2 --threads 4 bench.bare_app:app
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

engine = sa.create_engine(os.environ["DATABASE_URL"], pool_size=4, max_overflow=4)

HOUSEHOLD = sa.text("SELECT hamlet_id, commune_id, province_id FROM households WHERE id = :id")
VISIT = sa.text(
    "INSERT INTO visits (client_id, body_hash, household_id, officer_id, visited_at,"
    " received_at, outcome, lat, lon, accuracy_m, flags, flagged, note, body, hamlet_id,"
    " commune_id, province_id) VALUES (:client_id, :body_hash, :household_id, :officer_id,"
    " :visited_at, :received_at, :outcome, :lat, :lon, :accuracy_m, '[]', false, '', :body,"
    " :hamlet_id, :commune_id, :province_id) RETURNING id"
)
SEEN = sa.text(
    "INSERT INTO visit_residents (visit_id, resident_id, presence, id_card, eid,"
    " has_smartphone, is_new) VALUES (:visit_id, :resident_id, :presence, :id_card, :eid,"
    " :has_smartphone, false)"
)
OFFICER_ID = int(os.environ.get("BARE_OFFICER_ID", "2"))


def store(body: dict[str, Any], raw: bytes) -> int:
    """Insert the visit and its residents in one transaction; answer the visit's id."""
    location = body.get("location") or {}
    with engine.begin() as conn:
        hamlet_id, commune_id, province_id = conn.execute(
            HOUSEHOLD, {"id": body["household_id"]}
        ).one()
        visit_id = conn.execute(
            VISIT,
            {
                "client_id": body["client_id"],
                "body_hash": hashlib.sha256(raw).hexdigest(),
                "household_id": body["household_id"],
                "officer_id": OFFICER_ID,
                "visited_at": datetime.fromisoformat(body["visited_at"]),
                "received_at": datetime.now(UTC),
                "outcome": body["outcome"],
                "lat": location.get("lat"),
                "lon": location.get("lon"),
                "accuracy_m": location.get("accuracy_m"),
                "body": json.dumps(body),
                "hamlet_id": hamlet_id,
                "commune_id": commune_id,
                "province_id": province_id,
            },
        ).scalar_one()
        conn.execute(
            SEEN,
            [
                {
                    "visit_id": visit_id,
                    "resident_id": seen["resident_id"],
                    "presence": seen.get("presence"),
                    "id_card": seen.get("id_card"),
                    "eid": seen.get("eid"),
                    "has_smartphone": seen.get("has_smartphone"),
                }
                for seen in body.get("residents", [])
            ],
        )
    return visit_id


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The WSGI entry point: POST /api/v1/visits stores a visit, anything else is 404."""
    if environ["REQUEST_METHOD"] != "POST" or environ["PATH_INFO"] != "/api/v1/visits":
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length)
    visit_id = store(json.loads(raw), raw)
    answer = json.dumps({"id": visit_id, "status": "created"}).encode()
    start_response(
        "201 Created",
        [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))],
    )
    return [answer]

"""Demo visits: a few weeks of field work in xã Nam Đông, sent through the real pipeline.

Each hamlet is visited to a different depth, so the map and dashboard show real gaps; the
visits go through `submit_batch` like a phone's, so geotags, corrections and follow-ups are
the system's own. Client ids are derived from the household code: a second load sends nothing.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from app.auth.models import User
from app.clock import to_vietnam
from app.extensions import db
from app.followups.models import Followup
from app.people.models import Correction, Household, Resident, StatusChange
from app.units.models import Unit
from app.visits.models import Visit, VisitResident
from app.visits.service import submit_batch

NAMESPACE = uuid.UUID("6f1c2e0a-4b7d-4c1e-9a55-1d2f3e4a5b6c")
# Share of each hamlet's households visited so far: the gaps commanders should see.
DEPTH = {"001": 0.85, "002": 0.7, "003": 0.5, "004": 0.35, "005": 0.2, "006": 0.08}
OFFICER_OF = {"001": "canbo1", "002": "canbo1", "003": "canbo1",
              "004": "canbo2", "005": "canbo2", "006": "canbo2"}  # fmt: skip

ID_STEP = {"not_collected": "collected"}
EID_STEP = {"none": "level1", "level1": "level2_applied", "level2_applied": "level2_active"}


def client_id_for(household_code: str) -> str:
    """The stable client id of a household's demo visit."""
    return str(uuid.uuid5(NAMESPACE, f"demo-visit:{household_code}"))


def _when(rng: random.Random, now: datetime) -> str:
    day = to_vietnam(now) - timedelta(days=rng.randint(1, 20))
    local = day.replace(hour=rng.randint(7, 17), minute=rng.randint(0, 59), second=0, microsecond=0)
    return local.isoformat()


def _location(rng: random.Random, household: Household, hamlet: Unit) -> dict | None:
    lat = household.lat if household.lat is not None else hamlet.centroid_lat
    lon = household.lon if household.lon is not None else hamlet.centroid_lon
    if rng.random() < 0.04:
        return None
    jitter = 0.004 if rng.random() < 0.05 else 0.0002  # a few fixes far from the house
    return {
        "lat": round(lat + rng.uniform(-jitter, jitter), 6),
        "lon": round(lon + rng.uniform(-jitter, jitter), 6),
        "accuracy_m": rng.choice([6, 8, 12, 15, 25, 40, 120]),
    }


def _body(rng: random.Random, household: Household, hamlet: Unit, now: datetime) -> dict:
    outcome = rng.choices(["met", "nobody_home", "refused"], weights=[82, 15, 3])[0]
    location = _location(rng, household, hamlet)
    residents = []
    if outcome == "met":
        for person in household.residents:
            if person.presence in ("moved", "deceased"):
                continue
            seen = {
                "resident_id": person.id,
                "presence": person.presence,
                "id_card": person.id_card,
                "eid": person.eid,
            }
            if person.presence == "present" and rng.random() < 0.5:
                seen["id_card"] = ID_STEP.get(person.id_card, person.id_card)
            if person.id_card == "issued" and rng.random() < 0.4:
                seen["eid"] = EID_STEP.get(person.eid, person.eid)
            if person.has_smartphone is not None:
                seen["has_smartphone"] = person.has_smartphone
            residents.append(seen)
    return {
        "client_id": client_id_for(household.code),
        "household_id": household.id,
        "visited_at": _when(rng, now),
        "location": location,
        "location_missing_reason": None if location else "unavailable",
        "outcome": outcome,
        "residents": residents,
        "new_residents": [],
        "note": "",
    }


def seed_visits(
    commune: Unit,
    seed: int = 6,
    now: datetime | None = None,
    codes: set[str] | None = None,
) -> dict[str, int]:
    """Send the demo visits that are not in the database yet; answer counts by status.

    Only households whose code is in `codes` (the demo's own) get one: a household found in
    the field or imported later is real work, never given a made-up visit."""
    now = now or datetime.now(UTC)
    hamlets = {
        u.id: u for u in db.session.scalars(select(Unit).where(Unit.parent_id == commune.id))
    }
    officers = {u.username: u for u in db.session.scalars(select(User).where(
        User.username.in_(set(OFFICER_OF.values()))))}  # fmt: skip
    query = select(Household).where(Household.commune_id == commune.id)
    if codes is not None:
        query = query.where(Household.code.in_(codes))
    households = db.session.scalars(query.order_by(Household.code)).all()
    done = set(db.session.scalars(select(Visit.client_id).where(Visit.commune_id == commune.id)))
    per_officer: dict[str, list[dict]] = {}
    for household in households:
        # A generator per household: what one household holds (a person added since, a
        # status changed by real work) never changes which others get a demo visit.
        rng = random.Random(f"{seed}:{household.code}")
        hamlet = hamlets[household.hamlet_id]
        suffix = hamlet.code.rsplit("-", 1)[-1]
        if rng.random() >= DEPTH.get(suffix, 0.0) or OFFICER_OF.get(suffix) not in officers:
            continue
        if client_id_for(household.code) in done:
            continue
        per_officer.setdefault(OFFICER_OF[suffix], []).append(_body(rng, household, hamlet, now))
    counts: dict[str, int] = {}
    for username, bodies in per_officer.items():
        bodies.sort(key=lambda b: b["visited_at"])
        for start in range(0, len(bodies), 200):
            for answer in submit_batch(bodies[start : start + 200], officers[username]):
                counts[answer["status"]] = counts.get(answer["status"], 0) + 1
    sent = [body["client_id"] for bodies in per_officer.values() for body in bodies]
    if sent:
        synced_when_made(sent)
    return counts


def synced_when_made(client_ids: list[str]) -> None:
    """Date what the demo visits wrote as if each phone had synced the moment it was made.

    The demo sends weeks of visits at once; figures counted as of a past day (`reports.asof`)
    only count what had reached the server by then, so without this last week's report of a
    fresh demo would be empty. Only the demo's own rows are touched.
    """
    demo = select(Visit.id).where(Visit.client_id.in_(client_ids)).scalar_subquery()

    def made(visit_column):
        return select(Visit.visited_at).where(Visit.id == visit_column).scalar_subquery()

    db.session.execute(
        update(Visit).where(Visit.client_id.in_(client_ids)).values(received_at=Visit.visited_at)
    )
    met_first = (
        select(func.min(VisitResident.visit_id))
        .where(VisitResident.resident_id == Resident.id, VisitResident.is_new.is_(True))
        .scalar_subquery()
    )
    db.session.execute(
        update(Resident).where(met_first.in_(demo)).values(created_at=made(met_first))
    )
    db.session.execute(
        update(StatusChange)
        .where(StatusChange.visit_id.in_(demo))
        .values(at=made(StatusChange.visit_id))
    )
    db.session.execute(
        update(Correction)
        .where(Correction.visit_id.in_(demo))
        .values(created_at=made(Correction.visit_id))
    )
    db.session.execute(
        update(Followup)
        .where(Followup.created_by_visit_id.in_(demo))
        .values(created_at=made(Followup.created_by_visit_id))
    )
    db.session.execute(
        update(Followup)
        .where(Followup.closed_by_visit_id.in_(demo))
        .values(closed_at=made(Followup.closed_by_visit_id))
    )
    db.session.flush()

"""Follow-ups from the residents' current statuses, without a visit (after a demo load or an
import): the same rules a visit applies, for a whole commune at once, in bulk.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, insert, or_, select

from app.auth.audit import record
from app.clock import today_in_vietnam
from app.common import utcnow
from app.extensions import db
from app.followups import rules
from app.followups.assignment import Assigner
from app.followups.models import Followup
from app.followups.rules import RULE, Rule
from app.people.models import Correction, Household, Resident
from app.units.models import Unit

CHUNK = 1000


def _open_keys(commune_id: int) -> set[tuple[str, int]]:
    rows = db.session.execute(
        select(Followup.kind, Followup.resident_id).where(
            Followup.commune_id == commune_id,
            Followup.status == "open",
            Followup.resident_id.is_not(None),
        )
    )
    return {(rules.family(kind), resident_id) for kind, resident_id in rows}


def _status_rules(commune_id: int) -> list[tuple[Resident, float | None, float | None, Rule, dict]]:
    """Return (resident, lat, lon, rule, reason details) for each follow-up the statuses call
    for (card renewals are the daily job's: app/followups/renewals.py)."""
    on = today_in_vietnam()
    eligible_age = current_app.config.get("ELIGIBLE_AGE", 14)
    query = (
        select(Resident, Household.lat, Household.lon)
        .join(Household, Household.id == Resident.household_id)
        .where(
            Resident.commune_id == commune_id,
            Resident.presence == "present",
            Resident.pending.is_(False),
            or_(
                Resident.id_card == "not_collected",
                and_(
                    Resident.id_card == "issued",
                    Resident.eid.in_(("none", "level1")),
                    Resident.has_smartphone.is_(True),
                ),
                Resident.card_issue.is_not(None),
            ),
        )
        .order_by(Resident.household_id, Resident.id)
        .execution_options(yield_per=CHUNK)
    )
    found = []
    for resident, lat, lon in db.session.execute(query):
        capture = rules.id_capture_rule(resident, on, eligible_age)
        if capture is not None:
            found.append((resident, lat, lon, capture, {}))
        if rules.wants_eid_support(resident):
            found.append((resident, lat, lon, RULE["eid_support"], {}))
        reissue = rules.reissue_rule(resident)
        if reissue is not None:
            issue = {"issue": rules.words("card_issue", [resident.card_issue])}
            found.append((resident, lat, lon, reissue, issue))
    return found


def _correction_rows(commune_id: int) -> list[tuple[Any, ...]]:
    return list(
        db.session.execute(
            select(
                Correction.id,
                Correction.resident_id,
                Correction.field,
                Resident.household_id,
                Resident.hamlet_id,
                Resident.province_id,
                Household.lat,
                Household.lon,
            )
            .join(Resident, Resident.id == Correction.resident_id)
            .join(Household, Household.id == Resident.household_id)
            .where(
                Correction.commune_id == commune_id,
                Correction.status == "open",
                or_(Correction.rule.is_(None), Correction.rule.not_in(rules.NO_PAPERS_RULES)),
            )
            .order_by(Correction.resident_id, Correction.id)
        )
    )


def seed_from_statuses(commune: Unit) -> int:
    """Open the follow-ups current statuses and open corrections call for; return how many."""
    on, now = today_in_vietnam(), utcnow()
    taken = _open_keys(commune.id)
    assigner = Assigner()
    chosen: dict[tuple[int, str], int | None] = {}
    values: list[dict[str, Any]] = []

    def add(rule: Rule, resident_id: int, household_id: int, place: dict, **extra: Any) -> None:
        key = (rules.family(rule.kind), resident_id)
        if key in taken:
            return
        taken.add(key)
        pool_key = (household_id, rule.pool)
        if pool_key not in chosen:  # one officer for all of a household's work
            chosen[pool_key] = assigner.pick(rule.pool, place["hamlet_id"], commune.id)
        assignee = chosen[pool_key]
        assigner.charge(assignee)
        values.append(
            {
                "kind": rule.kind,
                "rule": rule.name,
                "status": "open",
                "priority": rule.priority,
                "due_date": on + timedelta(days=rule.due_days or 0),
                "resident_id": resident_id,
                "household_id": household_id,
                "assignee_id": assignee,
                "needs_village_head": False,
                "attempts": 0,
                "created_at": now,
                "commune_id": commune.id,
                **place,
                **extra,
            }
        )

    for resident, lat, lon, rule, why in _status_rules(commune.id):
        place = {"hamlet_id": resident.hamlet_id, "province_id": resident.province_id}
        add(rule, resident.id, resident.household_id, {**place, "lat": lat, "lon": lon},
            reason=(rule.reason % why)[:500])  # fmt: skip
    by_resident: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in _correction_rows(commune.id):
        by_resident[row[1]].append(row)
    verify = RULE["verify_documents"]
    for resident_id, items in by_resident.items():
        first = items[0]
        place = {"hamlet_id": first[4], "province_id": first[5], "lat": first[6], "lon": first[7]}
        fields = rules.words("correction_field", [r[2] for r in items])
        add(verify, resident_id, first[3], place, correction_id=first[0],
            reason=(verify.reason % {"fields": fields})[:500])  # fmt: skip
    for start in range(0, len(values), CHUNK):
        db.session.execute(insert(Followup), values[start : start + CHUNK])
    if values:
        # A bulk insert passes the session's audit listener: one summary entry instead.
        kinds: dict[str, int] = defaultdict(int)
        for row in values:
            kinds[row["kind"]] += 1
        record(db.session, "seed", "followups", None, {"commune": commune.code, **kinds})
    db.session.flush()
    return len(values)

"""Follow-ups: what visits and flags decide should happen next, and changes to them.

`on_visit` applies the rules of app.followups.rules to a saved visit: it opens the follow-ups
the visit calls for and closes those it settles, never a second open follow-up of the same
kind for the same person or household. It loads the household's open follow-ups in one query
and the assignees once per pool, so a visit costs a handful of queries, not one per resident.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

from flask import current_app
from sqlalchemy import Select, bindparam, func, inspect, select

from app import database
from app.auth.models import User
from app.clock import today_in_vietnam
from app.common import utcnow
from app.extensions import db
from app.followups import rules
from app.followups.assignment import Assigner
from app.followups.models import Followup, Returnee
from app.followups.rules import RULE, Rule
from app.people.models import Correction, Household, Resident
from app.people.rules import set_field
from app.text import fold
from app.units.models import Unit
from app.visits.models import Visit, VisitResident

# How far back the failed tries in a row are counted.
RECENT_VISITS = 20
# Keys of a batch's cache (app.database.batch_cache): household id -> its open follow-ups;
# the assigner whose pools the batch's households draw from.
OPEN_KEY = "followups_open"
POOLS_KEY = "followups_pools"

Key = tuple[str, int | None]


def new_followup(
    rule: Rule,
    *,
    due: date,
    place: Household | Unit,
    resident_id: int | None = None,
    assignee_id: int | None = None,
    reason: dict[str, Any] | None = None,
    **extra: Any,
) -> Followup:
    """Add a follow-up of a rule for a household (or, with no household, a hamlet)."""
    if isinstance(place, Household):
        units = (place.hamlet_id, place.commune_id, place.province_id)
        where = {"household_id": place.id, "lat": place.lat, "lon": place.lon}
    else:
        units = (place.id, place.parent_id, place.province_id)
        where = {}
    followup = Followup(
        kind=rule.kind,
        rule=rule.name,
        status="open",
        reason=(rule.reason % (reason or {}))[:500],
        priority=rule.priority,
        due_date=due,
        resident_id=resident_id,
        assignee_id=assignee_id,
        hamlet_id=units[0],
        commune_id=units[1],
        province_id=units[2],
        **where,
        **extra,
    )
    db.session.add(followup)
    return followup


def close(followup: Followup, status: str, visit_id: int | None = None) -> None:
    """Close a follow-up as done or cancelled, with the visit that settled it."""
    followup.status = status
    followup.closed_at = utcnow()
    followup.closed_by_visit_id = visit_id


@dataclass
class _Work:
    """What one visit (or a capture session's result, with no visit) changes: the household's
    open follow-ups, and those made or closed."""

    visit: Visit | None  # None: a session's result, a PATCH, an import, the daily job
    household: Household
    open: dict[Key, Followup]
    on: date | None = None  # the day, when there is no visit
    assigner: Assigner = field(default_factory=Assigner)
    assignees: dict[str, int | None] = field(default_factory=dict)
    created: list[Followup] = field(default_factory=list)
    closed: list[Followup] = field(default_factory=list)
    on: date | None = None  # the day, when no visit gives it

    @property
    def day(self) -> date:
        if self.visit is None:
            return self.on or today_in_vietnam()
        return rules.local_day(self.visit.visited_at)

    @property
    def visit_id(self) -> int | None:
        return self.visit.id if self.visit is not None else None

    def assignee(self, pool: str) -> int | None:
        """One assignee per pool for the whole household: one officer does all its work."""
        if pool not in self.assignees:
            place = self.household
            self.assignees[pool] = self.assigner.pick(pool, place.hamlet_id, place.commune_id)
        return self.assignees[pool]

    def find(self, kind: str, resident_id: int | None) -> Followup | None:
        return self.open.get((rules.family(kind), resident_id))

    def ensure(
        self,
        rule: Rule,
        resident_id: int | None,
        *,
        since: date | None = None,
        reason: dict[str, Any] | None = None,
        **kw: Any,
    ) -> Followup | None:
        """Open a follow-up of a rule unless one of its family is open for the same person."""
        key = (rules.family(rule.kind), resident_id)
        if key in self.open:
            return None
        followup = new_followup(
            rule,
            due=(since or self.day) + timedelta(days=rule.due_days or 0),
            place=self.household,
            resident_id=resident_id,
            assignee_id=self.assignee(rule.pool),
            reason=reason,
            created_by_visit_id=self.visit_id,
            **kw,
        )
        self.open[key] = followup
        self.created.append(followup)
        return followup

    def close(self, followup: Followup, status: str) -> None:
        close(followup, status, self.visit_id)
        self.open.pop((rules.family(followup.kind), followup.resident_id), None)
        self.closed.append(followup)


def prepare_batch(households: list[Household], cache: dict[str, Any]) -> None:
    """Read once for a batch of visits: its households' open follow-ups (one query) and the
    pools their follow-ups may be given to, with each member's open count (one query a pool).
    Each visit of the batch then reads its household's from here (the first time: a household
    seen again is read afresh, after the batch's writes so far are flushed) and draws from the
    shared pools, whose counts follow what each visit opened, closed or gave to another."""
    ids = [h.id for h in households]
    opened: dict[int, dict[Key, Followup]] = {hid: {} for hid in ids}
    assigner = Assigner()
    with db.session.no_autoflush:
        if ids:
            rows = db.session.scalars(
                select(Followup)
                .where(Followup.household_id.in_(ids), Followup.status == "open")
                .order_by(Followup.id)
            )
            for row in rows:
                opened[row.household_id].setdefault((rules.family(row.kind), row.resident_id), row)
        for hamlet_id, commune_id in sorted({(h.hamlet_id, h.commune_id) for h in households}):
            assigner.preload(hamlet_id, commune_id)
    cache[OPEN_KEY] = opened
    cache[POOLS_KEY] = assigner


def _recount(assigner: Assigner, work: _Work) -> None:
    """Follow, in the batch's shared pools, the open follow-ups a visit gave or took away."""
    touched = {id(f): f for f in work.created + work.closed}
    for followup in touched.values():
        state = inspect(followup)
        before = None
        if not (state.pending or state.transient):
            status, assignee = state.attrs.status.history, state.attrs.assignee_id.history
            was_open = (status.deleted[0] if status.deleted else followup.status) == "open"
            before = assignee.deleted[0] if assignee.deleted else followup.assignee_id
            before = before if was_open else None
        after = followup.assignee_id if followup.status == "open" else None
        if before != after:
            assigner.recount(before, -1)
            assigner.recount(after, 1)


@cache
def _open_statement() -> Select:
    """A household's open follow-ups (the parameter household_id), built once (it keeps its
    cache key): read at every visit."""
    return (
        select(Followup)
        .where(Followup.household_id == bindparam("household_id"), Followup.status == "open")
        .order_by(Followup.id)
    )


def _open_of_household(household_id: int) -> dict[Key, Followup]:
    cache = database.batch_cache(db.session())
    if cache is not None and household_id in cache.get(OPEN_KEY, {}):
        return cache[OPEN_KEY].pop(household_id)
    rows = db.session.scalars(_open_statement(), {"household_id": household_id})
    found: dict[Key, Followup] = {}
    for row in rows:
        found.setdefault((rules.family(row.kind), row.resident_id), row)
    return found


def _failed_tries(visit: Visit) -> list[Any]:
    """Return the times of the household's latest visits that found nobody, in a row (the
    visit itself among them, also while it waits for its batch's one flush)."""
    recent = db.session.execute(
        select(Visit.outcome, Visit.visited_at, Visit.id)
        .where(Visit.household_id == visit.household_id)
        .order_by(Visit.visited_at.desc(), Visit.id.desc())
        .limit(RECENT_VISITS)
    ).all()
    if inspect(visit).pending:
        recent.append((visit.outcome, visit.visited_at, visit.id))
        recent.sort(key=lambda row: (row[1], row[2]), reverse=True)
        del recent[RECENT_VISITS:]
    failed = []
    for outcome, visited_at, _id in recent:
        if outcome != "nobody_home":
            break
        failed.append(visited_at)
    return failed


def _revisit(work: _Work) -> None:
    """Nobody home: revisit in 2 days at another time of day; after 3 tries, ask for help."""
    current = work.find("revisit", None)
    if work.visit.outcome != "nobody_home" and current is None:
        return
    failed = _failed_tries(work.visit)
    if not failed:  # the latest visit met someone
        if current is not None:
            work.close(current, "done")
        return
    rule = rules.revisit_rule(len(failed))
    slot = rules.preferred_slot(failed)
    changes = {
        "attempts": len(failed),
        "preferred_time": slot,
        "needs_village_head": len(failed) >= rules.FAILED_TRIES_FOR_VILLAGE_HEAD,
    }
    reason = {"attempts": len(failed), "time": rules.words("time_slot", [slot])}
    latest = rules.local_day(failed[0])
    if current is None:
        work.ensure(rule, None, since=latest, reason=reason, **changes)
        return
    # Rescheduled: the same follow-up, one try later (answered among the created).
    for name, value in changes.items():
        setattr(current, name, value)
    current.rule = rule.name
    current.priority = min(current.priority, rule.priority)
    current.due_date = latest + timedelta(days=rule.due_days or 0)
    current.reason = (rule.reason % reason)[:500]
    work.created.append(current)


def _resident_rules(work: _Work, resident: Resident) -> None:
    """Close what a seen resident's state settles; open what it calls for."""
    eligible_age = current_app.config.get("ELIGIBLE_AGE", 14)
    for key, followup in list(work.open.items()):
        if key[1] != resident.id:
            continue
        if followup.kind == "returnee_visit":
            work.close(followup, "done")  # the person was seen, whatever their presence
            continue
        status = rules.settled_for_resident(followup.kind, resident, work.day)
        if status is not None:
            work.close(followup, status)
    capture = rules.id_capture_rule(resident, work.day, eligible_age)
    if capture is not None:
        convert_capture(work, resident, capture)
        work.ensure(capture, resident.id)
    if rules.wants_eid_support(resident):
        work.ensure(RULE["eid_support"], resident.id)
    ensure_card_followups(work, resident)


def _residents(work: _Work, seen: list[tuple[Resident, VisitResident]], actor: User) -> None:
    """Close what each seen resident's state settles; open what it calls for."""
    for resident, _row in seen:
        if resident.pending and resident.presence == "present" and work.visit.outcome == "met":
            set_field(resident, "pending", False, actor, work.visit.id)  # confirmed at the door
        _resident_rules(work, resident)


def convert_capture(work: _Work, resident: Resident, wanted: Rule) -> None:
    """Turn an open id_capture into id_capture_at_home (or back) when being unable to travel
    (or aged 70+) says so: the same follow-up, its kind, reason, due date and assignee redone
    by the wanted rule's pool; answered among the created, as a rescheduled revisit is."""
    current = work.find(wanted.kind, resident.id)
    if current is None or current.kind == wanted.kind:
        return
    current.kind, current.rule = wanted.kind, wanted.name
    current.reason = wanted.reason[:500]
    current.due_date = work.day + timedelta(days=wanted.due_days or 0)
    current.assignee_id = work.assignee(wanted.pool)
    work.created.append(current)


def ensure_card_followups(work: _Work, resident: Resident) -> None:
    """Open a reissue_card for a card problem and a renew_card for a renewal due within 90
    days (or overdue), unless one is open for the person."""
    reissue = rules.reissue_rule(resident)
    if reissue is not None:
        issue = rules.words("card_issue", [resident.card_issue])
        work.ensure(reissue, resident.id, reason={"issue": issue})
    renew = rules.renewal_rule(resident, work.day)
    if renew is not None and resident.card_renewal_due is not None:
        due = resident.card_renewal_due
        since = rules.renewal_since(renew, due, work.day)
        work.ensure(renew, resident.id, since=since, reason={"due": due.strftime("%d/%m/%Y")})


def _corrections(work: _Work, corrections: list[Correction]) -> None:
    """A correction opened: the citizen prepares papers; one follow-up per person."""
    wanted = [c for c in corrections if c.rule not in rules.NO_PAPERS_RULES]
    if not wanted:
        return
    by_resident: dict[int | None, list[Correction]] = defaultdict(list)
    for correction in wanted:
        by_resident[correction.resident_id].append(correction)
    for resident_id, items in by_resident.items():
        reason = {"fields": rules.words("correction_field", [c.field for c in items])}
        # The relationship, not the id: a pending correction gets its id in the same flush.
        work.ensure(RULE["verify_documents"], resident_id, reason=reason, correction=items[0])


def _location(work: _Work) -> None:
    """A visit flagged far away or without a place: the commander checks; a clean one closes."""
    flags = [f for f in work.visit.flags or [] if f in rules.LOCATION_FLAGS]
    current = work.find("location_check", None)
    if not flags:
        if current is not None:
            work.close(current, "done")
        return
    reason = {"flags": rules.words("visit_flag", flags)}
    work.ensure(RULE["location_check"], None, reason=reason)


def _unhoused_returnees(work: _Work, new_residents: list[Resident]) -> None:
    """A new resident named like a flag with no household answers that flag."""
    if not new_residents or work.household.hamlet_id is None:
        return
    flags = db.session.execute(
        select(Followup, Returnee)
        .join(Returnee, Returnee.followup_id == Followup.id)
        .where(
            Followup.hamlet_id == work.household.hamlet_id,
            Followup.kind == "returnee_visit",
            Followup.status == "open",
            Followup.household_id.is_(None),
        )
    ).all()
    by_name = {r.name_folded: r for r in new_residents}
    for followup, flag in flags:
        resident = by_name.get(fold(flag.full_name))
        if resident is None or followup.status != "open":
            continue
        flag.household_id, flag.resident_id = work.household.id, resident.id
        followup.household_id, followup.resident_id = work.household.id, resident.id
        close(followup, "done", work.visit.id)
        work.closed.append(followup)


def on_visit(
    visit: Visit,
    seen: list[tuple[Resident, VisitResident]],
    new_residents: list[Resident],
    corrections: list[Correction],
    actor: User,
) -> tuple[list[Followup], list[Followup]]:
    """Apply the follow-up rules to a saved visit; return (created, closed) follow-ups.

    A revisit rescheduled by another failed try is answered among the created ones.
    """
    cache = database.batch_cache(db.session())
    shared = cache.get(POOLS_KEY) if cache is not None else None
    with db.session.no_autoflush:  # the visit's changes go in the one flush below
        work = _visit_work(visit, seen, new_residents, corrections, actor, shared)
    if shared is not None:
        _recount(shared, work)
    database.flush(db.session())  # a batch's visit waits for the batch's one flush
    return work.created, work.closed


def _visit_work(
    visit: Visit,
    seen: list[tuple[Resident, VisitResident]],
    new_residents: list[Resident],
    corrections: list[Correction],
    actor: User,
    assigner: Assigner | None = None,
) -> _Work:
    """Apply the rules of a visit to its household's open follow-ups (nothing flushed); a
    batch's visit draws from the batch's shared pools."""
    household = db.session.get(Household, visit.household_id)
    work = _Work(visit, household, _open_of_household(household.id))
    if assigner is not None:
        work.assigner = assigner
    if visit.outcome == "household_moved":
        # Only the household's latest visit says where it is now: one synced late (an
        # offline phone) cancels nothing a newer visit opened.
        latest = household.last_visit_at is None or visit.visited_at >= household.last_visit_at
        for followup in list(work.open.values()) if latest else []:
            if followup.kind in rules.HOUSEHOLD_VISIT_KINDS:
                work.close(followup, "cancelled")
    else:
        _revisit(work)
        flag = work.find("returnee_visit", None)  # a flag naming the household only
        if flag is not None and visit.outcome == "met":
            work.close(flag, "done")
        _residents(work, seen, actor)
    _corrections(work, corrections)
    _location(work)
    _unhoused_returnees(work, new_residents)
    return work


def on_resident_changed(resident: Resident, actor: User | None = None) -> tuple[list, list]:
    """Re-read the card rules for a resident changed without a visit (a PATCH, an import, a
    fixed correction): close the card follow-ups its state settles, turn an open capture
    follow-up to or from at home, open reissue_card or renew_card; return (created, closed)."""
    household = db.session.get(Household, resident.household_id)
    work = _Work(None, household, _open_of_household(household.id), on=today_in_vietnam())
    for key, followup in list(work.open.items()):
        if key[1] == resident.id and followup.kind in rules.CARD_KINDS:
            status = rules.settled_for_resident(followup.kind, resident, work.day)
            if status is not None:
                work.close(followup, status)
    eligible_age = current_app.config.get("ELIGIBLE_AGE", 14)
    capture = rules.id_capture_rule(resident, work.day, eligible_age)
    if capture is not None:
        convert_capture(work, resident, capture)
    ensure_card_followups(work, resident)
    db.session.flush()
    return work.created, work.closed


def on_session_result(
    resident: Resident,
    *,
    attended: bool,
    corrections: list[Correction],
    on: date,
    actor: User,
    session_result_id: int | None = None,
) -> tuple[list[Followup], list[Followup]]:
    """Apply the per-resident rules to a capture session's result, as a visit applies them to
    a person seen at the door; return (created, closed). A person who did not come changes
    nothing: their follow-ups stay open for the next session or visit."""
    if not attended:
        return [], []
    household = db.session.get(Household, resident.household_id)
    work = _Work(None, household, _open_of_household(household.id), on=on)
    if resident.pending and resident.presence == "present":
        set_field(resident, "pending", False, actor, session_result_id=session_result_id)
    _resident_rules(work, resident)
    _corrections(work, corrections)
    db.session.flush()
    return work.created, work.closed


def on_correction_resolved(correction: Correction, actor: User | None = None) -> list[Followup]:
    """Close the person's verify_documents once none of their corrections is open."""
    if correction.status == "open":
        return []
    subject = (
        Followup.resident_id == correction.resident_id
        if correction.resident_id is not None
        else Followup.correction_id == correction.id
    )
    followups = list(
        db.session.scalars(
            select(Followup).where(
                subject, Followup.kind == "verify_documents", Followup.status == "open"
            )
        )
    )
    if not followups:
        return []
    if correction.resident_id is not None:
        still_open = db.session.scalar(
            select(func.count(Correction.id)).where(
                Correction.resident_id == correction.resident_id,
                Correction.status == "open",
                Correction.id != correction.id,
                Correction.rule.is_(None) | Correction.rule.not_in(rules.NO_PAPERS_RULES),
            )
        )
        if still_open:
            return []
    for followup in followups:
        close(followup, "done")
    db.session.flush()
    return followups

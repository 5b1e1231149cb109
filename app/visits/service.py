"""Visit submission: validate, record once, geotag, update residents, open corrections.

Every batch item is its own unit of work: a refused item is kept as a RejectedSubmission and
answered alone, so one bad visit in a batch never costs the others, and nothing an officer
typed is lost. A single visit is its request's only write: a refused one rolls back the
transaction instead, and is kept the same way.

A single visit writes its row first, with one Core insert (`insert_object`: it claims the
client_id and gives the id the other rows carry, without a flush of its own), then everything
else in one flush (statuses and their history, the rows of residents seen, corrections, the
household, follow-ups), with one audit insert for all.

A batch is first tried at once (`_at_once`): the same code records its items in order, what
their rules read loaded once for the batch, their writes gathered for one flush at its end
(on PostgreSQL the visits' ids drawn ahead). When that try meets what only the item-by-item
path answers, it is rolled back and each item is recorded in its own SAVEPOINT.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import bindparam, event, exists, inspect, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction, joinedload, load_only, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.auth.audit import (
    add_row,
    entries_wait,
    insert_object,
    write_pending,
    write_updates,
)
from app.auth.models import User
from app.auth.scope import row_in_scope
from app.common import utcnow
from app.database import BATCH_CACHE, ONE_FLUSH, ids_ahead
from app.errors import (
    ConflictError,
    InvalidError,
    NotFoundError,
    ServiceError,
    database_unreachable,
    flatten_errors,
)
from app.extensions import db
from app.people.cards import apply_card_fields
from app.people.corrections import (
    Finding,
    brief,
    note_new_residents,
    officer_findings,
    open_corrections,
    regression_finding,
    server_findings,
)
from app.people.corrections import prepare_batch as prepare_corrections
from app.people.models import Correction, Household, Resident
from app.people.rules import apply_residence, apply_seen, refresh_search_text
from app.people.service import new_resident, refuse_taken_id_numbers
from app.people.sites import refuse_bad_residence, site_room
from app.text import has_control_chars
from app.visits import geotag as geo
from app.visits.idempotency import body_hash, canonical, changed_body
from app.visits.models import RejectedSubmission, Visit, VisitResident
from app.visits.rejected import keep_rejected, resolve_rejected, unresolved_for
from app.visits.schemas import VisitIn
from app.visits.signals import batch_starting, visit_recorded

# Session.info key: set while visits are recorded (see `_updates_at_once`).
UPDATES_AT_ONCE = "visits_updates_at_once"
# The rows a visit updates, each table's written by `_updates_at_once` with one UPDATE.
UPDATED_AT_ONCE = (Household, Resident)
# Tries of one item when concurrent writers collide on the same residents.
MAX_ATTEMPTS = 3
# One schema for every visit: it keeps no state between loads (its messages are lazy, read
# in the request's language), and building one per visit cost more than its load.
VISIT_IN = VisitIn()
# The most residents a visit may add (more is refused): no more ids are drawn ahead for one.
MAX_NEW_RESIDENTS = VISIT_IN.fields["new_residents"].validate.max


@dataclass
class VisitResult:
    """What became of one submitted visit, and the answer the API gives for it."""

    status: str  # created, duplicate, rejected
    code: int
    answer: dict[str, Any]
    visit: Visit | None = None
    error: ServiceError | None = None


@dataclass
class _Batch:
    """What a batch loads once for all its items (or a single visit, `alone`, in one query)."""

    visits: dict[str, Visit] = field(default_factory=dict)
    complete: bool = False  # visits holds every client_id of the batch that was on file
    indexes: dict[int, geo.HamletIndex] = field(default_factory=dict)
    rejected: list[RejectedSubmission] = field(default_factory=list)
    refusals_known: bool = True  # rejected holds every refusal the items may resolve
    alone: bool = False  # a single visit: the request's only write, tried without a savepoint
    # Strong references: the session's identity map only holds objects weakly.
    households: list[Household] = field(default_factory=list)
    # A batch tried at once (`_at_once`): its writes wait for one flush at its end.
    deferred: bool = False
    visit_ids: list[int] = field(default_factory=list)  # drawn ahead (PostgreSQL), last first
    resident_ids: list[int] = field(default_factory=list)  # the same, for residents found
    touched: set[int] = field(default_factory=set)  # households written so far
    late: list[tuple[dict, Any]] = field(default_factory=list)  # answers' ids, after the flush

    def hamlet_index(self, commune_id: int) -> geo.HamletIndex:
        """The commune's hamlet index, checked once per batch."""
        if commune_id not in self.indexes:
            self.indexes[commune_id] = geo.hamlet_index(commune_id)
        return self.indexes[commune_id]


class _Abandon(Exception):
    """A batch tried at once met a refusal after its writes began: it is tried item by item."""


def _followup_brief(followup: Any) -> dict[str, Any]:
    return {
        "id": followup.id,
        "kind": followup.kind,
        "due_date": followup.due_date,
        "assignee_id": followup.assignee_id,
        "status": followup.status,
    }


def _visit_by_client_id(client_id: str, batch: _Batch | None) -> Visit | None:
    if batch is not None and client_id in batch.visits:
        return batch.visits[client_id]
    if batch is not None and batch.complete:
        return None
    return db.session.scalar(select(Visit).where(Visit.client_id == client_id))


def _rejected(
    body: Any, officer: User, error: ServiceError, data: dict | None, batch: _Batch | None = None
) -> VisitResult:
    row = keep_rejected(body, officer, error, data)
    if batch is not None:
        batch.rejected.append(row)
    error.extra.update({"client_id": row.client_id, "rejected_id": row.id})
    answer = {
        "status": "rejected",
        "code": error.status,
        "client_id": row.client_id,
        "message": str(error.message),
        "errors": row.errors,
        "rejected_id": row.id,
    }
    if error.extra.get("retry"):
        answer["retry"] = True  # a passing clash: the phone keeps it and sends it again
    return VisitResult("rejected", error.status, answer, error=error)


def _replay(existing: Visit, canon: dict, digest: str, officer: User) -> ServiceError | VisitResult:
    """Answer a client_id seen before: the first visit's id, or what differs."""
    if existing.officer_id != officer.id and not row_in_scope(officer, existing):
        return ConflictError(
            _("Mã client_id này đã được dùng cho một lượt thăm khác."),
            {"client_id": [_("Đã được dùng.")]},
        )
    if existing.body_hash == digest:
        answer = {
            "status": "duplicate",
            "code": 200,
            "id": existing.id,
            "client_id": existing.client_id,
            "received_at": existing.received_at,
        }
        return VisitResult("duplicate", 200, answer, existing)
    return changed_body(existing.body, canon)


def _by_client_id(data: dict, officer: User) -> Household:
    """The household a phone created with this client_id; refused (to retry) until it is here."""
    client_id = data["household_client_id"]
    household = db.session.scalar(
        select(Household)
        .where(Household.client_id == client_id)
        .options(selectinload(Household.residents))
    )
    if household is None or not row_in_scope(officer, household):
        # Not here yet: the phone sends it again after the household. Here but outside the
        # officer's scope (they were moved): no retry would change that, it is refused.
        raise NotFoundError(
            _(
                "Chưa có hộ mã %(id)s: hãy gửi hộ đó trước rồi gửi lại lượt thăm.",
                id=client_id,
            ),
            {"household_client_id": [_("Chưa có hộ nào với mã này trong phạm vi của bạn.")]},
            **({"retry": True} if household is None else {}),
        )
    data["household_id"] = household.id
    return household


def _household(data: dict, officer: User) -> Household:
    if data.get("household_client_id") is not None:
        household = _by_client_id(data, officer)
    else:
        # The household and its residents in one query (a batch has them loaded already).
        household = db.session.get(
            Household, data["household_id"], options=[joinedload(Household.residents)]
        )
    if household is None or not row_in_scope(officer, household):
        raise NotFoundError(
            _("Không tìm thấy hộ #%(id)s trong phạm vi của bạn.", id=data["household_id"]),
            {"household_id": [_("Hộ không có hoặc ngoài xã của bạn.")]},
        )
    members = {r.id for r in household.residents}
    errors = {
        f"residents.{i}.resident_id": [
            _("Công dân #%(id)s không thuộc hộ này.", id=item["resident_id"])
        ]
        for i, item in enumerate(data["residents"])
        if item["resident_id"] not in members
    }
    if errors:
        raise InvalidError(_("Có công dân không thuộc hộ này."), errors)
    return household


def _learn_location(household: Household, visit: Visit) -> None:
    """Let a household without a known location learn it from good fixes of met visits."""
    if household.location_source == "known" or visit.outcome != "met" or visit.lat is None:
        return
    if visit.accuracy_m is None or visit.accuracy_m > geo.LEARN_ACCURACY_M:
        return
    with db.session.no_autoflush:  # the rest of the visit waits for one flush
        fixes = [
            (lat, lon)
            for lat, lon in db.session.execute(
                select(Visit.lat, Visit.lon).where(
                    Visit.household_id == household.id,
                    Visit.outcome == "met",
                    Visit.lat.is_not(None),
                    Visit.accuracy_m <= geo.LEARN_ACCURACY_M,
                )
            )
        ]
    if inspect(visit).pending:  # a batch's visit, waiting for the batch's one flush
        fixes.append((visit.lat, visit.lon))
    geo.learn_location(household, fixes)


@dataclass
class _Found:
    """What a visit found at the door: residents seen with their rows, new ones, findings."""

    seen: list[tuple[Resident, VisitResident]] = field(default_factory=list)
    created: list[Resident] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _geotag(household: Household, data: dict, batch: _Batch | None) -> geo.Geotag:
    """Place the visit's location against the household and the commune's hamlets."""
    index = batch.hamlet_index(household.commune_id) if batch is not None else None
    return geo.geotag(household, data["location"], index)


def _new_visit(
    data: dict,
    canon: dict,
    digest: str,
    officer: User,
    household: Household,
    tag: geo.Geotag,
    batch: _Batch | None,
) -> Visit:
    """Add the visit row and flush it, which claims the client_id; a batch tried at once
    gives it an id drawn ahead and leaves it for the batch's one flush."""
    location = data["location"] or {}
    visit = Visit(
        client_id=data["client_id"],
        body_hash=digest,
        household_id=household.id,
        officer_id=officer.id,
        visited_at=data["visited_at"],
        received_at=utcnow(),
        outcome=data["outcome"],
        lat=location.get("lat"),
        lon=location.get("lon"),
        accuracy_m=location.get("accuracy_m"),
        location_missing_reason=data["location_missing_reason"],
        distance_m=tag.distance_m,
        geo_hamlet_id=tag.hamlet_id,
        flags=tag.flags,
        flagged=bool(tag.flags),
        note=data["note"] or "",
        body=canon,
        hamlet_id=household.hamlet_id,
        commune_id=household.commune_id,
        province_id=household.province_id,
    )
    if batch is not None and batch.visit_ids:
        visit.id = batch.visit_ids.pop()
        db.session.add(visit)
        return visit
    if batch is not None and batch.alone:
        insert_object(db.session(), visit)  # the request's only visit: no flush of its own
        return visit
    db.session.add(visit)
    with entries_wait(db.session()):  # its entry goes in the visit's one audit insert
        db.session.flush()  # claims the client_id: a concurrent twin fails here
    return visit


def _see_members(
    found: _Found, visit: Visit, household: Household, items: list[dict], officer: User
) -> None:
    """Apply what was seen of each listed member; note regressions and the officer's findings."""
    late = household.last_visit_at is not None and visit.visited_at < household.last_visit_at
    members = {r.id: r for r in household.residents}
    for item in items:
        resident = members[item["resident_id"]]
        steps = apply_seen(resident, item, officer, visit.id, late=late)
        if item.get("room"):
            item = {**item, "room": site_room(household, item["room"])}
        apply_residence(resident, item, officer, visit.id, late=late)
        apply_card_fields(resident, item, officer, visit.id, late=late)
        if steps:
            found.findings.append(regression_finding(resident, steps))
        found.findings.extend(officer_findings(resident, item["corrections"]))
        found.seen.append((resident, _seen_row(visit, resident, item, is_new=False)))


def _add_new_residents(
    found: _Found, visit: Visit, household: Household, specs: list[dict], batch: _Batch | None
) -> None:
    """Add the residents found who were not on the list, with the officer's findings: they
    are flushed for their ids, or in a batch tried at once given ids drawn ahead."""
    found.created = [new_resident(household, spec) for spec in specs]
    if found.created:
        if batch is not None and len(batch.resident_ids) >= len(found.created):
            for resident in found.created:
                resident.id = batch.resident_ids.pop()
        else:
            db.session.flush()
        refresh_search_text(household)
        note_new_residents(found.created)
    for resident, spec in zip(found.created, specs, strict=True):
        found.findings.extend(officer_findings(resident, spec["corrections"]))
        found.seen.append((resident, _seen_row(visit, resident, spec, is_new=True)))


def _open_corrections(found: _Found, officer: User, visit: Visit) -> list[Correction]:
    """Open the corrections the server's checks and the officer's findings call for."""
    findings = server_findings([r for r, _row in found.seen]) + found.findings
    return open_corrections(findings, officer, visit.id, flush=False)


def _touch_household(household: Household, visit: Visit) -> None:
    """Keep the household's latest visit time, and let it learn its location."""
    if household.last_visit_at is None or visit.visited_at > household.last_visit_at:
        household.last_visit_at = visit.visited_at
    _learn_location(household, visit)


def _followups(
    visit: Visit, found: _Found, corrections: list[Correction], officer: User
) -> tuple[list[Any], list[Any]]:
    """Announce the recorded visit; gather the follow-ups its receivers opened and closed."""
    opened: list[Any] = []
    closed: list[Any] = []
    answers = visit_recorded.send(
        visit,
        seen=found.seen,
        new_residents=found.created,
        corrections=corrections,
        actor=officer,
    )
    for _receiver, (made, settled) in answers:
        opened.extend(made)
        closed.extend(settled)
    return opened, closed


def _briefs(objects: list[Any], make: Any, batch: _Batch | None) -> list[dict[str, Any]]:
    """The short forms of rows; those still without an id get it after the batch's flush."""
    out = []
    for obj in objects:
        item = make(obj)
        if item["id"] is None and batch is not None:
            batch.late.append((item, obj))
        out.append(item)
    return out


def _created_answer(
    visit: Visit,
    tag: geo.Geotag,
    found: _Found,
    corrections: list[Correction],
    followups: tuple[list[Any], list[Any]],
    batch: _Batch | None,
) -> dict[str, Any]:
    """Answer a newly recorded visit: its id, geotag, follow-ups, corrections, new residents."""
    opened, closed = followups
    return {
        "status": "created",
        "code": 201,
        "id": visit.id,
        "client_id": visit.client_id,
        "received_at": visit.received_at,
        "geotag": tag.answer(),
        "flagged": visit.flagged,
        "followups": {
            "created": _briefs(opened, _followup_brief, batch),
            "closed": _briefs(closed, _followup_brief, batch),
        },
        "corrections": _briefs(corrections, brief, batch),
        "new_residents": [{"id": r.id, "full_name": r.full_name} for r in found.created],
        "household_id": visit.household_id,
    }


def _checked(data: dict, officer: User, batch: _Batch | None) -> tuple[Household, geo.Geotag]:
    """The server's checks before anything is written: the household and the geotag, or a
    ServiceError that refuses the visit."""
    household = _household(data, officer)
    refuse_taken_id_numbers(officer, data["new_residents"], "new_residents")
    refuse_bad_residence(household, data["residents"], "residents")
    refuse_bad_residence(household, data["new_residents"], "new_residents")
    return household, _geotag(household, data, batch)


def _record(
    data: dict, canon: dict, digest: str, officer: User, batch: _Batch | None
) -> tuple[Visit, dict]:
    """Save a validated visit and everything it changes; raise ServiceError to refuse it (in
    a batch tried at once, only before anything is written: `_Abandon` after)."""
    household, tag = _checked(data, officer, batch)
    if batch is None or not batch.deferred:
        return _write(data, canon, digest, officer, batch, household, tag)
    try:
        return _write(data, canon, digest, officer, batch, household, tag)
    except ServiceError as exc:
        raise _Abandon from exc


def _write(
    data: dict,
    canon: dict,
    digest: str,
    officer: User,
    batch: _Batch | None,
    household: Household,
    tag: geo.Geotag,
) -> tuple[Visit, dict]:
    """Write a checked visit and everything it changes. In a batch tried at once, a household
    seen again first has the batch's writes so far flushed, so that what its rules read from
    the database (its visits, open follow-ups, corrections) is what the item-by-item path
    reads."""
    if batch is not None and batch.deferred:
        if household.id in batch.touched:
            db.session.flush()
        batch.touched.add(household.id)
    visit = _new_visit(data, canon, digest, officer, household, tag, batch)
    found = _Found()
    _see_members(found, visit, household, data["residents"], officer)
    _add_new_residents(found, visit, household, data["new_residents"], batch)
    corrections = _open_corrections(found, officer, visit)
    _touch_household(household, visit)
    followups = _followups(visit, found, corrections, officer)
    if batch is None or not batch.deferred:
        db.session.flush()
        write_pending(db.session())  # the rows of residents seen, when nothing else changed
    return visit, _created_answer(visit, tag, found, corrections, followups, batch)


def _seen_row(visit: Visit, resident: Resident, item: dict, *, is_new: bool) -> VisitResident:
    """The row of a resident seen: written by the visit's flush with one insert for all (an
    object outside the session, for the receivers of visit_recorded to read)."""
    values = {
        "visit_id": visit.id,
        "resident_id": resident.id,
        "presence": item.get("presence"),
        "id_card": item.get("id_card"),
        "eid": item.get("eid"),
        "has_smartphone": item.get("has_smartphone"),
        "is_new": is_new,
    }
    add_row(db.session(), VisitResident.__table__, values)
    return VisitResident(**values)


def _undo(savepoint: SessionTransaction | None) -> None:
    """Undo a refused try: its savepoint (a batch item), or the request's whole transaction
    (a single visit: nothing else of the request is in it but the token's use)."""
    if savepoint is not None:
        savepoint.rollback()
    else:
        db.session.rollback()


def _attempt(
    data: dict, canon: dict, digest: str, officer: User, batch: _Batch | None
) -> tuple[Visit, dict] | ServiceError | None:
    """Try to record the visit: the visit and answer, a refusal, or None when a twin with the
    same client_id won the race. A batch item tries in a savepoint, so that it rolls back
    alone; a single visit is the request's only write and rolls back the transaction. In a
    batch tried at once, a refusal before any write refuses the item; after, the batch is
    abandoned (`_Abandon`) and so is any database error, for the item-by-item path."""
    if batch is not None and batch.deferred:
        try:
            return _record(data, canon, digest, officer, batch)
        except ServiceError as exc:
            return exc
    for attempt in range(1, MAX_ATTEMPTS + 1):
        savepoint = db.session.begin_nested() if batch is not None and not batch.alone else None
        try:
            result = _record(data, canon, digest, officer, batch)
            if savepoint is not None:
                savepoint.commit()
            return result
        except ServiceError as exc:
            _undo(savepoint)
            return exc
        except IntegrityError:
            # A twin with the same client_id committed first (or an ID number was just taken).
            _undo(savepoint)
            if db.session.scalar(select(Visit.id).where(Visit.client_id == data["client_id"])):
                return None
            return ConflictError(
                _("Dữ liệu vừa được thay đổi bởi yêu cầu khác; hãy gửi lại."), retry=True
            )
        except (StaleDataError, OperationalError) as exc:
            # A concurrent visit changed the same residents (version check) or deadlocked:
            # the try is undone, its objects expired, so the next try reads afresh. A lost
            # connection is not undone here (a savepoint cannot be, on it): the request is.
            if _connection_lost(exc):  # every OperationalError but a deadlock or serialization
                raise
            _undo(savepoint)
            if attempt == MAX_ATTEMPTS:
                return ConflictError(
                    _("Hộ này đang được cập nhật cùng lúc; hãy gửi lại sau."), retry=True
                )
    return None  # pragma: no cover - the loop always returns


def _retryable(exc: OperationalError) -> bool:
    """Deadlocks and serialization failures (PostgreSQL) are worth another try."""
    return getattr(exc.orig, "sqlstate", None) in ("40P01", "40001")


def _connection_lost(exc: BaseException) -> bool:
    """Whether a database error means the database cannot be reached (down, restarting, the
    connection cut), not a conflict another try could get past."""
    if isinstance(exc, OperationalError) and _retryable(exc):
        return False
    return database_unreachable(exc)


def submit_visit(body: Any, officer: User, *, _batch: _Batch | None = None) -> VisitResult:
    """Validate and record one visit (a raw JSON dict); a refused one is kept, not raised."""
    session = db.session()
    if session.info.get(UPDATES_AT_ONCE):
        return _submit_visit(body, officer, _batch)
    session.info[UPDATES_AT_ONCE] = True
    try:
        return _submit_visit(body, officer, _batch)
    finally:
        session.info.pop(UPDATES_AT_ONCE, None)


def _late_replay(exc: ValidationError, officer: User, batch: _Batch | None) -> Any:
    """A visit refused only for its time (over 30 days old, say) that the server recorded
    when it was new: its answer was lost, and the phone sends it again much later. It answers
    as any replay does (the first visit's id, or 409 for another body), not 422: the phone
    would otherwise keep it refused for ever. None when that is not the case."""
    data = exc.valid_data
    if set(exc.messages) != {"visited_at"} or not isinstance(data, dict):
        return None
    if not isinstance(data.get("client_id"), str) or "visited_at" not in data:
        return None
    existing = _visit_by_client_id(data["client_id"], batch)
    if existing is None:
        return None
    canon = canonical(data)
    return _replay(existing, canon, body_hash(canon), officer)


def _submit_visit(body: Any, officer: User, _batch: _Batch | None) -> VisitResult:
    try:
        data = VISIT_IN.load(body)
    except ValidationError as exc:
        replay = _late_replay(exc, officer, _batch)
        if isinstance(replay, VisitResult):
            return replay
        error = replay or InvalidError(
            _("Lượt thăm có dữ liệu không hợp lệ."), flatten_errors(exc.messages)
        )
        return _rejected(body, officer, error, None, _batch)
    canon = canonical(data)
    digest = body_hash(canon)
    if _batch is None:
        _batch = _look_up(data)
    existing = _visit_by_client_id(data["client_id"], _batch)
    if existing is None:
        outcome = _attempt(data, canon, digest, officer, _batch)
        if isinstance(outcome, ServiceError):
            return _rejected(body, officer, outcome, data, _batch)
        if outcome is not None:
            visit, answer = outcome
            if _batch is not None:
                _batch.visits[visit.client_id] = visit
            resolve_rejected(visit, _batch.rejected if _batch.refusals_known else None)
            return VisitResult("created", 201, answer, visit)
        existing = db.session.scalar(select(Visit).where(Visit.client_id == data["client_id"]))
    replay = _replay(existing, canon, digest, officer)
    if isinstance(replay, VisitResult):
        return replay
    return _rejected(body, officer, replay, data, _batch)


# What a replay reads of the visit filed under its client_id (`_replay`: its scope and first
# answer); the rest, its body for a 409 above all, is read when asked for.
_REPLAY_COLUMNS = (
    Visit.id, Visit.client_id, Visit.body_hash, Visit.officer_id, Visit.received_at,
    Visit.hamlet_id, Visit.commune_id, Visit.province_id,
)  # fmt: skip


@cache
def _look_up_statement() -> Any:
    """The query of `_look_up`, built once (it keeps its cache key) for the parameters
    household_id, client_id and visited_at."""
    waiting = exists().where(
        RejectedSubmission.resolved_at.is_(None),
        RejectedSubmission.commune_id == Household.commune_id,
        or_(
            (RejectedSubmission.household_id == Household.id)
            & (RejectedSubmission.visited_at == bindparam("visited_at")),
            RejectedSubmission.client_id == bindparam("client_id"),
        ),
    )
    return (
        select(Household, Visit, waiting, *geo.key_columns(Household.commune_id))
        .outerjoin(Visit, Visit.client_id == bindparam("client_id"))
        .where(Household.id == bindparam("household_id"))
        .options(joinedload(Household.residents), load_only(*_REPLAY_COLUMNS))
    )


def _look_up(data: dict) -> _Batch:
    """Read in one query what a single visit needs before it is written: its household with
    the residents, the visit already filed under its client_id (only what a replay reads of
    it: its columns would be read in vain for every new visit), whether refusals wait for
    it, and the key of the commune's hamlet index. Without a household found, nothing is
    known and each is read on its own, as before."""
    batch = _Batch(alone=True, refusals_known=False)
    if data.get("household_id") is None:
        return batch
    params = {k: data[k] for k in ("household_id", "client_id", "visited_at")}
    row = db.session.execute(_look_up_statement(), params).unique().first()
    if row is None:
        return batch
    household, visit, refusals_wait, count, latest = row
    batch.refusals_known = not refusals_wait  # else resolve_rejected reads them
    batch.households = [household]
    if visit is not None:
        batch.visits[visit.client_id] = visit
    batch.complete = True
    batch.indexes[household.commune_id] = geo.hamlet_index(household.commune_id, (count, latest))
    return batch


@event.listens_for(Session, "before_flush")
def _updates_at_once(session: Session, _context: Any, _instances: Any) -> None:
    """While visits are recorded, the households and residents they changed are written with
    one UPDATE per table (`write_updates`), without the flush's work per object."""
    if not session.info.get(UPDATES_AT_ONCE):
        return
    dirty: dict[type, list[Any]] = {model: [] for model in UPDATED_AT_ONCE}
    for obj in session.dirty:
        if type(obj) in dirty:
            dirty[type(obj)].append(obj)  # those with no column changed are left as they are
    for objects in dirty.values():
        write_updates(session, objects)


def _prefetch(items: list[Any], commune_id: int) -> _Batch:
    """Load the batch's households (with residents) and known client_ids, one query each."""
    batch = _Batch()
    household_ids = {
        i["household_id"] for i in items
        if isinstance(i, dict) and isinstance(i.get("household_id"), int)
        and not isinstance(i.get("household_id"), bool) and 0 < i["household_id"] < 2**31
    }  # fmt: skip
    if household_ids:
        batch.households = list(
            db.session.scalars(
                select(Household)
                .where(Household.id.in_(household_ids))
                .options(selectinload(Household.residents))
            )
        )
    # Only ids a visit may have: a control character (a NUL) is refused by the item's own
    # checks, and PostgreSQL refuses a NUL in a query's text outright (the whole batch).
    client_ids = {
        i["client_id"] for i in items
        if isinstance(i, dict) and isinstance(i.get("client_id"), str) and len(i["client_id"]) <= 64
        and not has_control_chars(i["client_id"])
    }  # fmt: skip
    if client_ids:
        for visit in db.session.scalars(select(Visit).where(Visit.client_id.in_(client_ids))):
            batch.visits[visit.client_id] = visit
    batch.complete = True
    batch.rejected = unresolved_for(commune_id, household_ids, client_ids)
    return batch


def _ids_ahead(items: list[Any]) -> tuple[list[int], list[int]]:
    """Ids for the batch's visits and the residents they may add, drawn ahead, each list last
    first (taken with pop)."""
    found = sum(
        min(len(i["new_residents"]), MAX_NEW_RESIDENTS) for i in items
        if isinstance(i, dict) and isinstance(i.get("new_residents"), list)
    )  # fmt: skip
    ids = ids_ahead(db.session.connection(), {"visits": len(items), "residents": found})
    return ids["visits"][::-1], ids["residents"][::-1]


def _at_once(items: list[Any], officer: User) -> list[dict[str, Any]]:
    """Record the batch's items in order with every check and rule of a single visit, their
    writes gathered for one flush at the end (one insert per table, one audit insert): the
    visits' ids drawn ahead from the sequence on PostgreSQL, each item's rules reading what
    the items before it wrote (see `_write`). A refusal after an item's writes began raises
    `_Abandon`; a database error (a concurrent twin, a changed resident, a deadlock) raises
    as it is: the caller rolls the whole try back."""
    batch = _prefetch(items, officer.unit_id)
    batch.deferred = True
    if db.session.get_bind().dialect.name == "postgresql":
        batch.visit_ids, batch.resident_ids = _ids_ahead(items)
    session = db.session()
    cache: dict[str, Any] = {}
    residents = [r for h in batch.households for r in h.residents]
    prepare_corrections(residents, cache)
    batch_starting.send(batch.households, cache=cache)
    session.info[ONE_FLUSH], session.info[BATCH_CACHE] = True, cache
    session.info[UPDATES_AT_ONCE] = True
    try:
        answers = [submit_visit(item, officer, _batch=batch).answer for item in items]
        session.flush()
        write_pending(session)
    finally:
        for key in (ONE_FLUSH, BATCH_CACHE, UPDATES_AT_ONCE):
            session.info.pop(key, None)
    for item, obj in batch.late:
        item["id"] = obj.id
    return answers


def submit_batch(items: list[Any], officer: User) -> list[dict[str, Any]]:
    """Record up to 500 visits, each on its own; return one answer per item, in order.

    The batch is tried at once in one savepoint (`_at_once`): the answers are those of the
    item-by-item path. When that try meets what only the item-by-item path answers (a refusal
    after an item's writes began, a concurrent writer), it is rolled back and the batch goes
    item by item, each in its own savepoint."""
    if not any(isinstance(i, dict) and "household_client_id" in i for i in items):
        savepoint = db.session.begin_nested()
        try:
            answers = _at_once(items, officer)
        except (_Abandon, SQLAlchemyError) as exc:
            if _connection_lost(exc):
                raise  # nothing to go on with: the request answers 503, the phone sends again
            savepoint.rollback()
        else:
            savepoint.commit()
            return answers
    batch = _prefetch(items, officer.unit_id)
    return [submit_visit(item, officer, _batch=batch).answer for item in items]


__all__ = ["RejectedSubmission", "VisitResult", "submit_batch", "submit_visit"]

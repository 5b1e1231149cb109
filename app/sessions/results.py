"""Results of a capture session: each item stands alone, recorded once per client_id.

A result updates its resident as a visit updates a person seen at the door: statuses only
move forward through app.people.rules (a step back opens a `status_regression` correction
instead), every changed field gets a history row naming the result, the server's checks may
open corrections, and `session_result_recorded` lets the follow-up rules close what the result
settles. A person who did not come changes nothing but the result row. A refused item is kept
with its body and errors (RejectedResult) and does not stop the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.auth.models import User
from app.auth.scope import row_in_scope
from app.common import utcnow
from app.errors import (
    ConflictError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    ServiceError,
    flatten_errors,
)
from app.extensions import db
from app.people.corrections import (
    Finding,
    brief,
    open_corrections,
    regression_finding,
    server_findings,
)
from app.people.idempotency import body_hash, canonical, changed_body
from app.people.models import Correction, Resident
from app.people.rules import apply_seen, set_field
from app.people.signals import resident_changed, session_result_recorded
from app.sessions.models import CaptureSession, RejectedResult, SessionInvitee, SessionResult
from app.sessions.schemas import SessionResultIn
from app.visits.rejected import storable

WALK_IN_REASON = "Đến buổi thu nhận, không có trong danh sách mời."


@dataclass
class Outcome:
    status: str  # created, duplicate, rejected
    code: int
    answer: dict[str, Any]


def may_record(actor: User, session: CaptureSession) -> bool:
    """Team members and commanders (in scope) record results."""
    return actor.role == "commander" or any(m.user_id == actor.id for m in session.team)


def check_recorder(actor: User, session: CaptureSession) -> None:
    """Refuse a caller who is neither on the team nor a commander."""
    if not may_record(actor, session):
        raise ForbiddenError(_("Chỉ người trong tổ thu nhận hoặc chỉ huy được ghi kết quả."))


def _brief_followup(followup: Any) -> dict[str, Any]:
    return {"id": followup.id, "kind": followup.kind, "status": followup.status}


def _rejected(body: Any, actor: User, session: CaptureSession, error: ServiceError) -> Outcome:
    client_id = body.get("client_id") if isinstance(body, dict) else None
    errors = error.errors or {"_schema": [str(error.message)]}
    row = RejectedResult(
        session_id=session.id,
        # As a refused visit keeps it: a NUL or a lone surrogate made readable, for PostgreSQL.
        client_id=storable(client_id)[:64] if isinstance(client_id, str) and client_id else None,
        user_id=actor.id,
        body=storable(body),
        errors=storable({str(k): [str(m) for m in v] for k, v in errors.items()}),
        message=str(error.message or "")[:500],
        received_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    answer = {
        "status": "rejected",
        "code": error.status,
        "client_id": row.client_id,
        "message": str(error.message),
        "errors": row.errors,
        "rejected_id": row.id,
    }
    return Outcome("rejected", error.status, answer)


def _replay(
    existing: SessionResult, canon: dict, digest: str, session: CaptureSession
) -> Outcome | ServiceError:
    """Answer a client_id seen before: the first result, or what differs."""
    if existing.session_id != session.id:
        return ConflictError(
            _("Mã client_id này đã được dùng cho một kết quả khác."),
            {"client_id": [_("Đã được dùng.")]},
        )
    if existing.body_hash == digest:
        answer = {
            "status": "duplicate",
            "code": 200,
            "id": existing.id,
            "client_id": existing.client_id,
            "resident_id": existing.resident_id,
        }
        return Outcome("duplicate", 200, answer)
    return changed_body(existing.body, canon)


def _resident(actor: User, session: CaptureSession, resident_id: int) -> Resident:
    resident = db.session.get(Resident, resident_id)
    if (
        resident is None
        or not row_in_scope(actor, resident)
        or resident.commune_id != session.commune_id
    ):
        raise NotFoundError(
            _("Không tìm thấy công dân #%(id)s trong xã của buổi này.", id=resident_id),
            {"resident_id": [_("Công dân không có hoặc ngoài xã của buổi thu nhận.")]},
        )
    if not any(i.resident_id == resident.id for i in session.invitees):
        position = max((i.position for i in session.invitees), default=-1) + 1
        session.invitees.append(
            SessionInvitee(resident_id=resident.id, reason=WALK_IN_REASON, position=position)
        )
    return resident


def _apply(row: SessionResult, resident: Resident, actor: User) -> list[Correction]:
    """Change the resident as the result says; open the corrections it calls for."""
    findings: list[Finding] = []
    if row.attended:
        seen = {"presence": "present", "id_card": row.id_card, "eid": row.eid}
        steps = apply_seen(resident, seen, actor, None, session_result_id=row.id)
        if steps:
            findings.append(regression_finding(resident, steps, " (buổi thu nhận)"))
        findings = server_findings([resident]) + findings
    if row.card_issue is not None:
        set_field(resident, "card_issue", row.card_issue, actor, session_result_id=row.id)
    db.session.flush()
    return open_corrections(findings, actor)


def _record(
    data: dict, canon: dict, digest: str, actor: User, session: CaptureSession
) -> dict[str, Any]:
    """Save a validated result and what it changes; raise ServiceError to refuse it."""
    resident = _resident(actor, session, data["resident_id"])
    row = SessionResult(
        client_id=data["client_id"],
        body_hash=digest,
        session_id=session.id,
        resident_id=resident.id,
        attended=data["attended"],
        id_card=data["id_card"],
        eid=data["eid"],
        card_issue=data["card_issue"],
        note=(data["note"] or "").strip(),
        recorded_by_id=actor.id,
        recorded_at=utcnow(),
        body=canon,
        hamlet_id=resident.hamlet_id,
        commune_id=resident.commune_id,
        province_id=resident.province_id,
    )
    db.session.add(row)
    db.session.flush()  # claims the client_id
    corrections = _apply(row, resident, actor)
    created, closed = [], []
    answers = session_result_recorded.send(
        resident,
        attended=row.attended,
        corrections=corrections,
        on=session.day,
        actor=actor,
        session_result_id=row.id,
    )
    if not row.attended and row.card_issue is not None:
        # A card problem told of someone who did not come: the card rules read it as they
        # read one changed by hand (its reissue follow-up), the rest of the person waits.
        answers += resident_changed.send(resident, fields=("card_issue",), actor=actor)
    for _receiver, (made, settled) in answers:
        created.extend(made)
        closed.extend(settled)
    db.session.flush()
    return {
        "status": "created",
        "code": 201,
        "id": row.id,
        "client_id": row.client_id,
        "resident_id": resident.id,
        "followups": {
            "created": [_brief_followup(f) for f in created],
            "closed": [_brief_followup(f) for f in closed],
        },
        "corrections": [brief(c) for c in corrections],
    }


def _attempt(
    data: dict, canon: dict, digest: str, actor: User, session: CaptureSession
) -> dict[str, Any] | ServiceError | None:
    """Record in a savepoint: the answer, a refusal, or None when a twin won the race."""
    savepoint = db.session.begin_nested()
    try:
        answer = _record(data, canon, digest, actor, session)
        savepoint.commit()
        return answer
    except ServiceError as exc:
        savepoint.rollback()
        return exc
    except (IntegrityError, StaleDataError):
        savepoint.rollback()
        taken = select(SessionResult.id).where(SessionResult.client_id == data["client_id"])
        if db.session.scalar(taken):
            return None
        return ConflictError(_("Dữ liệu vừa được thay đổi bởi yêu cầu khác; hãy gửi lại."))


def _closed_to_results(session: CaptureSession) -> ConflictError | None:
    """A cancelled session takes no new result (one sent before answers as before)."""
    if session.status != "cancelled":
        return None
    return ConflictError(
        _("Buổi thu nhận này đã hủy: không ghi kết quả mới."),
        {"session_id": [_("Buổi đã hủy.")]},
    )


def submit_result(body: Any, actor: User, session: CaptureSession) -> Outcome:
    """Validate and record one result (a raw JSON item); a refused one is kept, not raised."""
    try:
        data = SessionResultIn().load(body)
    except ValidationError as exc:
        error = InvalidError(_("Kết quả có dữ liệu không hợp lệ."), flatten_errors(exc.messages))
        return _rejected(body, actor, session, error)
    canon = canonical({**data, "session_id": session.id})
    digest = body_hash(canon)
    find = select(SessionResult).where(SessionResult.client_id == data["client_id"])
    existing = db.session.scalar(find)
    if existing is None and (refusal := _closed_to_results(session)) is not None:
        return _rejected(body, actor, session, refusal)
    if existing is None:
        outcome = _attempt(data, canon, digest, actor, session)
        if isinstance(outcome, ServiceError):
            return _rejected(body, actor, session, outcome)
        if outcome is not None:
            return Outcome("created", 201, outcome)
        existing = db.session.scalar(find)
    replay = _replay(existing, canon, digest, session)
    if isinstance(replay, Outcome):
        return replay
    return _rejected(body, actor, session, replay)


def submit_results(items: list[Any], actor: User, session: CaptureSession) -> list[dict]:
    """Record results, each on its own; one answer per item, in order."""
    check_recorder(actor, session)
    return [submit_result(item, actor, session).answer for item in items]

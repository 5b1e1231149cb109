"""Reviewing corrections: mark them verified, fixed or dismissed, one by one or many at once.

Every decision names the version the reviewer saw (If-Match); an old one is refused with the
current record. Fixed and dismissed corrections announce `correction_resolved`, which the
follow-ups act on (their verify_documents close); a verified one stays waiting for the fix.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy.orm.exc import StaleDataError

from app.auth.models import User
from app.auth.scope import hamlet_ids_of, row_in_scope
from app.clock import today_in_vietnam, vietnam_day
from app.common import utcnow
from app.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError, ServiceError
from app.extensions import db
from app.labels import label
from app.people.fields import parse_date_of_birth
from app.people.idnumber import InvalidIdNumber, parse_id_number
from app.people.models import RELATIONSHIPS, SEX, Correction, Household, Resident
from app.people.rules import STATUS_ORDER, refresh_search_text, set_field
from app.people.schemas import CorrectionOut
from app.people.service import refuse_taken_id_numbers, shown_corrections
from app.people.signals import CARD_RULE_FIELDS, correction_resolved, resident_changed
from app.schemas import Shown
from app.text import has_control_chars

# Corrections whose proposed value `fixed` writes into the resident.
APPLIED_FIELDS = (
    "full_name", "date_of_birth", "sex", "id_number", "birthplace", "ethnicity", "relationship",
)  # fmt: skip
NEXT_STATUS = {"open": ("verified", "fixed", "dismissed"), "verified": ("fixed", "dismissed")}
# Decisions that end a correction, and so close the follow-ups waiting on it.
CLOSING = ("fixed", "dismissed")


def _value_for(field: str, text: str) -> Any:
    """Turn a proposed text into the value of a resident field, or refuse it."""
    text = " ".join(text.split())
    if not text or has_control_chars(text):
        raise ValueError(_("Giá trị đề xuất trống hoặc không hợp lệ."))
    if field == "date_of_birth":
        try:
            return parse_date_of_birth(text)
        except ValidationError as exc:
            raise ValueError(" ".join(str(m) for m in exc.messages)) from exc  # type: ignore[union-attr]
    if field == "sex" and text not in SEX:
        raise ValueError(_("Giới tính phải là: %(v)s.", v=", ".join(SEX)))
    if field == "relationship" and text not in RELATIONSHIPS:
        raise ValueError(_("Quan hệ phải là: %(v)s.", v=", ".join(RELATIONSHIPS)))
    if field == "id_number":
        try:
            return parse_id_number(text).number
        except InvalidIdNumber as exc:
            raise ValueError(_("Số định danh phải gồm đúng 12 chữ số.")) from exc
    limit = 64 if field == "ethnicity" else 200
    if len(text) > limit:
        raise ValueError(_("Dài quá %(arg)s ký tự.", arg=limit))
    return text


def _apply(user: User, correction: Correction, proposed: str | None) -> None:
    """Write a fixed correction's value into the resident (or household), with history."""
    resident = db.session.get(Resident, correction.resident_id) if correction.resident_id else None
    if correction.rule == "status_regression" and resident is not None:
        for name, step in ((correction.details or {}).get("changes") or {}).items():
            if name in STATUS_ORDER or name in ("presence", "has_smartphone"):
                set_field(resident, name, step.get("to"), user, correction.visit_id)
        return
    if correction.field == "address":
        if proposed:
            household = db.session.get(Household, correction.household_id)
            household.address = " ".join(proposed.split())[:300]
            refresh_search_text(household)
        return
    if correction.field not in APPLIED_FIELDS or resident is None:
        return
    if not proposed:
        raise InvalidError(
            _("Cần giá trị đúng (proposed) để sửa."), {"proposed": [_("Trường này là bắt buộc.")]}
        )
    try:
        value = _value_for(correction.field, proposed)
    except ValueError as exc:
        raise InvalidError(_("Giá trị đề xuất không hợp lệ."), {"proposed": [str(exc)]}) from exc
    if correction.field == "id_number":
        refuse_taken_id_numbers(user, [{"id_number": value}], "", exclude_id=resident.id)
    changed = set_field(resident, correction.field, value, user)
    if correction.field == "full_name":
        refresh_search_text(resident.household)
    if changed and correction.field in CARD_RULE_FIELDS:  # the date of birth: renewal date
        db.session.flush()
        resident_changed.send(resident, fields=[correction.field], actor=user)


def correction_for(user: User, correction_id: int) -> Correction:
    """Return a correction in the user's scope, or answer 404."""
    correction = db.session.get(Correction, correction_id)
    if correction is None or not row_in_scope(user, correction):
        raise NotFoundError(_("Không tìm thấy yêu cầu đính chính."))
    return correction


def reviewer_hamlets(user: User) -> list[int]:
    """The hamlets whose corrections an officer may review (none needed for the others)."""
    return hamlet_ids_of(user) if user.role == "officer" else []


def may_review(user: User, correction: Any, hamlets: list[int] | None = None) -> bool:
    """An officer reviews the corrections they found or those of their hamlets; commanders and
    admins every one in their unit (`hamlets`: the officer's, when already known)."""
    if user.role in ("commander", "admin"):
        return True
    if user.role != "officer":
        return False
    if correction.created_by_id == user.id:
        return True
    return correction.hamlet_id in (reviewer_hamlets(user) if hamlets is None else hamlets)


def shown_correction(correction: Correction) -> dict[str, Any]:
    """A correction as the API shows it (ID numbers masked)."""
    return CorrectionOut().dump(shown_corrections([correction])[0])


def stale(correction: Correction) -> ConflictError:
    """The answer to a review sent on an old version: 409 with the current record."""
    db.session.refresh(correction)
    return ConflictError(
        _("Yêu cầu đính chính đã được người khác xử lý hoặc sửa; hãy xem bản mới nhất."),
        {"If-Match": [_("Phiên bản %(v)s không còn là bản mới nhất.", v=correction.version)]},
        current=shown_correction(correction),
    )


def found_on(correction: Correction) -> date:
    """The Vietnam day the correction was found (reached the server)."""
    return vietnam_day(correction.created_at)


def _checked(
    correction: Correction, status: str, reason: str | None, fixed_on: date | None
) -> tuple[str | None, date | None]:
    """Refuse a decision its status does not allow; answer the cleaned reason and date."""
    if status not in NEXT_STATUS.get(correction.status, ()):
        raise ConflictError(
            _(
                "Yêu cầu đính chính đang ở trạng thái %(s)s, không chuyển sang %(t)s được.",
                s=label("correction_status", correction.status),
                t=label("correction_status", status),
            ),
            {"status": [_("Không chuyển được trạng thái.")]},
            current=shown_correction(correction),
        )
    reason = " ".join((reason or "").split()) or None
    if reason and has_control_chars(reason):
        raise InvalidError(
            _("Lý do có ký tự không hợp lệ."), {"reason": [_("Ký tự không hợp lệ.")]}
        )
    if status == "dismissed" and not reason:
        raise InvalidError(_("Bỏ qua cần ghi lý do."), {"reason": [_("Trường này là bắt buộc.")]})
    if status != "fixed":
        if fixed_on is not None:
            raise InvalidError(
                _("Chỉ ghi ngày sửa khi đánh dấu đã sửa."),
                {"fixed_on": [_("Chỉ dùng với trạng thái đã sửa.")]},
            )
        return reason, None
    if fixed_on is None:
        raise InvalidError(
            _("Đánh dấu đã sửa cần ngày đã sửa trong Cơ sở dữ liệu quốc gia về dân cư."),
            {"fixed_on": [_("Trường này là bắt buộc.")]},
        )
    if fixed_on > today_in_vietnam():
        raise InvalidError(
            _("Ngày đã sửa không được ở tương lai."), {"fixed_on": [_("Ngày ở tương lai.")]}
        )
    if fixed_on < found_on(correction):
        raise InvalidError(
            _("Ngày đã sửa không được trước ngày phát hiện sai sót (%(d)s).", d=_day(correction)),
            {"fixed_on": [_("Trước ngày phát hiện.")]},
        )
    return reason, fixed_on


def _day(correction: Correction) -> str:
    return found_on(correction).strftime("%d/%m/%Y")


def resolve_correction(
    user: User,
    correction_id: int,
    *,
    status: str,
    version: int | None = None,
    reason: str | None = None,
    proposed: str | None = None,
    fixed_on: date | None = None,
) -> Shown:
    """Mark a correction verified, fixed (applying its value, on the day it was fixed in the
    national data) or dismissed (with a reason). `version` is the caller's If-Match: an old one
    is refused with the current record (None only for callers inside the server)."""
    correction = correction_for(user, correction_id)
    if not may_review(user, correction):
        raise ForbiddenError(
            _("Cán bộ chỉ xử lý sai sót do mình phát hiện hoặc thuộc thôn mình phụ trách.")
        )
    if version is not None and version != correction.version:
        raise stale(correction)
    reason, fixed_on = _checked(correction, status, reason, fixed_on)
    value = correction.proposed_value if proposed is None else " ".join(proposed.split())[:300]
    savepoint = db.session.begin_nested()
    try:
        if status == "fixed":
            _apply(user, correction, value)
        correction.proposed_value = value
        correction.status = status
        correction.resolution_reason = reason
        correction.fixed_on = fixed_on
        if status in ("fixed", "dismissed"):
            correction.resolved_by_id = user.id
            correction.resolved_at = utcnow()
        db.session.flush()
        if status in CLOSING:
            correction_resolved.send(correction, actor=user)  # its follow-ups close
        savepoint.commit()
    except StaleDataError:
        savepoint.rollback()
        raise stale(correction) from None
    except Exception:
        savepoint.rollback()
        raise
    return shown_corrections([correction])[0]


def review_many(
    user: User, ids: list[int], versions: list[int], decision: dict[str, Any]
) -> list[dict[str, Any]]:
    """Apply one decision to many corrections, each alone: one result per id, in order —
    `ok` with the record, `conflict` (stale or already resolved) with the current record, or
    `error` (not found, refused, invalid) with the errors."""
    results = []
    for correction_id, version in zip(ids, versions, strict=True):
        try:
            shown = resolve_correction(user, correction_id, version=version, **decision)
        except ServiceError as exc:
            db.session.expire_all()
            conflict = isinstance(exc, ConflictError)
            current = db.session.get(Correction, correction_id) if conflict else None
            results.append(
                {
                    "id": correction_id,
                    "result": "conflict" if conflict else "error",
                    "code": exc.status,
                    "message": str(exc.message),
                    "errors": exc.errors or {},
                    "correction": shown_corrections([current])[0] if current else None,
                }
            )
            continue
        results.append({"id": correction_id, "result": "ok", "code": 200, "correction": shown})
    return results

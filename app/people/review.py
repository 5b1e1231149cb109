"""Reviewing corrections: list them in scope, mark them verified, fixed or dismissed."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select

from app.auth.models import User
from app.auth.scope import row_in_scope, rows_inside, scope_clause, unit_in_scope
from app.common import utcnow
from app.errors import ConflictError, InvalidError, NotFoundError
from app.extensions import db
from app.paging import Page, paginate
from app.people.fields import parse_date_of_birth
from app.people.idnumber import InvalidIdNumber, parse_id_number
from app.people.models import RELATIONSHIPS, SEX, Correction, Household, Resident
from app.people.rules import STATUS_ORDER, refresh_search_text, set_field
from app.people.service import refuse_taken_id_numbers, shown_corrections
from app.people.signals import correction_resolved
from app.schemas import Shown
from app.text import has_control_chars
from app.units.models import Unit

# Corrections whose proposed value `fixed` writes into the resident.
APPLIED_FIELDS = (
    "full_name", "date_of_birth", "sex", "id_number", "birthplace", "ethnicity", "relationship",
)  # fmt: skip
NEXT_STATUS = {"open": ("verified", "fixed", "dismissed"), "verified": ("fixed", "dismissed")}


def _unit_filter(user: User, code: str) -> Any:
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None or not unit_in_scope(user, unit):
        return None
    return rows_inside(Correction, unit)


def list_corrections(
    user: User,
    *,
    status: str | None = None,
    unit: str | None = None,
    resident: int | None = None,
    household: int | None = None,
    field: str | None = None,
    source: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page:
    """List corrections in scope, newest first, by status, unit, resident or household."""
    query = select(Correction).where(scope_clause(user, Correction))
    if unit:
        condition = _unit_filter(user, unit)
        if condition is None:
            return Page.empty(page, per_page)
        query = query.where(condition)
    for column, value in (
        (Correction.status, status),
        (Correction.resident_id, resident),
        (Correction.household_id, household),
        (Correction.field, field),
        (Correction.source, source),
    ):
        if value is not None:
            query = query.where(column == value)
    result = paginate(query.order_by(Correction.id.desc()), page, per_page)
    result.items = shown_corrections(result.items)
    return result


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
    set_field(resident, correction.field, value, user)
    if correction.field == "full_name":
        refresh_search_text(resident.household)


def resolve_correction(
    user: User,
    correction_id: int,
    *,
    status: str,
    reason: str | None = None,
    proposed: str | None = None,
) -> Shown:
    """Mark a correction verified, fixed (applying its value) or dismissed (with a reason)."""
    correction = db.session.get(Correction, correction_id)
    if correction is None or not row_in_scope(user, correction):
        raise NotFoundError(_("Không tìm thấy yêu cầu đính chính."))
    if status not in NEXT_STATUS.get(correction.status, ()):
        raise ConflictError(
            _(
                "Yêu cầu đính chính đang ở trạng thái %(s)s, không chuyển sang %(t)s được.",
                s=correction.status,
                t=status,
            ),
            {"status": [_("Không chuyển được trạng thái.")]},
        )
    reason = " ".join((reason or "").split()) or None
    if status == "dismissed" and not reason:
        raise InvalidError(_("Bỏ qua cần ghi lý do."), {"reason": [_("Trường này là bắt buộc.")]})
    value = correction.proposed_value if proposed is None else " ".join(proposed.split())[:300]
    if status == "fixed":
        _apply(user, correction, value)
    correction.proposed_value = value
    correction.status = status
    correction.resolution_reason = reason
    if status in ("fixed", "dismissed"):
        correction.resolved_by_id = user.id
        correction.resolved_at = utcnow()
    db.session.flush()
    correction_resolved.send(correction, actor=user)  # follow-ups waiting on papers close
    return shown_corrections([correction])[0]

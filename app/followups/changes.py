"""Changing a follow-up by hand: its officer closes or reopens it; a commander reassigns it."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.auth.scope import row_in_scope
from app.clock import today_in_vietnam
from app.errors import ConflictError, ForbiddenError, InvalidError, NotFoundError
from app.extensions import db
from app.followups.assignment import is_commune_officer
from app.followups.models import KINDS, Followup, Returnee
from app.followups.rules import family
from app.followups.service import close
from app.labels import label
from app.people.models import Household, Resident
from app.text import fold

# A due date further than this from today is a typing mistake.
MAX_DUE_DAYS = 366


def followup_for(user: User, followup_id: int) -> Followup:
    """Return a follow-up inside the user's scope, or answer 404."""
    followup = db.session.get(Followup, followup_id)
    if followup is None or not row_in_scope(user, followup):
        raise NotFoundError(_("Không tìm thấy việc cần làm."))
    if user.role == "village_head" and not followup.needs_village_head:
        raise NotFoundError(_("Không tìm thấy việc cần làm."))
    return followup


def _check_assignee(followup: Followup, assignee_id: int) -> None:
    assignee = db.session.get(User, assignee_id)
    fits = is_commune_officer(assignee, followup.commune_id) or (
        followup.kind == "location_check"
        and assignee is not None
        and assignee.active
        and assignee.role == "commander"
        and assignee.unit_id == followup.commune_id
    )
    if not fits:
        raise InvalidError(
            _("Người được giao phải là cán bộ của xã có việc này."),
            {"assignee_id": [_("Không phải cán bộ của xã này.")]},
        )


def _flag_name(followup: Followup) -> str | None:
    flag = db.session.get(Returnee, followup.returnee_id) if followup.returnee_id else None
    return fold(flag.full_name) if flag else None


def open_twin(followup: Followup) -> Followup | None:
    """Return another open follow-up of the same kind (family) for the same person or
    household: reopening this one would make a duplicate."""
    kinds = [k for k in KINDS if family(k) == family(followup.kind)]
    query = select(Followup).where(
        Followup.id != followup.id, Followup.status == "open", Followup.kind.in_(kinds)
    )
    for column, value in (
        (Followup.resident_id, followup.resident_id),
        (Followup.household_id, followup.household_id),
    ):
        query = query.where(column.is_(None) if value is None else column == value)
    if followup.resident_id is None and followup.household_id is None:
        # A flag naming only a name: the same name (diacritics ignored) in the same hamlet.
        name = _flag_name(followup)
        candidates = db.session.scalars(
            query.where(Followup.hamlet_id == followup.hamlet_id).order_by(Followup.id)
        )
        return next((c for c in candidates if name and _flag_name(c) == name), None)
    return db.session.scalars(query.order_by(Followup.id).limit(1)).first()


def _whom(followup: Followup) -> str:
    if followup.resident_id:
        resident = db.session.get(Resident, followup.resident_id)
        if resident is not None:
            return resident.full_name
    if followup.household_id:
        household = db.session.get(Household, followup.household_id)
        if household is not None:
            return _("hộ %(code)s", code=household.code)
    flag = db.session.get(Returnee, followup.returnee_id) if followup.returnee_id else None
    return flag.full_name if flag else ""


def _refuse_duplicate(followup: Followup) -> None:
    twin = open_twin(followup)
    if twin is None:
        return
    raise ConflictError(
        _(
            "Không mở lại được: việc “%(kind)s” số %(id)s đang mở cho %(whom)s, hạn %(due)s.",
            kind=label("followup_kind", twin.kind),
            id=twin.id,
            whom=_whom(twin),
            due=twin.due_date.strftime("%d/%m/%Y"),
        ),
        {"status": [_("Trùng với việc số %(id)s đang mở.", id=twin.id)]},
    )


def update_followup(user: User, followup_id: int, changes: dict[str, Any]) -> Followup:
    """Change a follow-up: its officer closes or reopens it; a commander also reassigns it."""
    followup = followup_for(user, followup_id)
    if user.role == "village_head":
        raise ForbiddenError(_("Vai trò của bạn không được làm việc này."))
    if user.role == "officer":
        if followup.assignee_id != user.id:
            raise ForbiddenError(_("Chỉ người được giao việc này mới cập nhật được."))
        refused = [name for name in ("assignee_id", "due_date") if name in changes]
        if refused:
            raise ForbiddenError(
                _("Chỉ chỉ huy mới giao lại việc hoặc đổi hạn."),
                {name: [_("Cán bộ chỉ đổi được trạng thái.")] for name in refused},
            )
    if changes.get("assignee_id") is not None:
        _check_assignee(followup, changes["assignee_id"])
    if "assignee_id" in changes:
        followup.assignee_id = changes["assignee_id"]
    if "due_date" in changes:
        if abs((changes["due_date"] - today_in_vietnam()).days) > MAX_DUE_DAYS:
            raise InvalidError(
                _("Hạn phải trong vòng một năm kể từ hôm nay."),
                {"due_date": [_("Ngày không hợp lý.")]},
            )
        followup.due_date = changes["due_date"]
    status = changes.get("status")
    if status is not None and status != followup.status:
        if status == "open":
            _refuse_duplicate(followup)
            followup.status, followup.closed_at, followup.closed_by_visit_id = "open", None, None
        else:
            close(followup, status)
    db.session.flush()
    return followup

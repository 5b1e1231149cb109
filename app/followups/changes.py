"""Changing a follow-up by hand: its officer closes or reopens it; a commander reassigns it."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from app.auth.models import User
from app.auth.scope import row_in_scope
from app.common import today
from app.errors import ForbiddenError, InvalidError, NotFoundError
from app.extensions import db
from app.followups.assignment import is_commune_officer
from app.followups.models import Followup
from app.followups.service import close

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
        if abs((changes["due_date"] - today()).days) > MAX_DUE_DAYS:
            raise InvalidError(
                _("Hạn phải trong vòng một năm kể từ hôm nay."),
                {"due_date": [_("Ngày không hợp lý.")]},
            )
        followup.due_date = changes["due_date"]
    status = changes.get("status")
    if status is not None and status != followup.status:
        if status == "open":
            followup.status, followup.closed_at, followup.closed_by_visit_id = "open", None, None
        else:
            close(followup, status)
    db.session.flush()
    return followup

"""Full ID numbers on request: officers and up, one audit `read` entry per resident shown.

Every answer masks ID numbers to their last 4 digits. `GET /api/v1/residents/<id>` and
`GET /api/v1/households/<id>` show them in full only when asked with `?reveal=id_number`;
the caller names the screen that asks (`client` or the `X-Client` header, "phone:visit-form")
and the trail keeps who, when, which resident, from where and with which user agent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import has_request_context, request
from flask_babel import gettext as _

from app.auth.audit import record
from app.auth.models import User
from app.errors import ForbiddenError
from app.extensions import db
from app.people.models import Resident
from app.people.schemas import reveal_id_numbers

REVEALERS = ("admin", "commander", "officer")
USER_AGENT_CHARS = 160


def wants_reveal() -> bool:
    """Tell whether this request asks for full ID numbers (for `writes_on_get`)."""
    return has_request_context() and "reveal" in request.args


def user_agent_summary() -> str | None:
    """The request's user agent, cut short: enough to tell a phone from a desktop."""
    if not has_request_context():
        return None
    agent = " ".join(request.headers.get("User-Agent", "").split())
    return agent[:USER_AGENT_CHARS] or None


# The columns of a correction or a history row that may hold an ID number (its `field`).
VALUE_COLUMNS = ("current_value", "proposed_value", "old_value", "new_value")


def _numbered(values: Iterable[Any]) -> set[int]:
    """The residents whose corrections or history rows among these hold an ID number."""
    return {
        value.resident_id
        for value in values
        if value.field == "id_number"
        and any(getattr(value, column, None) for column in VALUE_COLUMNS)
    }


def reveal(
    user: User,
    residents: Iterable[Resident],
    client: str | None,
    household_id: int | None = None,
    values: Iterable[Any] = (),
) -> None:
    """Let this answer show ID numbers in full, audited; officers and up only. A `read` entry
    is written for each resident whose number the answer shows: the one on file, or one in
    the corrections and history rows the answer holds (`values`)."""
    if user.role not in REVEALERS:
        raise ForbiddenError(_("Vai trò của bạn không được xem số định danh đầy đủ."))
    agent = user_agent_summary()
    numbered = _numbered(values)
    for resident in residents:
        if not resident.id_number and resident.id not in numbered:
            continue
        details = {"field": "id_number", "client": client, "user_agent": agent}
        if household_id is not None:
            details["household_id"] = household_id
        record(db.session, "read", "residents", resident.id, details)
    reveal_id_numbers()

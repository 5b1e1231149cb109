"""The idempotent household create: a phone's `client_id` makes one household, never two.

A phone that adds a household offline gives it a `client_id` and may send it more than once
(it never heard the answer, or two retries cross). The first body creates the household
(201); the same body again answers that household (200); a different body under the same
`client_id` answers 409 with the household on file. The unique `client_id` decides a race: the
loser's savepoint is rolled back and it answers the winner's household, as visits do.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.auth.scope import row_in_scope
from app.errors import ConflictError
from app.extensions import db
from app.people.idempotency import body_hash, canonical
from app.people.models import Household
from app.people.schemas import HouseholdOut
from app.people.service import create_household, get_household, household_answer
from app.people.sites import household_warnings, similar_corrections
from app.schemas import Shown


def _by_client_id(client_id: str) -> Household | None:
    return db.session.scalar(select(Household).where(Household.client_id == client_id))


def _replay(user: User, household: Household, digest: str) -> tuple[Shown, int]:
    """Answer a client_id seen before: its household (200), or 409 when the body differs."""
    if not row_in_scope(user, household):
        raise ConflictError(
            _("Mã client_id này đã được dùng cho một hộ khác."),
            {"client_id": [_("Đã được dùng.")]},
        )
    shown = get_household(user, household.id)
    shown.warnings = household_warnings(household, similar_corrections(household))
    if household.body_hash == digest:
        return shown, 200
    raise ConflictError(
        _("Mã client_id này đã được gửi với nội dung khác; hộ đã ghi ở dưới."),
        {"client_id": [_("Khác với lần gửi đầu.")]},
        current=HouseholdOut().dump(shown),
    )


def create_household_once(user: User, data: dict[str, Any]) -> tuple[Shown, int]:
    """Create a household (201), or answer the one its client_id made before (200 or 409)."""
    client_id = data.get("client_id")
    if not client_id:
        household, corrections = create_household(user, data)
        return household_answer(user, household, corrections), 201
    digest = body_hash(canonical(data))
    existing = _by_client_id(client_id)
    if existing is None:
        savepoint = db.session.begin_nested()
        try:
            household, corrections = create_household(user, data, digest)
            savepoint.commit()
            return household_answer(user, household, corrections), 201
        except IntegrityError:
            # A twin with the same client_id committed first (or an ID number was just taken).
            savepoint.rollback()
            existing = _by_client_id(client_id)
            if existing is None:
                raise ConflictError(
                    _("Dữ liệu vừa được thay đổi bởi yêu cầu khác; hãy gửi lại."), retry=True
                ) from None
        except Exception:
            savepoint.rollback()
            raise
    return _replay(user, existing, digest)

"""Input fields of a resident's card: a problem with it, the day it was issued, and whether
the person can travel to a capture point.

Every field is optional and has no default (as the residence fields): a body that does not
name one loads without it, so the canonical form (and hash) of an older body does not change.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields

from app.clock import today_in_vietnam
from app.people.fields import Enum, StrictBoolean
from app.people.models import CARD_ISSUE
from app.schemas import BaseSchema

OLDEST_ISSUE = date(1990, 1, 1)

CARD_ISSUE_DOC = (
    "a problem with the ID card: lost, damaged, expired, wrong_details; null clears it. Set, it "
    "opens a reissue_card follow-up; cleared (or a later card_issued_on), the follow-up closes"
)
ISSUED_ON_DOC = (
    "the day the current ID card was issued (YYYY-MM-DD), where known; card_renewal_due "
    "follows from it and the date of birth"
)
UNABLE_DOC = (
    "the person cannot travel to a capture point (bedridden, disabled, very old): their "
    "id_capture follow-up becomes id_capture_at_home"
)
RENEWAL_DOC = (
    "the day the card must be renewed (Luật Căn cước 2023, art. 21: at 14, 25, 40 and 60; "
    "a card issued within the 2 years before one of those ages lasts to the next); null when "
    "valid for life or when card_issued_on or the date of birth is unknown"
)


def _sane_issue(value: date) -> None:
    """An issue date: not in the future, not before 1990."""
    if value < OLDEST_ISSUE or value > today_in_vietnam():
        raise ValidationError(str(_l("Ngày cấp thẻ không hợp lý.")))


class CardIn(BaseSchema):
    """A resident's card problem, its issue date, and whether they can travel."""

    unable_to_travel = StrictBoolean(allow_none=True, metadata={"description": UNABLE_DOC})
    card_issue = Enum(CARD_ISSUE, allow_none=True, metadata={"description": CARD_ISSUE_DOC})
    card_issued_on = fields.Date(
        allow_none=True, validate=_sane_issue, metadata={"description": ISSUED_ON_DOC}
    )

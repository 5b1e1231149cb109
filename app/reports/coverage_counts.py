"""Coverage figure families beside the household, visit and resident ones: open corrections,
open and overdue follow-ups, cards to re-issue and renewals due, per (commune, hamlet).

Each is one GROUP BY query over the rows inside a unit (app/reports/coverage.py adds them up).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import and_, case, func, select

from app.auth.models import User
from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Followup
from app.people.models import Correction, Resident
from app.people.renewal import DUE_SOON_DAYS
from app.reports.scoped import inside, pair_of
from app.units.models import Unit

Pair = tuple[int | None, int | None]


def correction_counts(
    unit: Unit, user: User | None, kind: str | None = None
) -> dict[Pair, dict[str, Any]]:
    """Open corrections per (commune, hamlet)."""
    stmt = (
        select(*pair_of(Correction), func.count(Correction.id))
        .where(*inside(user, Correction, unit, kind), Correction.status == "open")
        .group_by(*pair_of(Correction))
    )
    return {(c, h): {"corrections_open": n} for c, h, n in db.session.execute(stmt)}


def followup_counts(
    unit: Unit, user: User | None, kind: str | None = None
) -> dict[Pair, dict[str, Any]]:
    """Open follow-ups and those past their due date, per (commune, hamlet)."""
    stmt = (
        select(
            *pair_of(Followup),
            func.count(Followup.id),
            func.sum(case((Followup.due_date < today_in_vietnam(), 1), else_=0)),
        )
        .where(*inside(user, Followup, unit, kind), Followup.status == "open")
        .group_by(*pair_of(Followup))
    )
    return {
        (c, h): {"followups_open": n, "followups_overdue": int(late)}
        for c, h, n, late in db.session.execute(stmt)
    }


def card_counts(
    unit: Unit, user: User | None, kind: str | None = None
) -> dict[Pair, dict[str, Any]]:
    """Residents present with an open card problem (cards to re-issue), and those whose card
    must be renewed within 90 days or is overdue (renewals due), per (commune, hamlet)."""
    soon = today_in_vietnam() + timedelta(days=DUE_SOON_DAYS)
    reissue = Resident.card_issue.is_not(None)
    renew = and_(Resident.card_renewal_due.is_not(None), Resident.card_renewal_due <= soon)
    stmt = (
        select(
            *pair_of(Resident),
            func.sum(case((reissue, 1), else_=0)),
            func.sum(case((renew, 1), else_=0)),
        )
        .where(
            *inside(user, Resident, unit, kind),
            Resident.presence == "present",
            Resident.pending.is_(False),
            reissue | renew,
        )
        .group_by(*pair_of(Resident))
    )
    return {
        (c, h): {"cards_to_reissue": int(n or 0), "renewals_due": int(due or 0)}
        for c, h, n, due in db.session.execute(stmt)
    }

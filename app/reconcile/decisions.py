"""The commander's decisions on a reconciliation's rows.

- `{row, resident_id}` confirms the row is that resident (a candidate, or the one found):
  the row counts as fixed. With `action: "correct_record"` the sector is right and the
  resident's own record is wrong: a correction opens for each field that differs.
- `{row, action: "follow_up"}` sends the row to the hamlet's officer as a `verify_documents`
  follow-up, the sector's row written into its reason so the phone shows it.
- `min_score` confirms every undecided row (wrong ID number, no ID number, wrong details,
  ambiguous) whose best candidate scores at least that.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.clock import today_in_vietnam
from app.common import utcnow
from app.errors import ConflictError, InvalidError
from app.extensions import db
from app.followups.assignment import Assigner
from app.followups.models import Followup
from app.followups.rules import RULE
from app.followups.service import new_followup
from app.labels import label
from app.people.corrections import Finding, open_corrections
from app.people.idnumber import mask_id_number
from app.people.models import Household, Resident
from app.reconcile.models import Reconciliation, ReconciliationRow
from app.reconcile.service import refresh_counts
from app.units.models import Unit

DECIDABLE = ("wrong_id_number", "no_id_number", "wrong_details", "ambiguous", "matched")
BULK = ("wrong_id_number", "no_id_number", "wrong_details", "ambiguous")
# A field that differs -> (the correction's field, the row's value, the resident's value).
_FIELDS = {
    "full_name": ("full_name", lambda row: row.full_name, lambda r: r.full_name),
    "date_of_birth": (
        "date_of_birth",
        lambda row: _birth(row.birth_date, row.birth_year),
        lambda r: _birth(r.birth_date, r.birth_year),
    ),
    "sex": ("sex", lambda row: row.sex, lambda r: r.sex),
}


def _birth(born: Any, year: int | None) -> str | None:
    if born is not None:
        return born.isoformat()
    return str(year) if year is not None else None


def _rows_by_number(reconciliation: Reconciliation, numbers: list[int]) -> dict[int, Any]:
    return {
        row.row: row
        for row in db.session.scalars(
            select(ReconciliationRow).where(
                ReconciliationRow.reconciliation_id == reconciliation.id,
                ReconciliationRow.row.in_(numbers),
            )
        )
    }


def _resident_of(reconciliation: Reconciliation, resident_id: int) -> Resident:
    resident = db.session.get(Resident, resident_id)
    if resident is None or resident.commune_id != reconciliation.unit_id:
        raise InvalidError(
            _("Không có công dân %(id)s trong xã này.", id=resident_id),
            {"decisions": [_("Không có công dân %(id)s trong xã này.", id=resident_id)]},
        )
    return resident


def _decided(row: ReconciliationRow, user: User, decision: str) -> None:
    row.decision = decision
    row.decided_by_id = user.id
    row.decided_at = utcnow()


def _confirm(row: ReconciliationRow, resident: Resident, user: User, correct: bool) -> None:
    """Confirm a row as a resident; open corrections when the sector is the one that is right."""
    if row.row_class not in DECIDABLE:
        raise ConflictError(
            _("Dòng %(row)s không tìm thấy ai; chỉ có thể giao xác minh.", row=row.row)
        )
    row.resident_id = resident.id
    _decided(row, user, "confirmed")
    if not correct:
        return
    findings = [
        Finding(
            resident=resident,
            field=field,
            rule="sector_list",
            source="server",
            current=current(resident),
            proposed=proposed(row),
            note=_("Danh sách %(sector)s, dòng %(row)s", sector=_sector(row), row=row.row),
        )
        for key, (field, proposed, current) in _FIELDS.items()
        if key in (row.differs or [])
    ]
    if row.id_number and row.id_number != resident.id_number and not resident.id_number:
        findings.append(
            Finding(resident, "id_number", "sector_list", "server", "missing", None, row.id_number)
        )
    opened = open_corrections(findings, user)
    if opened:
        row.correction_id = opened[0].id


def _sector(row: ReconciliationRow) -> str:
    reconciliation = db.session.get(Reconciliation, row.reconciliation_id)
    return label("reconciliation_sector", reconciliation.sector)


def summary(row: ReconciliationRow) -> str:
    """The sector's row in one line, for the officer's follow-up (ID numbers masked)."""
    parts = [row.full_name or "?"]
    if row.birth_date or row.birth_year:
        parts.append(row.birth_date.strftime("%d/%m/%Y") if row.birth_date else str(row.birth_year))
    if row.sex:
        parts.append(label("sex", row.sex))
    if row.id_number:
        parts.append(_("số ĐD %(n)s", n=mask_id_number(row.id_number)))
    if row.hamlet or row.address:
        parts.append(row.hamlet or row.address or "")
    return _(
        "danh sách %(sector)s dòng %(row)s (%(class)s): %(what)s",
        sector=_sector(row),
        row=row.row,
        **{"class": label("reconciliation_class", row.row_class)},
        what=", ".join(parts),
    )


def _follow_up(row: ReconciliationRow, user: User, assigner: Assigner) -> None:
    """A verify_documents follow-up for the hamlet's officer, the sector row in its reason."""
    rule = RULE["verify_documents"]
    commune = db.session.get(Unit, db.session.get(Reconciliation, row.reconciliation_id).unit_id)
    resident = db.session.get(Resident, row.resident_id) if row.resident_id else None
    hamlet_id = resident.hamlet_id if resident else row.hamlet_id
    place: Household | Unit = (
        db.session.get(Household, resident.household_id)
        if resident
        else db.session.get(Unit, hamlet_id)
        if hamlet_id
        else commune
    )
    assignee = assigner.pick(rule.pool, hamlet_id, commune.id)
    assigner.charge(assignee)
    followup = new_followup(
        rule,
        due=today_in_vietnam() + timedelta(days=rule.due_days or 0),
        place=place,
        resident_id=resident.id if resident else None,
        assignee_id=assignee,
        reason={"fields": summary(row)},
    )
    if place is commune:  # no hamlet known: the commune's officers pick it up
        followup.hamlet_id, followup.commune_id = None, commune.id
        followup.province_id = commune.province_id or commune.parent_id
    db.session.flush()
    row.followup_id = followup.id
    _decided(row, user, "follow_up")


def decide(reconciliation: Reconciliation, user: User, body: dict[str, Any]) -> dict[str, Any]:
    """Apply the decisions (and the bulk confirmation); answer how many and the counts."""
    if reconciliation.status != "done":
        raise ConflictError(_("Danh sách chưa đối chiếu xong."))
    items = body.get("decisions") or []
    rows = _rows_by_number(reconciliation, [item["row"] for item in items])
    assigner = Assigner()
    done = 0
    for item in items:
        row = rows.get(item["row"])
        if row is None:
            raise InvalidError(
                _("Không có dòng %(row)s.", row=item["row"]),
                {"decisions": [_("Không có dòng %(row)s.", row=item["row"])]},
            )
        if row.decision is not None:
            raise ConflictError(_("Dòng %(row)s đã được quyết định.", row=row.row))
        action = item.get("action")
        if action == "follow_up":
            _follow_up(row, user, assigner)
        elif item.get("resident_id") is not None:
            resident = _resident_of(reconciliation, item["resident_id"])
            _confirm(row, resident, user, correct=action == "correct_record")
        else:
            raise InvalidError(
                _("Mỗi quyết định cần resident_id hoặc action: follow_up."),
                {"decisions": [_("Mỗi quyết định cần resident_id hoặc action: follow_up.")]},
            )
        done += 1
    if body.get("min_score") is not None:
        done += _bulk(reconciliation, user, body["min_score"])
    db.session.flush()
    refresh_counts(reconciliation)
    return {"decided": done, "counts": reconciliation.counts}


def _best(row: ReconciliationRow) -> tuple[int | None, int | None]:
    if row.resident_id is not None:
        return row.resident_id, row.score
    if row.candidates:
        top = row.candidates[0]
        return top["resident_id"], top["score"]
    return None, None


def _bulk(reconciliation: Reconciliation, user: User, min_score: int) -> int:
    """Confirm every undecided row whose best candidate scores at least min_score."""
    done = 0
    for row in db.session.scalars(
        select(ReconciliationRow)
        .where(
            ReconciliationRow.reconciliation_id == reconciliation.id,
            ReconciliationRow.row_class.in_(BULK),
            ReconciliationRow.decision.is_(None),
            ReconciliationRow.score >= min_score,
        )
        .order_by(ReconciliationRow.row)
    ):
        resident_id, score = _best(row)
        if resident_id is None or score is None or score < min_score:
            continue
        row.resident_id = resident_id
        _decided(row, user, "confirmed")
        done += 1
    return done


def followups_of(reconciliation: Reconciliation) -> list[Followup]:
    """The follow-ups the decisions opened (for tests and the page)."""
    ids = select(ReconciliationRow.followup_id).where(
        ReconciliationRow.reconciliation_id == reconciliation.id,
        ReconciliationRow.followup_id.is_not(None),
    )
    return list(db.session.scalars(select(Followup).where(Followup.id.in_(ids))))

"""What the answers and pages show of a reconciliation and its rows (ID numbers masked)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.paging import Page, paginate
from app.people.idnumber import mask_id_number
from app.people.models import Resident
from app.reconcile.models import Reconciliation, ReconciliationRow
from app.reconcile.service import counts_by_hamlet
from app.units.models import Unit


def birth_text(born: Any, year: int | None) -> str | None:
    """dd/mm/yyyy, or the year alone."""
    if born is not None:
        return born.strftime("%d/%m/%Y")
    return str(year) if year is not None else None


def shown_reconciliation(reconciliation: Reconciliation, hamlets: bool = True) -> dict[str, Any]:
    """The reconciliation's answer: status, progress, counts (and per hamlet when done)."""
    unit = db.session.get(Unit, reconciliation.unit_id)
    return {
        "id": reconciliation.id,
        "unit": unit.code if unit else None,
        "sector": reconciliation.sector,
        "file_name": reconciliation.file_name,
        "status": reconciliation.status,
        "progress": reconciliation.progress,
        "message": reconciliation.message,
        "counts": reconciliation.counts or {},
        "hamlets": counts_by_hamlet(reconciliation)
        if hamlets and reconciliation.status == "done"
        else [],
        "created_at": reconciliation.created_at,
    }


def _people(ids: set[int]) -> dict[int, dict[str, Any]]:
    """Residents by id with their hamlet's name, in two queries."""
    if not ids:
        return {}
    residents = list(db.session.scalars(select(Resident).where(Resident.id.in_(ids))))
    hamlet_ids = {r.hamlet_id for r in residents if r.hamlet_id}
    names = dict(
        db.session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(hamlet_ids))).all()
    )
    return {
        r.id: {
            "full_name": r.full_name,
            "birth": birth_text(r.birth_date, r.birth_year),
            "id_number": mask_id_number(r.id_number) if r.id_number else None,
            "hamlet": names.get(r.hamlet_id),
        }
        for r in residents
    }


def shown_rows(rows: list[ReconciliationRow]) -> list[dict[str, Any]]:
    """Rows as answered, each candidate with the resident's name, birth and masked number."""
    ids = {c["resident_id"] for row in rows for c in (row.candidates or [])}
    ids |= {row.resident_id for row in rows if row.resident_id}
    people = _people(ids)
    return [
        {
            "row": row.row,
            "row_class": row.row_class,
            "full_name": row.full_name,
            "birth": birth_text(row.birth_date, row.birth_year),
            "id_number": mask_id_number(row.id_number)
            if row.id_number
            else (row.old_id_number and "*" * len(row.old_id_number)),
            "hamlet": row.hamlet,
            "resident_id": row.resident_id,
            "resident": people.get(row.resident_id) if row.resident_id else None,
            "score": row.score,
            "candidates": [
                {**c, **people.get(c["resident_id"], {})} for c in (row.candidates or [])
            ],
            "differs": row.differs or [],
            "decision": row.decision,
            "followup_id": row.followup_id,
            "correction_id": row.correction_id,
        }
        for row in rows
    ]


def rows_page(
    reconciliation: Reconciliation, row_class: str | None, page: int, per_page: int
) -> Page:
    """One page of the rows, in the file's order, of one class or all."""
    query = select(ReconciliationRow).where(
        ReconciliationRow.reconciliation_id == reconciliation.id
    )
    if row_class:
        query = query.where(ReconciliationRow.row_class == row_class)
    result = paginate(query.order_by(ReconciliationRow.row), page, per_page)
    result.items = shown_rows(result.items)
    return result


def recent(unit_ids: list[int], limit: int = 50) -> list[Reconciliation]:
    """The latest reconciliations of these communes, newest first."""
    if not unit_ids:
        return []
    return list(
        db.session.scalars(
            select(Reconciliation)
            .where(Reconciliation.unit_id.in_(unit_ids))
            .order_by(Reconciliation.id.desc())
            .limit(limit)
        )
    )

"""Upload, match and count: a sector list becomes a Reconciliation with one row per data row.

`start` reads the file (refusing a file that cannot be read, with a reason) and saves the
reconciliation as running; `run` matches its rows against the commune's residents, loaded
once, writes them in batches and sets the status done (or failed, with a message). Small
lists run inline; a large one runs in a thread with its own app context, and the page polls
`progress` (on PostgreSQL; SQLite, a development database, always runs inline). The same `run`
does both.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import func, insert, select

from app.auth.models import User
from app.auth.scope import unit_in_scope
from app.common import utcnow
from app.errors import InvalidError, NotFoundError
from app.extensions import db
from app.imports.columns import KIND_BY_FOLD, fast_fold
from app.imports.files import Limits
from app.people.models import Resident
from app.reconcile import matcher
from app.reconcile.models import CLASSES, Reconciliation, ReconciliationRow
from app.reconcile.reading import ListRow, SectorList, read_list
from app.text import without_controls
from app.units.models import Unit

INLINE_ROWS = 2000  # a list this small is matched inside the upload's request
WRITE_BATCH = 2000
COUNT_KEYS = ("rows", *CLASSES, "fixed")
_MATCHING_SHARE = 80  # percent of the progress bar the matching takes; writing the rest


def commune_for(user: User, code: str | None) -> Unit:
    """The commune with that code inside the caller's scope, or a 422 saying so."""
    unit = db.session.scalar(select(Unit).where(Unit.code == (code or "").strip()))
    if unit is None or unit.level != "commune" or not unit_in_scope(user, unit):
        raise InvalidError(
            _("Hãy chọn một xã trong phạm vi của bạn."),
            {"unit": [_("Hãy chọn một xã trong phạm vi của bạn.")]},
        )
    return unit


def reconciliation_for(user: User, reconciliation_id: int) -> Reconciliation:
    """A reconciliation of a commune inside the caller's scope, or 404."""
    found = db.session.get(Reconciliation, reconciliation_id)
    unit = db.session.get(Unit, found.unit_id) if found else None
    if found is None or unit is None or not unit_in_scope(user, unit):
        raise NotFoundError(_("Không tìm thấy danh sách đối chiếu."))
    return found


# --- hamlets ------------------------------------------------------------------------------------


class Hamlets:
    """The commune's hamlets by folded name, with and without their kind ("Thôn 3", "3")."""

    def __init__(self, commune: Unit) -> None:
        self.by_name: dict[str, int] = {}
        self.names: dict[int, str] = {}
        for hamlet in db.session.scalars(
            select(Unit).where(Unit.parent_id == commune.id, Unit.level == "hamlet")
        ):
            self.names[hamlet.id] = hamlet.name
            folded = fast_fold(hamlet.name)
            self.by_name.setdefault(folded, hamlet.id)
            self.by_name.setdefault(_without_kind(folded), hamlet.id)

    def find(self, hamlet: str | None, address: str | None) -> int | None:
        """The hamlet a row names in its hamlet column, or else in its address."""
        if hamlet:
            folded = fast_fold(hamlet)
            found = self.by_name.get(folded) or self.by_name.get(_without_kind(folded))
            if found:
                return found
        if address:
            parts = [_without_kind(fast_fold(p)) for p in address.split(",")]
            for part in parts:
                if part in self.by_name:
                    return self.by_name[part]
        return None


def _without_kind(folded: str) -> str:
    for kind in sorted(KIND_BY_FOLD, key=len, reverse=True):
        if folded.startswith(kind + " "):
            return folded[len(kind) + 1 :]
    return folded


# --- start and run ------------------------------------------------------------------------------


def start(data: bytes, file_name: str, sector: str, commune: Unit, user: User) -> tuple:
    """Read the file and save a running reconciliation; answer it with the list read."""
    limits = Limits.from_config(current_app.config)
    sector_list = read_list(data, limits)  # FileRefused: the caller answers 422
    reconciliation = Reconciliation(
        unit_id=commune.id,
        sector=sector,
        file_name=without_controls(file_name or "danh-sach")[:200],
        status="running",
        progress=0,
        headers=sector_list.headers,
        columns=sector_list.columns,
        counts=dict.fromkeys(COUNT_KEYS, 0) | {"rows": len(sector_list.rows)},
        created_by_id=user.id,
    )
    db.session.add(reconciliation)
    db.session.flush()
    return reconciliation, sector_list


def launch(reconciliation: Reconciliation, sector_list: SectorList) -> None:
    """Match now (a small list, or testing) or in a thread with its own app context."""
    inline = current_app.config.get("RECONCILE_INLINE_ROWS", INLINE_ROWS)
    # SQLite (a development database) holds one writer at a time: it always matches inline.
    sqlite = db.engine.dialect.name == "sqlite"
    if len(sector_list.rows) <= inline or current_app.testing or sqlite:
        run(reconciliation.id, sector_list, watched=False)
        return
    db.session.commit()  # the thread's own session must see the reconciliation
    app = current_app._get_current_object()
    threading.Thread(
        target=_in_thread, args=(app, reconciliation.id, sector_list), daemon=True
    ).start()


def _in_thread(app: Flask, reconciliation_id: int, sector_list: SectorList) -> None:
    with app.app_context():
        try:
            run(reconciliation_id, sector_list)
        finally:
            db.session.remove()


def load_people(commune: Unit) -> matcher.Index:
    """The commune's residents, in one query (Core rows, streamed), as the matcher's index."""
    table = Resident.__table__
    result = db.session.connection().execute(
        select(
            table.c.id,
            table.c.name_folded,
            table.c.birth_date,
            table.c.birth_year,
            table.c.sex,
            table.c.id_number,
            table.c.hamlet_id,
        )
        .where(table.c.commune_id == commune.id)
        .execution_options(yield_per=20_000)
    )
    person = matcher.Person
    return matcher.Index(person(*row) for row in result)


def _entry(row: ListRow, hamlet_id: int | None) -> matcher.Entry:
    return matcher.Entry(
        name=row.name_folded,
        birth_date=row.birth_date,
        birth_year=row.birth_year,
        sex=row.sex,
        id_number=row.id_number,
        old_id_number=row.old_id_number,
        hamlet_id=hamlet_id,
    )


def _record(
    reconciliation_id: int, row: ListRow, hamlet_id: int | None, outcome: matcher.Outcome
) -> dict[str, Any]:
    return {
        "reconciliation_id": reconciliation_id,
        "row": row.row,
        "cells": row.cells,
        "full_name": row.full_name,
        "birth_date": row.birth_date,
        "birth_year": row.birth_year,
        "sex": row.sex,
        "id_number": row.id_number,
        # What the ID cells held when they held no number, cut to the column: the page shows
        # its length as stars (the cells keep it whole).
        "old_id_number": row.old_id_number or (row.bad_id and row.bad_id[:12]),
        "hamlet": row.hamlet,
        "address": row.address,
        "hamlet_id": hamlet_id,
        "row_class": outcome.row_class,
        "resident_id": outcome.resident_id,
        "score": outcome.score,
        "candidates": outcome.candidates or None,
        "differs": outcome.differs or None,
    }


def _set_progress(reconciliation_id: int, percent: int) -> None:
    """Save the progress in a short transaction of its own, so a poller sees it."""
    with db.engine.begin() as conn:
        conn.execute(
            Reconciliation.__table__.update()
            .where(Reconciliation.__table__.c.id == reconciliation_id)
            .values(progress=percent)
        )


def run(reconciliation_id: int, sector_list: SectorList, watched: bool = True) -> None:
    """Match and store every row, then count; a failure leaves status failed with a message.
    `watched`: save the progress as it goes (a thread's work, polled by the page)."""
    db.session.commit()  # the running reconciliation is visible before the work starts
    try:
        _match_and_store(reconciliation_id, sector_list, watched)
    except Exception as exc:  # any failure ends as a failed list, never a 500
        db.session.rollback()
        current_app.logger.exception("reconciliation %s failed", reconciliation_id)
        failed = db.session.get(Reconciliation, reconciliation_id)
        if failed is None:
            return
        failed.status = "failed"
        failed.message = _(
            "Không đối chiếu được danh sách này do lỗi máy chủ (%(error)s); hãy báo quản trị"
            " viên, rồi tải danh sách lên lại.",
            error=type(exc).__name__,
        )[:1000]
        failed.finished_at = utcnow()
        db.session.commit()


def _match_and_store(reconciliation_id: int, sector_list: SectorList, watched: bool) -> None:
    reconciliation = db.session.get(Reconciliation, reconciliation_id)
    commune = db.session.get(Unit, reconciliation.unit_id)
    hamlets = Hamlets(commune)
    index = load_people(commune)
    total = len(sector_list.rows) or 1
    hamlet_ids = [hamlets.find(r.hamlet, r.address) for r in sector_list.rows]
    entries = [_entry(r, h) for r, h in zip(sector_list.rows, hamlet_ids, strict=True)]
    step = max(total // 20, 1)
    told = [0]

    def progress(done: int) -> None:
        if watched and done - told[0] >= step:
            told[0] = done
            _set_progress(reconciliation_id, done * _MATCHING_SHARE // total)

    db.session.commit()  # no transaction held while matching: the progress writes its own
    outcomes = matcher.match(entries, index, progress)
    records = [
        _record(reconciliation_id, row, hamlet_id or index.hamlet_of.get(o.resident_id), o)
        for row, hamlet_id, o in zip(sector_list.rows, hamlet_ids, outcomes, strict=True)
    ]
    for start_at in range(0, len(records), WRITE_BATCH):
        # Core, not the ORM's bulk insert: that one splits rows by which JSON values are None,
        # one statement per run of them; this one sends a thousand rows a statement.
        db.session.execute(
            insert(ReconciliationRow.__table__), records[start_at : start_at + WRITE_BATCH]
        )
    reconciliation.counts = counts_of(reconciliation_id)
    reconciliation.status = "done"
    reconciliation.progress = 100
    reconciliation.finished_at = utcnow()
    db.session.commit()


# --- counts -------------------------------------------------------------------------------------


def _counted(groups: Iterable[tuple[str, str | None, int]]) -> dict[str, int]:
    """Counts from (class, decision, rows) groups; confirmed rows not matched by themselves
    count as fixed."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    for row_class, decision, number in groups:
        counts[row_class] += number
        counts["rows"] += number
        if decision == "confirmed" and row_class != "matched":
            counts["fixed"] += number
    return counts


def counts_of(reconciliation_id: int) -> dict[str, int]:
    """Rows received, per class, and fixed (confirmed by the commander)."""
    rows = db.session.execute(
        select(ReconciliationRow.row_class, ReconciliationRow.decision, func.count())
        .where(ReconciliationRow.reconciliation_id == reconciliation_id)
        .group_by(ReconciliationRow.row_class, ReconciliationRow.decision)
    ).all()
    return _counted(rows)


def counts_by_hamlet(reconciliation: Reconciliation) -> list[dict[str, Any]]:
    """The counts per hamlet (by the row's hamlet, else its resident's), unknown last."""
    rows = db.session.execute(
        select(
            ReconciliationRow.hamlet_id,
            ReconciliationRow.row_class,
            ReconciliationRow.decision,
            func.count(),
        )
        .where(ReconciliationRow.reconciliation_id == reconciliation.id)
        .group_by(
            ReconciliationRow.hamlet_id, ReconciliationRow.row_class, ReconciliationRow.decision
        )
    ).all()
    grouped: dict[int | None, list] = defaultdict(list)
    for hamlet_id, row_class, decision, number in rows:
        grouped[hamlet_id].append((row_class, decision, number))
    names = {
        u.id: (u.code, u.name)
        for u in db.session.scalars(select(Unit).where(Unit.id.in_([k for k in grouped if k])))
    }
    out = [
        {"code": names[k][0], "name": names[k][1], "counts": _counted(v)}
        for k, v in grouped.items()
        if k in names
    ]
    out.sort(key=lambda item: (item["name"], item["code"]))
    if None in grouped:
        out.append({"code": None, "name": _("Chưa rõ thôn"), "counts": _counted(grouped[None])})
    return out


def refresh_counts(reconciliation: Reconciliation) -> None:
    """Count again after decisions."""
    reconciliation.counts = counts_of(reconciliation.id)


def class_counter(rows: Iterable[ReconciliationRow]) -> Counter:
    """How many of these rows are in each class (for tests and the demo)."""
    return Counter(row.row_class for row in rows)

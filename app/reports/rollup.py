"""The coverage rollup: household, visit and resident figures kept per (commune, hamlet,
household kind) in `hamlet_counts`, so a province's coverage reads a few thousand rows instead
of millions.

Exact, not eventually right. Triggers on households, residents and visits (migration 0014)
mark a changed hamlet in `hamlet_dirty` inside the writer's own transaction, whoever the writer
is. Before a coverage read, `fresh` recomputes the marked hamlets inside the unit read with
the live GROUP BY queries (`app.reports.coverage.recount`), and also every row inside it that
was counted on an earlier day or with another ELIGIBLE_AGE (eligibility depends on the day:
the age cutoff, a temporary stay that ended). A read therefore shows every write committed
before it began. A commune's read recounts only its own marked hamlets: during a campaign's
peak the marks of the whole province wait for a read of the province (or a campaign's
progress), so a commune's commander does not pay for every hamlet written since.

On PostgreSQL (READ COMMITTED) a refresh holds a transaction-level advisory lock; its first
statement deletes the marks it can see, those of writers committed before it, so the
recount in the statements after it sees their rows; a writer committing later keeps its own
mark (each writing transaction marks each hamlet it touches once: `txid`) for the next read.
On SQLite writers queue on the database's one write lock, which the refresh takes with its
first statement.

`flask coverage refresh` after midnight (a timer) recounts the day's change so no reader pays
it; `flask coverage rebuild` recounts everything (after a load with the triggers off).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import date
from typing import Any

from flask import current_app, has_request_context
from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    delete,
    exists,
    false,
    func,
    insert,
    or_,
    select,
    text,
    true,
)
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.scope import rows_clause, rows_inside, scope_of
from app.clock import today_in_vietnam
from app.database import request_writes
from app.extensions import db
from app.people.models import SITE_KINDS
from app.reports.models import HamletCount, HamletDirty
from app.reports.scoped import Key, inside, keyed
from app.units.models import Unit

# A refresh of fewer hamlets than this is read through the indexes (`read_by_index`,
# `joins_by_key`). Alternated refreshes at the 1M-household province, by index against the
# default plan: 0.19 s against 0.45 s for 100 hamlets, 0.62-0.72 s against 0.82 s for 300,
# the same for 600, 2.4 s against 2.0 s for 1,000; with a campaign counted (its recount
# follows), 0.37-0.42 s against 0.62-0.66 s for 100, 1.14 s against 1.31-1.35 s for 300, the
# same for 600. The rows with no hamlet of a marked commune count as COMMUNE_HAMLETS hamlets.
FEW_HAMLETS = 500
COMMUNE_HAMLETS = 10
# The key of the PostgreSQL advisory lock one refresh at a time holds ("rollup" in ASCII).
LOCK_KEY = 0x726F6C6C7570
# The figures `hamlet_counts` keeps, as `recount` answers them.
KEPT = (
    "households_total",
    "households_attempted",
    "households_visited",
    "last_visit_at",
    "residents_eligible",
    "id_collected",
    "eid_level2_active",
    "temporary_residents",
)
# Where: a model's condition for the rows to count (or to replace).
Where = Callable[[Any], ColumnElement[bool]]
# The live recount of the kept figures of the rows `where` keeps, on a day, keyed (commune,
# hamlet, province, kind), planned for a few hamlets or not: app.reports.coverage.recount.
Recount = Callable[[Session, Where, date, bool], dict[Key, dict[str, Any]]]
# Another rollup kept from the same marks (app.reports.campaign_counts): recounts its rows that
# `where` keeps (the marked hamlets) on a day; answers the rows written.
Follower = Callable[[Session, Where, date], int]


def marked(model: Any, hamlets: set[int], communes: set[int]) -> ColumnElement[bool]:
    """Condition for a model's rows in the marked hamlets, or with no hamlet in a marked
    commune."""
    parts: list[ColumnElement[bool]] = []
    if hamlets:
        parts.append(model.hamlet_id.in_(sorted(hamlets)))
    if communes:
        parts.append(and_(model.hamlet_id.is_(None), model.commune_id.in_(sorted(communes))))
    return or_(*parts) if parts else false()


def eligible_age() -> int:
    """The age a card is owed from (the ELIGIBLE_AGE setting)."""
    return int(current_app.config.get("ELIGIBLE_AGE", 14))


def stale_clause(unit: Unit | None, today: date) -> ColumnElement[bool]:
    """Condition for rollup rows (inside a unit; anywhere without one) counted before today,
    or with another eligible age than the one set now."""
    scope = rows_inside(HamletCount, unit) if unit is not None else true()
    old = or_(HamletCount.computed_on < today, HamletCount.eligible_age != eligible_age())
    return and_(scope, old)


def marks_inside(unit: Unit | None) -> ColumnElement[bool]:
    """Condition for the marks of the hamlets inside a unit and, for a commune or above, of
    its rows with no hamlet (every mark without a unit)."""
    if unit is None:
        return true()
    scope = scope_of(unit)
    if scope.level == "province":  # marks name no province: the communes inside it
        communes = select(Unit.id).where(
            Unit.level == "commune", Unit.province_id.in_(sorted(scope.ids))
        )
        return HamletDirty.commune_id.in_(communes)
    return rows_clause(scope, HamletDirty)


def needs_refresh(session: Session, unit: Unit | None, today: date) -> bool:
    """Whether a hamlet inside the unit is marked, or a row inside it was counted before
    today."""
    dirty = exists(select(HamletDirty.id).where(marks_inside(unit)))
    stale = exists(select(HamletCount.id).where(stale_clause(unit, today)))
    return bool(session.scalar(select(or_(dirty, stale))))


def take_marks(session: Session, unit: Unit | None = None) -> tuple[set[int], set[int]]:
    """Delete the marks inside a unit (all without one) this transaction can see; answer
    their hamlets, and the communes of the marks of rows with no hamlet."""
    rows = session.execute(
        delete(HamletDirty)
        .where(marks_inside(unit))
        .returning(HamletDirty.hamlet_id, HamletDirty.commune_id)
    ).all()
    hamlets = {hamlet for hamlet, _commune in rows if hamlet is not None}
    communes = {commune for hamlet, commune in rows if hamlet is None and commune is not None}
    return hamlets, communes


# What `read_by_index` sets for a refresh of a few hamlets, and `joins_by_key` for its
# coverage recount; each is put back to its default after.
INDEX_COSTS = (("random_page_cost", "1.1"),)
JOINS_BY_KEY = (("enable_hashjoin", "off"), ("enable_mergejoin", "off"))


def few_hamlets(session: Session, hamlets: int) -> bool:
    """Whether a refresh of this many hamlets is read through the indexes (PostgreSQL)."""
    return session.get_bind().dialect.name == "postgresql" and hamlets < FEW_HAMLETS


@contextmanager
def _set_locally(
    session: Session, few: bool, settings: Sequence[tuple[str, str]]
) -> Iterator[None]:
    """Set PostgreSQL settings for this transaction while a refresh of a few hamlets runs
    (`few`), and put them back to their defaults after. A refresh that raises leaves them:
    its transaction is rolled back, and they with it (a reset there would only hide the
    error behind PostgreSQL's "transaction is aborted")."""
    if few:
        for name, value in settings:
            session.execute(text(f"SET LOCAL {name} = {value}"))
    yield
    if few:
        for name, _value in settings:
            session.execute(text(f"SET LOCAL {name} TO DEFAULT"))


def read_by_index(session: Session, few: bool) -> AbstractContextManager[None]:
    """Let PostgreSQL read a refresh of a few hamlets through the indexes (a lower
    random_page_cost): with its default costs it scans whole tables of the province for the
    rows of a few hamlets. From `FEW_HAMLETS` on, a scan is the better plan, and the default
    costs choose it."""
    return _set_locally(session, few, INDEX_COSTS)


def joins_by_key(session: Session, few: bool) -> AbstractContextManager[None]:
    """Have the coverage recount of a few hamlets (counting per household: its `by_key`) join
    the households it counts (for their kind) by key: even with index costs PostgreSQL hashes
    every household of the province, 0.06 s a time at 1,000,000 households, where looking up
    the few thousand households counted takes a few milliseconds. Not for the campaigns'
    recount: its joins of the status history by key cost 3 to 4 times its plan's at 300
    hamlets."""
    return _set_locally(session, few, JOINS_BY_KEY)


def lock(session: Session) -> None:
    """On PostgreSQL, wait for any other refresh to commit (released at this one's end)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def replace(
    session: Session, where: Where, today: date, recount: Recount, by_key: bool = False
) -> int:
    """Replace the rollup rows `where` keeps by a recount of the rows it keeps (`by_key`: of a
    few hamlets); answer the number of rows written."""
    session.execute(delete(HamletCount).where(where(HamletCount)))
    counted = recount(session, where, today, by_key)
    rows = [
        {
            "commune_id": commune_id,
            "hamlet_id": hamlet_id,
            "province_id": province_id,
            "kind": kind,
            "computed_on": today,
            "eligible_age": eligible_age(),
            **{name: values.get(name, None if name == "last_visit_at" else 0) for name in KEPT},
        }
        for (commune_id, hamlet_id, province_id, kind), values in counted.items()
    ]
    if rows:
        session.execute(insert(HamletCount), rows)
    return len(rows)


def refresh(
    session: Session,
    unit: Unit | None,
    today: date,
    recount: Recount,
    followers: Sequence[Follower] = (),
    stale: bool = True,
) -> int:
    """Recount the hamlets marked inside a unit (anywhere without one), and (with `stale`) the
    rows inside it counted before today; the `followers` recount their own rollups' rows of
    the marked hamlets. Marks outside the unit wait for a read of a unit that holds them.
    Answer the number of rollup rows written. The caller commits."""
    lock(session)
    hamlets, communes = take_marks(session, unit)
    day_old = stale and bool(
        session.scalar(select(exists(select(HamletCount.id).where(stale_clause(unit, today)))))
    )
    if not (hamlets or communes or day_old):
        return 0

    def where(model: Any) -> ColumnElement[bool]:
        old = (rows_inside(model, unit) if unit is not None else true()) if day_old else false()
        return or_(marked(model, hamlets, communes), old)

    # A day-old unit is recounted whole: not a few hamlets.
    few = not day_old and few_hamlets(session, len(hamlets) + COMMUNE_HAMLETS * len(communes))
    with read_by_index(session, few):
        with joins_by_key(session, few):
            written = replace(session, where, today, recount, by_key=few)
        if hamlets or communes:
            for follow in followers:
                written += follow(session, lambda model: marked(model, hamlets, communes), today)
    return written


def rebuild(session: Session, recount: Recount, today: date | None = None) -> int:
    """Recount the whole rollup from scratch (after rows were loaded with the triggers off:
    `SET session_replication_role = replica` on PostgreSQL); answer the rows written. The
    caller commits."""
    lock(session)
    take_marks(session)
    return replace(session, lambda _model: true(), today or today_in_vietnam(), recount)


def holds_write_lock() -> bool:
    """Whether this transaction writes anyway (a POST, an audited download; on SQLite it holds
    the write lock from its start): a refresh then joins it and commits with it."""
    if has_request_context():
        return request_writes()
    return db.session.get_bind().dialect.name == "sqlite" and not current_app.testing


def in_own_transaction(work: Callable[[], object]) -> None:
    """Run a refresh: it commits on its own, unless the caller's transaction writes anyway; on
    SQLite the caller's read transaction is ended first, so the refresh's first statement
    takes the write lock and the read after it sees the result."""
    joins = holds_write_lock()
    if not joins and db.session.get_bind().dialect.name == "sqlite":
        db.session.commit()
    work()
    if not joins:
        db.session.commit()


def marks_exist(session: Session) -> bool:
    """Whether any hamlet is marked."""
    return bool(session.scalar(select(exists(select(HamletDirty.id)))))


def fresh(unit: Unit, recount: Recount, followers: Sequence[Follower] = ()) -> None:
    """Bring the rollup inside a unit up to date before it is read (the followers' rollups of
    the marked hamlets too). Nothing to do when no hamlet is marked and no row inside the unit
    is a day old (one cheap check)."""
    today = today_in_vietnam()
    if needs_refresh(db.session, unit, today):
        in_own_transaction(lambda: refresh(db.session, unit, today, recount, followers))


ROLLUP_FIGURES = (
    "households_total",
    "sites_total",
    "households_attempted",
    "households_visited",
    "last_visit_at",
    "sites_visited",
    "residents_eligible",
    "id_collected",
    "eid_level2_active",
    "temporary_residents",
)


def rollup_counts(
    unit: Unit, user: User | None, kind: str | None = None
) -> dict[Key, dict[str, Any]]:
    """The household, visit and resident figures per (commune, hamlet) inside a unit (in the
    user's scope, of one household kind), read from the rollup (`fresh` first)."""
    h = HamletCount
    site = h.kind.in_(SITE_KINDS)
    conditions = inside(user, h, unit)
    if kind is not None:
        conditions.append(h.kind == kind)
    stmt = (
        select(
            h.commune_id,
            h.hamlet_id,
            func.sum(h.households_total),
            func.sum(case((site, h.households_total), else_=0)),
            func.sum(h.households_attempted),
            func.sum(h.households_visited),
            func.max(h.last_visit_at),
            func.sum(case((site, h.households_visited), else_=0)),
            func.sum(h.residents_eligible),
            func.sum(h.id_collected),
            func.sum(h.eid_level2_active),
            func.sum(h.temporary_residents),
        )
        .where(*conditions)
        .group_by(h.commune_id, h.hamlet_id)
    )
    return keyed(db.session.execute(stmt), 2, ROLLUP_FIGURES)

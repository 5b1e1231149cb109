"""Reading the audit trail: who did what and when, filtered, in the reader's scope.

Admins and commanders read the entries that lie inside their unit (an admin's is usually the
province), as every other answer is scoped:

* entries **by** a user acting in the commander's unit or below it (`units_clause` of the
  commander's `user_scope`), whatever the entry is about: the unit the user belonged to when
  the entry was written (`actor_unit_id`; for entries written before it was kept, the user's
  unit now);
* entries **about** an object inside the unit:
  - a row of a unit-scoped table (households, residents, visits, follow-ups, corrections…:
    any table with the scope's `province_id`/`commune_id`/`hamlet_id` column) that
    `rows_clause` keeps;
  - a unit (`units`, by id) that `units_clause` keeps;
  - a row of a table tied to one unit by `unit_id` (users, campaigns, targets…) whose unit
    `units_clause` keeps;
  - an `export` or `print` whose object is named by a unit code (the coverage and visits
    downloads) of a unit `units_clause` keeps.

An admin also reads the entries by nobody about nothing (a failed sign-in on a username that
does not exist, a command such as `flask units load`); a commander does not. Neither sees what
happens in a unit outside theirs. Old action names are read as the contract's names
(`app/auth/audit.py`): a filter on `sign_in` finds the old `login` entries, and they are shown
as `sign_in`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, cast, false, func, or_, select

from app.auth.audit import canonical, stored_names
from app.auth.models import AuditEntry, User
from app.auth.scope import Scope, rows_clause, units_clause, user_scope
from app.extensions import db
from app.paging import Page, paginate
from app.schemas import Shown
from app.text import ascii_digits, masked_id_numbers
from app.units.models import Unit

READERS = ("admin", "commander")
# Actions whose object may be named by a unit's code rather than an id.
BY_CODE = ("export", "print")
# The quick filter of the page: full ID numbers shown and files taken out of the system.
SENSITIVE = ("read", "export")
DETAIL_CHARS = 160


def _units_in(scope: Scope) -> Select:
    return select(Unit.id).where(units_clause(scope))


def _about_tables(scope: Scope, units: Select) -> list[ColumnElement[bool]]:
    """Conditions keeping entries about a row, table by table, that lies inside the scope."""
    key = f"{scope.level}_id"
    clauses = []
    for table in db.metadata.sorted_tables:
        if table.name in ("units", AuditEntry.__tablename__) or "id" not in table.c:
            continue
        if key in table.c:
            inside = rows_clause(scope, table.c)
        elif "unit_id" in table.c:
            inside = table.c.unit_id.in_(units)
        else:
            continue
        ids = select(cast(table.c.id, String)).where(inside)
        clauses.append(and_(AuditEntry.object_type == table.name, AuditEntry.object_id.in_(ids)))
    return clauses


def visible(reader: User) -> ColumnElement[bool]:
    """SQL condition keeping the entries a reader may see (see the module's docstring)."""
    if reader.role not in READERS:
        return false()
    scope = user_scope(reader)
    units = _units_in(scope)
    # By the unit the user acted in when the entry was written (a user moved since brings
    # nothing of their old unit); entries older than that record, by the user's unit now.
    by_user = or_(
        AuditEntry.actor_unit_id.in_(units),
        and_(
            AuditEntry.actor_unit_id.is_(None),
            AuditEntry.user_id.in_(select(User.id).where(User.unit_id.in_(units))),
        ),
    )
    about_unit = and_(
        AuditEntry.object_type == "units",
        AuditEntry.object_id.in_(select(cast(Unit.id, String)).where(units_clause(scope))),
    )
    by_code = and_(
        AuditEntry.action.in_(BY_CODE),
        AuditEntry.object_id.in_(select(Unit.code).where(units_clause(scope))),
    )
    clauses = [by_user, about_unit, by_code, *_about_tables(scope, units)]
    if reader.role == "admin":
        clauses.append(and_(AuditEntry.user_id.is_(None), AuditEntry.object_id.is_(None)))
    return or_(*clauses)


def _user_clause(value: str) -> ColumnElement[bool]:
    """A user named by id (digits) or by username (any case)."""
    named = select(User.id).where(func.lower(User.username) == value.lower())
    if ascii_digits(value) and len(value) < 10:
        return or_(AuditEntry.user_id == int(value), AuditEntry.user_id.in_(named))
    return AuditEntry.user_id.in_(named)


def _filtered(reader: User, filters: dict[str, Any]) -> Select:
    query = select(AuditEntry, User.username).outerjoin(User, User.id == AuditEntry.user_id)
    query = query.where(visible(reader))
    if filters.get("user"):
        query = query.where(_user_clause(filters["user"]))
    if filters.get("action"):
        names = [name for action in filters["action"] for name in stored_names(action)]
        query = query.where(AuditEntry.action.in_(names))
    if filters.get("object_type"):
        query = query.where(AuditEntry.object_type == filters["object_type"])
    if filters.get("object_id"):
        query = query.where(AuditEntry.object_id == filters["object_id"])
    since: datetime | None = filters.get("since")
    until: datetime | None = filters.get("until")
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    return query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def _shown(entry: AuditEntry, username: str | None) -> Shown:
    """An entry as the trail shows it: ID numbers in its detail masked (a resident's number,
    a correction's value, a visit's or a refused submission's body, a card read), as every
    other answer shows them; the full number is read on the resident, with a `read` entry."""
    user = None if entry.user_id is None else {"id": entry.user_id, "username": username}
    detail = masked_id_numbers(entry.changes)
    return Shown(entry, action=canonical(entry.action), user=user, detail=detail)


def entries(reader: User, filters: dict[str, Any], page: int, per_page: int) -> Page:
    """Return one page of the entries the reader may see, newest first."""
    result = paginate(_filtered(reader, filters), page, per_page, rows=True)
    result.items = [_shown(entry, username) for entry, username in result.items]
    return result


def trail_query(reader: User, filters: dict[str, Any]) -> Select:
    """Return the statement of every entry the reader may see, newest first (for the CSV:
    built while the request's objects are live, read after the export is committed)."""
    return _filtered(reader, filters).execution_options(yield_per=500)


def all_entries(query: Select) -> Iterator[Shown]:
    """Yield the entries of a `trail_query`, read in batches."""
    for entry, username in db.session.execute(query):
        yield _shown(entry, username)


def short_detail(detail: Any) -> str:
    """Sum up an entry's detail on one line: `key: value` pairs, cut to a readable length."""
    if detail is None:
        return ""
    if isinstance(detail, dict):
        parts = []
        for key, value in detail.items():
            if isinstance(value, list) and len(value) == 2:
                value = f"{value[0]} → {value[1]}"
            parts.append(f"{key}: {value}")
        text = "; ".join(parts)
    else:
        text = str(detail)
    return text if len(text) <= DETAIL_CHARS else text[: DETAIL_CHARS - 1] + "…"

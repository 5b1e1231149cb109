"""Write a checked import: bulk statements in chunks, history rows, corrections, one audit entry.

Bulk INSERT/UPDATE statements bypass the session's audit listener; the caller records one
audit entry for the whole import. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from app.auth.models import User
from app.common import utcnow
from app.extensions import db
from app.followups import reassign
from app.followups.models import Followup
from app.imports.columns import fast_fold
from app.imports.lookups import chunks
from app.imports.plan import RESIDENT_ATTRS, HouseholdPlan, ResidentPlan
from app.people.corrections import ID_RULES
from app.people.idnumber import PROVINCE_CODES, check_id_number
from app.people.models import Correction, Household, Resident, StatusChange
from app.people.signals import CARD_RULE_FIELDS, resident_changed
from app.units.models import Unit
from app.units.service import create_hamlet
from app.visits.models import Visit

WRITE_CHUNK = 2000
ANALYZE_AFTER = 10_000  # rows written
ID_FIELDS = ("id_number", "sex", "date_of_birth", "birthplace")
# (field, rule, current value, proposed value, the check's finding)
Finding = tuple[str, str, str | None, str | None, Any]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"  # as people.rules.record_change writes them
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:200]


def _search_text(address: str, code: str, names: list[str]) -> str:
    """The household's search column, as app.people.rules.refresh_search_text builds it."""
    return fast_fold(" ".join(p for p in [address or "", code or "", *names] if p))


def bulk_insert(table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows (same keys, column names) in the session's transaction.

    PostgreSQL takes them with COPY (psycopg), many times faster than an INSERT per row;
    elsewhere one executemany. No RETURNING: SQLite would insert one row per statement.
    """
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    quote = connection.dialect.identifier_preparer.quote
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    binders = [c.type.bind_processor(connection.dialect) for c in columns]
    sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    dbapi = connection.dialect.dbapi
    try:
        with connection.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(
                    [
                        bind(row[n]) if bind else row[n]
                        for n, bind in zip(names, binders, strict=True)
                    ]
                )
    except dbapi.Error as exc:
        # As SQLAlchemy would have raised it (IntegrityError for a code taken meanwhile ...).
        raise DBAPIError.instance(sql, None, exc, dbapi.Error) from exc


def _column_names(model: Any, attrs: tuple[str, ...]) -> dict[str, str]:
    """Map attribute names to column names (Resident.relationship_to_head -> relationship)."""
    return {attr: model.__mapper__.attrs[attr].columns[0].name for attr in attrs}


def create_hamlets(new_hamlets: dict[str, tuple[str, str]], commune: Unit) -> dict[str, Unit]:
    """Create the new hamlets an import needs; answer them by their key."""
    made = {}
    for key, (name, kind) in new_hamlets.items():
        made[key] = create_hamlet(commune, name=name, kind=kind)
    return made


def _hamlet_of(household: HouseholdPlan, made: dict[str, Unit]) -> Unit:
    group = household.group
    return group.hamlet if group.hamlet is not None else made[group.new_hamlet]


def _names(household: HouseholdPlan) -> list[str]:
    return [m.full_name for m in household.kept] + [
        r.values["full_name"] for r in household.residents
    ]


def _write_households(
    plans: list[HouseholdPlan], commune: Unit, made: dict[str, Unit], actor_id: int | None
) -> None:
    """Insert new households and update changed ones; remember every household's id."""
    now = utcnow()
    new = [h for h in plans if h.status == "added"]
    for chunk in chunks(new, WRITE_CHUNK):
        _insert_households(chunk, commune, made, actor_id, now)
    changed = [h for h in plans if h.status == "changed"]
    moved = _update_households(changed, made, now)
    _move_household_rows(moved)


def _insert_households(
    chunk: list[HouseholdPlan],
    commune: Unit,
    made: dict[str, Unit],
    actor_id: int | None,
    now: datetime,
) -> None:
    """Insert one chunk of new households and set each plan's household id."""
    rows = []
    for h in chunk:
        hamlet = _hamlet_of(h, made)
        group = h.group
        address = group.address or f"{hamlet.name}, {commune.name}"
        rows.append(
            {
                "code": group.code,
                "address": address,
                "search_text": _search_text(address, group.code, _names(h)),
                "lat": group.location[0] if group.location else None,
                "lon": group.location[1] if group.location else None,
                "location_source": "known" if group.location else None,
                "source": "import",
                "kind": group.kind or "family",
                "site_name": group.site_name,
                "hamlet_id": hamlet.id,
                "commune_id": commune.id,
                "province_id": commune.province_id,
                "created_by_id": actor_id,
                "created_at": now,
                "updated_at": now,
            }
        )
    # Plain executemany (no RETURNING: SQLite would insert one row per statement), then
    # the ids by code, unique in the commune.
    bulk_insert(Household.__table__, rows)
    ids = dict(
        db.session.execute(
            select(Household.code, Household.id).where(
                Household.commune_id == commune.id,
                Household.code.in_([h.group.code for h in chunk]),
            )
        ).all()
    )
    for h in chunk:
        h.household_id = ids[h.group.code]


def _update_households(
    changed: list[HouseholdPlan], made: dict[str, Unit], now: datetime
) -> list[dict[str, int]]:
    """Update changed households; answer those that moved to another hamlet."""
    table = Household.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            hamlet_id=bindparam("b_hamlet_id"),
            address=bindparam("b_address"),
            lat=bindparam("b_lat"),
            lon=bindparam("b_lon"),
            location_source=bindparam("b_location_source"),
            search_text=bindparam("b_search_text"),
            kind=bindparam("b_kind"),
            site_name=bindparam("b_site_name"),
            updated_at=bindparam("b_updated_at"),
        )
    )
    moved = []
    for chunk in chunks(changed, WRITE_CHUNK):
        params = []
        for h in chunk:
            old, group = h.existing, h.group
            h.household_id = old.id
            hamlet = _hamlet_of(h, made)
            address = group.address or old.address
            location = group.location or (old.lat, old.lon)
            params.append(
                {
                    "b_id": old.id,
                    "b_hamlet_id": hamlet.id,
                    "b_address": address,
                    "b_lat": location[0],
                    "b_lon": location[1],
                    "b_location_source": "known" if group.location else old.location_source,
                    "b_search_text": _search_text(address, group.code, _names(h)),
                    "b_kind": group.kind or old.kind,
                    "b_site_name": group.site_name or old.site_name,
                    "b_updated_at": now,
                }
            )
            if hamlet.id != old.hamlet_id:
                moved.append({"b_household": old.id, "b_hamlet": hamlet.id})
        db.session.execute(statement, params)
    return moved


def _move_household_rows(moved: list[dict[str, int]]) -> None:
    """Move the rows of households that changed hamlet along with them.

    Residents, corrections, its visits (so coverage counts them where the household now is;
    where a visit was taken stays in its geo_hamlet_id) and open follow-ups (closed ones stay
    where they were done), which are then given to the new hamlet's officer.
    """
    for model in (Resident, Correction, Visit, Followup):
        t = model.__table__
        move = (
            update(t)
            .where(t.c.household_id == bindparam("b_household"))
            .values(hamlet_id=bindparam("b_hamlet"))
        )
        if model is Followup:
            move = move.where(t.c.status == "open")
        for chunk in chunks(moved, WRITE_CHUNK):
            db.session.execute(move, chunk)
    # Their open follow-ups go to the new hamlet's officer, with the household's location.
    reassign.follow_moved_households(row["b_household"] for row in moved)


def _write_residents(plans: list[HouseholdPlan], actor_id: int | None) -> list[ResidentPlan]:
    """Insert new residents, update changed ones with history; answer those written."""
    now = utcnow()
    new: list[ResidentPlan] = []
    changed: list[ResidentPlan] = []
    for h in plans:
        if h.status not in ("added", "changed"):
            continue
        for r in h.residents:
            r.household_id, r.units = h.household_id, h.units
            if r.status == "added":
                new.append(r)
            elif r.status == "changed":
                changed.append(r)
    column_of = _column_names(Resident, RESIDENT_ATTRS)
    for chunk in chunks(new, WRITE_CHUNK):
        bulk_insert(Resident.__table__, [_new_resident_row(r, column_of, now) for r in chunk])
    _update_residents(changed, column_of, actor_id, now)
    return new + changed


def _new_resident_row(r: ResidentPlan, column_of: dict[str, str], now: datetime) -> dict:
    """The residents row of a new resident."""
    hamlet_id, commune_id, province_id = r.units
    return {
        **{column_of[attr]: r.values[attr] for attr in RESIDENT_ATTRS},
        "household_id": r.household_id,
        "hamlet_id": hamlet_id,
        "commune_id": commune_id,
        "province_id": province_id,
        "pending": False,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def _update_residents(
    changed: list[ResidentPlan], column_of: dict[str, str], actor_id: int | None, now: datetime
) -> None:
    """Update changed residents, a version up, and write a history row per changed field."""
    table = Resident.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"))
        .values(
            **{column_of[a]: bindparam(f"b_{a}") for a in RESIDENT_ATTRS},
            version=table.c.version + 1,
            updated_at=bindparam("b_updated_at"),
        )
    )
    history = []
    for chunk in chunks(changed, WRITE_CHUNK):
        params = []
        for r in chunk:
            r.resident_id = r.existing.id
            params.append(
                {
                    "b_id": r.existing.id,
                    "b_updated_at": now,
                    **{f"b_{a}": r.values[a] for a in RESIDENT_ATTRS},
                }
            )
            history += [
                {
                    "resident_id": r.existing.id,
                    "visit_id": None,
                    "user_id": actor_id,
                    "field": name,
                    "old_value": _text(old),
                    "new_value": _text(new_value),
                    "at": now,
                }
                for name, (old, new_value) in r.changes.items()
            ]
        db.session.execute(statement, params)
    for chunk in chunks(history, WRITE_CHUNK):
        bulk_insert(StatusChange.__table__, chunk)


def _findings(r: ResidentPlan) -> list[Finding]:
    values = r.values
    if not values.get("id_number"):
        return []
    if r.status == "changed" and not any(f in r.changes for f in ID_FIELDS):
        return []
    found = check_id_number(
        values["id_number"],
        sex=values.get("sex"),
        birth_year=values.get("birth_year"),
        birthplace_code=values.get("birthplace_code"),
    )
    out = []
    for item in found:
        current, proposed = item.current, item.proposed
        if item.field == "birthplace":
            current = values.get("birthplace")
            proposed = PROVINCE_CODES.get(item.proposed or "", item.proposed)
        out.append((item.field, ID_RULES[item.field], current, proposed, item))
    return out


def _open_corrections(written: list[ResidentPlan], actor_id: int | None) -> int:
    """Open a correction (source 'import') for each ID number that contradicts its row."""
    candidates = [(r, f) for r in written for f in _findings(r)]
    if not candidates:
        return 0
    _find_new_resident_ids([r for r, _f in candidates])
    known = _known_corrections(
        sorted({r.resident_id for r, _f in candidates if r.status == "changed"})
    )
    now = utcnow()
    rows = []
    for r, finding in candidates:
        field, rule, current = finding[:3]
        current_text = None if current is None else str(current)[:300]
        if (r.resident_id, field, rule, None) in known or (
            r.resident_id,
            field,
            rule,
            current_text,
        ) in known:
            continue
        rows.append(_correction_row(r, finding, current_text, actor_id, now))
    for chunk in chunks(rows, WRITE_CHUNK):
        db.session.execute(insert(Correction.__table__), chunk)
    return len(rows)


def _find_new_resident_ids(residents: list[ResidentPlan]) -> None:
    """Set the ids of new residents, inserted without RETURNING, by their unique ID numbers."""
    unknown = sorted({r.values["id_number"] for r in residents if r.resident_id is None})
    ids: dict[str, int] = {}
    for chunk in chunks(unknown):
        ids.update(
            db.session.execute(
                select(Resident.id_number, Resident.id).where(Resident.id_number.in_(chunk))
            ).all()
        )
    for r in residents:
        if r.resident_id is None:
            r.resident_id = ids[r.values["id_number"]]


def _known_corrections(resident_ids: list[int]) -> set[tuple]:
    """Corrections already on these residents: open ones by rule, reviewed ones by value too."""
    known: set[tuple] = set()
    for chunk in chunks(resident_ids):
        for c in db.session.execute(
            select(
                Correction.resident_id,
                Correction.field,
                Correction.rule,
                Correction.status,
                Correction.current_value,
            ).where(Correction.resident_id.in_(chunk))
        ):
            reviewed = c.status not in ("open", "verified")
            known.add((c.resident_id, c.field, c.rule, c.current_value if reviewed else None))
    return known


def _correction_row(
    r: ResidentPlan, finding: Finding, current_text: str | None, actor_id: int | None, now: datetime
) -> dict[str, Any]:
    """The corrections row of one ID number finding."""
    field, rule, _current, proposed, item = finding
    hamlet_id, commune_id, province_id = r.units
    return {
        "household_id": r.household_id,
        "resident_id": r.resident_id,
        "related_resident_id": None,
        "hamlet_id": hamlet_id,
        "commune_id": commune_id,
        "province_id": province_id,
        "field": field,
        "problem": "wrong",
        "current_value": current_text,
        "proposed_value": None if proposed is None else str(proposed)[:300],
        "note": item.message_vi[:1000],
        "source": "import",
        "rule": rule,
        "status": "open",
        "visit_id": None,
        "created_by_id": actor_id,
        "created_at": now,
        "details": {"message_en": item.message_en, "row": r.row.number},
    }


def _announce_card_changes(written: list[ResidentPlan], actor_id: int | None) -> None:
    """Tell the follow-ups about residents whose travel, card date or birth data changed (an
    open id_capture turns at home or back; a renewal due opens renew_card)."""
    changed = [
        r for r in written if r.status == "changed" and set(r.changes) & set(CARD_RULE_FIELDS)
    ]
    if not changed:
        return
    db.session.flush()
    actor = db.session.get(User, actor_id) if actor_id else None
    for r in changed:
        resident = db.session.get(Resident, r.existing.id)
        db.session.refresh(resident)  # written by a bulk statement
        resident_changed.send(resident, fields=list(r.changes), actor=actor)


def apply_households(
    households: list[HouseholdPlan],
    commune: Unit,
    made: dict[str, Unit],
    actor_id: int | None,
    progress: Callable[[str], None] | None = None,
) -> tuple[int, int]:
    """Write the accepted households of (a chunk of) a plan; answer the residents written and
    the corrections opened."""
    accepted = [h for h in households if h.status in ("added", "changed")]
    for h in accepted:
        h.units = (_hamlet_of(h, made).id, commune.id, commune.province_id)
    if progress:
        progress("households")
    _write_households(accepted, commune, made, actor_id)
    if progress:
        progress("residents")
    written = _write_residents(accepted, actor_id)
    opened = _open_corrections(written, actor_id)
    _announce_card_changes(written, actor_id)
    db.session.flush()
    return len(written), opened


def analyze_after(written: int) -> None:
    """Fresh statistics after a large import, not when autovacuum gets round to it: without
    them the next import's lookups of these tables are planned as if they were empty."""
    if written >= ANALYZE_AFTER and db.session.connection().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE households, residents"))


def analyze_while_growing(written: int, analyzed: int) -> int:
    """Between the chunks of one import: fresh statistics each time the rows written since the
    last ANALYZE reach as many as there were then (at least ANALYZE_AFTER), so each chunk's
    lookups are planned for the tables' real size (planned as empty, PostgreSQL joined the
    residents to the households by scanning them, and a 100,000-resident import took minutes);
    answer the count at the last ANALYZE."""
    if written - analyzed < max(ANALYZE_AFTER, analyzed):
        return analyzed
    analyze_after(written)
    return written

"""What the database already holds for an import, loaded in chunks, never a query per row."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import Row as SqlRow
from sqlalchemy import select

from app.extensions import db
from app.people.models import Household, Resident
from app.units.models import Unit

CHUNK = 1000

HOUSEHOLD_COLUMNS = (
    Household.id,
    Household.code,
    Household.hamlet_id,
    Household.address,
    Household.lat,
    Household.lon,
    Household.location_source,
    Household.search_text,
    Household.kind,
    Household.site_name,
)
RESIDENT_COLUMNS = (
    Resident.id,
    Resident.household_id,
    Resident.full_name,
    Resident.name_folded,
    Resident.birth_date,
    Resident.birth_year,
    Resident.sex,
    Resident.id_number,
    Resident.birthplace,
    Resident.birthplace_code,
    Resident.ethnicity,
    Resident.relationship_to_head,
    Resident.phone,
    Resident.presence,
    Resident.id_card,
    Resident.eid,
    Resident.residence,
    Resident.home_address,
    Resident.residence_until,
    Resident.room,
    Resident.unable_to_travel,
    Resident.card_issued_on,
    Resident.card_renewal_due,
)


def chunks(items: list, size: int = CHUNK) -> Iterator[list]:
    """Split a list into lists of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class Holder:
    """A resident already holding an ID number, and where."""

    resident_id: int
    household_id: int
    household_code: str | None
    commune_id: int


@dataclass
class Known:
    """The commune's hamlets, the households a file names, their residents, ID holders."""

    hamlets_by_code: dict[str, Unit] = field(default_factory=dict)
    hamlets_by_name: dict[str, Unit] = field(default_factory=dict)
    households: dict[str, SqlRow] = field(default_factory=dict)
    residents: dict[int, list[SqlRow]] = field(default_factory=dict)
    holders: dict[str, Holder] = field(default_factory=dict)


def load_hamlets(commune: Unit) -> Known:
    """The commune's hamlets, by code and by folded name."""
    known = Known()
    for unit in db.session.scalars(
        select(Unit).where(Unit.parent_id == commune.id, Unit.level == "hamlet")
    ):
        known.hamlets_by_code[unit.code] = unit
        known.hamlets_by_name[unit.name_folded] = unit
    return known


def load_known(
    commune: Unit, codes: Iterable[str], id_numbers: Iterable[str], hamlets: Known | None = None
) -> Known:
    """Load what an import compares against: a few queries per thousand rows."""
    hamlets = hamlets or load_hamlets(commune)
    known = Known(hamlets.hamlets_by_code, hamlets.hamlets_by_name)
    for chunk in chunks(sorted(set(codes))):
        for row in db.session.execute(
            select(*HOUSEHOLD_COLUMNS).where(
                Household.commune_id == commune.id, Household.code.in_(chunk)
            )
        ):
            known.households[row.code] = row
    code_of = {row.id: row.code for row in known.households.values()}
    for chunk in chunks(sorted(code_of)):
        for row in db.session.execute(
            select(*RESIDENT_COLUMNS)
            .where(Resident.household_id.in_(chunk))
            .order_by(Resident.household_id, Resident.id)
        ):
            known.residents.setdefault(row.household_id, []).append(row)
            if row.id_number:
                known.holders[row.id_number] = Holder(
                    row.id, row.household_id, code_of[row.household_id], commune.id
                )
    missing = sorted(set(id_numbers) - set(known.holders))
    for chunk in chunks(missing):
        for row in db.session.execute(
            select(
                Resident.id,
                Resident.household_id,
                Resident.id_number,
                Household.code,
                Household.commune_id,
            )
            .join(Household, Household.id == Resident.household_id)
            .where(Resident.id_number.in_(chunk))
        ):
            known.holders[row.id_number] = Holder(
                row.id, row.household_id, row.code, row.commune_id
            )
    return known

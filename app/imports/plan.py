"""Decide what an import does to each household and resident before anything is written.

Households are keyed by their code within the commune; residents by their ID number, and
those without one by (household, folded name, birth year). A blank cell never erases what is
on file, and the ordered statuses (ID card, e-ID) only move forward.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _

from app.imports import checks
from app.imports.checks import Group, HamletResolver
from app.imports.columns import HEADERS
from app.imports.lookups import Known, load_hamlets, load_known
from app.imports.rows import Layout, Row
from app.labels import label
from app.people.renewal import renewal_due
from app.people.rules import is_regression
from app.text import normalize_name
from app.units.models import Unit

# API field name -> Resident attribute, for the fields an import may set.
FIELDS = {
    "full_name": "full_name",
    "sex": "sex",
    "id_number": "id_number",
    "birthplace": "birthplace",
    "ethnicity": "ethnicity",
    "relationship": "relationship_to_head",
    "phone": "phone",
    "presence": "presence",
    "id_card": "id_card",
    "eid": "eid",
    "residence": "residence",
    "home_address": "home_address",
    "residence_until": "residence_until",
    "room": "room",
    "unable_to_travel": "unable_to_travel",
    "card_issued_on": "card_issued_on",
}
STATUS_FIELDS = ("presence", "id_card", "eid")
DEFAULTS = {
    "presence": "present",
    "id_card": "not_collected",
    "eid": "none",
    "residence": "permanent",
    "unable_to_travel": False,
}
# Every Resident attribute an import writes, in one fixed order (bulk statements need it).
RESIDENT_ATTRS = (
    "full_name", "name_folded", "birth_date", "birth_year", "sex", "id_number", "birthplace",
    "birthplace_code", "ethnicity", "relationship_to_head", "phone", "presence", "id_card", "eid",
    "residence", "home_address", "residence_until", "room", "unable_to_travel", "card_issued_on",
    "card_renewal_due",
)  # fmt: skip
# Households planned (and written) at a time: the memory of an import is one chunk's. At 1,000
# a 100,000-resident import peaks about 15 MB lower than at 2,000 in the same time; at 500 it
# saves 10 MB more but PostgreSQL writes slower (more round trips).
PLAN_CHUNK = 1000


@dataclass
class ResidentPlan:
    """One row's resident: new, or matched to one on file, with the fields that change."""

    row: Row
    existing: Any | None
    values: dict[str, Any]
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    status: str = ""
    resident_id: int | None = None  # set when written
    household_id: int | None = None
    units: tuple[int, int, int] | None = None  # hamlet, commune, province


@dataclass
class HouseholdPlan:
    """One household of the file and what the import does to it."""

    group: Group
    existing: Any | None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    residents: list[ResidentPlan] = field(default_factory=list)
    kept: list[Any] = field(default_factory=list)  # members on file the sheet does not list
    status: str = ""
    household_id: int | None = None  # set when written
    units: tuple[int, int, int] | None = None  # hamlet, commune, province


def _birth_text(born: date | None, year: int | None) -> str | None:
    if born is not None:
        return born.isoformat()
    return str(year) if year is not None else None


def _holder_message(known: Known, commune: Unit, number: str) -> str:
    holder = known.holders[number]
    if holder.commune_id == commune.id:
        return _(
            "Số định danh đã có ở hộ %(code)s (công dân #%(id)s), không phải hộ này.",
            code=holder.household_code or f"#{holder.household_id}",
            id=holder.resident_id,
        )
    return _("Số định danh đã có ở một hộ thuộc xã khác.")


def _match(plan: HouseholdPlan, known: Known, commune: Unit) -> None:
    """Pair each row with a resident on file, by ID number first, then by name and year."""
    existing_id = plan.existing.id if plan.existing is not None else None
    members = known.residents.get(existing_id, []) if existing_id is not None else []
    free = {m.id: m for m in members}
    pending: list[Row] = []
    matched: dict[int, Any] = {}
    for row in plan.group.rows:
        number = row.values.get("id_number")
        holder = known.holders.get(number) if number else None
        if holder is None:
            pending.append(row)
        elif holder.household_id != existing_id:
            row.error(_holder_message(known, commune, number))
        else:
            matched[id(row)] = free.pop(holder.resident_id)
    for loose in (False, True):
        for row in list(pending):
            values = row.values
            candidates = [
                m
                for m in free.values()
                if m.name_folded == values.get("name_folded")
                and not (values.get("id_number") and m.id_number)
                and (
                    m.birth_year == values.get("birth_year")
                    or (loose and (m.birth_year is None or values.get("birth_year") is None))
                )
            ]
            if len(candidates) == 1 or (candidates and not loose):
                matched[id(row)] = free.pop(candidates[0].id)
                pending.remove(row)
    plan.kept = list(free.values())
    for row in plan.group.rows:
        if not row.errors:
            plan.residents.append(_resident_plan(row, matched.get(id(row))))


def _same(name: str, old: Any, new: Any) -> bool:
    """Tell whether a file's value says what is on file (names and text compared tidied)."""
    if old == new:
        return True
    if not isinstance(old, str):
        return False
    if name == "full_name":
        return normalize_name(old) == new
    return " ".join(unicodedata.normalize("NFC", old).split()) == new


def _renewal(final: dict[str, Any]) -> Any:
    """The card's renewal date from the row's final date of birth and issue date."""
    born = final["birth_date"] if final["birth_date"] is not None else final["birth_year"]
    return renewal_due(born, final["card_issued_on"])


def _resident_plan(row: Row, existing: Any | None) -> ResidentPlan:
    values = row.values
    if existing is None:
        final = {attr: values.get(attr) for attr in RESIDENT_ATTRS if attr in values}
        final["relationship_to_head"] = values.get("relationship")
        for attr in RESIDENT_ATTRS:
            final.setdefault(attr, None)
        for key, default in DEFAULTS.items():
            final[key] = final[key] or default
        final["card_renewal_due"] = _renewal(final)
        return ResidentPlan(row, None, final, status="added")
    final = {attr: getattr(existing, attr) for attr in RESIDENT_ATTRS}
    changes: dict[str, tuple[Any, Any]] = {}
    for name, attr in FIELDS.items():
        new = values.get(name)
        old = final[attr]
        if new is None or _same(name, old, new):
            continue
        if name in STATUS_FIELDS and is_regression(name, old, new):
            row.note(
                _(
                    "Giữ %(field)s trên hệ thống (%(old)s), mới hơn tệp (%(new)s).",
                    field=HEADERS[name],
                    old=label(name, old),
                    new=label(name, new),
                )
            )
            continue
        final[attr] = new
        changes[name] = (old, new)
    if "full_name" in changes:
        final["name_folded"] = values["name_folded"]
    if "birthplace" in changes:
        final["birthplace_code"] = values.get("birthplace_code")
    born, year = values.get("birth_date"), values.get("birth_year")
    old_born, old_year = final["birth_date"], final["birth_year"]
    if (born is not None and born != old_born) or (year is not None and year != old_year):
        final["birth_date"], final["birth_year"] = born, year
        changes["date_of_birth"] = (_birth_text(old_born, old_year), _birth_text(born, year))
    final["card_renewal_due"] = _renewal(final)
    return ResidentPlan(row, existing, final, changes, "changed" if changes else "unchanged")


def _household_changes(plan: HouseholdPlan, resolver: HamletResolver) -> None:
    group, existing = plan.group, plan.existing
    if existing is None:
        plan.status = "added"
        return
    if group.new_hamlet is not None or (
        group.hamlet is not None and group.hamlet.id != existing.hamlet_id
    ):
        new = group.hamlet.code if group.hamlet else resolver.new[group.new_hamlet][0]
        plan.changes["hamlet"] = (existing.hamlet_id, new)
    if group.address and not _same("address", existing.address, group.address):
        plan.changes["address"] = (existing.address, group.address)
    if group.location and group.location != (existing.lat, existing.lon):
        plan.changes["location"] = ((existing.lat, existing.lon), group.location)
    for key in ("kind", "site_name"):
        new = getattr(group, key)
        if new and not _same(key, getattr(existing, key), new):
            plan.changes[key] = (getattr(existing, key), new)
    touched = any(r.status in ("added", "changed") for r in plan.residents)
    plan.status = "changed" if plan.changes or touched else "unchanged"


@dataclass
class Planner:
    """Plans households a chunk at a time (`plan_chunk`), each chunk against what the database
    holds for its own households and ID numbers only, so the memory an import needs does not
    grow with the rows on file. Planning a chunk twice gives the same plan (the checks add
    each error and note once), and nothing a chunk writes changes another chunk's plan:
    households are keyed by their code, and an ID number on two rows of the file is refused.
    """

    resolver: HamletResolver
    commune: Unit

    @classmethod
    def start(cls, layout: Layout, commune: Unit, create_hamlets: bool) -> Planner:
        """Load the commune's hamlets for every chunk to find its rows' hamlets in."""
        hamlets = load_hamlets(commune)
        return cls(HamletResolver(hamlets, layout.hamlet_kind, create_hamlets, commune), commune)

    def plan_chunk(self, groups: list[Group]) -> tuple[list[HouseholdPlan], int]:
        """Check and plan some households; answer the plans and the addresses converted."""
        numbers = [
            r.values["id_number"] for g in groups for r in g.rows if r.values.get("id_number")
        ]
        known = load_known(self.commune, [g.code for g in groups], numbers, self.resolver.known)
        conversions = 0
        households = []
        for group in groups:
            conversions += _check_group(group, self.resolver, known, self.commune)
            plan = HouseholdPlan(group, known.households.get(group.code))
            _match(plan, known, self.commune)
            if group.bad:
                plan.status = "refused"
                plan.residents = []
            else:
                _household_changes(plan, self.resolver)
            households.append(plan)
        return households, conversions

    def new_hamlets(self, used: set[str | None]) -> dict[str, tuple[str, str]]:
        """The new hamlets the accepted households need, in the order they were met."""
        return {key: spec for key, spec in self.resolver.new.items() if key in used}


def _check_group(group: Group, resolver: HamletResolver, known: Known, commune: Unit) -> int:
    """Run the household's checks; answer 1 when its old address was converted."""
    checks.check_hamlets(group, resolver)
    converted = checks.check_address(group, commune)
    checks.check_site(group)
    checks.check_location(group)
    checks.check_head(group, known)
    checks.check_people(group)
    return int(converted)

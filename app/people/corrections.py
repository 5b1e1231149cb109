"""Corrections: found by officers and by the server's own checks, reviewed and resolved.

The server checks a group of residents at once (a visit's household, a new household): the
ID number against sex, birth year and birthplace; a missing date of birth; a probable
duplicate person in the commune. Candidates and earlier corrections are loaded in one query
each, never one per resident.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import (
    ARRAY,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
    tuple_,
    union,
)

from app.auth.models import User
from app.database import batch_cache
from app.extensions import db
from app.people.idnumber import PROVINCE_CODES, InvalidIdNumber, check_id_number
from app.people.models import Correction, Resident

# IdFinding.field -> the rule name a correction keeps.
ID_RULES = {
    "sex": "id_sex",
    "date_of_birth": "id_birth_year",
    "birthplace": "id_birthplace",
    "id_number": "id_province_code",
}
DUPLICATE_RULES = ("probable_duplicate", "same_id_number")
# Keys of a batch's cache (app.database.batch_cache): the duplicate candidates and the
# corrections on file of the batch's residents.
CANDIDATES_KEY = "corrections_candidates"
KNOWN_KEY = "corrections_known"
CANDIDATE_COLUMNS = (
    Resident.id,
    Resident.household_id,
    Resident.commune_id,
    Resident.name_folded,
    Resident.birth_date,
    Resident.birth_year,
    Resident.id_number,
)


@dataclass
class _Candidates:
    """A batch's duplicate candidates: every resident sharing the (commune, folded name, birth
    year) of a covered resident or holding one of their ID numbers, and the residents the
    batch added. The rows are residents or rows of CANDIDATE_COLUMNS."""

    covered: set[int] = field(default_factory=set)
    by_key: dict[tuple, list[Any]] = field(default_factory=dict)
    by_number: dict[str, list[Any]] = field(default_factory=dict)
    ids: set[int] = field(default_factory=set)

    def add(self, row: Any) -> None:
        if row.id in self.ids:
            return
        self.ids.add(row.id)
        self.by_key.setdefault((row.commune_id, row.name_folded, row.birth_year), []).append(row)
        if row.id_number:
            self.by_number.setdefault(row.id_number, []).append(row)

    def cover(self, residents: list[Resident]) -> None:
        """Read the candidates of residents not covered yet, in one query on their exact keys
        (the rows of other keys decide nothing: see `_probable_duplicates`)."""
        people = [r for r in residents if r.id is not None and r.id not in self.covered]
        keys = {
            (r.commune_id, r.name_folded, r.birth_year)
            for r in people
            if r.name_folded and r.birth_year is not None
        }
        numbers = {r.id_number for r in people if r.id_number}
        parts = []  # a UNION, not an OR: PostgreSQL reads an OR of arrays with a full scan
        if keys:
            columns = tuple_(Resident.commune_id, Resident.name_folded, Resident.birth_year)
            listed = _listed(sorted(keys), KEY_TYPES)
            parts.append(select(*CANDIDATE_COLUMNS).where(columns.in_(listed)))
        if numbers:
            listed = _listed([(n,) for n in sorted(numbers)], (String,))
            parts.append(select(*CANDIDATE_COLUMNS).where(Resident.id_number.in_(listed)))
        if parts:
            query = union(*parts) if len(parts) > 1 else parts[0]
            query = query.order_by(literal_column("id"))
            with db.session.no_autoflush:
                for row in db.session.execute(query):
                    self.add(row)
        self.covered.update(r.id for r in people)

    def of(self, residents: list[Resident]) -> list[Any]:
        """What `_candidates` reads for these residents (those that decide the findings)."""
        ids = {r.id for r in residents}
        found: dict[int, Any] = {}
        for r in residents:
            if r.name_folded and r.birth_year is not None:
                for row in self.by_key.get((r.commune_id, r.name_folded, r.birth_year), []):
                    found[row.id] = row
            for row in self.by_number.get(r.id_number, []) if r.id_number else []:
                if row.id not in ids:
                    found[row.id] = row
        return [found[i] for i in sorted(found)]


# The types of the duplicate key's columns (commune, folded name, birth year), for arrays;
# and from how many keys on PostgreSQL reads them from one array per column.
KEY_TYPES = (Integer, String, Integer)
KEYS_AS_ARRAYS = 50


def _listed(keys: list[tuple], types: tuple) -> Any:
    """The keys (tuples of values of these column types) for an IN: on PostgreSQL, from
    `KEYS_AS_ARRAYS` on, one array per column unnested (a short statement of a few parameters,
    not a long one of one per value), else the list (of values, for one column)."""
    if db.session.get_bind().dialect.name != "postgresql" or len(keys) < KEYS_AS_ARRAYS:
        return keys if len(types) > 1 else [key[0] for key in keys]
    columns = zip(*keys, strict=True)
    return select(
        *(func.unnest(cast(list(c), ARRAY(t))) for c, t in zip(columns, types, strict=True))
    )


@dataclass
class _Known:
    """A batch's corrections about or related to its covered residents, and those it opened."""

    covered: set[int] = field(default_factory=set)
    about: dict[int, dict[int, Correction]] = field(default_factory=dict)

    def add(self, correction: Correction) -> None:
        for rid in {correction.resident_id, correction.related_resident_id} - {None}:
            self.about.setdefault(rid, {})[id(correction)] = correction

    def cover(self, ids: set[int]) -> None:
        """Read the corrections about residents not covered yet, in one query."""
        missing = ids - self.covered
        if missing:
            with db.session.no_autoflush:
                for correction in db.session.scalars(_known_statement(), {"ids": list(missing)}):
                    self.add(correction)
            self.covered.update(missing)

    def of(self, ids: set[int]) -> list[Correction]:
        found = {key: c for rid in ids for key, c in self.about.get(rid, {}).items()}
        return list(found.values())


@cache
def _known_statement() -> Select:
    """The corrections about or related to the residents given as the parameter ids, built
    once (it keeps its cache key)."""
    ids = bindparam("ids", expanding=True)
    return select(Correction).where(
        or_(Correction.resident_id.in_(ids), Correction.related_resident_id.in_(ids))
    )


def prepare_batch(residents: list[Resident], cache: dict[str, Any]) -> None:
    """Read once for a batch of visits of these residents: their duplicate candidates (one
    query, on the exact keys) and the corrections on file about them (one query). A visit's
    checks then read them from here; residents not covered yet (new ones, or a household's
    newcomers seen again) are read when first checked, after the batch's writes so far were
    flushed (see app/visits/service.py), and the batch's own new residents and corrections
    join as they are made: what each visit reads is what the database would answer."""
    candidates, known = _Candidates(), _Known()
    candidates.cover(residents)
    known.cover({r.id for r in residents if r.id is not None})
    cache[CANDIDATES_KEY] = candidates
    cache[KNOWN_KEY] = known


def note_new_residents(residents: list[Resident]) -> None:
    """Let a running batch's candidates hold the residents a visit just added (flushed)."""
    cache = batch_cache(db.session())
    if cache is not None and CANDIDATES_KEY in cache:
        for resident in residents:
            cache[CANDIDATES_KEY].add(resident)


@dataclass
class Finding:
    """A correction to open, before it is checked against those already on file."""

    resident: Resident
    field: str
    rule: str | None
    source: str = "server"
    problem: str = "wrong"
    current: str | None = None
    proposed: str | None = None
    note: str | None = None
    related_resident_id: int | None = None
    details: dict[str, Any] | None = field(default=None)


def _id_findings(resident: Resident) -> list[Finding]:
    if not resident.id_number:
        return []
    try:
        found = check_id_number(
            resident.id_number,
            sex=resident.sex,
            birth_year=resident.birth_year,
            birthplace_code=resident.birthplace_code,
        )
    except InvalidIdNumber:
        return [Finding(resident, "id_number", "id_not_12_digits", current=resident.id_number)]
    out = []
    for item in found:
        current, proposed = item.current, item.proposed
        if item.field == "birthplace":
            current = resident.birthplace
            proposed = PROVINCE_CODES.get(item.proposed or "", item.proposed)
        out.append(
            Finding(
                resident,
                item.field,
                ID_RULES[item.field],
                current=current,
                proposed=proposed,
                note=item.message_vi,
                details={"message_en": item.message_en},
            )
        )
    return out


def _duplicate_findings(residents: list[Resident]) -> list[Finding]:
    """Find residents who probably exist twice: same name and birth date, or same ID number.

    The candidates of both checks come in one query."""
    candidates = _candidates(residents)
    return _probable_duplicates(residents, candidates) + _same_id_numbers(residents, candidates)


def _candidates(residents: list[Resident]) -> list[Any]:
    """Residents of the same commune with the same folded name and birth year as one of
    these, or holding one of their ID numbers, in one query (or from a running batch's
    candidates)."""
    cache = batch_cache(db.session())
    pool = cache.get(CANDIDATES_KEY) if cache is not None else None
    if pool is not None:
        pool.cover(residents)
        return pool.of(residents)
    # The exact keys (not each column's values apart, which the planner may read as "the
    # whole commune"): one probe of the key index per resident.
    keys = sorted(
        {(r.commune_id, r.name_folded, r.birth_year) for r in residents
         if r.name_folded and r.birth_year is not None}
    )  # fmt: skip
    numbers = [r.id_number for r in residents if r.id_number]
    if not keys and not numbers:
        return []
    params = {"keys": keys, "numbers": numbers, "ids": [r.id for r in residents]}
    listed = _listed(keys, KEY_TYPES) if keys else None
    if listed is None or isinstance(listed, list):
        statement = _candidates_statement(bool(keys), bool(numbers))
    else:  # many keys on PostgreSQL: one array per column
        statement = _candidates_query(listed, numbers or None, params["ids"])
    return list(db.session.execute(statement, params).all())


def _candidates_query(keys: Any, numbers: Any, ids: Any) -> Select:
    """Residents with one of these keys (commune, folded name, birth year), or holding one
    of these ID numbers without being one of these ids; None leaves a condition out."""
    conditions = []
    if keys is not None:
        columns = tuple_(Resident.commune_id, Resident.name_folded, Resident.birth_year)
        conditions.append(columns.in_(keys))
    if numbers is not None:
        conditions.append(and_(Resident.id_number.in_(numbers), Resident.id.not_in(ids)))
    return select(*CANDIDATE_COLUMNS).where(or_(*conditions)).order_by(Resident.id)


@cache
def _candidates_statement(keyed: bool, numbered: bool) -> Select:
    """`_candidates_query` with the lists as the parameters keys, numbers and ids, built
    once per shape (it keeps its cache key)."""
    return _candidates_query(
        bindparam("keys", expanding=True) if keyed else None,
        bindparam("numbers", expanding=True) if numbered else None,
        bindparam("ids", expanding=True),
    )


def _probable_duplicates(residents: list[Resident], candidates: list[Any]) -> list[Finding]:
    """Residents with the same folded name and birth date as another in the commune."""
    keyed = [r for r in residents if r.name_folded and r.birth_year is not None]
    findings: list[Finding] = []
    by_key: dict[tuple, list] = {}
    for row in candidates:
        by_key.setdefault((row.commune_id, row.name_folded, row.birth_year), []).append(row)
    for resident in keyed:
        key = (resident.commune_id, resident.name_folded, resident.birth_year)
        for other in by_key.get(key, []):
            if other.id == resident.id:
                continue
            if resident.birth_date and other.birth_date and resident.birth_date != other.birth_date:
                continue
            note = f"Có thể trùng với công dân #{other.id} (hộ #{other.household_id})."
            findings.append(_duplicate(resident, other, "probable_duplicate", note))
            break
    return findings


def _duplicate(resident: Resident, other: Any, reason: str, note: str) -> Finding:
    """A duplicate-record finding: `resident` may be the same person as `other` (a resident
    or a candidate row with `id` and `household_id`)."""
    return Finding(
        resident,
        "duplicate_record",
        reason,
        problem="duplicate",
        current=str(resident.id),
        proposed=str(other.id),
        note=note,
        related_resident_id=other.id,
        details={"household_id": other.household_id},
    )


def _same_id_numbers(residents: list[Resident], candidates: list[Any]) -> list[Finding]:
    """Residents whose ID number another resident already holds."""
    findings: list[Finding] = []
    numbered = {r.id_number: r for r in residents if r.id_number}
    ids = {r.id for r in residents}
    for row in candidates:
        if row.id_number not in numbered or row.id in ids:
            continue
        resident = numbered[row.id_number]
        note = f"Cùng số định danh với công dân #{row.id} (hộ #{row.household_id})."
        findings.append(_duplicate(resident, row, "same_id_number", note))
    return findings


def server_findings(residents: Iterable[Resident]) -> list[Finding]:
    """Run the server's checks over residents (already flushed, with ids)."""
    people = [r for r in residents if r.id is not None]
    findings: list[Finding] = []
    for resident in people:
        findings.extend(_id_findings(resident))
        if resident.birth_date is None and resident.birth_year is None:
            findings.append(
                Finding(resident, "date_of_birth", "missing_birth_date", problem="missing")
            )
    # Pending changes (statuses, history rows) say nothing about duplicates: no autoflush.
    with db.session.no_autoflush:
        findings.extend(_duplicate_findings(people))
    return findings


def regression_finding(resident: Resident, steps: dict[str, Any], where: str = "") -> Finding:
    """A status step back, not applied, as a finding to review; `where` names the source."""
    text = "; ".join(f"{name}: {old} → {new}" for name, (old, new) in steps.items())
    return Finding(
        resident,
        "other",
        "status_regression",
        current="; ".join(f"{name}={old}" for name, (old, _new) in steps.items()),
        proposed="; ".join(f"{name}={new}" for name, (_old, new) in steps.items()),
        note=f"Trạng thái lùi, chưa áp dụng{where}: {text}",
        details={"changes": {name: {"from": old, "to": new} for name, (old, new) in steps.items()}},
    )


def officer_findings(resident: Resident, items: list[dict]) -> list[Finding]:
    """Turn the corrections an officer reported for a resident into findings."""
    current_of = {
        "full_name": resident.full_name,
        "date_of_birth": resident.date_of_birth,
        "sex": resident.sex,
        "id_number": resident.id_number,
        "birthplace": resident.birthplace,
        "ethnicity": resident.ethnicity,
        "relationship": resident.relationship_to_head,
        "address": resident.household.address if resident.household else None,
    }
    return [
        Finding(
            resident,
            item["field"],
            None,
            source="officer",
            current=current_of.get(item["field"]),
            proposed=item.get("proposed"),
            note=item.get("note") or None,
        )
        for item in items
    ]


def _already_known(finding: Finding, existing: list[Correction]) -> bool:
    """Tell whether a finding repeats a correction on file (open, or reviewed as is)."""
    for c in existing:
        same_pair = (
            finding.rule in DUPLICATE_RULES
            and c.rule == finding.rule
            and {c.resident_id, c.related_resident_id}
            == {finding.resident.id, finding.related_resident_id}
        )
        same_key = (
            c.resident_id == finding.resident.id
            and c.field == finding.field
            and c.rule == finding.rule
        )
        if not (same_key or same_pair):
            continue
        if c.status in ("open", "verified"):
            return True
        # A reviewed finding comes back only when the data it was about has changed.
        if finding.source == "server" and (c.current_value or None) == _cut(finding.current, 300):
            return True
    return False


def _cut(value: Any, size: int) -> str | None:
    return None if value is None else str(value)[:size]


def open_corrections(
    findings: list[Finding],
    actor: User | None,
    visit_id: int | None = None,
    *,
    flush: bool = True,
) -> list[Correction]:
    """Open a correction per finding, skipping those already open (or reviewed unchanged);
    `flush=False` leaves them pending (without ids) for the caller's one flush."""
    if not findings:
        return []
    ids = {f.resident.id for f in findings}
    cache = batch_cache(db.session())
    known = cache.get(KNOWN_KEY) if cache is not None else _Known()
    known.cover(ids)
    existing = known.of(ids)
    opened: list[Correction] = []
    for finding in findings:
        if _already_known(finding, existing):
            continue
        resident = finding.resident
        correction = Correction(
            household_id=resident.household_id,
            resident_id=resident.id,
            related_resident_id=finding.related_resident_id,
            hamlet_id=resident.hamlet_id,
            commune_id=resident.commune_id,
            province_id=resident.province_id,
            field=finding.field,
            problem=finding.problem,
            current_value=_cut(finding.current, 300),
            proposed_value=_cut(finding.proposed, 300),
            note=_cut(finding.note, 1000),
            source=finding.source,
            rule=finding.rule,
            status="open",
            visit_id=visit_id,
            created_by_id=actor.id if actor else None,
            details=finding.details,
        )
        db.session.add(correction)
        existing.append(correction)
        opened.append(correction)
        known.add(correction)
    if opened and flush:
        db.session.flush()
    return opened


def brief(correction: Correction) -> dict[str, Any]:
    """The short form of a correction in a visit's answer."""
    return {
        "id": correction.id,
        "resident_id": correction.resident_id,
        "field": correction.field,
        "current": correction.current_value,
        "proposed": correction.proposed_value,
        "source": correction.source,
        "rule": correction.rule,
    }

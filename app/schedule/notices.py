"""The notice each household gets before the residence check: one printed page per household.

A notice names the household's address and each member living there with date of birth and
full personal ID number, what is missing or looks wrong for each (no ID card yet, e-ID not at
level 2, an open correction, a card problem, no ID number), the documents to bring (derived
from what is missing), and the day and time window of the visit with the hamlet's officer's
name and phone. Households come in the plan's visiting order (unplanned ones last, by code).
Printing reveals full ID numbers, so it is recorded as one audit `print` naming the hamlet and
how many households and people the notices carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import select

from app.auth.audit import record
from app.auth.models import User, UserHamlet
from app.auth.scope import rows_inside
from app.clock import today_in_vietnam
from app.extensions import db
from app.people.models import Correction, Household, Resident, ScheduledVisit
from app.units.models import Unit

# Members who live here and are told to be home for the visit.
LIVING = ("present", "away_working", "away_other")
# What each problem asks the household to bring, in the order a notice lists documents.
DOCUMENTS_FOR = {
    "no_id_card": ("birth_certificate", "residence_papers"),
    "no_id_number": ("birth_certificate", "residence_papers"),
    "eid_not_active": ("phone", "id_card"),
    "correction_open": ("proof_of_details", "id_card"),
    "card_lost": ("residence_papers",),
    "card_damaged": ("id_card",),
    "card_expired": ("id_card",),
    "card_wrong_details": ("proof_of_details", "id_card"),
}
DOCUMENT_ORDER = ("id_card", "birth_certificate", "residence_papers", "proof_of_details", "phone")


@dataclass
class NoticeMember:
    resident: Resident
    issues: list[str] = field(default_factory=list)  # notice_issue codes
    corrections: list[str] = field(default_factory=list)  # correction_field codes


@dataclass
class Notice:
    household: Household
    members: list[NoticeMember]
    visit: ScheduledVisit | None

    @property
    def documents(self) -> list[str]:
        """The notice_document codes this household should prepare, in a fixed order."""
        wanted = {doc for m in self.members for i in m.issues for doc in DOCUMENTS_FOR[i]}
        return [doc for doc in DOCUMENT_ORDER if doc in wanted]


@dataclass
class Notices:
    hamlet: Unit
    commune: Unit | None
    province: Unit | None
    officer: User | None
    notices: list[Notice]
    printed_on: date

    @property
    def residents(self) -> int:
        return sum(len(n.members) for n in self.notices)


def _age(resident: Resident, on: date) -> int | None:
    if resident.birth_date is not None:
        born = resident.birth_date
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return on.year - resident.birth_year if resident.birth_year is not None else None


def issues_of(resident: Resident, corrections: list[str], on: date, eligible: int) -> list[str]:
    """What is missing or looks wrong for a member, as notice_issue codes."""
    issues = []
    age = _age(resident, on)
    old_enough = age is None or age >= eligible
    if old_enough and resident.id_card == "not_collected":
        issues.append("no_id_card")
    if not resident.id_number and "no_id_card" not in issues:
        issues.append("no_id_number")
    if old_enough and resident.eid != "level2_active":
        issues.append("eid_not_active")
    if corrections:
        issues.append("correction_open")
    if resident.card_issue:
        issues.append(f"card_{resident.card_issue}")
    return issues


def officer_of(hamlet: Unit, printer: User) -> User | None:
    """The hamlet's officer: the one printing if assigned to it, else the first assigned."""
    assigned = select(UserHamlet.user_id).where(UserHamlet.hamlet_id == hamlet.id)
    officers = list(
        db.session.scalars(
            select(User)
            .where(User.id.in_(assigned), User.role == "officer", User.active.is_(True))
            .order_by(User.id)
        )
    )
    mine = [o for o in officers if o.id == printer.id]
    return (mine or officers or [None])[0]


def _corrections(hamlet: Unit) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for resident_id, name in db.session.execute(
        select(Correction.resident_id, Correction.field)
        .where(rows_inside(Correction, hamlet), Correction.status == "open")
        .order_by(Correction.id)
    ):
        if resident_id is not None and name not in found.setdefault(resident_id, []):
            found[resident_id].append(name)
    return found


def _order(household: Household, visit: ScheduledVisit | None) -> tuple:
    if visit is None:
        return (1, date.max, None, 0, household.code or "", household.id)
    return (0, visit.date, visit.starts_at, visit.position, household.code or "", household.id)


def build_notices(hamlet: Unit, printer: User) -> Notices:
    """Gather every household of the hamlet with its members, problems and visit (4 queries)."""
    households = db.session.scalars(select(Household).where(rows_inside(Household, hamlet)))
    visits = {
        v.household_id: v
        for v in db.session.scalars(
            select(ScheduledVisit).where(ScheduledVisit.hamlet_id == hamlet.id)
        )
    }
    residents = db.session.scalars(
        select(Resident)
        .where(rows_inside(Resident, hamlet), Resident.presence.in_(LIVING))
        .order_by(Resident.id)
    )
    corrections = _corrections(hamlet)
    on, eligible = today_in_vietnam(), int(current_app.config.get("ELIGIBLE_AGE", 14))
    members: dict[int, list[NoticeMember]] = {}
    for resident in residents:
        found = corrections.get(resident.id, [])
        issues = issues_of(resident, found, on, eligible)
        members.setdefault(resident.household_id, []).append(NoticeMember(resident, issues, found))
    notices = [Notice(h, members.get(h.id, []), visits.get(h.id)) for h in households]
    notices.sort(key=lambda n: _order(n.household, n.visit))
    commune = db.session.get(Unit, hamlet.parent_id) if hamlet.parent_id else None
    province = db.session.get(Unit, hamlet.province_id) if hamlet.province_id else None
    return Notices(hamlet, commune, province, officer_of(hamlet, printer), notices, on)


def record_print(notices: Notices) -> None:
    """Record that a hamlet's notices were printed: they carry full ID numbers."""
    hamlet = notices.hamlet
    record(
        db.session,
        "print",
        "units",
        hamlet.id,
        {
            "kind": "notices",
            "hamlet": hamlet.code,
            "households": len(notices.notices),
            "residents": notices.residents,
            "id_numbers": "full",
        },
    )

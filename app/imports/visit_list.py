"""A hamlet's visit list, for teams on paper and for village heads: a printable page and XLSX.

Every household with its members, what is still missing for each person (ID card not
collected, e-ID not at level 2, no ID number, no birth date, open corrections) and the open
follow-ups. The XLSX has the import's columns first, so exporting and importing it back
changes nothing; a village head's copy leaves out ID numbers and phones (names only) and its
dates of birth are years, which an import never lets overwrite a full date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.audit import record
from app.auth.models import User
from app.auth.scope import rows_inside
from app.clock import today_in_vietnam
from app.extensions import db
from app.followups.models import Followup, Returnee
from app.imports import cells
from app.imports import columns as col
from app.labels import in_sentence, label
from app.people.idnumber import mask_id_number
from app.people.models import Correction, Household, Resident
from app.spreadsheet import Workbook
from app.units.models import Unit

ACTIVE = ("present", "away_working", "away_other")
HEADER = {"bold": True, "font_color": "#FFFFFF", "bg_color": "#0B5394"}
# Columns a village head's copy leaves out.
PERSONAL = ("id_number", "phone", "home_address")


@dataclass
class Member:
    """A resident with what is missing."""

    resident: Resident
    missing: list[str] = field(default_factory=list)


@dataclass
class Entry:
    """A household on the list."""

    household: Household
    members: list[Member] = field(default_factory=list)
    followups: list[str] = field(default_factory=list)

    @property
    def head(self) -> Resident | None:
        """The head of the household, or the first member."""
        heads = [m.resident for m in self.members if m.resident.relationship_to_head == "head"]
        return heads[0] if heads else None


@dataclass
class Arrival:
    """A person a village head said came home, known by name only (no household yet)."""

    full_name: str
    returned_on: date
    leaving_on: date | None
    phone: str | None
    note: str | None
    due_date: date


@dataclass
class VisitList:
    """The list of one hamlet."""

    hamlet: Unit
    commune: Unit | None
    entries: list[Entry]
    printed_on: date
    # Name-only returnee flags with an open visit: no household to list them under.
    arrivals: list[Arrival] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        """Households, residents and people with something missing."""
        members = [m for e in self.entries for m in e.members]
        return {
            "households": len(self.entries),
            "residents": len(members),
            "with_missing": sum(1 for m in members if m.missing),
            "followups": sum(len(e.followups) for e in self.entries),
            "arrivals": len(self.arrivals),
        }


def correction_label(field_name: str) -> str:
    """Name a correction's field for a person, inside a sentence."""
    return in_sentence(label("correction_field", field_name))


def _age(resident: Resident, on: date) -> int | None:
    if resident.birth_date is not None:
        born = resident.birth_date
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return on.year - resident.birth_year if resident.birth_year is not None else None


def missing_for(resident: Resident, corrections: list[str], on: date, eligible: int) -> list[str]:
    """List what is still missing for a resident who lives here."""
    if resident.presence not in ACTIVE:
        return []
    out = []
    age = _age(resident, on)
    if age is None or age >= eligible:
        if resident.id_card == "not_collected":
            out.append(_("Chưa thu nhận CCCD"))
        if resident.eid != "level2_active":
            out.append(_("VNeID chưa mức 2"))
    if not resident.id_number:
        out.append(_("Chưa có số định danh"))
    if resident.birth_date is None:
        out.append(_("Thiếu ngày sinh") if resident.birth_year is None else _("Chỉ có năm sinh"))
    if corrections:
        out.append(_("Cần điều chỉnh: %(fields)s", fields=", ".join(corrections)))
    return out


def arrivals_of(hamlet: Unit) -> list[Arrival]:
    """List the hamlet's name-only returnee flags whose visit is still open (one query)."""
    rows = db.session.execute(
        select(Returnee, Followup.id, Followup.due_date)
        .join(Followup, Followup.id == Returnee.followup_id)
        .where(
            rows_inside(Followup, hamlet),
            Followup.status == "open",
            Followup.kind == "returnee_visit",
            Followup.household_id.is_(None),
            Followup.resident_id.is_(None),
        )
        .order_by(Followup.due_date, Followup.id, Returnee.created_at, Returnee.id)
    ).all()
    latest: dict[int, Arrival] = {}
    for flag, followup_id, due in rows:  # flags sharing one follow-up: the latest tells
        latest[followup_id] = Arrival(
            flag.full_name, flag.returned_on, flag.leaving_on, flag.phone, flag.note, due
        )
    return list(latest.values())


def build_visit_list(hamlet: Unit) -> VisitList:
    """Gather a hamlet's households, members, open corrections and follow-ups, and the people
    flagged home by name only (5 queries)."""
    households = db.session.scalars(
        select(Household)
        .where(rows_inside(Household, hamlet))
        .order_by(Household.code, Household.id)
    ).all()
    residents = db.session.scalars(
        select(Resident).where(rows_inside(Resident, hamlet)).order_by(Resident.id)
    ).all()
    corrections: dict[int, list[str]] = {}
    for resident_id, field_name in db.session.execute(
        select(Correction.resident_id, Correction.field)
        .where(rows_inside(Correction, hamlet), Correction.status == "open")
        .order_by(Correction.id)
    ):
        labels = corrections.setdefault(resident_id, [])
        if correction_label(field_name) not in labels:
            labels.append(correction_label(field_name))
    names = {r.id: r.full_name for r in residents}
    followups: dict[int, list[str]] = {}
    for f in db.session.scalars(
        select(Followup)
        .join(Household, Household.id == Followup.household_id)
        .where(rows_inside(Household, hamlet), Followup.status == "open")
        .order_by(Followup.due_date, Followup.id)
    ):
        text = label("followup_kind", f.kind)
        if f.resident_id in names:
            text += f" — {names[f.resident_id]}"
        text += " — " + _("hạn %(due)s", due=f.due_date.strftime("%d/%m/%Y"))
        followups.setdefault(f.household_id, []).append(text)
    entries = {h.id: Entry(h, followups=followups.get(h.id, [])) for h in households}
    on, eligible = today_in_vietnam(), int(current_app.config.get("ELIGIBLE_AGE", 14))
    for resident in residents:
        entry = entries.get(resident.household_id)
        if entry is not None:
            missing = missing_for(resident, corrections.get(resident.id, []), on, eligible)
            entry.members.append(Member(resident, missing))
    commune = db.session.get(Unit, hamlet.parent_id) if hamlet.parent_id else None
    return VisitList(hamlet, commune, list(entries.values()), on, arrivals_of(hamlet))


def shown_id(resident: Resident, user: User | None) -> str:
    """The ID number as the printed page shows it: masked, and not at all to village heads."""
    if not resident.id_number or (user is not None and user.role == "village_head"):
        return ""
    return mask_id_number(resident.id_number)


def _row(entry: Entry, member: Member, hamlet: Unit, names_only: bool) -> dict[str, Any]:
    r, h = member.resident, entry.household
    head = entry.head
    return {
        "household_code": h.code,
        "head_name": head.full_name if head else None,
        "relationship": cells.relationship_label(r.relationship_to_head, r.sex),
        "full_name": r.full_name,
        "date_of_birth": (
            str(r.birth_year)
            if names_only and r.birth_year
            else cells.format_birth(r.birth_date, r.birth_year)
        ),
        "sex": cells.status_label("sex", r.sex),
        "id_number": r.id_number,
        "ethnicity": r.ethnicity,
        "birthplace": r.birthplace,
        "address": h.address,
        "hamlet": hamlet.name,
        "lat": h.lat,
        "lon": h.lon,
        "phone": r.phone,
        "presence": cells.status_label("presence", r.presence),
        "id_card": cells.status_label("id_card", r.id_card),
        "eid": cells.status_label("eid", r.eid),
        "kind": cells.status_label("household_kind", h.kind),
        "site_name": h.site_name,
        "residence": cells.status_label("residence", r.residence),
        "home_address": r.home_address,
        "residence_until": _day(r.residence_until),
        "room": r.room,
        "unable_to_travel": _("có") if r.unable_to_travel else None,
        "card_issued_on": _day(r.card_issued_on),
    }


def _day(day: date | None) -> str | None:
    return day.strftime("%d/%m/%Y") if day else None


def _arrivals_sheet(workbook: Workbook, arrivals: list[Arrival], names_only: bool) -> None:
    """A second sheet (the import reads only the first): people flagged home by name only."""
    headers = [_("Họ và tên"), _("Về ngày"), _("Đi lại ngày"), _("Hạn gặp")]
    headers += [] if names_only else [_("Số điện thoại")]
    headers += [_("Ghi chú"), _("Hộ (ghi khi tìm được)")]
    widths = {index: 28 if index == 1 else 16 for index in range(1, len(headers) + 1)}
    sheet = workbook.sheet(_("Người mới về chưa rõ hộ"), widths=widths, freeze=(1, 0))
    workbook.write(sheet, 0, headers, workbook.style(**HEADER))
    for number, a in enumerate(arrivals, start=1):
        values = [a.full_name, _day(a.returned_on), _day(a.leaving_on), _day(a.due_date)]
        values += [] if names_only else [a.phone]
        values += [a.note, None]
        workbook.write(sheet, number, values)


def visit_list_xlsx(listing: VisitList, names_only: bool) -> bytes:
    """Write the visit list as XLSX with the import's headers, then what is missing."""
    keys = [c.key for c in col.COLUMNS if not (names_only and c.key in PERSONAL)]
    headers = [col.HEADERS[k] for k in keys] + [_("Cần làm"), _("Việc quay lại")]
    widths = {i: 16 if i <= len(keys) else 45 for i in range(1, len(headers) + 1)}
    workbook = Workbook()
    sheet = workbook.sheet(_("Danh sách thăm"), widths=widths, freeze=(1, 0))
    workbook.write(sheet, 0, headers, workbook.style(**HEADER))
    number = 0
    for entry in listing.entries:
        for member in entry.members:
            values = _row(entry, member, listing.hamlet, names_only)
            number += 1
            workbook.write(
                sheet,
                number,
                [
                    *(values[k] for k in keys),
                    "; ".join(member.missing) or None,
                    "; ".join(entry.followups) or None,
                ],
            )
    if listing.arrivals:
        _arrivals_sheet(workbook, listing.arrivals, names_only)
    return workbook.save()


def _count_id_numbers(listing: VisitList) -> int:
    return sum(1 for e in listing.entries for m in e.members if m.resident.id_number)


def export_visit_list(hamlet: Unit, user: User | None) -> tuple[bytes, dict[str, int]]:
    """Build a hamlet's visit list XLSX and record the export in the audit trail."""
    listing = build_visit_list(hamlet)
    names_only = user is not None and user.role == "village_head"
    data = visit_list_xlsx(listing, names_only)
    totals = listing.totals
    # The list goes back in through the import, which matches people by ID number: it carries
    # them in full (never to a village head), so the trail counts how many left the system.
    id_numbers = 0 if names_only else _count_id_numbers(listing)
    record(
        db.session,
        "export",
        "units",
        hamlet.id,
        {
            "kind": "visit_list",
            "format": "xlsx",
            "households": totals["households"],
            "residents": totals["residents"],
            "id_numbers": "full" if id_numbers else "none",
            "id_number_count": id_numbers,
        },
    )
    return data, totals


def visit_list_page(hamlet: Unit, user: User) -> VisitList:
    """Gather the printable list and record that it was shown."""
    listing = build_visit_list(hamlet)
    totals = listing.totals
    record(
        db.session,
        "print",
        "units",
        hamlet.id,
        {"format": "html", "households": totals["households"], "residents": totals["residents"]},
    )
    return listing

"""Reading a resident's ID card by its QR code: compare, fill what is empty, propose the rest.

The card is the better document, but a reading never overwrites the record: each field where
the card and the record disagree becomes a correction (`source` "card_scan", the card as
evidence in `details`) to be reviewed. What the record lacks (no ID number, no date of birth,
no sex, no card issue date) is filled from the card, with a history row. An ID number that
another resident already holds is never filled: it opens a `duplicate_record` correction
naming that resident. The phone sends each reading under a `client_id`; the same body again
answers the first answer, another body under it answers 409 (kept in `card_scans`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.audit import record
from app.auth.models import User
from app.auth.scope import row_in_scope
from app.clock import today_in_vietnam
from app.errors import ConflictError, InvalidError
from app.extensions import db
from app.people.cardqr import CardQrError, CardReading, parse_card_qr
from app.people.cards import set_card_issued_on
from app.people.corrections import Finding, brief, open_corrections
from app.people.idempotency import body_hash
from app.people.idnumber import mask_id_number
from app.people.models import CardScan, Correction, Resident
from app.people.reveal import user_agent_summary
from app.people.rules import set_field
from app.people.service import resident_for
from app.people.signals import CARD_RULE_FIELDS, resident_changed
from app.text import fold, normalize_name

SOURCE = "card_scan"
RULES = {
    "full_name": "card_full_name",
    "date_of_birth": "card_date_of_birth",
    "sex": "card_sex",
    "id_number": "card_id_number",
}
DUPLICATE_RULE = "same_id_number"  # as the server's own check: one pair, one correction


@dataclass
class Comparison:
    """Where the card and the record disagree, and what to open or fill."""

    differences: list[dict[str, Any]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _masked(number: str | None) -> str | None:
    return mask_id_number(number) if number else None


def evidence(card: CardReading) -> dict[str, Any]:
    """The card as a correction's evidence: what it says, numbers masked."""
    shown = card.as_dict()
    shown["id_number"] = _masked(card.id_number)
    shown["old_id_number"] = _masked(card.old_id_number)
    return {"card": shown, "read_on": today_in_vietnam().isoformat()}


def _differ(
    out: Comparison, resident: Resident, card: CardReading, name: str, on_file: Any, on_card: Any
) -> None:
    """Note one disagreement and the correction it proposes."""
    shown_file, shown_card = on_file, on_card
    if name == "id_number":
        shown_file, shown_card = _masked(on_file), _masked(on_card)
    out.differences.append(
        {"field": name, "on_file": shown_file, "on_card": shown_card, "outcome": "correction"}
    )
    note = _("Thẻ căn cước ghi khác hồ sơ (quét mã QR trên thẻ).")
    if name == "full_name" and fold(on_file) == fold(on_card):
        note = _("Họ tên trên thẻ căn cước khác hồ sơ ở dấu hoặc cách viết.")
    out.findings.append(
        Finding(
            resident,
            name,
            RULES[name],
            source=SOURCE,
            current=on_file,
            proposed=on_card,
            note=note,
            details=evidence(card),
        )
    )


def _birth_differs(resident: Resident, born: date) -> bool:
    if resident.birth_date is not None:
        return resident.birth_date != born
    return resident.birth_year is not None and resident.birth_year != born.year


def compare(resident: Resident, card: CardReading) -> Comparison:
    """Compare the record with the card: name (case, spaces and composition aside), date of
    birth (a year alone compares by year), sex and ID number."""
    out = Comparison()
    if normalize_name(resident.full_name) != card.full_name:
        _differ(out, resident, card, "full_name", resident.full_name, card.full_name)
    if _birth_differs(resident, card.date_of_birth):
        dob = card.date_of_birth.isoformat()
        _differ(out, resident, card, "date_of_birth", resident.date_of_birth, dob)
    if resident.sex is not None and resident.sex != card.sex:
        _differ(out, resident, card, "sex", resident.sex, card.sex)
    if resident.id_number and resident.id_number != card.id_number:
        _differ(out, resident, card, "id_number", resident.id_number, card.id_number)
    return out


def _holder(number: str, resident: Resident) -> Resident | None:
    """Another resident holding this ID number, if any."""
    with db.session.no_autoflush:
        return db.session.scalar(
            select(Resident).where(Resident.id_number == number, Resident.id != resident.id)
        )


def _duplicate(
    out: Comparison, resident: Resident, card: CardReading, other: Resident, actor: User
) -> None:
    """Flag a card whose number another resident holds. The other is named (its id, its
    household) only when it lies in the officer's scope: a card's number is text the phone
    sends, and a duplicate elsewhere must not tell whose it is (as a household's or a
    resident's number already taken outside the scope does not)."""
    out.differences.append(
        {
            "field": "id_number",
            "on_file": _masked(resident.id_number),
            "on_card": _masked(card.id_number),
            "outcome": "duplicate",
        }
    )
    if row_in_scope(actor, other):
        note = _(
            "Số định danh trên thẻ căn cước đã thuộc công dân #%(id)s (hộ #%(hh)s).",
            id=other.id,
            hh=other.household_id,
        )
        named = {"proposed": str(other.id), "related_resident_id": other.id}
        details = {**evidence(card), "household_id": other.household_id}
    else:
        note = _("Số định danh trên thẻ căn cước đã thuộc một công dân ngoài phạm vi của bạn.")
        named, details = {"proposed": None, "related_resident_id": None}, evidence(card)
    out.findings.append(
        Finding(
            resident,
            "duplicate_record",
            DUPLICATE_RULE,
            source=SOURCE,
            problem="duplicate",
            current=str(resident.id),
            note=note,
            details=details,
            **named,
        )
    )


def _fill(out: Comparison, resident: Resident, name: str, value: Any, actor: User) -> None:
    """Write a field the record lacked, with a history row."""
    shown = value.isoformat() if isinstance(value, date) else value
    if name == "id_number":
        shown = _masked(value)
    old = resident.card_issued_on if name == "card_issued_on" else None
    outcome = "updated" if old is not None else "filled"
    if name == "card_issued_on":
        set_card_issued_on(resident, value, actor)
    elif name == "date_of_birth":
        set_field(resident, name, (value, value.year), actor)
    else:
        set_field(resident, name, value, actor)
    out.differences.append(
        {"field": name, "on_file": old and old.isoformat(), "on_card": shown, "outcome": outcome}
    )


def fill_empty(out: Comparison, resident: Resident, card: CardReading, actor: User) -> None:
    """Fill what the record lacks; a card issued later than the one on file replaces its date
    (the resident holds a newer card). An ID number another resident holds is flagged."""
    if not resident.id_number:
        other = _holder(card.id_number, resident)
        if other is not None:
            _duplicate(out, resident, card, other, actor)
        else:
            _fill(out, resident, "id_number", card.id_number, actor)
    elif resident.id_number != card.id_number:
        other = _holder(card.id_number, resident)
        if other is not None:
            _duplicate(out, resident, card, other, actor)
    if resident.birth_date is None and resident.birth_year is None:
        _fill(out, resident, "date_of_birth", card.date_of_birth, actor)
    if resident.sex is None:
        _fill(out, resident, "sex", card.sex, actor)
    issued = card.card_issued_on
    if issued is not None and (resident.card_issued_on is None or issued > resident.card_issued_on):
        _fill(out, resident, "card_issued_on", issued, actor)


def _known(finding: Finding, existing: list[Correction]) -> Correction | None:
    """A correction on file that this finding repeats: open (whatever it proposes), or
    reviewed (fixed, dismissed) with the same value, which a rescan does not reopen."""
    for c in existing:
        if (c.resident_id, c.field, c.rule) != (finding.resident.id, finding.field, finding.rule):
            continue
        if c.status in ("open", "verified"):
            return c
        if (c.proposed_value or "") == (finding.proposed or "")[:300]:
            return c
    return None


def open_findings(findings: list[Finding], actor: User) -> list[Correction]:
    """Open the corrections not already on file; answer those opened and those already open."""
    if not findings:
        return []
    resident_id = findings[0].resident.id
    with db.session.no_autoflush:
        existing = list(
            db.session.scalars(select(Correction).where(Correction.resident_id == resident_id))
        )
    fresh, shown = [], []
    for finding in findings:
        known = _known(finding, existing)
        if known is None:
            fresh.append(finding)
        elif known.status in ("open", "verified"):
            shown.append(known)
    return open_corrections(fresh, actor) + shown


def _answer(scan: CardScan) -> dict[str, Any]:
    """A scan's answer, its corrections as they are now."""
    ids = scan.answer.get("correction_ids") or []
    rows = db.session.scalars(select(Correction).where(Correction.id.in_(ids))) if ids else []
    by_id = {c.id: c for c in rows}
    return {
        "id": scan.id,
        "resident_id": scan.resident_id,
        "fields": scan.answer["fields"],
        "differences": scan.answer["differences"],
        "corrections": [brief(by_id[i]) for i in ids if i in by_id],
    }


def read_card(qr: str) -> CardReading:
    """Parse the text, or answer 422 with the parser's message."""
    try:
        return parse_card_qr(qr)
    except CardQrError as exc:
        message = str(exc.message)
        raise InvalidError(message, {"qr": [message]}, part=exc.field) from None


def _scan(user: User, resident: Resident, data: dict[str, Any], digest: str) -> CardScan:
    card = read_card(data["qr"])
    out = compare(resident, card)
    fill_empty(out, resident, card, user)
    corrections = open_findings(out.findings, user)
    shown = evidence(card)["card"]
    scan = CardScan(
        client_id=data["client_id"],
        resident_id=resident.id,
        user_id=user.id,
        body_hash=digest,
        answer={
            "fields": shown,
            "differences": out.differences,
            "correction_ids": [c.id for c in corrections],
        },
    )
    db.session.add(scan)
    db.session.flush()
    filled = [d["field"] for d in out.differences if d["outcome"] in ("filled", "updated")]
    changed = [name for name in filled if name in CARD_RULE_FIELDS]
    if changed:
        resident_changed.send(resident, fields=changed, actor=user)
    record(
        db.session,
        "read",
        "residents",
        resident.id,
        {
            "field": "card_scan",
            "scan_id": scan.id,
            "id_number": shown["id_number"],
            "differences": [d["field"] for d in out.differences],
            "user_agent": user_agent_summary(),
        },
    )
    return scan


def _by_client_id(client_id: str) -> CardScan | None:
    return db.session.scalar(select(CardScan).where(CardScan.client_id == client_id))


def _replay(scan: CardScan, resident_id: int, digest: str) -> dict[str, Any]:
    if scan.resident_id == resident_id and scan.body_hash == digest:
        return _answer(scan)
    raise ConflictError(
        _("Mã client_id này đã được gửi với nội dung khác."),
        {"client_id": [_("Khác với lần gửi đầu.")]},
    )


def scan_card(user: User, resident_id: int, data: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Read a card for a resident in scope (201), or answer the first reading again (200)."""
    resident = resident_for(user, resident_id)
    digest = body_hash({"resident_id": resident_id, "qr": data["qr"]})
    existing = _by_client_id(data["client_id"])
    if existing is not None:
        return _replay(existing, resident.id, digest), 200
    savepoint = db.session.begin_nested()
    try:
        scan = _scan(user, resident, data, digest)
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()  # a twin under the same client_id committed first
        existing = _by_client_id(data["client_id"])
        if existing is None:
            raise ConflictError(
                _("Dữ liệu vừa được thay đổi bởi yêu cầu khác; hãy gửi lại."), retry=True
            ) from None
        return _replay(existing, resident.id, digest), 200
    except Exception:
        savepoint.rollback()
        raise
    return _answer(scan), 201

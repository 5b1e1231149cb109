"""Sites and residence status: rooms, home provinces, and households that look alike.

A site (boarding house, dormitory, company) may list its rooms; a resident's room is then one
of them (case ignored; stored as the site writes it). A home province is a province on file.
A household found in the field that resembles one on file (the same address in the commune,
or a resident with the same name and birth year there) is recorded all the same: a
`duplicate_record` correction is opened for the commander and the answer warns.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import InvalidError
from app.extensions import db
from app.people.corrections import Finding
from app.people.models import Correction, Household, Resident
from app.people.rules import search_words
from app.people.site_schemas import room_key
from app.units.models import Unit

SIMILAR_RULES = ("same_address", "probable_duplicate")


def site_room(household: Household, room: str | None) -> str | None:
    """The room as the site lists it ("p101" -> "P101"); as given when it lists none."""
    if not room or not household.rooms:
        return room
    labels = {room_key(label): label for label in household.rooms}
    return labels.get(room_key(room), room)


def known_province_codes(codes: set[str]) -> set[str]:
    """The codes among these that are provinces on file."""
    if not codes:
        return set()
    rows = db.session.scalars(
        select(Unit.code).where(Unit.code.in_(sorted(codes)), Unit.level == "province")
    )
    return set(rows)


def refuse_bad_residence(household: Household | None, specs: list[dict], prefix: str) -> None:
    """Refuse home provinces that do not exist and rooms the site does not list (422)."""
    wanted = {s["home_province_code"] for s in specs if s.get("home_province_code")}
    known = known_province_codes(wanted)
    errors: dict[str, list[str]] = {}
    rooms = {room_key(r) for r in (household.rooms or [])} if household is not None else set()
    for index, spec in enumerate(specs):
        path = f"{prefix}.{index}." if prefix else ""
        code = spec.get("home_province_code")
        if code and code not in known:
            errors[f"{path}home_province_code"] = [_("Không có tỉnh mã %(code)s.", code=code)]
        room = spec.get("room")
        if room and rooms and room_key(room) not in rooms:
            errors[f"{path}room"] = [
                _("Phòng %(room)s không có trong danh sách phòng của cơ sở.", room=room)
            ]
    if errors:
        raise InvalidError(_("Thông tin cư trú không hợp lệ."), errors)


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def similar_address(household: Household, residents: list[Resident]) -> list[Finding]:
    """A finding when another household of the commune has the same normalised address."""
    key = search_words(household.address or "")
    if not key or not residents:
        return []
    with db.session.no_autoflush:
        rows = db.session.execute(
            select(Household.id, Household.code, Household.address)
            .where(
                Household.commune_id == household.commune_id,
                Household.id != household.id,
                Household.search_text.like(_like_prefix(key), escape="\\"),
            )
            .order_by(Household.id)
            .limit(50)
        ).all()
    for other_id, code, address in rows:
        if search_words(address or "") == key:
            label = code or f"#{other_id}"
            return [
                Finding(
                    residents[0],
                    "duplicate_record",
                    "same_address",
                    problem="duplicate",
                    current=str(household.id),
                    proposed=str(other_id),
                    note=f"Hộ mới #{household.id} có cùng địa chỉ với hộ {label} (#{other_id}).",
                    details={"household_id": other_id, "new_household_id": household.id},
                )
            ]
    return []


def household_warnings(household: Household, corrections: list[Correction]) -> list[dict]:
    """Warnings for a new household: each similar household on file, once, with the reason."""
    wanted = [
        c
        for c in corrections
        if c.field == "duplicate_record" and c.rule in SIMILAR_RULES and c.details
    ]
    others = {c.details.get("household_id") for c in wanted} - {None, household.id}
    codes = (
        dict(
            db.session.execute(
                select(Household.id, Household.code).where(Household.id.in_(others))
            ).all()
        )
        if others
        else {}
    )
    names = {r.id: r.full_name for r in household.residents}
    out: list[dict[str, Any]] = []
    for c in wanted:
        other = c.details.get("household_id")
        if other not in codes:
            continue
        label = codes[other] or f"#{other}"
        if c.rule == "same_address":
            message = _("Đã có hộ %(code)s cùng địa chỉ trong xã.", code=label)
        else:
            message = _(
                "%(name)s trùng họ tên và năm sinh với một người ở hộ %(code)s.",
                name=names.get(c.resident_id, ""),
                code=label,
            )
        out.append(
            {
                "code": "similar_household",
                "rule": c.rule,
                "household_id": other,
                "household_code": codes[other],
                "resident_id": c.resident_id,
                "correction_id": c.id,
                "message": message
                + " "
                + _("Hộ mới vẫn được ghi; chỉ huy sẽ xem đính chính trùng hồ sơ."),
            }
        )
    return out


def similar_corrections(household: Household) -> list[Correction]:
    """The similar-household corrections the create of a household opened (for a replay)."""
    return list(
        db.session.scalars(
            select(Correction)
            .where(
                Correction.household_id == household.id,
                Correction.field == "duplicate_record",
                Correction.rule.in_(SIMILAR_RULES),
                Correction.source == "server",
            )
            .order_by(Correction.id)
        )
    )

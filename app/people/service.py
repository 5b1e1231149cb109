"""Households and residents: find them in scope, record them from the field, change them."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.auth.models import User
from app.auth.scope import row_in_scope, scope_clause, unit_in_scope
from app.errors import ConflictError, InvalidError, NotFoundError, ServiceError
from app.extensions import db
from app.paging import Page, paginate
from app.people.cards import apply_card_fields
from app.people.corrections import brief, open_corrections, server_findings
from app.people.models import Correction, Household, Resident, StatusChange
from app.people.renewal import refresh_renewal_due
from app.people.rules import birthplace_code_of, refresh_search_text, search_words, set_field
from app.people.schemas import ResidentDetailOut, names_only
from app.people.signals import CARD_RULE_FIELDS, resident_changed
from app.people.sites import household_warnings, refuse_bad_residence, similar_address, site_room
from app.schemas import Shown
from app.text import fold, normalize_name
from app.units.models import Unit
from app.units.service import unit_codes

# Fields a PATCH may change, each with a history row.
PATCH_FIELDS = (
    "full_name", "date_of_birth", "sex", "id_number", "birthplace", "ethnicity", "relationship",
    "presence", "id_card", "eid", "phone", "has_smartphone", "away_until",
    "residence", "home_address", "home_province_code", "residence_until", "room",
)  # fmt: skip
# And the card fields (unable_to_travel, card_issued_on, card_issue): app/people/cards.py.
# What a site carries beside a family household's fields.
SITE_FIELDS = ("site_name", "contact_name", "contact_phone", "rooms")


class PreconditionRequiredError(ServiceError):
    status = 428


def household_for(user: User, household_id: int) -> Household:
    """Return a household inside the user's scope, or answer 404."""
    household = db.session.get(Household, household_id)
    if household is None or not row_in_scope(user, household):
        raise NotFoundError(_("Không tìm thấy hộ."))
    return household


def resident_for(user: User, resident_id: int) -> Resident:
    """Return a resident inside the user's scope, or answer 404."""
    resident = db.session.get(Resident, resident_id)
    if resident is None or not row_in_scope(user, resident):
        raise NotFoundError(_("Không tìm thấy công dân."))
    return resident


def id_holders(numbers: list[str]) -> dict[str, Resident]:
    """Map ID numbers to the residents already holding them (one query)."""
    wanted = [n for n in numbers if n]
    if not wanted:
        return {}
    rows = db.session.scalars(select(Resident).where(Resident.id_number.in_(wanted)))
    return {r.id_number: r for r in rows if r.id_number}


def id_taken_message(user: User, holder: Resident) -> str:
    """Say that an ID number is on file, naming the household only if the user may see it."""
    household = db.session.get(Household, holder.household_id)
    if household is not None and row_in_scope(user, household):
        return _(
            "Số định danh này đã có ở hộ %(code)s (%(address)s), công dân #%(id)s.",
            code=household.code or f"#{household.id}",
            address=household.address,
            id=holder.id,
        )
    return _("Số định danh này đã có trong hệ thống, ở một hộ ngoài phạm vi của bạn.")


def refuse_taken_id_numbers(
    user: User, residents: list[dict], prefix: str, exclude_id: int | None = None
) -> None:
    """Refuse ID numbers that already belong to someone, one error per field path."""
    holders = id_holders([r.get("id_number") for r in residents])
    errors = {}
    for index, spec in enumerate(residents):
        holder = holders.get(spec.get("id_number"))
        if holder is not None and holder.id != exclude_id:
            errors[f"{prefix}.{index}.id_number" if prefix else "id_number"] = [
                id_taken_message(user, holder)
            ]
    if errors:
        raise ConflictError(_("Số định danh đã có trong hệ thống."), errors)


def new_resident(household: Household, spec: dict[str, Any]) -> Resident:
    """Add a resident to a household from a validated ResidentIn body."""
    born = spec.get("date_of_birth")
    name = normalize_name(spec["full_name"])
    resident = Resident(
        household_id=household.id,
        hamlet_id=household.hamlet_id,
        commune_id=household.commune_id,
        province_id=household.province_id,
        full_name=name,
        name_folded=fold(name),
        birth_date=born.date if born else None,
        birth_year=born.year if born else None,
        sex=spec.get("sex"),
        id_number=spec.get("id_number"),
        birthplace=spec.get("birthplace"),
        birthplace_code=birthplace_code_of(spec.get("birthplace")),
        ethnicity=spec.get("ethnicity"),
        relationship_to_head=spec.get("relationship"),
        presence=spec.get("presence") or "present",
        id_card=spec.get("id_card") or "not_collected",
        eid=spec.get("eid") or "none",
        phone=spec.get("phone"),
        has_smartphone=spec.get("has_smartphone"),
        residence=spec.get("residence") or "permanent",
        home_address=spec.get("home_address"),
        home_province_code=spec.get("home_province_code"),
        residence_until=spec.get("residence_until"),
        room=site_room(household, spec.get("room")),
        unable_to_travel=bool(spec.get("unable_to_travel")),
        card_issue=spec.get("card_issue"),
        card_issued_on=spec.get("card_issued_on"),
    )
    refresh_renewal_due(resident)
    resident.household = household  # joins household.residents, for the search text
    db.session.add(resident)
    return resident


def create_household(
    user: User, data: dict[str, Any], digest: str | None = None
) -> tuple[Household, list[Correction]]:
    """Record a household or site found in the field, with its residents, checked like any
    other; one like a household on file is recorded too, with a `duplicate_record` correction.
    `digest` is the hash of a body sent with `client_id` (see app/people/households.py)."""
    hamlet = db.session.scalar(select(Unit).where(Unit.code == data["hamlet_code"]))
    if hamlet is None or hamlet.level != "hamlet" or not unit_in_scope(user, hamlet):
        raise NotFoundError(
            _("Không tìm thấy thôn %(code)s.", code=data["hamlet_code"]),
            {"hamlet_code": [_("Thôn không có hoặc ngoài phạm vi của bạn.")]},
        )
    refuse_taken_id_numbers(user, data["residents"], "residents")
    refuse_bad_residence(None, data["residents"], "residents")
    location = data.get("location")
    household = Household(
        address=data["address"],
        hamlet_id=hamlet.id,
        commune_id=hamlet.parent_id,
        province_id=hamlet.province_id,
        lat=location["lat"] if location else None,
        lon=location["lon"] if location else None,
        location_source="known" if location else None,
        source="field",
        created_by_id=user.id,
        kind=data.get("kind") or "family",
        client_id=data.get("client_id"),
        body_hash=digest,
        **{name: data.get(name) for name in SITE_FIELDS},
    )
    db.session.add(household)
    db.session.flush()  # claims the client_id: a concurrent twin fails here
    household.code = f"F-{household.id}"
    residents = [new_resident(household, spec) for spec in data["residents"]]
    db.session.flush()
    refresh_search_text(household, residents)
    findings = server_findings(residents) + similar_address(household, residents)
    corrections = open_corrections(findings, user)
    return household, corrections


def shown_corrections(corrections: list[Correction]) -> list[Shown]:
    """Corrections with their residents' names and hamlet codes (two queries)."""
    resident_ids = {c.resident_id for c in corrections if c.resident_id}
    names = (
        dict(
            db.session.execute(
                select(Resident.id, Resident.full_name).where(Resident.id.in_(resident_ids))
            ).all()
        )
        if resident_ids
        else {}
    )
    codes = unit_codes(c.hamlet_id for c in corrections)
    return [
        Shown(c, resident_name=names.get(c.resident_id), hamlet_code=codes.get(c.hamlet_id))
        for c in corrections
    ]


def household_answer(user: User, household: Household, corrections: list[Correction]) -> Shown:
    """A created household with what the server found."""
    return Shown(
        household,
        hamlet_code=unit_codes([household.hamlet_id]).get(household.hamlet_id),
        corrections=shown_corrections(corrections),
        warnings=household_warnings(household, corrections),
    )


def _starts_word(word: str) -> Any:
    """Condition: some word of the search text starts with `word` (LIKE, escaped)."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(
        Household.search_text.like(f"{escaped}%", escape="\\"),
        Household.search_text.like(f"% {escaped}%", escape="\\"),
    )


def list_households(
    user: User,
    *,
    hamlet: str | None,
    q: str | None,
    page: int,
    per_page: int,
    kind: str | None = None,
) -> Page:
    """List households in scope, by hamlet, kind and words of names or address, with residents."""
    query = select(Household).where(scope_clause(user, Household))
    if kind:
        query = query.where(Household.kind == kind)
    if hamlet:
        query = query.join(Unit, Unit.id == Household.hamlet_id).where(Unit.code == hamlet)
    for word in search_words(q or "").split()[:8]:
        query = query.where(_starts_word(word))
    query = query.options(
        selectinload(Household.residents), selectinload(Household.scheduled_visit)
    ).order_by(Household.code, Household.id)
    result = paginate(query, page, per_page)
    codes = unit_codes(h.hamlet_id for h in result.items)
    result.items = [Shown(h, hamlet_code=codes.get(h.hamlet_id)) for h in result.items]
    return result


def get_household(user: User, household_id: int) -> Shown:
    """Show one household in scope with its residents and open corrections."""
    household = household_for(user, household_id)
    shown = Shown(household, hamlet_code=unit_codes([household.hamlet_id]).get(household.hamlet_id))
    if not names_only(user):
        open_ = db.session.scalars(
            select(Correction)
            .where(Correction.household_id == household.id, Correction.status == "open")
            .order_by(Correction.id)
        ).all()
        shown.corrections = shown_corrections(list(open_))
    return shown


def resident_detail(user: User, resident: Resident) -> Shown:
    """One resident with household, history and corrections."""
    household = resident.household
    changes = db.session.scalars(
        select(StatusChange)
        .where(StatusChange.resident_id == resident.id)
        .order_by(StatusChange.at.desc(), StatusChange.id.desc())
        .limit(100)
    ).all()
    corrections = db.session.scalars(
        select(Correction)
        .where(Correction.resident_id == resident.id)
        .order_by(Correction.id.desc())
        .limit(50)
    ).all()
    return Shown(
        resident,
        household=Shown(
            household, hamlet_code=unit_codes([household.hamlet_id]).get(household.hamlet_id)
        ),
        history=list(changes),
        corrections=shown_corrections(list(corrections)),
    )


def get_resident(user: User, resident_id: int) -> Shown:
    """Show one resident in scope with history and corrections."""
    return resident_detail(user, resident_for(user, resident_id))


def parse_version(if_match: str | None) -> int:
    """Read the version an If-Match header names (`3`, `"3"`, `W/"3"`)."""
    if if_match is None or not if_match.strip():
        raise PreconditionRequiredError(
            _("Cần gửi If-Match với số phiên bản của bản ghi."),
            {"If-Match": [_("Trường này là bắt buộc.")]},
        )
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise InvalidError(
            _("If-Match phải là số phiên bản."), {"If-Match": [_("Phải là số nguyên.")]}
        )
    return int(text)


def _stale(user: User, resident: Resident) -> ConflictError:
    db.session.refresh(resident)
    return ConflictError(
        _("Bản ghi đã được người khác sửa; hãy xem bản mới nhất rồi sửa lại."),
        current=ResidentDetailOut().dump(resident_detail(user, resident)),
    )


def update_resident(
    user: User, resident_id: int, changes: dict[str, Any], if_match: str | None
) -> Shown:
    """Change a resident when the caller has its current version; history for each field."""
    resident = resident_for(user, resident_id)
    version = parse_version(if_match)
    if version != resident.version:
        raise _stale(user, resident)
    if changes.get("id_number"):
        refuse_taken_id_numbers(user, [changes], "", exclude_id=resident.id)
    refuse_bad_residence(resident.household, [changes], "")
    if changes.get("room"):
        changes = {**changes, "room": site_room(resident.household, changes["room"])}
    savepoint = db.session.begin_nested()
    try:
        changed = [
            name
            for name in PATCH_FIELDS
            if name in changes and set_field(resident, name, changes[name], user)
        ]
        changed += apply_card_fields(resident, changes, user)
        if "full_name" in changed:
            refresh_search_text(resident.household)
        db.session.flush()
        if any(name in CARD_RULE_FIELDS for name in changed):
            resident_changed.send(resident, fields=changed, actor=user)
        savepoint.commit()
    except StaleDataError:
        savepoint.rollback()
        raise _stale(user, resident) from None
    corrections = open_corrections(server_findings([resident]), user)
    shown = resident_detail(user, resident)
    shown.opened = [brief(c) for c in corrections]
    return shown

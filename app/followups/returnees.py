"""Returnee flags: a village head's word that a person who was away is home now.

A flag names a known resident (`resident_id`), or a new name in a household (`full_name` with
`household_id`: a pending resident is added, to be confirmed on the visit), or a name alone
(`full_name`, the hamlet only: the officer finds the household), or a household alone
(`household_id`: "someone of this household is back"). It opens a `returnee_visit` due on the
return date (today if past), urgent when the person leaves again within 3 days; a person with
an open one keeps it (its due date and priority tightened). The same flag sent twice (a phone
that never heard the answer) answers the first one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.auth.scope import row_in_scope, rows_inside, scope_clause, unit_in_scope
from app.clock import today_in_vietnam
from app.errors import InvalidError, NotFoundError
from app.extensions import db
from app.followups import rules
from app.followups.assignment import Assigner
from app.followups.models import Followup, Returnee
from app.followups.service import new_followup
from app.paging import Page, paginate
from app.people.models import Household, Resident
from app.people.rules import refresh_search_text, set_field
from app.people.service import new_resident
from app.people.sites import known_province_codes
from app.schemas import Shown
from app.text import fold
from app.units.models import Unit
from app.units.service import unit_codes

# How far from today a return date may lie.
PAST_DAYS, FUTURE_DAYS = 366, 90


def _household(user: User, household_id: int) -> Household:
    household = db.session.get(Household, household_id)
    if household is None or not row_in_scope(user, household):
        raise NotFoundError(
            _("Không tìm thấy hộ trong phạm vi của bạn."),
            {"household_id": [_("Hộ không có hoặc ngoài thôn của bạn.")]},
        )
    return household


def _hamlet(user: User, code: str | None) -> Unit:
    if user.unit.level == "hamlet" and (not code or code == user.unit.code):
        return user.unit
    if not code:
        raise InvalidError(
            _("Cần mã thôn khi không rõ hộ."), {"hamlet_code": [_("Trường này là bắt buộc.")]}
        )
    hamlet = db.session.scalar(select(Unit).where(Unit.code == code, Unit.level == "hamlet"))
    if hamlet is None or not unit_in_scope(user, hamlet):
        raise NotFoundError(
            _("Không tìm thấy thôn %(code)s.", code=code),
            {"hamlet_code": [_("Thôn không có hoặc ngoài phạm vi của bạn.")]},
        )
    return hamlet


def _check_away(data: dict[str, Any]) -> None:
    """A worker away in another province: the province must be one on file."""
    code = data.get("away_province_code")
    if code and not known_province_codes({code}):
        raise InvalidError(
            _("Không có tỉnh mã %(code)s.", code=code),
            {"away_province_code": [_("Không có tỉnh mã %(code)s.", code=code)]},
        )


def _check_dates(data: dict[str, Any]) -> None:
    now = today_in_vietnam()
    returned, leaving = data["returned_on"], data.get("leaving_on")
    errors: dict[str, list[str]] = {}
    if not now - timedelta(days=PAST_DAYS) <= returned <= now + timedelta(days=FUTURE_DAYS):
        errors["returned_on"] = [_("Ngày về không hợp lý.")]
    if leaving is not None and leaving < returned:
        errors["leaving_on"] = [_("Ngày đi phải từ ngày về trở đi.")]
    if errors:
        raise InvalidError(_("Ngày không hợp lệ."), errors)


def _subject(user: User, data: dict[str, Any]) -> tuple[Resident | None, Household | None, str]:
    """Find (or add, pending) the person a flag names; return resident, household, name."""
    if data.get("resident_id") is not None:
        resident = db.session.get(Resident, data["resident_id"])
        if resident is None or not row_in_scope(user, resident):
            raise NotFoundError(
                _("Không tìm thấy công dân trong phạm vi của bạn."),
                {"resident_id": [_("Không có hoặc ngoài thôn của bạn.")]},
            )
        if data.get("household_id") not in (None, resident.household_id):
            raise InvalidError(
                _("Công dân không thuộc hộ này."), {"household_id": [_("Không khớp.")]}
            )
        return resident, resident.household, resident.full_name
    household = _household(user, data["household_id"]) if data.get("household_id") else None
    name = data.get("full_name")
    if household is None or not name:
        return None, household, name or ""
    folded = fold(name)
    for member in household.residents:
        if member.name_folded == folded:
            return member, household, member.full_name
    resident = new_resident(household, {"full_name": name, "phone": data.get("phone")})
    resident.pending = True
    db.session.flush()
    refresh_search_text(household)
    return resident, household, resident.full_name


def _same_flag(user: User, data: dict[str, Any], hamlet_id: int | None) -> Returnee | None:
    """Return a flag this user already sent with the same person and dates."""
    query = select(Returnee).where(
        Returnee.flagged_by_id == user.id,
        Returnee.returned_on == data["returned_on"],
        Returnee.leaving_on.is_(None)
        if data.get("leaving_on") is None
        else Returnee.leaving_on == data["leaving_on"],
        Returnee.hamlet_id == hamlet_id,
    )
    if data.get("resident_id") is not None:
        query = query.where(Returnee.resident_id == data["resident_id"])
    else:
        household_id = data.get("household_id")
        query = query.where(
            Returnee.household_id.is_(None)
            if household_id is None
            else Returnee.household_id == household_id
        )
    folded = fold(data.get("full_name") or "")
    for flag in db.session.scalars(query.order_by(Returnee.id)):
        if data.get("resident_id") is not None or fold(flag.full_name) == folded:
            return flag
    return None


def _open_visit_of(flag: Returnee, place: Household | Unit) -> Followup | None:
    """The person's open returnee_visit: of their household (and resident), or for a flag
    naming a name only, one of the hamlet's that names the same name (diacritics aside), as
    `changes.open_twin` tells the same person."""
    query = select(Followup).where(Followup.kind == "returnee_visit", Followup.status == "open")
    if flag.household_id is not None:
        return db.session.scalar(
            query.where(
                Followup.household_id == flag.household_id,
                Followup.resident_id.is_(None)
                if flag.resident_id is None
                else Followup.resident_id == flag.resident_id,
            )
        )
    if not isinstance(place, Unit):
        return None
    named = db.session.execute(
        query.add_columns(Returnee.full_name)
        .join(Returnee, Returnee.id == Followup.returnee_id)
        .where(
            Followup.hamlet_id == place.id,
            Followup.household_id.is_(None),
            Followup.resident_id.is_(None),
        )
        .order_by(Followup.id)
    ).all()
    folded = fold(flag.full_name or "")
    return next((f for f, full_name in named if folded and fold(full_name) == folded), None)


def _visit_for(flag: Returnee, place: Household | Unit, name: str) -> Followup:
    """Open the flag's returnee_visit, or tighten the person's open one."""
    due = max(flag.returned_on, today_in_vietnam())
    rule = rules.returnee_rule(due, flag.leaving_on)
    reason = {
        "name": name or "một người của hộ",  # stored text: Vietnamese, not the reader's
        "returned": flag.returned_on.strftime("%d/%m/%Y"),
        "leaving": flag.leaving_on.strftime("%d/%m/%Y") if flag.leaving_on else "",
    }
    current = _open_visit_of(flag, place)
    if current is not None:
        current.due_date = min(current.due_date, due)
        current.priority = min(current.priority, rule.priority)
        current.rule = rule.name if current.priority == rule.priority else current.rule
        current.reason = (rule.reason % reason)[:500]
        return current
    hamlet_id = place.hamlet_id if isinstance(place, Household) else place.id
    commune_id = place.commune_id if isinstance(place, Household) else place.parent_id
    return new_followup(
        rule,
        due=due,
        place=place,
        resident_id=flag.resident_id,
        assignee_id=Assigner().pick(rule.pool, hamlet_id, commune_id),
        reason=reason,
        returnee_id=flag.id,
    )


def flag_returnee(user: User, data: dict[str, Any]) -> tuple[Returnee, bool]:
    """Record a returnee flag and its returnee_visit; answer (flag, created)."""
    _check_dates(data)
    _check_away(data)
    resident, household, name = _subject(user, data)
    place: Household | Unit = household if household else _hamlet(user, data.get("hamlet_code"))
    hamlet_id = place.hamlet_id if isinstance(place, Household) else place.id
    if resident is not None:
        data = {**data, "resident_id": resident.id}
    same = _same_flag(user, data, hamlet_id)
    if same is not None:
        return same, False
    if resident is not None and resident.presence != "present" and not resident.pending:
        # Presence waits for the visit to confirm; the flag says until when the person was away.
        set_field(resident, "away_until", data["returned_on"], user)
    flag = Returnee(
        resident_id=resident.id if resident else None,
        household_id=household.id if household else None,
        full_name=name,
        returned_on=data["returned_on"],
        leaving_on=data.get("leaving_on"),
        phone=data.get("phone"),
        note=data.get("note"),
        away_province_code=data.get("away_province_code"),
        away_address=data.get("away_address"),
        flagged_by_id=user.id,
        hamlet_id=hamlet_id,
        commune_id=place.commune_id if isinstance(place, Household) else place.parent_id,
        province_id=place.province_id,
    )
    db.session.add(flag)
    db.session.flush()
    followup = _visit_for(flag, place, name)
    db.session.flush()
    flag.followup_id = followup.id
    db.session.flush()
    return flag, True


def shown_returnees(flags: list[Returnee]) -> list[Shown]:
    """Flags with their hamlet, pending state and the follow-up that answers them."""
    followup_ids = {f.followup_id for f in flags if f.followup_id}
    followups = {
        f.id: f for f in db.session.scalars(select(Followup).where(Followup.id.in_(followup_ids)))
    } if followup_ids else {}  # fmt: skip
    codes = unit_codes(f.hamlet_id for f in flags)
    resident_ids = {f.resident_id for f in flags if f.resident_id}
    pending = dict(
        db.session.execute(
            select(Resident.id, Resident.pending).where(Resident.id.in_(resident_ids))
        ).all()
    ) if resident_ids else {}  # fmt: skip
    return [
        Shown(
            flag,
            pending=pending.get(flag.resident_id),
            hamlet_code=codes.get(flag.hamlet_id),
            followup=followups.get(flag.followup_id),
        )
        for flag in flags
    ]


def list_returnees(
    user: User, *, hamlet: str | None = None, page: int = 1, per_page: int = 50
) -> Page:
    """List flags in scope, newest first, each with whether its visit happened."""
    query = select(Returnee).where(scope_clause(user, Returnee))
    if hamlet:
        unit = db.session.scalar(select(Unit).where(Unit.code == hamlet, Unit.level == "hamlet"))
        if unit is None or not unit_in_scope(user, unit):
            return Page.empty(page, per_page)
        query = query.where(rows_inside(Returnee, unit))
    order = (Returnee.created_at.desc(), Returnee.id.desc())
    result = paginate(query.order_by(*order), page, per_page)
    result.items = shown_returnees(result.items)
    return result

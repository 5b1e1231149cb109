"""Planning capture sessions: where, when, who goes, who is invited; reading them back."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.auth.scope import row_in_scope, scope_clause, unit_in_scope
from app.errors import InvalidError, NotFoundError
from app.extensions import db
from app.followups.models import Followup
from app.people.models import Household, Resident
from app.sessions.models import CaptureSession, SessionInvitee, SessionMember, SessionResult
from app.sessions.proposals import PROPOSED_KINDS
from app.units.models import Unit

TEAM_ROLES = ("officer", "commander")
PLACE_FIELDS = ("unit", "hamlet_code", "household_id")


def session_for(user: User, session_id: int) -> CaptureSession:
    """Return a session inside the user's scope, or 404."""
    session = db.session.get(CaptureSession, session_id)
    if session is None or not row_in_scope(user, session):
        raise NotFoundError(_("Không tìm thấy buổi thu nhận #%(id)s.", id=session_id))
    return session


def _site(actor: User, household_id: int) -> Household:
    household = db.session.get(Household, household_id)
    if household is None or not row_in_scope(actor, household):
        raise NotFoundError(
            _("Không tìm thấy cơ sở #%(id)s trong phạm vi của bạn.", id=household_id),
            {"household_id": [_("Cơ sở không có hoặc ngoài phạm vi của bạn.")]},
        )
    if household.kind == "family":
        raise InvalidError(
            _("Hộ #%(id)s là hộ gia đình, không phải cơ sở.", id=household_id),
            {"household_id": [_("Hãy chọn một nhà trọ, ký túc xá hoặc công ty.")]},
        )
    return household


def _unit(actor: User, code: str, levels: tuple[str, ...], key: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None or unit.level not in levels or not unit_in_scope(actor, unit):
        raise NotFoundError(
            _("Không tìm thấy đơn vị %(code)s trong phạm vi của bạn.", code=code),
            {key: [_("Đơn vị không có hoặc ngoài phạm vi của bạn.")]},
        )
    return unit


def _units_of(actor: User, data: dict) -> tuple[int | None, int, int, int | None]:
    """(hamlet, commune, province, site household) of the session's place."""
    if data.get("household_id") is not None:
        site = _site(actor, data["household_id"])
        return site.hamlet_id, site.commune_id, site.province_id, site.id
    if data.get("hamlet_code"):
        hamlet = _unit(actor, data["hamlet_code"], ("hamlet",), "hamlet_code")
        return hamlet.id, hamlet.parent_id, hamlet.province_id, None
    unit = actor.unit
    if data.get("unit"):
        unit = _unit(actor, data["unit"], ("commune", "hamlet"), "unit")
    if unit.level == "hamlet":
        return unit.id, unit.parent_id, unit.province_id, None
    if unit.level == "commune":
        return None, unit.id, unit.province_id, None
    raise InvalidError(
        _("Hãy chọn xã, thôn hoặc cơ sở nơi tổ chức buổi thu nhận."),
        {"unit": [_("Cần mã xã, thôn hoặc cơ sở.")]},
    )


def _place(actor: User, session: CaptureSession, data: dict) -> None:
    """Set where the session happens, from the hamlet, site, commune, text and map point."""
    if any(name in data for name in PLACE_FIELDS):
        hamlet_id, commune_id, province_id, site_id = _units_of(actor, data)
        moved = session.commune_id is not None and commune_id != session.commune_id
        if moved and session.invitees and "resident_ids" not in data:
            raise InvalidError(
                _("Buổi thu nhận đã có người được mời ở xã khác."),
                {"unit": [_("Hãy chọn lại danh sách người được mời.")]},
            )
        session.hamlet_id, session.commune_id = hamlet_id, commune_id
        session.province_id, session.household_id = province_id, site_id
    if "place" in data:
        session.place = (data["place"] or "").strip() or None
    if "location" in data:
        point = data["location"] or {}
        session.lat, session.lon = point.get("lat"), point.get("lon")


def _team(actor: User, session: CaptureSession, ids: list[int]) -> None:
    """Put the named users on the team: officers or commanders inside the caller's unit."""
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))}
    errors = {
        f"team_ids.{i}": [_("Người dùng #%(id)s không có trong đơn vị của bạn.", id=user_id)]
        for i, user_id in enumerate(ids)
        if user_id not in users
        or not users[user_id].active
        or users[user_id].role not in TEAM_ROLES
        or not unit_in_scope(actor, users[user_id].unit)
    }
    if errors:
        raise InvalidError(_("Có người trong tổ không thuộc đơn vị của bạn."), errors)
    keep = {m.user_id: m for m in session.team}
    session.team = [keep.get(i) or SessionMember(user_id=i) for i in dict.fromkeys(ids)]


def reasons_of(resident_ids: list[int]) -> dict[int, str]:
    """The reason each resident is proposed: their open capture or e-ID follow-up's reason."""
    if not resident_ids:
        return {}
    rows = db.session.execute(
        select(Followup.resident_id, Followup.reason)
        .where(
            Followup.resident_id.in_(resident_ids),
            Followup.status == "open",
            Followup.kind.in_(PROPOSED_KINDS),
        )
        .order_by(Followup.priority, Followup.id)
    ).all()
    found: dict[int, str] = {}
    for resident_id, reason in rows:
        found.setdefault(resident_id, reason)
    return found


def _invite(actor: User, session: CaptureSession, ids: list[int]) -> None:
    """Invite the named residents (in order): inside the caller's scope and the commune."""
    ids = list(dict.fromkeys(ids))
    residents = {
        r.id: r
        for r in db.session.scalars(
            select(Resident).where(Resident.id.in_(ids), scope_clause(actor, Resident))
        )
    }
    missing = {
        f"resident_ids.{i}": [_("Không tìm thấy công dân #%(id)s.", id=rid)]
        for i, rid in enumerate(ids)
        if rid not in residents
    }
    if missing:
        raise NotFoundError(_("Có công dân không có trong phạm vi của bạn."), missing)
    errors = {
        f"resident_ids.{i}": [_("Công dân #%(id)s không có trong xã của buổi này.", id=rid)]
        for i, rid in enumerate(ids)
        if residents[rid].commune_id != session.commune_id
    }
    if errors:
        raise InvalidError(_("Có công dân không thuộc xã của buổi thu nhận."), errors)
    recorded = set(
        db.session.scalars(
            select(SessionResult.resident_id).where(SessionResult.session_id == session.id)
        )
    ) if session.id is not None else set()  # fmt: skip
    dropped = sorted(recorded - set(ids))
    if dropped:  # their results would leave the session's lists and counts
        raise InvalidError(
            _("Có công dân đã có kết quả ở buổi này: không bỏ khỏi danh sách được."),
            {"resident_ids": [_("Công dân #%(id)s đã có kết quả.", id=rid) for rid in dropped]},
        )
    keep = {i.resident_id: i for i in session.invitees}
    reasons = reasons_of([i for i in ids if i not in keep])
    invited = []
    for position, rid in enumerate(ids):
        row = keep.get(rid) or SessionInvitee(resident_id=rid, reason=reasons.get(rid, ""))
        row.position = position
        invited.append(row)
    session.invitees = invited


def _apply(actor: User, session: CaptureSession, data: dict[str, Any]) -> None:
    """Apply the plan's fields that a body names."""
    for name, attr in (
        ("kind", "kind"),
        ("date", "day"),
        ("starts_at", "starts_at"),
        ("ends_at", "ends_at"),
        ("equipment", "equipment"),
        ("note", "note"),
        ("status", "status"),
    ):
        if name in data:
            setattr(session, attr, data[name])
    if session.starts_at and session.ends_at and session.ends_at <= session.starts_at:
        raise InvalidError(
            _("Giờ kết thúc phải sau giờ bắt đầu."), {"ends_at": [_("Phải sau giờ bắt đầu.")]}
        )
    _place(actor, session, data)
    if "team_ids" in data:
        _team(actor, session, data["team_ids"])
    if "resident_ids" in data:
        _invite(actor, session, data["resident_ids"])


def create_session(actor: User, data: dict[str, Any]) -> CaptureSession:
    """Plan a new session."""
    session = CaptureSession(created_by_id=actor.id, status="planned")
    data = {**data}
    if not any(data.get(name) for name in PLACE_FIELDS):
        data["unit"] = None  # the caller's own commune or hamlet
    _apply(actor, session, data)
    db.session.add(session)
    db.session.flush()
    return session


def update_session(actor: User, session_id: int, data: dict[str, Any]) -> CaptureSession:
    """Change a planned session's fields, team, invited residents or status."""
    session = session_for(actor, session_id)
    _apply(actor, session, data)
    db.session.flush()
    return session

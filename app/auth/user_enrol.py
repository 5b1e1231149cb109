"""Enrolling users and changing their role, unit and hamlets: the rules a manager must follow.

A manager (admin or commander) acts only inside their own unit; a commander never gives the
admin role. A role fits a unit's level (`service.ROLE_LEVELS`); only officers and village
heads work in hamlets, and those hamlets lie inside their unit. A new account gets a one-time
password, answered once, which the user must change at their first sign-in.

The same checks serve the API, the pages and the bulk enrolment's preview (`check_new`, which
writes nothing), so each refusal reads the same everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.auth.models import ROLES, User, UserHamlet
from app.auth.scope import holds_unit, scope_of, unit_in_scope
from app.auth.service import ROLE_LEVELS, assign_hamlets, create_user
from app.auth.signals import account_changed
from app.auth.users import managed_user, one_time_password, revoke_all
from app.errors import ConflictError, ForbiddenError, InvalidError
from app.extensions import db
from app.labels import label
from app.text import has_control_chars
from app.units.models import Unit

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")
PHONE = re.compile(r"^\+?[0-9 .\-]{6,20}$")
HAMLET_ROLES = ("officer", "village_head")
MAX_HAMLETS = 200


@dataclass(frozen=True)
class NewAccount:
    """A user just created, with the one-time password to hand over (never stored)."""

    user: User
    one_time_password: str


@dataclass(frozen=True)
class Checked:
    """A new account's unit and hamlets, found and allowed."""

    unit: Unit
    hamlets: list[Unit]


def _invalid(field: str, message: str) -> InvalidError:
    return InvalidError(message, {field: [message]})


def split_codes(value: Any) -> list[str]:
    """Hamlet codes from a list, or from text separated by commas, semicolons or spaces."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else re.split(r"[,;\s]+", str(value))
    codes: list[str] = []
    for item in items:
        code = str(item).strip()
        if code and code not in codes:
            codes.append(code)
    return codes


def check_role(actor: User, role: str) -> None:
    """Refuse an unknown role, and the admin role to anyone but an admin (403)."""
    if role not in ROLES:
        raise _invalid("role", _("Vai trò không hợp lệ."))
    if role == "admin" and actor.role != "admin":
        raise ForbiddenError(
            _("Chỉ quản trị viên được tạo hoặc gán vai trò quản trị."),
            {"role": [_("Chỉ quản trị viên được tạo hoặc gán vai trò quản trị.")]},
        )


def unit_for(actor: User, code: str) -> Unit:
    """The unit of this code inside the actor's unit (422 unknown, 403 outside)."""
    code = (code or "").strip()
    if has_control_chars(code):
        raise _invalid("unit_code", _("Mã đơn vị không được chứa ký tự điều khiển."))
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise _invalid("unit_code", _("Không có đơn vị mã %(code)s.", code=code))
    if not unit_in_scope(actor, unit):
        raise ForbiddenError(
            _("Bạn chỉ quản lý người dùng trong đơn vị của mình (%(unit)s).", unit=actor.unit.name),
            {"unit_code": [_("Đơn vị %(code)s nằm ngoài đơn vị của bạn.", code=unit.code)]},
        )
    return unit


def check_level(role: str, unit: Unit) -> None:
    """Refuse a role that does not sit at the unit's level (a village head on a commune)."""
    if unit.level not in ROLE_LEVELS[role]:
        levels = ", ".join(label("unit_level", level) for level in ROLE_LEVELS[role])
        message = _(
            "%(role)s phải thuộc đơn vị cấp %(levels)s; %(unit)s là cấp %(level)s.",
            role=label("role", role),
            levels=levels,
            unit=unit.name,
            level=label("unit_level", unit.level),
        )
        raise _invalid("unit_code", message)


def hamlets_for(role: str, unit: Unit, codes: list[str]) -> list[Unit]:
    """The hamlets of these codes, all inside the unit, for an officer or a village head."""
    if not codes:
        return []
    if role not in HAMLET_ROLES:
        raise _invalid("hamlet_codes", _("Chỉ cán bộ hoặc trưởng thôn được phân công thôn."))
    if len(codes) > MAX_HAMLETS:
        raise _invalid("hamlet_codes", _("Quá nhiều thôn (tối đa %(n)d).", n=MAX_HAMLETS))
    if any(has_control_chars(code) for code in codes):
        raise _invalid("hamlet_codes", _("Mã thôn không được chứa ký tự điều khiển."))
    found = {
        h.code: h
        for h in db.session.scalars(
            select(Unit).where(Unit.code.in_(codes), Unit.level == "hamlet")
        )
    }
    missing = [c for c in codes if c not in found]
    if missing:
        raise _invalid("hamlet_codes", _("Không có thôn: %(codes)s.", codes=", ".join(missing)))
    home = scope_of(unit)
    outside = [c for c in codes if not holds_unit(home, found[c])]
    if outside:
        raise _invalid(
            "hamlet_codes",
            _(
                "Thôn %(codes)s không thuộc %(unit)s.",
                codes=", ".join(outside),
                unit=unit.name,
            ),
        )
    return [found[c] for c in codes]


def username_taken(username: str) -> bool:
    """Whether a username is in use, whatever its case."""
    query = select(User.id).where(func.lower(User.username) == username.lower())
    return db.session.scalar(query) is not None


def check_username(username: str) -> None:
    """Refuse a malformed username (422) or one in use (409)."""
    if not USERNAME.match(username or ""):
        raise _invalid(
            "username",
            _("Tên đăng nhập gồm 2–64 chữ cái không dấu, chữ số, dấu chấm, gạch ngang, gạch dưới."),
        )
    if username_taken(username):
        message = _("Tên đăng nhập %(u)s đã có người dùng.", u=username)
        raise ConflictError(message, {"username": [message]})


def check_phone(phone: str | None) -> None:
    """Refuse a phone number that is not one."""
    if phone and not PHONE.match(phone):
        raise _invalid("phone", _("Số điện thoại không hợp lệ."))


def check_full_name(name: str) -> None:
    """Refuse an empty name, one past 200 characters, one with a control character."""
    if not name.strip():
        raise _invalid("full_name", _("Hãy nhập họ và tên."))
    if len(name.strip()) > 200:
        raise _invalid("full_name", _("Họ và tên dài quá 200 ký tự."))
    if has_control_chars(name):
        raise _invalid("full_name", _("Không được chứa ký tự điều khiển."))


def check_new(actor: User, data: dict[str, Any]) -> Checked:
    """Check a new account against every rule, writing nothing; answer its unit and hamlets."""
    username = (data.get("username") or "").strip()
    check_username(username)
    check_full_name(data.get("full_name") or "")
    role = data.get("role") or ""
    check_role(actor, role)
    unit = unit_for(actor, data.get("unit_code") or "")
    check_level(role, unit)
    check_phone(data.get("phone"))
    hamlets = hamlets_for(role, unit, split_codes(data.get("hamlet_codes")))
    return Checked(unit, hamlets)


def create_account(actor: User, data: dict[str, Any]) -> NewAccount:
    """Create a user with a one-time password they must change at their first sign-in.

    The creation (and the hamlets) enter the audit trail through the session's listener.
    """
    checked = check_new(actor, data)
    password = one_time_password()
    user = create_user(
        username=data["username"].strip(),
        password=password,
        role=data["role"],
        unit_code=checked.unit.code,
        full_name=data["full_name"].strip(),
        phone=(data.get("phone") or "").strip() or None,
        must_change_password=True,
    )
    if checked.hamlets:
        assign_hamlets(user, [h.code for h in checked.hamlets])
    db.session.flush()
    return NewAccount(user, password)


def _drop_hamlets(user: User, keep: set[int] | None = None) -> None:
    """Remove a user's hamlet assignments (all, or all but `keep`)."""
    query = select(UserHamlet).where(UserHamlet.user_id == user.id)
    if keep:
        query = query.where(UserHamlet.hamlet_id.not_in(sorted(keep)))
    for row in db.session.scalars(query):
        db.session.delete(row)  # one by one: each removal enters the audit trail


def _change_post(actor: User, user: User, changes: dict[str, Any]) -> None:
    """Move a user to another role or unit, keeping only the hamlets that still fit."""
    if user.id == actor.id:
        raise ConflictError(_("Bạn không thể tự đổi vai trò hoặc đơn vị của mình."))
    role = changes.get("role", user.role)
    check_role(actor, role)
    unit = unit_for(actor, changes["unit_code"]) if "unit_code" in changes else user.unit
    check_level(role, unit)
    user.role = role
    user.unit_id, user.unit = unit.id, unit
    if role != "officer":
        user.mobile_team = False
    if role not in HAMLET_ROLES:
        _drop_hamlets(user)
    elif "hamlet_codes" not in changes:
        home = scope_of(unit)
        kept = {
            row.hamlet_id
            for row in db.session.scalars(select(UserHamlet).where(UserHamlet.user_id == user.id))
            if holds_unit(home, db.session.get(Unit, row.hamlet_id))
        }
        _drop_hamlets(user, kept)


def update_account(actor: User, user_id: int, changes: dict[str, Any]) -> User:
    """Change a user's name, phone, role, unit, hamlets or whether the account is active."""
    user = managed_user(actor, user_id)
    if changes.get("active") is False and user.id == actor.id:
        raise ConflictError(_("Bạn không thể tự khóa tài khoản của mình."))
    post = (user.role, user.unit_id)
    moved_unit = "unit_code" in changes and changes["unit_code"] != user.unit.code
    if changes.get("role", user.role) != user.role or moved_unit:
        _change_post(actor, user, changes)
    if "hamlet_codes" in changes:
        codes = split_codes(changes["hamlet_codes"])
        hamlets = hamlets_for(user.role, user.unit, codes)
        db.session.flush()
        if hamlets:
            assign_hamlets(user, [h.code for h in hamlets], replace=True)
        else:
            _drop_hamlets(user)
    check_phone(changes.get("phone"))
    was_active = user.active
    if "full_name" in changes:
        check_full_name(changes["full_name"])
        user.full_name = changes["full_name"].strip()
    if "phone" in changes:
        user.phone = (changes["phone"] or "").strip() or None
    if "active" in changes:
        user.active = changes["active"]
    db.session.flush()
    if was_active and not user.active:
        revoke_all(user, "deactivated")
    if (was_active and not user.active) or (user.role, user.unit_id) != post:
        account_changed.send(user, actor=actor)  # its work the user can no longer do moves on
    return user

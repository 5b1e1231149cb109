"""The planner form: what a page's form sends, read into the API's session body."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.auth.models import User
from app.auth.scope import scope_clause, unit_scope_clause
from app.errors import flatten_errors
from app.extensions import db
from app.people.models import Household
from app.sessions.models import STATUSES, CaptureSession
from app.sessions.schemas import CaptureSessionIn
from app.text import ascii_digits
from app.units.models import Unit

MAX_SITES = 200
TEXT_FIELDS = ("kind", "date", "starts_at", "ends_at", "unit", "hamlet_code", "place")


def _ids(form: MultiDict, name: str, errors: dict) -> list[int]:
    out = []
    for index, text in enumerate(form.getlist(name)):
        if ascii_digits(text) and len(text) < 10:
            out.append(int(text))
        else:
            errors[f"{name}.{index}"] = [_("Không hợp lệ.")]
    return out


def _number(text: str | None, name: str, errors: dict) -> float | None:
    if not text:
        return None
    try:
        return float(text.replace(",", "."))
    except ValueError:
        errors[name] = [_("Phải là một số.")]
        return None


def read_form(form: MultiDict) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[str]]]:
    """(what was typed, the loaded body, errors) of the planner form."""
    errors: dict[str, list[str]] = {}
    typed: dict[str, Any] = {name: form.get(name, "").strip() for name in TEXT_FIELDS}
    typed |= {
        "household_id": form.get("household_id", ""),
        "lat": form.get("lat", "").strip(),
        "lon": form.get("lon", "").strip(),
        "equipment": form.get("equipment", ""),
        "note": form.get("note", ""),
        "team_ids": _ids(form, "team_ids", errors),
        "resident_ids": _ids(form, "resident_ids", errors),
    }
    body: dict[str, Any] = {k: typed[k] or None for k in TEXT_FIELDS}
    body |= {
        "household_id": int(typed["household_id"]) if ascii_digits(typed["household_id"]) else None,
        "equipment": typed["equipment"].strip(),
        "note": typed["note"].strip(),
        "team_ids": typed["team_ids"],
        "resident_ids": typed["resident_ids"],
    }
    lat, lon = _number(typed["lat"], "lat", errors), _number(typed["lon"], "lon", errors)
    body["location"] = {"lat": lat, "lon": lon} if lat is not None and lon is not None else None
    try:
        data = CaptureSessionIn().load(body)
    except ValidationError as exc:
        errors |= flatten_errors(exc.messages)
        data = {}
    typed["status"] = form.get("status", "")
    if typed["status"] in STATUSES:
        data["status"] = typed["status"]
    elif typed["status"]:
        errors["status"] = [_("Không hợp lệ.")]
    return typed, data, errors


def typed_of(session: CaptureSession, hamlet_code: str | None) -> dict[str, Any]:
    """A saved session as the form shows it."""
    return {
        "kind": session.kind,
        "status": session.status,
        "date": session.day.isoformat(),
        "starts_at": session.starts_at.strftime("%H:%M") if session.starts_at else "",
        "ends_at": session.ends_at.strftime("%H:%M") if session.ends_at else "",
        "unit": "",
        "hamlet_code": hamlet_code or "",
        "household_id": str(session.household_id or ""),
        "place": session.place or "",
        "lat": "" if session.lat is None else str(session.lat),
        "lon": "" if session.lon is None else str(session.lon),
        "equipment": session.equipment,
        "note": session.note,
        "team_ids": [m.user_id for m in session.team],
        "resident_ids": [i.resident_id for i in session.invitees],
    }


def team_choices(actor: User) -> list[User]:
    """Officers and commanders inside the actor's unit, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(Unit, Unit.id == User.unit_id)
            .where(
                unit_scope_clause(actor),
                User.active.is_(True),
                User.role.in_(("officer", "commander")),
            )
            .order_by(User.full_name, User.username)
            .limit(300)
        )
    )


def site_choices(actor: User) -> list[Household]:
    """Sites (boarding houses, dormitories, companies…) inside the actor's unit."""
    return list(
        db.session.scalars(
            select(Household)
            .where(scope_clause(actor, Household), Household.kind != "family")
            .order_by(Household.site_name, Household.id)
            .limit(MAX_SITES)
        )
    )

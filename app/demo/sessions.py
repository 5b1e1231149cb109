"""The demo's capture session: a mobile team going to homes tomorrow, inviting the first people
the server proposes (those unable to travel or aged 70 and more first, in walking order)."""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from app.auth.models import User
from app.clock import today_in_vietnam
from app.extensions import db
from app.sessions import plans, proposals
from app.sessions.models import CaptureSession
from app.units.models import Unit

DEMO_NOTE = "Buổi thu nhận mẫu: tổ cơ động đến nhà người không đi lại được."
INVITED = 6


def plan_demo_session(commune: Unit) -> bool:
    """Plan tomorrow's at-home session once; answer whether it was made now."""
    exists = db.session.scalar(
        select(CaptureSession.id).where(
            CaptureSession.commune_id == commune.id, CaptureSession.note == DEMO_NOTE
        )
    )
    if exists is not None:
        return False
    staff = list(
        db.session.scalars(
            select(User).where(User.unit_id == commune.id, User.active.is_(True)).order_by(User.id)
        )
    )
    commander = next((u for u in staff if u.role == "commander"), None)
    team = [u.id for u in staff if u.role == "officer" and u.mobile_team]
    if commander is None or not team:
        return False
    proposed = proposals.propose(commander, commune.code, "at_home")[:INVITED]
    plans.create_session(
        commander,
        {
            "kind": "at_home",
            "date": today_in_vietnam() + timedelta(days=1),
            "starts_at": time(8, 0),
            "ends_at": time(11, 30),
            "unit": commune.code,
            "place": None,
            "location": None,
            "team_ids": team,
            "resident_ids": [p["resident_id"] for p in proposed],
            "equipment": "Máy thu nhận lưu động, máy ảnh, máy lấy vân tay, máy in",
            "note": DEMO_NOTE,
        },
    )
    return True

"""The follow-up rules, connected to what visits, corrections and session results announce."""

from __future__ import annotations

from typing import Any

from flask import Flask

from app.auth.models import User
from app.auth.signals import account_changed
from app.followups import reassign, service
from app.followups.models import Followup
from app.people.models import Correction, Resident
from app.people.signals import correction_resolved, resident_changed, session_result_recorded
from app.visits.models import Visit
from app.visits.signals import batch_starting, visit_recorded


def _batch_starting(households: list, *, cache: dict[str, Any]) -> None:
    """Read once what the batch's visits' rules need: open follow-ups, assignee pools."""
    service.prepare_batch(households, cache)


def _visit_recorded(visit: Visit, **details: Any) -> tuple[list[Followup], list[Followup]]:
    """Open and close the follow-ups a saved visit calls for."""
    return service.on_visit(visit, **details)


def _session_result_recorded(
    resident: Resident, **details: Any
) -> tuple[list[Followup], list[Followup]]:
    """Close the follow-ups a capture session's result settles; open what it calls for."""
    return service.on_session_result(resident, **details)


def _correction_resolved(correction: Correction, *, actor: User) -> list[Followup]:
    """Close the verify_documents a fixed or dismissed correction leaves without papers to
    check; a verified one still waits for its fix, so its follow-ups stay open."""
    if correction.status not in ("fixed", "dismissed"):
        return []
    return service.on_correction_resolved(correction, actor)


def _account_changed(user: User, **_details: Any) -> list[Followup]:
    """A user deactivated, moved or given another role: their work goes on with others."""
    return reassign.release_work_of(user)


def _resident_changed(resident: Resident, **details: Any) -> tuple[list, list]:
    """A resident changed without a visit: re-read the card and at-home rules for them."""
    return service.on_resident_changed(resident, details.get("actor"))


def init_app(app: Flask) -> None:
    """Connect the receivers (once per process: blinker keeps one connection per receiver)."""
    visit_recorded.connect(_visit_recorded)
    batch_starting.connect(_batch_starting)
    correction_resolved.connect(_correction_resolved)
    resident_changed.connect(_resident_changed)
    session_result_recorded.connect(_session_result_recorded)
    account_changed.connect(_account_changed)

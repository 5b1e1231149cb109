"""Follow-ups: what visits and flags decide should happen next."""

from __future__ import annotations

from app.auth.models import User
from app.followups.models import Followup
from app.people.models import Correction, Resident
from app.visits.models import Visit, VisitResident


def on_visit(
    visit: Visit,
    seen: list[tuple[Resident, VisitResident]],
    new_residents: list[Resident],
    corrections: list[Correction],
    actor: User,
) -> tuple[list[Followup], list[Followup]]:
    """Apply the follow-up rules to a saved visit; return (created, closed) follow-ups."""
    return [], []

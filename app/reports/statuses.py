"""What counts as done: the visit outcomes that settle a household, the ID-card and e-ID values
that count as held, and the resident status each campaign metric waits for."""

from __future__ import annotations

# A household counts as visited once a visit settled its situation; nobody home or a refusal
# leaves it a gap (a revisit follow-up exists for it) and counts only as attempted.
DONE_OUTCOMES = ("met", "household_moved")
ID_DONE = ("collected", "issued")
EID_DONE = "level2_active"

# The status a resident must reach (and still hold) to count, by campaign metric.
STATUS_METRICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "id_collected": ("id_card", ID_DONE),
    "eid_level2_active": ("eid", (EID_DONE,)),
}

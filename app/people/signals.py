"""What the people domain announces, for the domains above it to act on.

`correction_resolved` is sent after a reviewed correction's new status is flushed: sender the
Correction; keyword `actor`, the reviewing user. Receivers act in the same transaction.

`session_result_recorded` is sent by the capture sessions (app/sessions/service.py) inside a
result's savepoint, once the resident's statuses are flushed: sender the Resident; keywords
`attended` (whether the person came), `corrections` (opened by the result), `on` (the
session's day), `actor` and `session_result_id`. A receiver returns the follow-ups it opened
and closed as `(created, closed)`; a receiver that raises refuses the result. Sessions lie
above follow-ups in the stack, but announce like a visit does so that the follow-up rules
keep one entry point per cause.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

correction_resolved = _signals.signal("correction-resolved")

# Sent after a resident changed without a visit (PATCH /residents/<id>, an import, a fixed
# correction, a card scan that filled a field) in a way the card rules read: sender the
# Resident; keywords `fields` (the names that changed) and `actor` (the user, or None).
# Receivers act in the same transaction.
resident_changed = _signals.signal("resident-changed")

# The fields whose change is announced by `resident_changed`.
CARD_RULE_FIELDS = (
    "unable_to_travel",
    "card_issue",
    "card_issued_on",
    "date_of_birth",
    "presence",
    "pending",
)
session_result_recorded = _signals.signal("session-result-recorded")

"""What the visits domain announces, for the domains above it to act on.

`visit_recorded` is sent inside the visit's savepoint, once the visit, the residents it saw
and the corrections it opened are flushed: sender the Visit; keywords `seen` (resident, its
VisitResident row), `new_residents`, `corrections` and `actor`. A receiver returns the
follow-ups it opened and closed as `(created, closed)`; the visit's answer carries them. A
receiver that raises refuses the visit (its savepoint rolls back).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

visit_recorded = _signals.signal("visit-recorded")

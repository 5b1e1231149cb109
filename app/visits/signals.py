"""What the visits domain announces, for the domains above it to act on.

`visit_recorded` is sent while the visit is being recorded, once the visit has its id (its row
flushed, or in a batch tried at once drawn ahead and written by the batch's one flush) and the
residents it saw and the corrections it opened are in the session, still pending: sender the
Visit; keywords `seen` (resident, its VisitResident row: an object outside the session, without
an id, its values written by the visit's flush with one Core insert), `new_residents`,
`corrections` and `actor`. A receiver returns the follow-ups it opened and closed as `(created,
closed)`; the visit's answer carries them. A receiver that raises refuses the visit (its writes
roll back). A receiver reads without flushing and links to a pending correction by the
relationship, not its id: the visit's changes go to the database in one flush after the
receivers (`app.database.flush`, which a batch tried at once leaves to its end).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

visit_recorded = _signals.signal("visit-recorded")

batch_starting = _signals.signal("visit-batch-starting")
"""`batch_starting` is sent before a batch of visits is tried at once (its writes gathered
for one flush): sender the list of the batch's households (residents loaded); keyword `cache`,
a dict a receiver fills with what it reads once for the whole batch (under its own keys), read
back while the batch's visits are recorded (`app.database.batch_cache`) and dropped after."""

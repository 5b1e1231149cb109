"""What the people domain announces, for the domains above it to act on.

`correction_resolved` is sent after a reviewed correction's new status is flushed: sender the
Correction; keyword `actor`, the reviewing user. Receivers act in the same transaction.

`card_scanned` is sent after a reading of a resident's ID card (POST .../card-scan) is flushed:
sender the Resident; keywords `actor`, `filled` (the fields the card wrote into the record:
`id_number`, `date_of_birth`, `sex`, `card_issued_on`) and `scan_id`. A domain that keeps
what depends on those (the card's renewal date) recomputes it here, in the same transaction.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

correction_resolved = _signals.signal("correction-resolved")
card_scanned = _signals.signal("card-scanned")

"""What the people domain announces, for the domains above it to act on.

`correction_resolved` is sent after a reviewed correction's new status is flushed: sender the
Correction; keyword `actor`, the reviewing user. Receivers act in the same transaction.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

correction_resolved = _signals.signal("correction-resolved")

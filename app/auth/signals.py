"""What the accounts announce, for the domains above them to act on.

`account_changed` is sent by `app.auth.user_enrol.update_account` once a user's deactivation,
new unit or new role is flushed: sender the User; keyword `actor`, the user who changed it.
Receivers act in the same transaction (the follow-ups hand on the work the user can no longer
do: app/followups/receivers.py).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

account_changed = _signals.signal("account-changed")

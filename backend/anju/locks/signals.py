"""Signals the lock side sends to the rest of Anju (blinker)."""

from __future__ import annotations

from blinker import Namespace

locks_signals = Namespace()

# Sender: the Credential, after the lock reported a finger enrolled for it
# (state "enrolled", slot stored). Housing moves the tenancy to checked_in.
credential_enrolled = locks_signals.signal("credential-enrolled")

"""Locks and gates, their credentials, events and the command outbox."""

from __future__ import annotations

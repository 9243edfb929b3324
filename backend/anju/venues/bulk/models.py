"""An import: one uploaded spreadsheet, its progress and its row report."""

from __future__ import annotations

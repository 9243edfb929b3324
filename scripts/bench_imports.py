"""One code: a 10,000-row spreadsheet import, its time and memory.

Measurement functions take the running ``bench.Bench`` and return ``bench.Row``
figures; ``scripts/bench.py`` runs every one listed in ``MEASUREMENTS``.
"""

from __future__ import annotations

from collections.abc import Callable

import bench

MEASUREMENTS: list[Callable[[bench.Bench], list[bench.Row]]] = []

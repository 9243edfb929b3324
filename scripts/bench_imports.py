"""One code: a 10,000-row spreadsheet import, its time and memory.

Measurement functions take the running ``bench.Bench`` and return ``bench.Row``
figures; ``scripts/bench.py`` runs every one listed in ``MEASUREMENTS``.

The import runs in this process, as the web process's background thread runs
it (the same service functions: the whole-file check, storing, then the rows),
so its peak memory can be sampled; the upload's HTTP leg adds only the body's
transfer. A second run of the same file measures the all-duplicates path.
"""

from __future__ import annotations

import io
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import bench
import psutil
from bson import ObjectId
from openpyxl import Workbook

from anju.accounts.authz import Actor, ActorGrant
from anju.areas.models import Area
from anju.common.idnumber import make_id_number
from anju.venues.bulk import service
from anju.venues.bulk.models import Import
from anju.venues.bulk.spreadsheet import inspect
from anju.venues.models import Venue

FULL_ROWS = 10_000
QUICK_ROWS = 1_000
REGIONS = ("110105", "310104", "440305", "510104", "420102", "130102")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"
JOBS = ("理货员", "收银员", "仓管", "厨师", "搬运", "保洁")


def _staff_xlsx(rows: int, seed: int = 5) -> bytes:
    """A filled-in template: distinct, valid people (the ID authority does not
    know them; their checks are left to the worker, which is not running)."""
    chooser = random.Random(seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("人员名单")
    sheet.append(["姓名", "身份证号", "手机号", "岗位", "入职日期", "类别"])
    born = date(1970, 1, 1)
    for number in range(rows):
        birth = born + timedelta(days=number // 900)
        region = REGIONS[number % len(REGIONS)]
        sheet.append(
            [
                chooser.choice(SURNAMES) + "".join(chooser.sample(GIVEN, 2)),
                make_id_number(region, birth, number % 900 + 1),
                f"139{number:08d}",
                chooser.choice(JOBS),
                "2024-03-01",
                "员工" if number % 10 else "业务往来",
            ]
        )
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


class PeakMemory:
    """This process's resident memory, sampled every 20 ms while running."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.start = self.process.memory_info().rss
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def _venue_and_actor(village: Area) -> tuple[Venue, Actor]:
    venue_id = ObjectId()
    venue = Venue(
        id=venue_id,
        name="基准仓库",
        kind="warehouse_logistics",
        area=village.id,
        status="active",
        scope_keys=[*village.scope_keys(), f"venue:{venue_id}"],
        created_at=datetime.now(UTC),
    )
    venue.save(force_insert=True)
    grant = ActorGrant(
        "operator", "venue", str(venue_id), venue.name, (f"venue:{venue_id}",)
    )
    actor = Actor(str(ObjectId()), "bench", (grant,), display_name="基准经营者")
    return venue, actor


def _import_once(venue: Venue, actor: Actor, data: bytes) -> tuple[Import, float]:
    started = time.perf_counter()
    sheet = inspect(data)
    batch = service.store_import(actor, venue, "基准.xlsx", data, sheet, False)
    if not service.process(batch.id):
        raise RuntimeError("the import was claimed by someone else")
    elapsed = time.perf_counter() - started
    return Import.objects(id=batch.id).first(), elapsed


def staff_import(bench_: bench.Bench) -> list[bench.Row]:
    """A 10,000-row XLSX import: the whole-file check, storing, then every row
    (people, employments and an audit entry each); again for all duplicates."""
    quick = bench_.budget.people < bench.DEFAULT_BUDGET.people
    rows = QUICK_ROWS if quick else FULL_ROWS
    data = _staff_xlsx(rows)

    with bench_.app.app_context():
        village = Area.objects(id=bench_.village_id).first()
        venue, actor = _venue_and_actor(village)

        with PeakMemory() as memory:
            first, first_seconds = _import_once(venue, actor, data)
        again, again_seconds = _import_once(venue, actor, data)

    if first.state != "done" or first.imported != rows:
        raise RuntimeError(f"the import did not import every row: {first.state}")
    if again.imported != 0 or again.duplicates != rows:
        raise RuntimeError("the second import was not all duplicates")

    peak_mb = memory.peak / 2**20
    grown_mb = (memory.peak - memory.start) / 2**20
    size_kb = len(data) / 1024
    return [
        bench.Row(
            f"{rows:,}-row XLSX import",
            first_seconds,
            "s",
            None,
            f"{size_kb:,.0f} KB file; goal under 30 s for 10,000",
        ),
        bench.Row(
            "rows imported per second",
            rows / first_seconds,
            "rows/s",
            bench.RAW_INSERT,
            "a person, an employment and its audit entry per row",
            detail=True,
        ),
        bench.Row(
            "peak memory (process RSS)",
            peak_mb,
            "MB",
            None,
            f"+{grown_mb:,.0f} MB during the import; goal under 300 MB",
            detail=True,
        ),
        bench.Row(
            "same file again (all duplicates)",
            again_seconds,
            "s",
            None,
            f"{again.duplicates:,} already registered, nothing written",
            detail=True,
        ),
    ]


MEASUREMENTS: list[Callable[[bench.Bench], list[bench.Row]]] = [staff_import]


def main() -> None:
    """This measurement alone on a fresh embedded database, beside the raw
    insert loop: ``.venv/bin/python scripts/bench_imports.py [--quick]``."""
    import shutil
    import sys
    import tempfile
    from pathlib import Path

    from anju import create_app, db
    from anju.areas.service import create_area
    from anju.config import load_settings
    from anju.devstack import start_database

    work = Path(tempfile.mkdtemp(prefix="anju-bench-imports-"))
    database = start_database(work / "db")
    try:
        settings = load_settings(
            environ={},
            env="dev",
            var_dir=work / "var",
            mongodb_uri=database.url,
            log_level="WARNING",
        )
        app = create_app(settings)
        with app.app_context():
            db.ensure_indexes()
            district = create_area(None, {"name": "基准区", "kind": "district"})
            zone = create_area(
                None,
                {
                    "name": "基准片区",
                    "kind": "zone",
                    "zone_kind": "open_village",
                    "parent_id": str(district.id),
                },
            )
            village = create_area(
                None, {"name": "基准村", "kind": "village", "parent_id": str(zone.id)}
            )
        quick = "--quick" in sys.argv
        run = bench.Bench(
            budget=bench.QUICK_BUDGET if quick else bench.DEFAULT_BUDGET,
            clients=[8],
            settings=settings,
            app=app,
            base_url="",
            stop=threading.Event(),
            citizens=iter(()),
            village_id=str(village.id),
        )
        rows = bench.raw_database(run) + staff_import(run)
        bench._compute_ratios(rows)
        print(bench._table(rows))
    finally:
        database.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

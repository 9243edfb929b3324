"""Venue codes: QR encoding and a poster PDF for many venues.

Measurement functions take the running ``bench.Bench`` and return ``bench.Row``
figures; ``scripts/bench.py`` runs every one listed in ``MEASUREMENTS``.

Both run in this process, through the same functions the web app and
``python -m qr posters`` use. The poster figure covers what the download does:
the query, the venues' tokens and URLs, encoding and drawing every page, and
the audit entry. Neither has a raw-database counterpart, so ``ratio_to`` is
None; the goals are absolute (issue #5: under 30 s for 1,000 venues, at most
10 ms of QR encoding a code).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import bench
from bson import ObjectId

import qr.tokens as tokens
from anju.areas.models import Area
from anju.areas.service import create_area
from anju.venues import service
from anju.venues.models import Venue
from qr import render

FULL_VENUES = 1000
QUICK_VENUES = 200
ENCODINGS = 1000
AREA_NAME = "码牌测试楼"


def _quick(bench_: bench.Bench) -> bool:
    return bench_.budget.people < bench.DEFAULT_BUDGET.people


def qr_encoding(bench_: bench.Bench) -> list[bench.Row]:
    """Encoding one venue's code URL into a QR matrix (what every poster page
    and every PNG/SVG download does first), distinct URLs, one thread."""
    key = bench_.settings.code_signing_key
    base = bench_.settings.public_url.rstrip("/")
    wanted = ENCODINGS // 5 if _quick(bench_) else ENCODINGS
    urls = [
        f"{base}/v/{tokens.sign('venue', str(ObjectId()), 1, key)}"
        for _ in range(wanted)
    ]
    render.matrix(urls[0])  # warm up

    done, deadline = 0, bench_.deadline()
    started, cpu_started = time.perf_counter(), time.thread_time()
    while done < wanted and bench_.running(deadline):
        render.matrix(urls[done])
        done += 1
    per_code = (time.perf_counter() - started) / done
    cpu_per_code = (time.thread_time() - cpu_started) / done

    version = render.encode(urls[0]).designator
    note = bench._join(
        f"n={done}",
        f"QR {version}",
        f"CPU {cpu_per_code * 1e6:,.0f} µs",
        "goal at most 10,000 µs",
    )
    return [bench.Row("venue code: QR encoding", per_code * 1e6, "µs", None, note)]


def _market(bench_: bench.Bench, count: int) -> Area:
    village = Area.objects(id=bench_.village_id).first()
    area = create_area(
        None, {"name": AREA_NAME, "kind": "building", "parent_id": str(village.id)}
    )
    now = datetime.now(UTC)
    documents = []
    for number in range(1, count + 1):
        venue_id = ObjectId()
        documents.append(
            Venue(
                id=venue_id,
                name=f"{AREA_NAME}{number:04d}号铺",
                kind="stall_shop",
                area=area.id,
                address=f"商贸城{number:04d}号",
                status="active",
                code_version=1,
                scope_keys=[*area.scope_keys(), f"venue:{venue_id}"],
                created_at=now,
            ).to_mongo()
        )
    Venue._get_collection().insert_many(documents)
    return area


def venue_posters(bench_: bench.Bench) -> list[bench.Row]:
    """One PDF with a poster page per venue of a market (A5, as downloaded)."""
    count = QUICK_VENUES if _quick(bench_) else FULL_VENUES

    with bench_.app.app_context():
        area = _market(bench_, count)
        started, cpu_started = time.perf_counter(), time.process_time()
        file = service.many_posters(None, str(area.id), "A5")
        seconds = time.perf_counter() - started
        cpu_seconds = time.process_time() - cpu_started

    pages = file.content.count(b"/Type /Page\n")
    if pages != count:
        raise RuntimeError(f"the poster PDF has {pages} pages, not {count}")
    size_mb = len(file.content) / 2**20
    note = f"{size_mb:.1f} MB; CPU {cpu_seconds:.1f} s; goal under 30 s for 1,000"
    return [
        bench.Row(f"{count:,}-venue poster PDF", seconds, "s", None, note),
        bench.Row(
            "poster pages per second",
            count / seconds,
            "pages/s",
            None,
            "query, tokens, QR encoding, vector drawing, audit",
            detail=True,
        ),
    ]


MEASUREMENTS: list[Callable[[bench.Bench], list[bench.Row]]] = [
    qr_encoding,
    venue_posters,
]

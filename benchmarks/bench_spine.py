"""Spine: first list page, search while typing, moving one contact, start-up to window shown."""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.common import (
    bench_size,
    demo_database,
    first_list_page_s,
    scratch_copy,
    summary,
    typed_queries,
)


def _first_page(path: Path | str) -> float:
    """The list's first page, from opening the database (bench_postgresql's too)."""
    return first_list_page_s(path)


def _search(path: Path) -> dict[str, float]:
    from app import contacts
    from app.contacts import ContactQuery
    from db.engine import open_database

    db = open_database(path)
    samples = []
    for text in typed_queries(50):
        start = time.perf_counter()
        q = ContactQuery(search=text)
        contacts.count(db, q)
        ids = contacts.query_ids(db, q, 0, 200)
        contacts.load_rows(db, ids[:60])
        samples.append(time.perf_counter() - start)
    db.close()
    return summary(samples)


def _move(path: Path, n: int) -> dict[str, float]:
    from app.contacts import ContactQuery, count
    from app.moves import move_to_stage
    from db.engine import open_database

    db = open_database(scratch_copy(path))
    n_contacts = count(db, ContactQuery())
    rng = random.Random(5)
    keys = ["inquiry", "mql", "sql", "nurture"]
    samples = []
    for _ in range(n):
        cid = rng.randint(1, n_contacts)
        start = time.perf_counter()
        move_to_stage(db, [cid], rng.choice(keys))
        samples.append(time.perf_counter() - start)
    db.close()
    return summary(samples)


def _window_shown(path: Path) -> dict[str, float]:
    env = {
        **os.environ,
        "WINNOW_EXIT_WHEN_SHOWN": "1",
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(Path(path).parent / "bench-config"),
    }
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-m", "app", "--db", str(path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    lines = out.stdout.splitlines()
    _, shown_at, rss_kb = next(x for x in lines if x.startswith("winnow-shown")).split()
    # usable: the list's first page and the sidebar's counts are in (issue 15's "window
    # usable"; the board's first cards are bench_kanban's)
    _, usable_at, usable_rss_kb = next(x for x in lines if x.startswith("winnow-usable")).split()
    return {
        "start_to_shown_s": round(float(shown_at) - start, 3),
        "start_to_usable_s": round(float(usable_at) - start, 3),
        "peak_rss_mb": round(int(usable_rss_kb) / 1024, 1),
        "peak_rss_when_shown_mb": round(int(rss_kb) / 1024, 1),
    }


def run(quick: bool = False) -> dict[str, object]:
    n = bench_size(quick)
    path = scratch_copy(demo_database(n))
    first = [_first_page(path) for _ in range(3)]
    result: dict[str, object] = {
        "contacts": n,
        "first_list_page_s": round(min(first), 4),
        "search_typed_queries": _search(path),
        "move_one_contact": _move(path, 200),
    }
    result.update(_window_shown(path))
    result["bench_process_peak_rss_mb"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
    )
    result["targets"] = {
        "first_list_page_s": 0.2,
        "search_p95_s": 0.1,
        "move_p95_s": 0.01,
        "start_to_shown_s": 2.0,
        "start_to_usable_s": 0.8 if n < 1_000_000 else 1.5,
        "peak_rss_mb": 250 if n < 1_000_000 else 300,
    }
    return result

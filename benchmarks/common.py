"""Shared helpers: a cached demo database (100,000 contacts, or ``--size N``) and timing
utilities."""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

CACHE = Path(os.environ.get("WINNOW_BENCH_CACHE", Path(tempfile.gettempdir()) / "winnow-bench"))
DEFAULT_SIZE = 100_000
QUICK_SIZE = 10_000
SIZE_ENV = "WINNOW_BENCH_SIZE"  # set by ``python -m benchmarks --size N``
# a demo database of the benchmark size to read instead of the cache's (``--db FILE``): a
# million contacts take 20 minutes to generate again after every schema change
DB_ENV = "WINNOW_BENCH_DB"


def bench_size(quick: bool = False) -> int:
    """Contacts in the demo database a benchmark runs on: ``--size N`` (``WINNOW_BENCH_SIZE``),
    else 100,000; ``--quick`` makes it 10,000 (or N, if smaller)."""
    raw = os.environ.get(SIZE_ENV, "")
    size = int(raw) if raw.strip() else DEFAULT_SIZE
    return min(size, QUICK_SIZE) if quick else size


def demo_database(n: int | None = None, seed: int = 1) -> Path:
    """A demo database with ``n`` contacts (default: :func:`bench_size`), generated once per
    schema and reused (read-only use): ``CACHE/demo-{n}-{seed}-{schema revision}.sqlite``."""
    if n is None:
        n = bench_size()
    given = os.environ.get(DB_ENV, "")
    if given and n == bench_size():
        return Path(given)  # a demo database of that size made before (another schema's too)
    from db.engine import open_database
    from db.migrate import head_revision

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"demo-{n}-{seed}-{head_revision()}.sqlite"
    if not path.exists():
        tmp = path.with_suffix(".partial")
        for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            p.unlink(missing_ok=True)
        from app.demo import generate_demo

        db = open_database(tmp)
        generate_demo(db, n, seed=seed)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        tmp.rename(path)
    return path


def scratch_copy(path: Path) -> Path:
    """A private copy of a cached database for benchmarks that write."""
    out = Path(tempfile.mkdtemp(prefix="winnow-bench-")) / path.name
    shutil.copy(path, out)
    return out


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "median_s": round(statistics.median(samples), 5),
        "p95_s": round(percentile(samples, 95), 5),
        "max_s": round(max(samples), 5),
        "n": len(samples),
    }

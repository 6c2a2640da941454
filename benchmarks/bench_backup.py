"""Data safety benchmark (issue 10) at 100,000 demo contacts.

- a backup (SQLite online backup API, then ``quick_check`` of the copy), as the window runs it
  off the GUI thread: target ≤ 2 s;
- a restore (the current file checked and backed up first, the backup checked, copied in, the
  log folded back): target ≤ 3 s;
- ``PRAGMA quick_check`` of the file (warm page cache), which decides whether the command line
  checks before every command or only before writes (with a per-file cache);
- the first list page while the check runs beside it vs. alone: the check must not delay it.
"""

from __future__ import annotations

import shutil
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.common import bench_size, demo_database, scratch_copy, summary

TARGET_BACKUP_S = 2.0
TARGET_RESTORE_S = 3.0
QUICK_CHECK_EVERY_COMMAND_S = 0.3


def _backups(path: Path, n: int) -> dict[str, Any]:
    from app.backups import make_backup

    samples = []
    info = None
    for _ in range(n):
        start = time.perf_counter()
        info = make_backup(path)
        samples.append(time.perf_counter() - start)
    assert info is not None
    return {
        **summary(samples),
        "size_mb": round(info.size / 1e6, 1),
        "target_s": TARGET_BACKUP_S,
        "ok": statistics.median(samples) <= TARGET_BACKUP_S,
    }


def _restores(path: Path, n: int) -> dict[str, Any]:
    from app.backups import list_backups, restore_backup

    backup = list_backups(path)[0].path
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        restore_backup(path, backup)
        samples.append(time.perf_counter() - start)
    return {
        **summary(samples),
        "target_s": TARGET_RESTORE_S,
        "ok": statistics.median(samples) <= TARGET_RESTORE_S,
    }


def _quick_check(path: Path, n: int) -> dict[str, Any]:
    from db.fileguard import quick_check

    quick_check(path)  # into the page cache
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        assert quick_check(path) == []
        samples.append(time.perf_counter() - start)
    median = statistics.median(samples)
    return {
        **summary(samples),
        "every_command_limit_s": QUICK_CHECK_EVERY_COMMAND_S,
        "cli_checks": "every command"
        if median <= QUICK_CHECK_EVERY_COMMAND_S
        else "write commands only, once per file state",
    }


def _first_page(path: Path, n: int) -> dict[str, Any]:
    from app.contacts import ContactQuery, list_rows
    from db.engine import open_database
    from db.fileguard import quick_check

    db = open_database(path)
    try:
        list_rows(db, ContactQuery(), limit=200)

        def page() -> float:
            start = time.perf_counter()
            list_rows(db, ContactQuery(), limit=200)
            return time.perf_counter() - start

        alone = [page() for _ in range(n)]
        beside: list[float] = []
        for _ in range(n):
            checker = threading.Thread(target=quick_check, args=(path,))
            checker.start()
            time.sleep(0.02)  # the check is under way
            beside.append(page())
            checker.join()
    finally:
        db.close()
    return {
        "alone_median_s": round(statistics.median(alone), 4),
        "during_check_median_s": round(statistics.median(beside), 4),
        "during_check_max_s": round(max(beside), 4),
        "n": n,
    }


def run(quick: bool = False) -> dict[str, Any]:
    contacts = bench_size(quick)
    path = scratch_copy(demo_database(contacts))
    try:
        return {
            "contacts": contacts,
            "backup": _backups(path, 3),
            "restore": _restores(path, 3),
            "quick_check": _quick_check(path, 3),
            "first_page": _first_page(path, 5),
        }
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)

"""Store size: bytes a contact in the demo database, with its history (issue 15: ≤ 1 KB a
contact at 1,000,000), from SQLite's ``dbstat`` table (every page of the file read once).

Reports the file's bytes a contact, the pages in use, and each table with its indexes (the
full-text index's shadow tables under their own names), largest first. Read only: the file
is opened ``mode=ro``, never copied.

    python -m benchmarks store [--size N] [--db FILE]
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from benchmarks.common import bench_size, demo_database

TARGET_BYTES_A_CONTACT = 1024  # at 1,000,000 contacts (issue 15); none set at 100,000


def measure(path: Path) -> dict[str, Any]:
    start, cpu = time.perf_counter(), time.process_time()
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        contacts = con.execute("SELECT count(*) FROM contacts").fetchone()[0]
        owner = dict(
            con.execute("SELECT name, tbl_name FROM sqlite_schema WHERE type IN ('table', 'index')")
        )
        per_table: dict[str, dict[str, int]] = {}
        used = 0
        for name, pages, payload, unused in con.execute(
            "SELECT name, pgsize, payload, unused FROM dbstat WHERE aggregate = TRUE"
        ):
            used += pages
            table = owner.get(name, name)
            row = per_table.setdefault(table, {"table": 0, "indexes": 0, "payload": 0, "unused": 0})
            row["indexes" if name != table else "table"] += pages
            row["payload"] += payload
            row["unused"] += unused
        page_count = con.execute("PRAGMA page_count").fetchone()[0]
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        free = con.execute("PRAGMA freelist_count").fetchone()[0]
    finally:
        con.close()
    size = os.path.getsize(path)
    each = max(contacts, 1)
    largest = sorted(per_table.items(), key=lambda kv: -(kv[1]["table"] + kv[1]["indexes"]))
    return {
        "contacts": contacts,
        "file_bytes": size,
        "file_bytes_a_contact": round(size / each),
        "pages_in_use_bytes_a_contact": round(used / each),
        "free_pages_bytes": free * page_size,
        "file_pages_bytes": page_count * page_size,
        "bytes_a_contact_by_table": {
            table: {
                "table": round(v["table"] / each),
                "indexes": round(v["indexes"] / each),
                "payload": round(v["payload"] / each),
                "unused": round(v["unused"] / each),
            }
            for table, v in largest
            if (v["table"] + v["indexes"]) / each >= 1
        },
        "target_bytes_a_contact": TARGET_BYTES_A_CONTACT if contacts >= 1_000_000 else None,
        "ok": size / each <= TARGET_BYTES_A_CONTACT if contacts >= 1_000_000 else None,
        "wall_s": round(time.perf_counter() - start, 2),
        "cpu_s": round(time.process_time() - cpu, 2),
    }


def run(quick: bool = False) -> dict[str, Any]:
    """``python -m benchmarks store [--size N] [--db FILE]``: the demo database, read only."""
    return measure(demo_database(bench_size(quick)))

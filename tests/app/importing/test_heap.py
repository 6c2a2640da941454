"""An import hands the memory each chunk freed back to the system, so the importing process
does not keep the heap of its largest moments (app.importing.heap)."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

from app.importing import service
from app.importing.service import import_file
from db.engine import Database
from tests.app.importing.service_fixtures import BADGE_HEADERS, write_csv

_FRAGMENTED = r"""
import sys
from app.importing.heap import give_back_freed_memory

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20

# SQLite's way: runs of page-sized blocks from the C heap (its page cache), freed while
# allocations made between them stay
blocks, keep = [], []
for i in range(30000):
    blocks.append(bytearray(4200))
    if i % 16 == 0:
        keep.append(bytearray(600))  # from the C heap too (Python's allocator stops at 512 B)
big = rss_mb()
del blocks
freed = rss_mb()
give_back_freed_memory()
print(big, freed, rss_mb())
"""


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only"
)
def test_freed_heap_memory_goes_back_to_the_system() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _FRAGMENTED],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    big, freed, trimmed = map(float, out.stdout.split())
    assert freed > big - 20  # glibc kept most of the 120 MB freed
    assert trimmed < freed - 80  # handed back


def test_every_transaction_gives_back_what_it_freed(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "CHUNK", 10)
    monkeypatch.setattr(service, "CHUNKS_PER_TRANSACTION", 2)
    calls: list[int] = []
    monkeypatch.setattr(service, "give_back_freed_memory", lambda: calls.append(1))
    rows = [[f"Ann{i}", "Lee", f"ann{i}@acme.de", "Acme", "CTO", "", "Köln"] for i in range(45)]
    report = import_file(db, write_csv(tmp_path / "list.csv", BADGE_HEADERS, rows))
    assert report.imported == 45
    # five chunks: on SQLite two transactions of two and one of one; PostgreSQL commits
    # every chunk (a writer waiting there cannot say so)
    assert len(calls) == (3 if db.is_sqlite else 5)

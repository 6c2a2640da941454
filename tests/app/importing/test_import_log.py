"""An import whose write-ahead log has grown past its limit waits, after each commit, for the
checkpoint that lets the log start over — so the log stays short however long the import."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.importing import service
from app.importing.service import import_file
from db.engine import Database
from tests.app.importing.service_fixtures import BADGE_HEADERS, write_csv

pytestmark = pytest.mark.sqlite_only  # about the SQLite file's log


def _import(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int) -> int:
    assert db.checkpointer is not None
    monkeypatch.setattr(service, "CHUNK", 20)
    monkeypatch.setattr(service, "CHUNKS_PER_TRANSACTION", 2)
    monkeypatch.setattr(service, "LOG_LIMIT_BYTES", limit)
    waits: list[float | None] = []
    real = db.checkpointer.wait

    def wait(timeout: float | None = None) -> bool:
        waits.append(timeout)
        return real(timeout)

    monkeypatch.setattr(db.checkpointer, "wait", wait)
    rows = [
        [f"Ann{i}", "Lee", f"ann{i}@acme{i % 7}.de", "Acme", "CTO", "", "Köln"] for i in range(200)
    ]
    report = import_file(db, write_csv(tmp_path / "list.csv", BADGE_HEADERS, rows))
    assert report.imported == 200
    return len(waits)


def test_a_long_log_waits_for_the_checkpoint(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _import(db, tmp_path, monkeypatch, limit=0) == 5  # ten chunks: five commits


def test_a_short_log_does_not_wait(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _import(db, tmp_path, monkeypatch, limit=1 << 40) == 0

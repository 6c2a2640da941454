"""A big import runs in a process of its own: same batch, progress and Cancel over a pipe,
its errors raised in the caller."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.errors import UsageError
from app.importing import child
from app.importing.service import CHUNK, CHUNKS_PER_TRANSACTION, ImportCancelled
from app.operations import undo_state
from db.engine import Database
from db.models import Contact, ImportBatch

pytestmark = pytest.mark.sqlite_only  # a child process is used for SQLite files only

ROWS = 1_200  # three chunks and a part


def _write(path: Path, rows: int = ROWS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Vorname", "Nachname", "E-Mail", "Firma"])
        for i in range(rows):
            w.writerow([f"Jürgen{i}", "Weißmann", f"jw{i}@acme-{i % 30}.de", f"ACME {i % 30}"])
    return path


def _counts(db: Database) -> tuple[int, int]:
    with db.session() as s:
        return (
            int(s.scalar(select(func.count()).select_from(Contact)) or 0),
            int(s.scalar(select(func.count()).select_from(ImportBatch)) or 0),
        )


def test_a_big_file_is_imported_by_a_child_process(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "messe.csv")
    children: list[str] = []
    real = child.import_in_child

    def spy(url: str, *args: Any, **kwargs: Any) -> Any:
        children.append(url)
        return real(url, *args, **kwargs)

    monkeypatch.setattr(child, "CHILD_PROCESS_BYTES", path.stat().st_size)
    monkeypatch.setattr(child, "import_in_child", spy)
    seen: list[tuple[int, int]] = []
    report = child.import_in_background(
        db, path, source="Messe", progress=lambda done, total, text="": seen.append((done, total))
    )
    assert children == [db.url]
    assert report.batch_id is not None and report.imported == ROWS and report.read == ROWS
    assert _counts(db) == (ROWS, 1)
    assert seen and seen[-1] == (ROWS, ROWS)  # progress came back over the pipe
    with db.session() as s:
        names = set(s.scalars(select(Contact.name).where(Contact.source == "Messe")))
    assert "Jürgen7 Weißmann" in names
    state = undo_state(db)  # the import is the operation Undo offers next
    assert state.undo is not None and state.undo.kind == "import"


def test_a_small_file_is_imported_here(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "few.csv", rows=3)
    monkeypatch.setattr(child, "import_in_child", lambda *a, **k: pytest.fail("no process"))
    report = child.import_in_background(db, path)
    assert report.imported == 3 and _counts(db) == (3, 1)


def test_cancel_reaches_the_child_and_nothing_is_kept(db: Database, tmp_path: Path) -> None:
    # progress tells what is committed: a transaction of a few chunks, then the next
    path = _write(tmp_path / "messe.csv", rows=2 * CHUNKS_PER_TRANSACTION * CHUNK + 17)
    asked = [False]

    def progress(done: int, total: int, text: str = "") -> None:
        if done > 0:
            asked[0] = True  # Cancel pressed after the first transaction

    with pytest.raises(ImportCancelled, match="nothing was written"):
        child.import_in_child(db.url, path, progress=progress, cancel=lambda: asked[0])
    assert _counts(db) == (0, 0)


def test_the_childs_error_is_raised_here(db: Database, tmp_path: Path) -> None:
    path = _write(tmp_path / "messe.csv", rows=5)
    with pytest.raises(UsageError, match="unknown duplicate policy 'sometimes'"):
        child.import_in_child(db.url, path, on_duplicate="sometimes")
    assert _counts(db) == (0, 0)

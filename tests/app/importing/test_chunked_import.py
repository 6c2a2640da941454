"""A long import commits in chunks, yet is all or nothing: its rows stay invisible until it
finishes, other writers get the database between chunks, and nothing is left of a batch that
failed, was cancelled or whose process died."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

from app import contacts, operations
from app.contacts import ContactQuery
from app.importing.service import CHUNK, ImportCancelled, discard_abandoned_imports, import_file
from app.store import open_store
from db.engine import Database
from db.models import Contact, ImportBatch, ImportChange
from tests.app.importing.service_fixtures import BADGE_HEADERS, write_csv

ROWS = CHUNK * 4 + 17


def _big_file(path: Path, rows: int = ROWS, prefix: str = "v") -> Path:
    return write_csv(
        path,
        BADGE_HEADERS,
        [
            [
                f"Vera{i}",
                f"Visitor{i}",
                f"{prefix}{i}@firm{i % 97}.de",
                f"Firm {i % 97}",
                "Buyer",
                "",
                "Köln",
            ]
            for i in range(rows)
        ],
    )


def _raw_counts(db: Database) -> tuple[int, int, int]:
    with db.engine.connect() as conn:
        return (
            conn.exec_driver_sql("SELECT count(*) FROM contacts").scalar_one(),
            conn.exec_driver_sql("SELECT count(*) FROM import_changes").scalar_one(),
            conn.exec_driver_sql("SELECT count(*) FROM import_batches").scalar_one(),
        )


def test_rows_of_a_running_import_are_invisible_and_others_can_write(
    db: Database, tmp_path: Path
) -> None:
    known = contacts.create_contact(db, name="Known Person", email="known@acme.de")
    path = _big_file(tmp_path / "big.csv")
    paused = threading.Event()
    resume = threading.Event()
    seen: dict[str, Any] = {}

    def progress(done: int, total: int, text: str = "") -> None:
        if 0 < done < ROWS and not paused.is_set():
            paused.set()  # a chunk was committed: hold the import here
            assert resume.wait(30)

    worker = threading.Thread(
        target=lambda: seen.update(report=import_file(db, path, progress=progress))
    )
    worker.start()
    assert paused.wait(30)
    try:
        raw = _raw_counts(db)[0]
        assert raw > 1  # the first chunk is in the file…
        assert contacts.count(db, ContactQuery()) == 1  # …but no view sees it
        assert [r.id for r in contacts.list_rows(db, ContactQuery())] == [known]
        with db.session() as s:
            assert s.scalar(select(func.count()).select_from(Contact)) == 1
        # another writer is not locked out while the import runs
        result = operations.move_contacts(db, [known], "inquiry")
        assert result.value.moved == (known,)
    finally:
        resume.set()
        worker.join(60)
    report = seen["report"]
    assert report.imported == ROWS
    assert contacts.count(db, ContactQuery()) == ROWS + 1
    # the import is one entry of the undo log, after the move
    assert [e.kind for e in operations.history(db)] == ["import", "move"]


def test_a_cancelled_import_leaves_nothing(db: Database, tmp_path: Path) -> None:
    known = contacts.create_contact(db, name="Vera0 Visitor0", email="v0@firm0.de")
    path = _big_file(tmp_path / "big.csv")
    calls = {"n": 0}

    class Cancel:
        def __bool__(self) -> bool:
            calls["n"] += 1
            return calls["n"] > 3

    with pytest.raises(ImportCancelled):
        import_file(db, path, on_duplicate="overwrite", cancel=Cancel())
    assert _raw_counts(db) == (1, 0, 0)
    c = contacts.get_contact(db, known)
    assert c.company is None and c.title is None  # what the import overwrote is back
    assert operations.history(db) == []


def test_a_batch_left_by_a_dead_process_is_removed_on_open(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    report = import_file(db, _big_file(tmp_path / "big.csv", rows=40))
    assert report.batch_id is not None
    # what a kill -9 between two chunks leaves: a running batch whose process is gone
    with db.session() as s:
        s.execute(
            update(ImportBatch)
            .where(ImportBatch.id == report.batch_id)
            .values(state="running", owner=f"{__import__('socket').gethostname()}:999999999")
        )
    assert contacts.count(db, ContactQuery()) == 0
    db.close()
    reopened = open_store(db_url)
    try:
        assert _raw_counts(reopened) == (0, 0, 0)
    finally:
        reopened.close()


def test_a_running_import_of_a_live_process_is_left_alone(db: Database, tmp_path: Path) -> None:
    import os
    import socket

    report = import_file(db, _big_file(tmp_path / "big.csv", rows=40))
    with db.session() as s:
        s.execute(
            update(ImportBatch)
            .where(ImportBatch.id == report.batch_id)
            .values(state="running", owner=f"{socket.gethostname()}:{os.getppid()}")
        )
    assert discard_abandoned_imports(db) == []
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(ImportChange)) == 40


def test_ids_are_not_reused_after_undoing_an_import(db: Database, tmp_path: Path) -> None:
    from app.importing.batches import undo_import

    first = import_file(db, _big_file(tmp_path / "a.csv", rows=5))
    first_ids = {r.id for r in contacts.list_rows(db, ContactQuery())}
    assert first.batch_id is not None
    undo_import(db, first.batch_id)
    import_file(db, _big_file(tmp_path / "b.csv", rows=5, prefix="w"))
    second_ids = {r.id for r in contacts.list_rows(db, ContactQuery())}
    assert first_ids.isdisjoint(second_ids)

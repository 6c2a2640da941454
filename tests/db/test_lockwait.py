"""A writer kept waiting for the SQLite file's write lock says so (db.lockwait), and an
import holding the lock over several chunks commits after the chunk it is writing."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from app import contacts, operations
from app.importing import service
from app.importing.service import import_file
from db import engine
from db.engine import Database
from db.lockwait import WaitingWriters, held_for, long_step_file, waiting_file
from tests.app.importing.service_fixtures import BADGE_HEADERS, write_csv

pytestmark = pytest.mark.sqlite_only  # about the SQLite file's lock


def test_the_file_is_named_after_the_database(tmp_path: Path) -> None:
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    assert waiting_file(a) == waiting_file(tmp_path / "x" / ".." / "a.sqlite")
    assert waiting_file(a) != waiting_file(b)
    assert WaitingWriters(None).asked()  # no file to look at: always commit


def test_a_writer_kept_waiting_says_so(db: Database, db_path: Path) -> None:
    known = contacts.create_contact(db, name="Known Person", email="known@acme.de")
    waiting = WaitingWriters(db_path)
    assert not waiting.asked()
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's long write transaction
    try:
        mover = threading.Thread(target=operations.move_contacts, args=(db, [known], "inquiry"))
        mover.start()
        deadline = time.monotonic() + 10
        while not waiting.asked() and time.monotonic() < deadline:
            time.sleep(0.005)
        assert waiting.asked()
        waiting.mark()
        deadline = time.monotonic() + 10  # (every few ms; later on a busy machine)
        while not waiting.asked() and time.monotonic() < deadline:
            time.sleep(0.005)
        assert waiting.asked()  # told again while it waits
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    mover.join(10)
    assert contacts.get_contact(db, known).stage_key == "inquiry"


def test_an_import_commits_when_a_writer_waits(
    db: Database, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks are written in one transaction while nobody waits; a move that waits gets the
    lock after the chunk being written, long before the import ends."""
    known = contacts.create_contact(db, name="Known Person", email="known@acme.de")
    monkeypatch.setattr(service, "CHUNK", 10)
    monkeypatch.setattr(service, "CHUNKS_PER_TRANSACTION", 10**6)  # only when asked
    rows = [[f"Ann{i}", "Lee", f"ann{i}@acme.de", "Acme", "CTO", "", "Köln"] for i in range(200)]
    path = write_csv(tmp_path / "list.csv", BADGE_HEADERS, rows)
    done: list[int] = []
    moved_at: list[int] = []
    real = service.BatchWriter.write

    def write(self: service.BatchWriter, chunk_rows: list) -> None:  # type: ignore[type-arg]
        real(self, chunk_rows)
        done.append(len(chunk_rows))
        if len(done) == 3:  # a move comes along while the import holds the lock
            waiting = WaitingWriters(db_path)

            def move() -> None:
                operations.move_contacts(db, [known], "inquiry")
                moved_at.append(len(done))

            threading.Thread(target=move, daemon=True).start()
            deadline = time.monotonic() + 10
            while not waiting.asked() and time.monotonic() < deadline:
                time.sleep(0.002)
        if moved_at:
            return
        time.sleep(0.01)  # give a move that got the lock the time to finish

    monkeypatch.setattr(service.BatchWriter, "write", write)
    committed: list[int] = []
    report = import_file(db, path, progress=lambda n, *_a: committed.append(n))
    assert report.imported == 200
    assert moved_at and moved_at[0] <= 6  # within a chunk or two of asking, of 20
    assert committed[1] <= 40  # the first transaction ended when asked (progress: at 0 first)
    assert contacts.get_contact(db, known).stage_key == "inquiry"


def test_no_waiting_file_is_left_behind(db: Database, db_path: Path) -> None:
    """Only a long writer makes the file, and removes it when done (or dropped): a writer that
    waits for a short one touches nothing, so the temporary folder does not fill up with one
    file per database ever opened."""
    path = waiting_file(db_path)
    known = contacts.create_contact(db, name="Known Person", email="known@acme.de")
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a short writer elsewhere, no long one
    mover = threading.Thread(target=operations.move_contacts, args=(db, [known], "inquiry"))
    mover.start()
    time.sleep(0.1)  # the move waits, and would have touched the file
    holder.execute("ROLLBACK")
    holder.close()
    mover.join(10)
    assert not path.exists()
    with WaitingWriters(db_path) as waiting:
        assert path.exists()
        assert not waiting.asked()
    assert not path.exists()
    dropped = WaitingWriters(db_path)
    assert path.exists()
    del dropped
    assert not path.exists()


def _move_in_thread(db: Database, contact_id: int) -> tuple[threading.Thread, list[BaseException]]:
    failed: list[BaseException] = []

    def move() -> None:
        try:
            operations.move_contacts(db, [contact_id], "inquiry")
        except BaseException as exc:  # reported to the test
            failed.append(exc)

    mover = threading.Thread(target=move)
    mover.start()
    return mover, failed


@pytest.mark.parametrize("said", [True, False])
def test_a_writer_waits_on_while_the_holder_says_it_is_at_a_long_step(
    db: Database, db_path: Path, monkeypatch: pytest.MonkeyPatch, said: bool
) -> None:
    """A step that cannot commit half way (an import's index build) holds the lock past a
    waiting writer's busy timeout: the writer waits on while the holder says it is at it
    (the word renewed each second), and only then; it gets the lock once the step ends."""
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_S", 0.3)
    known = contacts.create_contact(db, name="Known Person", email="known@acme.de")
    holder = sqlite3.connect(db_path, isolation_level=None)
    with WaitingWriters(db_path) as waiting:
        step = waiting.long_step() if said else contextlib.nullcontext()
        with step:
            holder.execute("BEGIN IMMEDIATE")
            mover, failed = _move_in_thread(db, known)
            time.sleep(1.5)  # five timeouts, and the word renewed past its first
            holder.execute("ROLLBACK")
        assert not long_step_file(db_path).exists()
    holder.close()
    mover.join(10)
    if said:
        assert failed == []
        assert contacts.get_contact(db, known).stage_key == "inquiry"
    else:  # as before: "database is locked" after the timeout
        assert len(failed) == 1 and "locked" in str(failed[0])
        assert contacts.get_contact(db, known).stage_key != "inquiry"


def test_a_long_step_word_runs_out_when_it_is_not_renewed(db_path: Path) -> None:
    path = long_step_file(db_path)
    assert held_for(db_path) == 0 and held_for(None) == 0
    path.write_text(repr(time.time() + 2), encoding="ascii")
    try:
        assert 1 < held_for(db_path) <= 2
        path.write_text(repr(time.time() - 1), encoding="ascii")  # a holder gone
        assert held_for(db_path) == 0
        path.write_text("half", encoding="ascii")
        assert held_for(db_path) == 0
    finally:
        path.unlink()

"""The log is copied into the file in the background, and a writer kept out finds the lock."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app import operations
from app.contacts import create_contact
from db import engine as db_engine
from db.engine import open_database
from db.models import Contact
from tests.db.builders import contacts_in


def _add(db: db_engine.Database, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        create_contact(db, first_name=f"P{i}", email=f"p{i}@example.com")


def test_winnow_connections_leave_the_checkpoint_to_the_background(db_path: Path) -> None:
    db = open_database(db_path)
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == 0
    assert db.checkpointer is not None
    db.close()


def _in_file(db_path: Path) -> int:
    """Contacts in the database file itself, the log left out (an immutable read)."""
    return contacts_in(db_path, log_left_out=True)


def _checkpoint_now(db: db_engine.Database) -> None:
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def test_a_grown_log_is_copied_into_the_file_after_the_commit(db_path: Path) -> None:
    db = open_database(db_path)
    checkpointer = db.checkpointer
    assert checkpointer is not None
    _checkpoint_now(db)  # the new file's tables in the file itself
    checkpointer.enabled = False
    before = _in_file(db_path)
    _add(db, 5)
    assert _in_file(db_path) == before  # in the log only: no commit copied it
    checkpointer.enabled = True
    checkpointer.pages = 1  # the next commit finds the log grown enough
    runs = checkpointer.runs
    _add(db, 1, start=5)
    assert checkpointer.wait(10)
    assert checkpointer.runs > runs
    assert _in_file(db_path) == before + 6
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Contact)) == 6
    db.close()
    assert not Path(f"{db_path}-wal").exists()  # closing still removes the log


def test_a_short_log_waits_for_more(db_path: Path) -> None:
    db = open_database(db_path)
    assert db.checkpointer is not None
    _checkpoint_now(db)
    db.checkpointer.every_s = 3600.0
    runs = db.checkpointer.runs
    before = _in_file(db_path)
    _add(db, 2)
    db.checkpointer.wait(10)
    assert db.checkpointer.runs == runs  # a few pages: no checkpoint (SQLite's 1,000 pages)
    assert _in_file(db_path) == before
    db.checkpointer.every_s = 0.0  # ...or a while later
    _add(db, 1, start=2)
    db.checkpointer.wait(10)
    assert db.checkpointer.runs == runs + 1
    assert _in_file(db_path) == before + 3
    db.close()


def test_a_writer_kept_out_goes_on_when_the_lock_is_free(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write lock is tried again every millisecond or two, not on SQLite's growing
    sleeps: the write goes through once the other program lets go, within the timeout."""
    db = open_database(db_path)
    monkeypatch.setattr(db_engine, "BUSY_TIMEOUT_S", 3.0)
    holder = sqlite3.connect(db_path, timeout=0.1, check_same_thread=False)
    holder.isolation_level = None
    holder.execute("BEGIN IMMEDIATE")
    released: list[float] = []

    def release() -> None:
        time.sleep(0.3)
        released.append(time.monotonic())
        holder.execute("COMMIT")

    thread = threading.Thread(target=release)
    thread.start()
    try:
        operations.create_contact(db, first_name="Ada", email="ada@example.com")
        done = time.monotonic()
    finally:
        thread.join()
        holder.close()
    assert released and done >= released[0]
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Contact)) == 1
    db.close()


def test_a_lock_held_past_the_timeout_is_still_refused(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = open_database(db_path)
    monkeypatch.setattr(db_engine, "BUSY_TIMEOUT_S", 0.2)
    monkeypatch.setattr("app.operations.core.LOCK_ATTEMPTS", 1)
    holder = sqlite3.connect(db_path, timeout=0.1)
    holder.execute("BEGIN IMMEDIATE")
    try:
        start = time.monotonic()
        with pytest.raises(db_engine.DatabaseLocked, match="locked by another program"):
            operations.create_contact(db, first_name="Ada", email="ada@example.com")
        assert time.monotonic() - start >= 0.2
    finally:
        holder.rollback()
        holder.close()
    db.close()


def test_no_checkpoint_while_the_integrity_check_runs(db_path: Path) -> None:
    """A file whose check has no verdict yet is not written to, by a checkpoint either."""
    db = open_database(db_path)
    assert db.checkpointer is not None
    _checkpoint_now(db)
    db.checkpointer.every_s = 0.0
    db.checkpointer.enabled = False
    _add(db, 2)  # in the log only
    db.checkpointer.enabled = True
    runs = db.checkpointer.runs
    before = db_path.read_bytes()
    db.hold_writes()
    with db.session() as s:  # a read's commit asks too
        assert s.scalar(select(func.count()).select_from(Contact)) == 2
    db.checkpointer.wait(10)
    assert db.checkpointer.runs == runs
    assert db_path.read_bytes() == before
    db.writes_checked(None)
    with db.session() as s:  # the verdict came: the next commit checkpoints
        assert s.scalar(select(func.count()).select_from(Contact)) == 2
    db.checkpointer.wait(10)
    assert db.checkpointer.runs == runs + 1
    assert _in_file(db_path) == 2
    db.close()

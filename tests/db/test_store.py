"""The write path is the same on SQLite and PostgreSQL: one write operation at a time, a writer
kept waiting tries again, and concurrent operations leave an undo log that undoes exactly."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from app import contacts, operations
from db.engine import Database, DatabaseLocked, open_database


def _hold_write_lock(url: str, seconds: float) -> threading.Thread:
    """Another Winnow holding the write lock for ``seconds`` (on a thread)."""
    ready = threading.Event()

    def hold() -> None:
        other = open_database(url)
        try:
            with other.write_session() as s:
                s.connection()  # SQLite: BEGIN IMMEDIATE; PostgreSQL: the advisory lock
                ready.set()
                time.sleep(seconds)
        finally:
            other.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert ready.wait(10)
    return thread


def test_a_writer_waits_for_another_and_gives_up_clearly(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import db.engine as engine
    from app.operations.core import LOCK_ATTEMPTS

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_S", 0.3)
    db = open_database(db_url)
    try:
        a = contacts.create_contact(db, first_name="Anna", last_name="Wait")
        held = _hold_write_lock(db_url, 0.8)  # longer than one wait, shorter than four
        operations.move_contacts(db, [a], "mql")
        held.join()
        assert contacts.get_contact(db, a).stage_key == "mql"

        held = _hold_write_lock(db_url, LOCK_ATTEMPTS * 0.3 + 1.5)
        with pytest.raises(DatabaseLocked, match="locked"):
            operations.move_contacts(db, [a], "sql")
        held.join()
        assert contacts.get_contact(db, a).stage_key == "mql"
        assert len(operations.history(db)) == 1
    finally:
        db.close()


def test_concurrent_operations_are_logged_so_that_undo_restores_exactly(db: Database) -> None:
    """Two writers editing and moving the same contacts at once: every operation's undo image
    is what it replaced, so undoing them all (newest first) gives back the start."""
    ids = [contacts.create_contact(db, first_name=f"P{i}", last_name="Race") for i in range(3)]
    start = [(c.title, c.stage_key) for c in map(lambda i: contacts.get_contact(db, i), ids)]
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        own = open_database(db.url)
        try:
            for k in range(15):
                operations.edit_contact(own, ids[k % 3], {"title": f"T{n}-{k}"})
                operations.move_contacts(own, ids, ["mql", "sql", "nurture"][(n + k) % 3])
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    log = operations.history(db)
    assert len(log) >= 30  # every edit; a move to where all three already are is no operation
    for _ in log:
        operations.undo_operation(db)
    end: list[tuple[Any, str]] = [
        (c.title, c.stage_key) for c in map(lambda i: contacts.get_contact(db, i), ids)
    ]
    assert end == start


def test_an_import_s_write_transaction_holds_the_write_lock(db_url: str) -> None:
    """``db.write_sessions()`` (an import's chunk transactions, its dry run) takes the write
    lock as its transaction begins, on PostgreSQL as SQLite's BEGIN IMMEDIATE does: another
    Winnow's operation waits until it commits. An operation reads what it wrote by id (the
    stage history from its first entry on), so a chunk committed in the middle of it was
    taken for its own (on PostgreSQL, where the import took no lock)."""
    db = open_database(db_url)
    other = open_database(db_url)
    try:
        a = contacts.create_contact(other, first_name="Anna", last_name="Import")
        importing = db.write_sessions()
        importing.connection()  # the import's chunk transaction has begun
        moved = threading.Event()

        def move() -> None:
            operations.move_contacts(other, [a], "mql")
            moved.set()

        mover = threading.Thread(target=move)
        mover.start()
        try:
            assert not moved.wait(0.6), "the operation waits for the import's transaction"
        finally:
            importing.commit()
            importing.close()
        mover.join(10)
        assert moved.is_set()
        assert contacts.get_contact(db, a).stage_key == "mql"
    finally:
        other.close()
        db.close()


def test_an_import_kept_waiting_too_long_says_the_database_is_locked(
    db_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another Winnow holds the write lock past the busy timeout: the import is refused as
    locked (the message the operations give, not the driver's error) and writes nothing."""
    import db.engine as engine
    from app.importing.service import import_file

    monkeypatch.setattr(engine, "BUSY_TIMEOUT_S", 0.3)
    source = tmp_path / "locked.csv"
    source.write_text("First name,Last name,Email\nAnna,Lock,anna@lock.example\n")
    db = open_database(db_url)
    try:
        held = _hold_write_lock(db_url, 2.0)
        try:
            with pytest.raises(DatabaseLocked, match="locked by another program"):
                import_file(db, source)
        finally:
            held.join()
        assert contacts.count(db, contacts.ContactQuery()) == 0
        assert import_file(db, source).imported == 1  # and goes through once it is free
    finally:
        db.close()

"""Opening databases: pragmas, URL resolution and the clear errors for bad files."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from db import engine as db_engine
from db.engine import (
    DatabaseDamaged,
    DatabaseError,
    DatabaseLocked,
    DatabaseTooNew,
    open_database,
    resolve_url,
)


def test_new_database_is_wal_with_foreign_keys(db_path: Path) -> None:
    db = open_database(db_path)
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    db.close()
    assert db_path.exists()


def test_url_resolution_prefers_argument_then_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WINNOW_DB", str(tmp_path / "env.sqlite"))
    assert resolve_url(None) == "sqlite:///" + str(tmp_path / "env.sqlite")
    assert resolve_url(tmp_path / "arg.sqlite") == "sqlite:///" + str(tmp_path / "arg.sqlite")
    assert resolve_url("postgresql://u@h/winnow") == "postgresql://u@h/winnow"
    monkeypatch.delenv("WINNOW_DB")
    assert resolve_url(None).endswith("winnow.sqlite")
    assert str(tmp_path / "xdg-data") in resolve_url(None)


def test_a_file_that_is_not_sqlite_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    content = b"Name,E-mail\nJ\xc3\xbcrgen,j@example.com\n"
    path.write_bytes(content)
    with pytest.raises(DatabaseError, match="not an SQLite database"):
        open_database(path)
    assert path.read_bytes() == content
    assert not (tmp_path / "notes.sqlite-wal").exists()


def test_a_read_only_file_is_refused_with_a_message(db_path: Path) -> None:
    open_database(db_path).close()
    os.chmod(db_path, 0o444)
    try:
        if os.access(db_path, os.W_OK):
            pytest.skip("running as a user who can write read-only files (root)")
        with pytest.raises(DatabaseError, match="read-only"):
            open_database(db_path)
    finally:
        os.chmod(db_path, 0o644)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="folder"):
        open_database(tmp_path)


def test_a_database_from_a_newer_winnow_is_refused(db_path: Path) -> None:
    open_database(db_path).close()
    con = sqlite3.connect(db_path)
    con.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    con.commit()
    con.close()
    before = db_path.read_bytes()
    with pytest.raises(DatabaseTooNew, match="newer version of Winnow"):
        open_database(db_path)
    assert db_path.read_bytes() == before


def test_a_locked_database_says_so(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app.contacts import create_contact

    db = open_database(db_path)
    monkeypatch.setattr(db_engine, "BUSY_TIMEOUT_S", 0.2)
    locked = open_database(db_path)
    holder = sqlite3.connect(db_path, timeout=0.1)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseLocked, match="locked by another program"):
            # a write needs the lock the other program holds
            with locked.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA busy_timeout=200")
            create_contact(locked, first_name="Ada", email="ada@example.com")
    finally:
        holder.rollback()
        holder.close()
    create_contact(db, first_name="Ada", email="ada@example.com")  # works again afterwards
    db.close()
    locked.close()


def test_default_stages_are_seeded_once(db_path: Path) -> None:
    from app.stages import stage_keys

    db = open_database(db_path)
    assert stage_keys(db) == [
        "suspect",
        "inquiry",
        "mql",
        "sql",
        "opportunity",
        "customer",
        "nurture",
        "disqualified",
    ]
    db.close()
    db = open_database(db_path)
    assert len(stage_keys(db)) == 8
    db.close()


def test_reads_grouped_share_one_session_and_one_snapshot(db_path: Path) -> None:
    """``Database.reading``: every session opened inside joins one read transaction, so
    the reads see one snapshot (a commit meanwhile shows after it), and nothing is left open."""
    db = open_database(db_path)
    raw = sqlite3.connect(db_path)
    raw.execute("CREATE TABLE t (x)")
    raw.commit()

    def rows() -> int:
        with db.session() as s:
            return int(s.execute(text("SELECT count(*) FROM t")).scalar_one())

    with db.reading():
        with db.session() as first, db.session() as second:
            assert first is second
        assert rows() == 0
        raw.execute("INSERT INTO t VALUES (1)")
        raw.commit()
        assert rows() == 0  # the same snapshot
        with db.reading():  # nested: still the same transaction
            assert rows() == 0
    assert rows() == 1
    with db.session() as a, db.session() as b:  # outside: a session each
        assert a is not b
    with db.reading(), db.write_session() as w:  # a write opens its own transaction
        w.execute(text("INSERT INTO t VALUES (2)"))
    assert rows() == 2
    raw.close()
    db.close()


def _is_closed(driver_connection: object) -> bool:
    closed = getattr(driver_connection, "closed", None)  # psycopg
    if closed is not None:
        return bool(closed)
    try:
        driver_connection.execute("SELECT 1")  # type: ignore[attr-defined]
    except sqlite3.ProgrammingError:  # "Cannot operate on a closed database."
        return True
    return False


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"], indirect=True)
def test_a_connection_in_use_when_the_pool_is_disposed_is_closed_when_given_back(
    db: db_engine.Database,
) -> None:
    """``engine.dispose()`` (going offline, refusing writes, closing the window) leaves a
    connection a worker is using to the pool the engine has left: it must be closed when the
    worker gives it back, not by the garbage collector later (psycopg's ResourceWarning, raised
    into whichever test ran next, was a CI failure)."""
    in_use = db.engine.connect()
    in_use.execute(text("SELECT 1"))
    driver = in_use.connection.driver_connection
    idle = db.engine.connect()
    idle.execute(text("SELECT 1"))
    idle_driver = idle.connection.driver_connection
    idle.close()  # back in the pool before the dispose: the dispose closes it
    db.engine.dispose()
    assert _is_closed(idle_driver)
    assert not _is_closed(driver)  # a connection in use is not pulled from under its user
    in_use.execute(text("SELECT 1"))
    in_use.close()
    assert _is_closed(driver)
    with db.engine.connect() as fresh:  # the engine's new pool works as before
        assert fresh.execute(text("SELECT 2")).scalar() == 2
        kept = fresh.connection.driver_connection
    assert not _is_closed(kept)  # a connection of the current pool stays pooled


def test_a_database_closed_and_let_go_is_freed(db_path: Path) -> None:
    """Nothing outside a Database keeps it: a listener of its session factories held it (and
    its engine, pool, compiled-statement cache and every object its sessions read) for the
    rest of the process, so each database ever opened stayed in memory (the test run's heap
    grew past 2.9 GB)."""
    import gc
    import weakref

    def used_and_closed() -> tuple[weakref.ref[db_engine.Database], weakref.ref[Engine]]:
        db = open_database(db_path)
        with db.write_session() as s:  # a commit: the factories' listeners run
            s.execute(text("UPDATE stages SET name = name"))
        with db.session() as s:
            assert s.execute(text("SELECT count(*) FROM stages")).scalar()
        db.close()
        return weakref.ref(db), weakref.ref(db.engine)

    database, engine = used_and_closed()
    gc.collect()
    assert database() is None
    assert engine() is None


def test_a_stored_text_sqlite_s_json_functions_refuse_is_not_a_damaged_file(
    db_path: Path,
) -> None:
    """SQLite says "malformed JSON" when a JSON function meets a stored text that is not JSON:
    that is the text, not the file; telling the user to restore a backup would be wrong."""
    db = open_database(db_path)
    try:
        with pytest.raises(DatabaseError) as refused, db.session() as s:
            s.execute(text("SELECT json_array_length('[1,')"))
        assert not isinstance(refused.value, DatabaseDamaged)
        assert "malformed JSON" in str(refused.value) and "damaged" not in str(refused.value)
        with pytest.raises(DatabaseDamaged):  # a damaged file still says so
            raise db_engine.translate_error(
                sqlite3.DatabaseError("database disk image is malformed"), str(db_path)
            )
    finally:
        db.close()

"""A file much larger than the store is written in one transaction with the contacts' indexes
built after it (app.importing.bulkload): the same store as row by row — contacts, duplicates,
indexes, full-text index —, undo and redo as for any import, and a cancel, an error or a
killed process leave the store as it was, its indexes and full-text index included."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app import operations
from app.contacts import ContactQuery, count
from app.importing import bulkload
from app.importing.batches import list_batches, undo_import
from app.importing.merge import BatchWriter
from app.importing.service import CHUNK, ImportCancelled, import_file
from app.store import open_store
from db.engine import Database, open_database
from db.lockwait import say_a_writer_waits
from db.models import Contact
from tests.app.importing.service_fixtures import BADGE_HEADERS, write_csv

ROWS = CHUNK * 6 + 40
ROOT = Path(__file__).resolve().parents[3]


def _big_file(path: Path, rows: int = ROWS) -> Path:
    """Rows with repeats far apart (another chunk) by e-mail, and without e-mail by name and
    company: the duplicate checks must find them while the indexes are set aside."""
    out = []
    for i in range(rows):
        if i % 10 == 9:  # no e-mail: a likely duplicate of the row 1,000 before, or a repeat
            j = i % 1000
            out.append([f"Nora{j}", f"Nomail{j}", "", f"Firm {j % 7}", "Buyer", "", "Bonn"])
        elif i >= 2000 and i % 10 == 3:  # the address of a row two chunks before
            again = f"v{i - 2000}@firm{(i - 2000) % 97}.de"
            out.append([f"Vera{i}", f"Again{i}", again, "", "", "", ""])
        else:
            phone = "+49 511 1234567" if i % 3 else ""
            email = f"v{i}@firm{i % 97}.de"
            out.append([f"Vera{i}", f"Visitor{i}", email, f"Firm {i % 97}", "Buyer", phone, "Köln"])
    return write_csv(path, BADGE_HEADERS, out)


@pytest.fixture
def bulk(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Any file large against the store goes in with its indexes built after it; returns
    the transactions that did so (their rows read when the indexes were set aside)."""
    monkeypatch.setattr(bulkload, "MIN_ROWS", 1)
    taken: list[int] = []
    real = bulkload.set_aside

    def set_aside(conn: Any) -> Any:
        taken.append(1)
        return real(conn)

    monkeypatch.setattr(bulkload, "set_aside", set_aside)
    return taken


def _schema(path: Path) -> list[tuple[str, str, str]]:
    con = sqlite3.connect(path)
    try:
        return sorted(
            con.execute(
                "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger')"
            ).fetchall()
        )
    finally:
        con.close()


def _checked(path: Path) -> None:
    """The file's own check and the full-text index's, both clean."""
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        con.execute("INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('integrity-check', 1)")
    finally:
        con.close()


def _contacts(db: Database) -> list[tuple[Any, ...]]:
    with db.session() as s:
        return [
            tuple(r)
            for r in s.execute(
                select(
                    Contact.name, Contact.email_normalized, Contact.company, Contact.phone,
                    Contact.score, Contact.domain_class, Contact.sort_name,
                ).order_by(Contact.id)
            )
        ]  # fmt: skip


def _summary(report: Any) -> tuple[Any, ...]:
    return (
        report.read,
        report.imported,
        report.updated,
        report.skipped,
        sorted((w.row, w.reason) for w in report.warnings),
        sorted((d.row, d.reason) for d in report.likely_duplicates),
    )


@pytest.mark.sqlite_only
def test_a_big_file_gives_the_store_row_by_row_gives(
    bulk: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    csv_path = _big_file(tmp_path / "big.csv")
    paths = {}
    results = {}
    for way in ("rows", "bulk"):
        if way == "rows":
            monkeypatch.setattr(bulkload, "MIN_ROWS", 10**9)
        else:
            monkeypatch.setattr(bulkload, "MIN_ROWS", 1)
        paths[way] = tmp_path / f"{way}.sqlite"
        db = open_database(paths[way])
        before = _schema(paths[way])
        try:
            report = import_file(db, csv_path, source="Fair")
            results[way] = (_summary(report), _contacts(db))
            assert count(db, ContactQuery(search="Visitor1234")) == 1
            assert count(db, ContactQuery(search="firm5")) > 0
        finally:
            db.close()
        assert _schema(paths[way]) == before  # every index and trigger back, as they were
        _checked(paths[way])
    assert bulk == [1]  # the second way only
    assert results["bulk"] == results["rows"]
    summary = results["bulk"][0]
    assert summary[3] > 0 and summary[5]  # repeats skipped, likely duplicates flagged


@pytest.mark.sqlite_only
def test_undo_and_redo_of_a_big_import(bulk: list[int], db: Database, db_path: Path) -> None:
    before = _schema(db_path)
    report = import_file(db, _big_file(db_path.with_name("big.csv")))
    assert bulk == [1]
    imported = _contacts(db)
    assert len(imported) == report.imported
    operations.undo_operation(db)
    assert _contacts(db) == []
    operations.redo_operation(db)
    assert _contacts(db) == imported
    undo_import(db, list_batches(db)[0].id)
    assert _contacts(db) == []
    assert _schema(db_path) == before
    _checked(db_path)


@pytest.mark.sqlite_only
@pytest.mark.parametrize("how", ["cancel", "error"])
def test_a_big_import_stopped_half_way_leaves_the_store_as_it_was(
    bulk: list[int], db: Database, db_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    from app.contacts import create_contact

    create_contact(db, first_name="Grace", last_name="Hopper", email="grace@example.org")
    before = _schema(db_path)
    stop = {"now": False}
    written: list[int] = []
    real_write = BatchWriter.write

    def write(self: BatchWriter, rows: list[Any]) -> None:
        written.append(len(rows))
        if how == "error" and len(written) == 4:
            raise RuntimeError("disk on fire")
        real_write(self, rows)

    monkeypatch.setattr(BatchWriter, "write", write)

    def progress(done: int, total: int, text: str = "") -> None:
        if done >= 3 * CHUNK and how == "cancel":
            stop["now"] = True

    with pytest.raises(ImportCancelled if how == "cancel" else RuntimeError):
        import_file(
            db, _big_file(db_path.with_name("big.csv")), progress=progress,
            cancel=lambda: stop["now"],
        )  # fmt: skip
    assert bulk == [1] and len(written) >= 3  # stopped with rows written, indexes set aside
    assert _schema(db_path) == before
    assert count(db, ContactQuery()) == 1 and list_batches(db) == []
    assert count(db, ContactQuery(search="Hopper")) == 1
    _checked(db_path)


_KILLED = r"""
import sys
from app.importing import bulkload
from app.importing.service import import_file
from db.engine import open_database
bulkload.MIN_ROWS = 1
db = open_database(sys.argv[2])
def progress(done, total, text=""):
    print(done, flush=True)
import_file(db, sys.argv[1], progress=progress)
print("finished", flush=True)
"""


@pytest.mark.sqlite_only
def test_a_big_import_killed_half_way_leaves_the_store_and_its_indexes(
    db: Database, db_path: Path
) -> None:
    csv_path = _big_file(db_path.with_name("big.csv"))
    db.close()
    before = _schema(db_path)
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED, str(csv_path), str(db_path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:  # rows written in the transaction that set the indexes aside
        if line.strip() != "finished" and int(line) >= 3 * CHUNK:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert _schema(db_path) == before
    _checked(db_path)
    store = open_store(db_path)  # removes the running batch the killed import left
    try:
        assert count(store, ContactQuery()) == 0 and list_batches(store) == []
    finally:
        store.close()
    assert _schema(db_path) == before
    _checked(db_path)


@pytest.mark.sqlite_only
def test_a_writer_waiting_gets_the_indexes_back_and_the_lock_soon(
    bulk: list[int], db: Database, db_path: Path
) -> None:
    """When another writer waits, the import builds the indexes at once and goes on in short
    transactions: what it wrote so far is committed, with every index."""
    before = _schema(db_path)
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int, text: str = "") -> None:
        if done == 2 * CHUNK:
            say_a_writer_waits(db_path)  # as a writer kept waiting does (db.engine)
        elif done >= 4 * CHUNK and not seen:
            con = sqlite3.connect(db_path)  # what is committed
            try:
                rows = con.execute("SELECT count(*) FROM contacts").fetchone()[0]
                indexes = con.execute(
                    "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'contacts'"
                    " AND type = 'index' AND sql IS NOT NULL"
                ).fetchone()[0]
            finally:
                con.close()
            seen.append((rows, indexes))

    report = import_file(db, _big_file(db_path.with_name("big.csv")), progress=progress)
    assert bulk == [1]
    ((rows, indexes),) = seen
    assert rows >= 2 * CHUNK * 0.8  # committed (less a few skipped repeats)
    assert indexes == len([x for x in before if x[0] == "index" and "ON contacts " in (x[2] or "")])
    assert count(db, ContactQuery()) == report.imported
    assert _schema(db_path) == before
    _checked(db_path)


def _full_text_config(path: Path) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(path)
    try:
        return sorted(con.execute("SELECT k, v FROM contacts_fts_config").fetchall())
    finally:
        con.close()


@pytest.mark.sqlite_only
@pytest.mark.parametrize("automerge", [None, 8])
def test_the_full_text_index_is_built_again_in_one_segment_with_its_settings(
    bulk: list[int], db: Database, db_path: Path, automerge: int | None
) -> None:
    """Rebuilt merging wider (db.deferred.rebuild_full_text), the full-text index ends as one
    segment, finds what it should, and keeps its settings as they were: no 'automerge' row
    where there was none, the user's value where there was one."""
    if automerge is not None:
        con = sqlite3.connect(db_path)
        con.execute(
            "INSERT INTO contacts_fts(contacts_fts, rank) VALUES ('automerge', ?)", (automerge,)
        )
        con.commit()
        con.close()
    before = _full_text_config(db_path)
    assert ("automerge", automerge) in before if automerge else "automerge" not in dict(before)
    report = import_file(db, _big_file(db_path.with_name("big.csv")))
    assert bulk == [1] and report.imported > 0
    assert _full_text_config(db_path) == before
    con = sqlite3.connect(db_path)
    try:
        segments = con.execute("SELECT count(DISTINCT segid) FROM contacts_fts_idx").fetchone()
    finally:
        con.close()
    assert segments == (1,)
    assert count(db, ContactQuery(search="Visitor1234")) == 1
    assert count(db, ContactQuery(search="Nomail7")) > 0
    _checked(db_path)


def test_only_a_file_large_against_the_store_and_only_on_sqlite(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.contacts import create_contact
    from app.importing.readers import open_table

    create_contact(db, first_name="Grace", last_name="Hopper", email="grace@example.org")
    table = open_table(_big_file(tmp_path / "big.csv"))
    assert table.row_estimate is not None
    with db.write_session() as s:
        conn = s.connection()
        assert not bulkload.worth_building_after(conn, table)  # below MIN_ROWS
        monkeypatch.setattr(bulkload, "MIN_ROWS", 1)
        assert bulkload.worth_building_after(conn, table) == db.is_sqlite
        monkeypatch.setattr(bulkload, "MIN_ROWS_PER_CONTACT", 1e9)  # a store too large for it
        assert not bulkload.worth_building_after(conn, table)


@pytest.mark.sqlite_only
def test_a_move_made_while_the_indexes_are_built_waits_for_them(
    bulk: list[int], db: Database, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build after the last chunk cannot commit half way and takes longer than a waiting
    writer's busy timeout at 1,000,000 contacts (~20 s against 5 s): a move made meanwhile
    (another thread, as the window's writer) waits for it and then goes through, where it
    failed with "database is locked"."""
    from app.contacts import create_contact, get_contact
    from db import engine

    known = create_contact(db, first_name="Grace", last_name="Hopper", email="grace@example.org")
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_S", 0.3)  # the build below takes 1.5 s more
    moved: list[BaseException | None] = []
    movers: list[threading.Thread] = []
    real = bulkload.build_again

    def build_again(conn: Any, deferred: Any) -> None:
        def move() -> None:
            try:
                operations.move_contacts(db, [known], "inquiry")
                moved.append(None)
            except BaseException as exc:  # reported to the test
                moved.append(exc)

        movers.append(threading.Thread(target=move))
        movers[0].start()
        time.sleep(1.5)  # the move waits for the lock meanwhile: five of its timeouts
        real(conn, deferred)

    monkeypatch.setattr(bulkload, "build_again", build_again)
    report = import_file(db, _big_file(db_path.with_name("big.csv")))
    movers[0].join(10)
    assert bulk == [1] and moved == [None]
    assert get_contact(db, known).stage_key == "inquiry"
    assert count(db, ContactQuery()) == report.imported + 1
    _checked(db_path)

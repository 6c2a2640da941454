"""Winnow changes only its own files: everything else is refused, byte for byte unchanged."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from db.engine import (
    DatabaseDamaged,
    DatabaseError,
    DatabaseTooNew,
    NotWinnowDatabase,
    open_database,
)
from db.fileguard import APPLICATION_ID
from db.migrate import current_revision, head_revision
from tests.db.builders import damage_middle, make_winnow_file

FIXTURES = Path(__file__).parent / "fixtures"


def fingerprint(folder: Path) -> dict[str, str]:
    """Every file in the folder with the hash of its bytes."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def _sqlite(path: Path, *sql: str, wal: bool = False) -> None:
    con = sqlite3.connect(path)
    if wal:
        con.execute("PRAGMA journal_mode=WAL")
    for statement in sql:
        con.execute(statement)
    con.commit()
    con.close()


def another_programs_notes(path: Path) -> None:
    _sqlite(
        path,
        "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT)",
        "INSERT INTO notes VALUES (1, 'hi')",
    )


def another_programs_contacts(path: Path) -> None:
    # the case that used to fail half way through the first migration
    _sqlite(
        path,
        "CREATE TABLE contacts(id INTEGER PRIMARY KEY, name TEXT, email TEXT)",
        "INSERT INTO contacts VALUES (1, 'Ada', 'ada@example.com')",
    )


def another_programs_wal_file(path: Path) -> None:
    _sqlite(
        path, "CREATE TABLE items(id INTEGER PRIMARY KEY)", "INSERT INTO items VALUES (7)", wal=True
    )


def another_programs_application_id(path: Path) -> None:
    _sqlite(path, "PRAGMA application_id=1196444487")  # "GPKG": a GeoPackage, still empty


def another_alembic_application(path: Path) -> None:
    _sqlite(
        path,
        "CREATE TABLE alembic_version(version_num VARCHAR(32) NOT NULL)",
        "INSERT INTO alembic_version VALUES ('ae1027a6acf')",
        "CREATE TABLE users(id INTEGER PRIMARY KEY)",
    )


def another_alembic_application_at_a_winnow_revision(path: Path) -> None:
    # same revision name as one of Winnow's, but tables Winnow never made
    _sqlite(
        path,
        "CREATE TABLE alembic_version(version_num VARCHAR(32) NOT NULL)",
        "INSERT INTO alembic_version VALUES ('0001')",
        "CREATE TABLE invoices(id INTEGER PRIMARY KEY)",
    )


FOREIGN: dict[str, Callable[[Path], None]] = {
    "tables": another_programs_notes,
    "contacts table": another_programs_contacts,
    "wal mode": another_programs_wal_file,
    "application id": another_programs_application_id,
    "alembic": another_alembic_application,
    "alembic at 0001": another_alembic_application_at_a_winnow_revision,
}


@pytest.mark.parametrize("make", FOREIGN.values(), ids=FOREIGN.keys())
def test_another_programs_database_is_refused_and_left_byte_for_byte(
    tmp_path: Path, make: Callable[[Path], None]
) -> None:
    path = tmp_path / "theirs.db"
    make(path)
    before = fingerprint(tmp_path)
    with pytest.raises(NotWinnowDatabase, match="left untouched") as info:
        open_database(path)
    assert "Winnow" in str(info.value)
    assert fingerprint(tmp_path) == before  # no -wal, -shm or backups folder either
    assert not (tmp_path / "backups").exists()


def test_a_database_from_a_newer_winnow_is_refused_before_switching_to_wal(
    tmp_path: Path,
) -> None:
    path = tmp_path / "future.sqlite"
    open_database(path).close()
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=DELETE")  # as if the newer Winnow left it in rollback mode
    con.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    con.commit()
    con.close()
    before = fingerprint(tmp_path)
    with pytest.raises(DatabaseTooNew, match="newer version of Winnow"):
        open_database(path)
    assert fingerprint(tmp_path) == before
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    con.close()


def test_a_newer_winnow_database_left_open_elsewhere_is_refused_unchanged(
    tmp_path: Path,
) -> None:
    """The newer Winnow is still running, its change still in the -wal: the refusal reads it
    there and leaves the file and its log as they were. (The -shm is shared memory in which
    every reader marks what it reads: its bytes change with any reader.)"""
    path = tmp_path / "future.sqlite"
    open_database(path).close()
    holder = sqlite3.connect(path)
    holder.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    holder.commit()
    assert (tmp_path / "future.sqlite-wal").exists()
    before = fingerprint(tmp_path)
    try:
        with pytest.raises(DatabaseTooNew):
            open_database(path)
        after = fingerprint(tmp_path)
        assert after.keys() == before.keys()
        for name in ("future.sqlite", "future.sqlite-wal"):
            assert after[name] == before[name]
    finally:
        holder.close()


@pytest.mark.parametrize("kind", ["missing", "zero bytes", "sqlite without tables"])
def test_an_empty_file_becomes_a_winnow_database(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "new.sqlite"
    if kind == "zero bytes":
        path.write_bytes(b"")
    elif kind == "sqlite without tables":
        _sqlite(path, "PRAGMA user_version=0", "VACUUM")
    open_database(path).close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    con.close()


def test_upgrade_marks_an_old_winnow_database_and_backs_it_up_first(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    shutil.copy(FIXTURES / "rev0001.sqlite", path)
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA application_id").fetchone()[0] == 0  # before Winnow marked files
    con.close()

    db = open_database(path)
    assert current_revision(db.engine) == head_revision()
    db.close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    con.close()

    (backup,) = (tmp_path / "backups").iterdir()
    assert backup.name.startswith("old-") and backup.suffix == ".sqlite"
    con = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    assert con.execute("SELECT count(*) FROM contacts").fetchone()[0] == 3
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    con.close()

    open_database(path).close()  # at head: no upgrade, no further backup
    assert len(list((tmp_path / "backups").iterdir())) == 1


def test_no_upgrade_without_its_backup(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    shutil.copy(FIXTURES / "rev0001.sqlite", path)
    (tmp_path / "backups").write_text("a file where the backups folder should be")
    before = fingerprint(tmp_path)
    with pytest.raises(DatabaseError, match="was not upgraded"):
        open_database(path)
    assert fingerprint(tmp_path) == before


def test_a_failed_upgrade_leaves_the_old_revision_whole(tmp_path: Path) -> None:
    """Every revision and the stamp commit together: a failure in the last revision (after
    0002-0004 created their indexes) leaves none of them behind."""
    from sqlalchemy import Engine, event

    path = tmp_path / "old.sqlite"
    shutil.copy(FIXTURES / "rev0001.sqlite", path)

    def power_cut(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("INSERT INTO contacts_rebuilt"):  # 0005, half way
            raise RuntimeError("power cut")

    event.listen(Engine, "before_cursor_execute", power_cut)
    try:
        with pytest.raises(RuntimeError, match="power cut"):
            open_database(path)
    finally:
        event.remove(Engine, "before_cursor_execute", power_cut)
    con = sqlite3.connect(path)
    assert con.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    assert "ix_contacts_company" not in names  # 0002's index went with the rest
    assert "operations" not in names
    assert con.execute("PRAGMA application_id").fetchone()[0] == 0
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    db = open_database(path)  # and the next open upgrades it
    assert current_revision(db.engine) == head_revision()
    db.close()


def test_a_damaged_old_database_is_not_upgraded(tmp_path: Path) -> None:
    from db.backup import copy_database, new_backup_path

    path = tmp_path / "old.sqlite"
    make_winnow_file(path, contacts=3000, revision="0001")
    good = copy_database(path, new_backup_path(path))  # made last week, say
    damage_middle(path)
    before = fingerprint(tmp_path)
    with pytest.raises(DatabaseDamaged, match="not upgraded") as info:
        open_database(path)
    assert f"winnow restore {good}" in str(info.value)
    assert fingerprint(tmp_path) == before
    assert list((tmp_path / "backups").iterdir()) == [good]  # no damaged copy among them


def test_each_problem_the_check_finds_is_one_line(tmp_path: Path) -> None:
    """SQLite reports several damaged pages in one row under a heading; every message built
    from them (the window's, the CLI's one line on stderr) needs one problem a line."""
    from app.demo import generate_demo
    from db.fileguard import quick_check

    path = tmp_path / "w.sqlite"
    db = open_database(path)
    generate_demo(db, 400, seed=2)
    db.close()
    damage_middle(path, pages=6)
    problems = quick_check(path)
    assert problems
    assert all("\n" not in p and p.strip() == p and not p.startswith("***") for p in problems)

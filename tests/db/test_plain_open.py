"""Issue 15: a SQLite file at this Winnow's schema is opened without SQLAlchemy; every other
file (or PostgreSQL) is left to the usual opening, untouched by the plain look."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from db.engine import open_database
from db.models import ImportBatch
from db.plain_open import PlainStart, plain_sqlite_path, plain_start, resolve_url
from db.revisions import head_revision
from tests.db.test_fileguard import FIXTURES, fingerprint


def _at_head(tmp_path: Path, name: str = "crm.sqlite") -> Path:
    path = tmp_path / name
    open_database(path).close()
    return path


def _write(path: Path, *sql: str) -> None:
    con = sqlite3.connect(path)
    try:
        for statement in sql:
            con.execute(statement)
        con.commit()
    finally:
        con.close()


def test_a_file_at_the_head_revision_opens_plainly_in_wal_mode(tmp_path: Path) -> None:
    path = _at_head(tmp_path)
    _write(path, "PRAGMA journal_mode=DELETE")  # as another tool may leave it
    start = plain_start(path)
    assert start == PlainStart(url=resolve_url(path), path=path, revision=str(head_revision()))
    con = start.connect()
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert con.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
        assert con.isolation_level is None  # Winnow begins its transactions itself
        assert con.execute("SELECT count(*) FROM stages").fetchone()[0] > 0
    finally:
        con.close()
    # the usual opening afterwards finds the file as it expects it: nothing to do
    open_database(path).close()


def test_the_engine_s_connections_are_set_as_the_plain_ones(tmp_path: Path) -> None:
    path = _at_head(tmp_path)
    start = plain_start(path)
    assert start is not None
    pragmas = (
        *("foreign_keys", "busy_timeout", "synchronous", "cache_size", "cache_spill"),
        *("temp_store", "wal_autocheckpoint", "journal_mode"),
    )
    plain = start.connect()
    db = open_database(path)
    try:
        raw = db.engine.raw_connection()
        try:
            for name in pragmas:
                sql = f"PRAGMA {name}"
                assert plain.execute(sql).fetchone() == tuple(raw.cursor().execute(sql).fetchone())
        finally:
            raw.close()
    finally:
        plain.close()
        db.close()


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE alembic_version SET version_num = '0027'",  # an upgrade (and its backup) first
        "DELETE FROM bant_criteria",  # default rows to put back
        "DELETE FROM stages",
        "PRAGMA application_id = 0",  # unmarked: the usual checks of its tables
    ],
)
def test_a_file_that_needs_something_done_is_left_to_the_usual_opening(
    tmp_path: Path, change: str
) -> None:
    path = _at_head(tmp_path)
    _write(path, "PRAGMA foreign_keys=OFF", change)
    before = fingerprint(tmp_path)
    assert plain_start(path) is None
    assert fingerprint(tmp_path) == before  # read only: not even switched to WAL


def test_an_unfinished_import_is_left_to_the_usual_opening(tmp_path: Path) -> None:
    path = tmp_path / "crm.sqlite"
    db = open_database(path)
    try:
        with db.session() as s:
            s.add(ImportBatch(source="x", created_at=datetime.now(UTC), state="running"))
    finally:
        db.close()
    assert plain_start(path) is None
    _write(path, "UPDATE import_batches SET state = 'done'")
    assert plain_start(path) is not None


def test_an_old_schema_is_left_to_the_usual_opening_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    shutil.copy(FIXTURES / "rev0001.sqlite", path)
    before = fingerprint(tmp_path)
    assert plain_start(path) is None
    assert fingerprint(tmp_path) == before


def test_files_that_are_not_plain_winnow_databases_are_left_alone(tmp_path: Path) -> None:
    assert plain_start(tmp_path / "missing.sqlite") is None  # created by the usual opening
    assert not (tmp_path / "missing.sqlite").exists()
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    foreign = tmp_path / "foreign.sqlite"
    _write(foreign, "CREATE TABLE notes (id INTEGER)")
    text = tmp_path / "notes.txt"
    text.write_text("not a database")
    (tmp_path / "folder.sqlite").mkdir()
    before = fingerprint(tmp_path)
    for path in (empty, foreign, text, tmp_path / "folder.sqlite"):
        assert plain_start(path) is None
    assert fingerprint(tmp_path) == before


def test_a_journal_beside_the_file_is_left_to_the_usual_opening(tmp_path: Path) -> None:
    path = _at_head(tmp_path)
    journal = path.with_name(path.name + "-journal")
    journal.write_bytes(b"")
    assert plain_start(path) is None
    journal.unlink()
    assert plain_start(path) is not None


def test_only_plain_sqlite_addresses_are_read_plainly(tmp_path: Path) -> None:
    path = _at_head(tmp_path)
    assert plain_start(f"sqlite:///{path}") is not None
    assert plain_start(f"sqlite+pysqlite:///{path}") is None
    assert plain_start(f"sqlite:///{path}?timeout=3") is None
    assert plain_start("postgresql://winnow@127.0.0.1:1/crm") is None  # not even connected
    assert plain_sqlite_path("sqlite:///:memory:") is None
    assert plain_sqlite_path("sqlite:///") is None
    assert plain_sqlite_path("sqlite:////tmp/a%20b.sqlite") == Path("/tmp/a b.sqlite")


def test_the_plain_start_imports_neither_sqlalchemy_nor_qt(tmp_path: Path) -> None:
    """In a process of its own (this one has imported both)."""
    path = _at_head(tmp_path)
    script = (
        "import sys\n"
        "from db.plain_open import plain_start\n"
        f"start = plain_start({str(path)!r})\n"
        "start.connect().close()\n"
        "print(start is not None,"
        " [m for m in ('sqlalchemy', 'alembic', 'PySide6') if m in sys.modules])\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.split() == ["True", "[]"]


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///tmp/crm.sqlite",
        "sqlite+pysqlite:///tmp/crm.sqlite?timeout=3",
        "sqlite://",
        "postgresql://anna@localhost/crm",
        "postgresql+psycopg://anna:secret@127.0.0.1:5432/crm",
    ],
)
def test_an_address_s_backend_is_sqlalchemy_s_dialect_name(url: str) -> None:
    from sqlalchemy.engine import make_url

    from db.plain_open import url_backend

    assert url_backend(url) == make_url(url).get_dialect().name


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///crm.sqlite",  # relative to the working folder
        "sqlite:///team/crm.sqlite",
        "sqlite:////srv/winnow/crm.sqlite",  # absolute
        "sqlite:////srv/a%20b/c%3Fd.sqlite",  # quoted
        "sqlite:///crm.sqlite?timeout=3",
        "sqlite:////srv/crm.sqlite?mode=ro&uri=true",
        "sqlite:///file:crm.sqlite?mode=ro&uri=true",
        "sqlite+pysqlite:///crm.sqlite",
        "sqlite://",  # in memory
        "sqlite:///",
        "sqlite:///:memory:",
        "sqlite:///?mode=memory",
        "sqlite://localhost/crm.sqlite",  # a host, ignored by the dialect
        "sqlite://anna:pw@host:5/crm.sqlite",
        "sqlite://host:port/crm.sqlite",  # a port that is not a number: make_url refuses
        "sqlite-x:///crm.sqlite",  # not an address make_url reads
        "SQLite:///crm.sqlite",
        "postgresql+psycopg://anna@127.0.0.1:5432/crm",
    ],
)
def test_a_sqlite_file_is_found_in_an_address_as_sqlalchemy_finds_it(url: str) -> None:
    """``db.plain_open.sqlite_file`` (``winnow --db`` checks the folder of an address with it,
    without SQLAlchemy) and ``db.engine.sqlite_path`` (SQLAlchemy's ``make_url``) agree on
    every form of address; where ``make_url`` refuses one, ValueError (then it is asked)."""
    from sqlalchemy import exc

    from db.engine import sqlite_path
    from db.plain_open import sqlite_file

    try:
        expected = sqlite_path(url)
    except (ValueError, exc.ArgumentError):
        with pytest.raises(ValueError):
            sqlite_file(url)
        return
    assert sqlite_file(url) == expected


def test_a_sqlite_address_is_read_plainly_by_the_command_line(tmp_path: Path) -> None:
    """``winnow --db sqlite:///FILE stats --json``, absolute or relative to the working
    folder, takes the plain start as the file's path does: no SQLAlchemy in the process; the
    same output; a folder that does not exist is still the usual usage error."""
    path = _at_head(tmp_path)
    script = (
        "import json, sys\n"
        "from app.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "print(json.dumps([code, 'sqlalchemy' in sys.modules]), file=sys.stderr)\n"
    )
    root = Path(__file__).resolve().parents[2]

    def winnow(db: str) -> tuple[int, bool, str]:
        out = subprocess.run(
            [sys.executable, "-c", script, "--db", db, "stats", "--json"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(root)},
        )
        code, imported = json.loads(out.stderr.splitlines()[-1])
        return code, imported, out.stdout

    winnow(str(path))  # the derived rows made by the first read (the usual opening)
    code, imported, by_path = winnow(str(path))
    assert (code, imported) == (0, False)
    for address in (f"sqlite:///{path}", f"sqlite:///{path.name}"):
        assert winnow(address) == (0, False, by_path), address
    code, imported, _out = winnow(f"sqlite:///{tmp_path}/no/such/crm.sqlite")
    assert code == 2 and not imported

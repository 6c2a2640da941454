"""Which files Winnow may change, decided without changing anything.

Before Winnow switches a file to WAL, sets a pragma or runs a migration, it reads the file
through a read-only SQLite connection and refuses anything that is not empty and not a Winnow
database: another program's file (a foreign ``application_id``, no ``alembic_version`` table,
or tables Winnow never made) or a database from a newer Winnow. A refused file is left
byte-for-byte as it was, with no ``-wal`` or ``-shm`` file beside it.

Winnow marks its databases with ``PRAGMA application_id`` (set in the migration transaction,
so on creation and on every upgrade). Files from before the mark are recognised by their
Alembic revision and their tables.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import quote

from db.errors import (
    Cancelled,
    DatabaseDamaged,
    DatabaseError,
    DatabaseLocked,
    DatabaseTooNew,
    NotWinnowDatabase,
)

APPLICATION_ID = 0x57494E4E  # "WINN"
READ_TIMEOUT_S = 5.0
CANCEL_POLL_S = 0.05  # how often a check asks whether to stop

# Tables a Winnow database may hold besides those in the models: Alembic's, the full-text
# index and its shadow tables, SQLite's own.
_EXTRA_TABLES = {
    "alembic_version",
    "contacts_fts",
    "contacts_fts_data",
    "contacts_fts_idx",
    "contacts_fts_docsize",
    "contacts_fts_config",
    "sqlite_sequence",
    "sqlite_stat1",
    "sqlite_stat2",
    "sqlite_stat3",
    "sqlite_stat4",
}


@cache
def known_tables() -> frozenset[str]:
    from db.models import Base, Derived

    return frozenset(Base.metadata.tables) | frozenset(Derived.metadata.tables) | _EXTRA_TABLES


@cache
def known_revisions() -> frozenset[str]:
    """Every schema revision this Winnow knows: from the migration scripts' text (no Alembic,
    ``db.revisions``), or from Alembic where the scripts do not declare them plainly."""
    from db.revisions import declared_revisions

    declared = declared_revisions()
    if declared is not None:
        return frozenset(declared)
    from alembic.script import ScriptDirectory

    from db.migrate import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    return frozenset(rev.revision for rev in script.walk_revisions())


@dataclass(frozen=True)
class FileState:
    """What a read-only look at a database file found."""

    empty: bool  # no file, a 0-byte file or an SQLite file without tables: a new database
    revision: str | None  # the Alembic revision (None when empty)
    marked: bool  # carries Winnow's application_id


def side_files(path: Path) -> tuple[Path, Path, Path]:
    return (
        path.with_name(path.name + "-wal"),
        path.with_name(path.name + "-shm"),
        path.with_name(path.name + "-journal"),
    )


def read_only_uri(path: Path, *, immutable: bool = False) -> str:
    uri = "file:" + quote(str(path.resolve())) + "?mode=ro"
    return uri + "&immutable=1" if immutable else uri


@contextmanager
def read_only(path: Path, *, tidy: bool = False) -> Iterator[sqlite3.Connection]:
    """A read-only connection.

    Without a ``-wal`` or ``-journal`` beside it the main file holds everything committed, so it
    is opened ``immutable``: no locks and no side files — and so nothing to clean up. (Side files
    that appear meanwhile belong to another process that opened the database: never touch
    them.) Otherwise SQLite reads the log too, and a read-only connection creates a missing
    ``-shm``; ``tidy`` removes what it created: only for a file nobody else uses (a backup, a
    copy being restored, a file Winnow refuses)."""
    wal, shm, journal = side_files(path)
    existed = {p: p.exists() for p in (wal, shm)}
    immutable = not existed[wal] and not journal.exists()
    con = sqlite3.connect(
        read_only_uri(path, immutable=immutable),
        uri=True,
        timeout=READ_TIMEOUT_S,
        check_same_thread=False,
    )
    try:
        yield con
    finally:
        con.close()
        if tidy and not immutable:
            _remove_created(existed)


def _remove_created(existed: dict[Path, bool]) -> None:
    for side, was_there in existed.items():
        if not was_there:
            side.unlink(missing_ok=True)


def inspect_database_file(path: Path, where: str | None = None) -> FileState:
    """Decide, read-only, whether Winnow may open ``path``; raise a clear error if not."""
    where = where or str(path)
    if not path.exists() or path.stat().st_size == 0:
        return FileState(empty=True, revision=None, marked=False)
    wal, shm, journal = side_files(path)
    existed = {p: p.exists() for p in (wal, shm)}
    opened_immutable = not existed[wal] and not journal.exists()
    try:
        return _inspect(path, where)
    except (NotWinnowDatabase, DatabaseTooNew, DatabaseDamaged):
        if not opened_immutable:
            _remove_created(existed)  # refused: left exactly as it was found
        raise


def _inspect(path: Path, where: str) -> FileState:
    try:
        with read_only(path) as con:
            app_id = int(con.execute("PRAGMA application_id").fetchone()[0])
            tables = {
                r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            revision: str | None = None
            if "alembic_version" in tables:
                row = con.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = str(row[0]) if row else None
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            raise DatabaseLocked(
                f"The database {where} is locked by another program. Close it there and try again."
            ) from exc
        raise DatabaseError(f"Cannot read {where}: {exc}. It was left untouched.") from exc
    except sqlite3.DatabaseError as exc:
        raise DatabaseDamaged(
            f"{where} is damaged or not an SQLite database ({exc}). It was left untouched."
        ) from exc
    marked = app_id == APPLICATION_ID
    if app_id not in (0, APPLICATION_ID):
        raise NotWinnowDatabase(
            f"{where} belongs to another program (application id {app_id:#010x}), not to "
            "Winnow. It was left untouched."
        )
    if not tables:
        return FileState(empty=True, revision=None, marked=marked)
    foreign = sorted(tables - known_tables())
    if revision is None or (foreign and not marked):
        what = (
            f"it has tables Winnow does not use ({', '.join(foreign[:5])})"
            if foreign
            else "it has no Winnow schema version"
        )
        raise NotWinnowDatabase(
            f"{where} is an SQLite database of another program, not a Winnow database: "
            f"{what}. It was left untouched."
        )
    if revision not in known_revisions():
        if not marked:
            raise NotWinnowDatabase(
                f"{where} is not a Winnow database (unknown schema version {revision}). "
                "It was left untouched."
            )
        raise DatabaseTooNew(
            f"{where} was written by a newer version of Winnow (schema {revision}). "
            "Update Winnow to open it; the file was left untouched."
        )
    return FileState(empty=False, revision=revision, marked=marked)


def quick_check(path: Path, cancel: Callable[[], bool] | None = None) -> list[str]:
    """``PRAGMA quick_check`` through a read-only connection: the problems found, or [].
    ``cancel()`` is asked every ``CANCEL_POLL_S`` (from another thread: most of the check is
    one step of SQLite's, which only ``interrupt`` stops); when it says stop, the check is
    interrupted and :class:`Cancelled` raised."""
    if cancel is not None and cancel():
        raise Cancelled(f"The check of {path} was cancelled.")
    stopped = False
    done = threading.Event()

    def watch(con: sqlite3.Connection) -> None:
        nonlocal stopped
        assert cancel is not None
        while not done.wait(CANCEL_POLL_S):
            if cancel():
                stopped = True
                con.interrupt()
                return

    try:
        with read_only(path) as con:
            watcher = None
            if cancel is not None:
                watcher = threading.Thread(target=watch, args=(con,), daemon=True)
                watcher.start()
            try:
                rows = [str(r[0]) for r in con.execute("PRAGMA quick_check")]
            finally:
                done.set()
                if watcher is not None:
                    watcher.join()
    except sqlite3.OperationalError as exc:
        if stopped:
            raise Cancelled(f"The check of {path} was cancelled.") from exc
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            raise DatabaseLocked(
                f"The database {path} is locked by another program. Close it there and try again."
            ) from exc
        return [str(exc)]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    if rows == ["ok"]:
        return []
    # one problem a line: SQLite puts several in one row, under a "*** in database main ***"
    # heading; a message built from the first must read on one line
    problems = [
        line.strip()
        for row in rows
        for line in row.splitlines()
        if line.strip() and not line.strip().startswith("***")
    ]
    return problems or [" ".join(rows)]

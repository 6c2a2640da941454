"""Copies of a database file made with SQLite's online backup API, and restoring one.

A copy is written to ``NAME.partial``, checked (``PRAGMA quick_check``), flushed to disk and
only then renamed to its final name: a backup that exists is whole and good. A restore copies
the backup into the live file in one SQLite write transaction, so an interrupted restore
leaves the file as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from db.errors import DatabaseDamaged, DatabaseError, DatabaseLocked, DiskFull
from db.fileguard import inspect_database_file, quick_check, read_only_uri, side_files

BACKUP_FOLDER = "backups"
TIMEOUT_S = 10.0
_STAMP = "%Y%m%d-%H%M%SZ"


def backup_dir(db_path: Path) -> Path:
    """The ``backups`` folder beside the database."""
    return db_path.parent / BACKUP_FOLDER


def backup_pattern(db_path: Path) -> re.Pattern[str]:
    """File names of the good backups of ``db_path``: ``STEM-YYYYMMDD-HHMMSSZ[-N].sqlite``."""
    return re.compile(re.escape(db_path.stem) + r"-(\d{8}-\d{6}Z)(?:-(\d+))?\.sqlite")


def stamp_time(stamp: str) -> datetime:
    """The time in a backup's name (naive UTC)."""
    return datetime.strptime(stamp, _STAMP)


def new_backup_path(
    db_path: Path, dest_dir: Path | None = None, now: datetime | None = None
) -> Path:
    folder = dest_dir if dest_dir is not None else backup_dir(db_path)
    stamp = (now or datetime.now(UTC)).strftime(_STAMP)
    path = folder / f"{db_path.stem}-{stamp}.sqlite"
    n = 1
    while path.exists() or path.with_name(path.name + ".partial").exists():
        n += 1
        path = folder / f"{db_path.stem}-{stamp}-{n}.sqlite"
    return path


def _fsync(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        if path.is_dir():
            return  # folders cannot be opened for syncing everywhere (Windows)
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not path.is_dir():
            raise
    finally:
        os.close(fd)


def _is_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    return (code is not None and code & 0xFF == sqlite3.SQLITE_FULL) or "disk is full" in str(exc)


def copy_database(src: Path, dest: Path, *, keep_damaged: bool = False) -> Path:
    """Copy the database ``src`` to the new file ``dest``; return ``dest``.

    Readers and writers of ``src`` go on meanwhile (the copy is one read transaction). The
    copy is checked before it gets its name; a damaged one is deleted and
    :class:`DatabaseDamaged` raised — or, with ``keep_damaged``, kept as ``*.damaged`` (a
    copy of a damaged file before it is replaced) and returned."""
    tmp = dest.with_name(dest.name + ".partial")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        # an ordinary connection, so that SQLite itself removes the -wal and -shm it may have
        # created when it closes; query_only: the source is only read
        source = sqlite3.connect(src, timeout=TIMEOUT_S, isolation_level=None)
        source.execute("PRAGMA query_only=ON")
        try:
            target = sqlite3.connect(tmp, isolation_level=None)
            try:
                source.backup(target)
                # the copy got the source's header (WAL): a backup is one self-contained file
                target.execute("PRAGMA journal_mode=DELETE")
            finally:
                target.close()
        finally:
            source.close()
        problems = quick_check(tmp)
        if problems and not keep_damaged:
            raise DatabaseDamaged(
                f"{src} is damaged ({problems[0]}); no backup was made, so the older good "
                "backups are kept."
            )
        if problems:
            dest = dest.with_suffix(".damaged")
        _fsync(tmp)
        os.replace(tmp, dest)
        _fsync(dest.parent)
    except BaseException as exc:
        for p in (tmp, *side_files(tmp)):
            with contextlib.suppress(OSError):
                p.unlink(missing_ok=True)
        if isinstance(exc, DatabaseError):
            raise
        if _is_full(exc):
            raise DiskFull(
                f"The disk holding {dest.parent} is full: no backup was made. "
                "Free some space and try again."
            ) from exc
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc).lower():
            raise DatabaseLocked(
                f"The database {src} is locked by another program; no backup was made."
            ) from exc
        if isinstance(exc, sqlite3.DatabaseError | OSError):
            raise DatabaseError(f"Could not back up {src} to {dest.parent}: {exc}") from exc
        raise
    return dest


def backup_before_upgrade(db_path: Path, revision: str | None) -> Path:
    """The copy an upgrade needs before it starts; the file is untouched if this fails."""
    try:
        return copy_database(db_path, new_backup_path(db_path))
    except DatabaseError as exc:
        raise type(exc)(
            f"{exc} Winnow backs up a database before upgrading it (schema {revision}); "
            f"{db_path} was not upgraded and was left untouched."
        ) from exc


def raw_copy(db_path: Path, dest: Path) -> Path:
    """Copy a file SQLite cannot read as a whole (damaged) byte for byte, with its -wal."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(db_path, dest)
    wal = side_files(db_path)[0]
    if wal.exists():
        shutil.copyfile(wal, dest.with_name(dest.name + "-wal"))
    return dest


def restore_file(backup: Path, db_path: Path) -> None:
    """Replace the contents of ``db_path`` with the backup's (one write transaction).

    The caller has checked the backup and saved the current file. If SQLite cannot open the
    current file as a database at all, it is replaced as a file instead (only safe when no
    other process has it open)."""
    try:
        source = sqlite3.connect(read_only_uri(backup), uri=True, timeout=TIMEOUT_S)
        try:
            target = sqlite3.connect(db_path, timeout=TIMEOUT_S, isolation_level=None)
            try:
                source.backup(target)
                target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                target.close()
        finally:
            source.close()
    except sqlite3.DatabaseError as exc:
        if _is_full(exc):
            raise DiskFull(
                f"The disk holding {db_path} is full: nothing was restored and the database "
                "is as it was."
            ) from exc
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            raise DatabaseLocked(
                f"The database {db_path} is in use by another program; nothing was restored. "
                "Close it there and try again."
            ) from exc
        if "not a database" not in str(exc).lower():
            raise DatabaseError(f"Could not restore {backup}: {exc}") from exc
        _replace_file(backup, db_path)


def _replace_file(backup: Path, db_path: Path) -> None:
    tmp = db_path.with_name(db_path.name + ".restoring")
    try:
        shutil.copyfile(backup, tmp)
        _fsync(tmp)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if _is_full(exc):
            raise DiskFull(f"The disk holding {db_path} is full: nothing was restored.") from exc
        raise DatabaseError(f"Could not restore {backup}: {exc}") from exc
    wal, shm, _journal = side_files(db_path)
    # a log left beside the new file would be replayed onto it: remove it first (the damaged
    # file and its log were copied aside by the caller)
    wal.unlink(missing_ok=True)
    shm.unlink(missing_ok=True)
    os.replace(tmp, db_path)
    _fsync(db_path.parent)


def check_backup(backup: Path) -> str | None:
    """The backup's revision, after making sure it is a good Winnow database."""
    if not backup.is_file():
        raise DatabaseError(f"{backup} does not exist.")
    state = inspect_database_file(backup)
    if state.empty:
        raise DatabaseError(f"{backup} is an empty database; it cannot replace yours.")
    problems = quick_check(backup)
    if problems:
        raise DatabaseDamaged(f"The backup {backup} is damaged ({problems[0]}); choose another.")
    return state.revision

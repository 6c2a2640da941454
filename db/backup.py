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
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from db.errors import Cancelled, DatabaseDamaged, DatabaseError, DatabaseLocked, DiskFull
from db.fileguard import inspect_database_file, quick_check, read_only, side_files

BACKUP_FOLDER = "backups"
TIMEOUT_S = 10.0
STEP_PAGES = 1024  # pages a backup copies between looks at progress and cancel (4 MB)
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


def copy_database(
    src: Path,
    dest: Path,
    *,
    keep_damaged: bool = False,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> Path:
    """Copy the database ``src`` to the new file ``dest``; return ``dest``.

    Readers and writers of ``src`` go on meanwhile (the copy is one read transaction, taken
    ``STEP_PAGES`` pages at a time). The copy is checked before it gets its name; a damaged
    one is deleted and :class:`DatabaseDamaged` raised — or, with ``keep_damaged``, kept as
    ``*.damaged`` (a copy of a damaged file before it is replaced) and returned.

    ``progress(pages copied, pages)`` after each step, then ``progress(0, 0)`` when the check
    of the copy starts; ``cancel()`` is asked after each step and during the check: when it
    says stop, nothing is left behind and :class:`Cancelled` is raised."""
    tmp = dest.with_name(dest.name + ".partial")

    def step(_status: int, remaining: int, pages: int) -> None:
        if cancel is not None and cancel():
            raise Cancelled("The backup was cancelled.")
        if progress is not None:
            progress(pages - remaining, pages)

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
                # one read transaction across the steps: every step copies the same moment
                # of the file, and others' commits meanwhile do not restart the copy
                source.execute("BEGIN")
                source.execute("SELECT count(*) FROM sqlite_master").fetchall()
                source.backup(target, pages=STEP_PAGES, progress=step)
                source.execute("COMMIT")
                # the copy got the source's header (WAL): a backup is one self-contained file
                target.execute("PRAGMA journal_mode=DELETE")
            finally:
                target.close()
        finally:
            source.close()
        if progress is not None:
            progress(0, 0)
        try:
            problems = quick_check(tmp, cancel)
        except Cancelled as exc:
            raise Cancelled("The backup was cancelled.") from exc
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
        text = (
            f"{exc} Winnow backs up a database before upgrading it (schema {revision}); "
            f"{db_path} was not upgraded and was left untouched."
        )
        newest = newest_backup_path(db_path)
        if isinstance(exc, DatabaseDamaged) and newest is not None:
            text += f" The newest good backup is {newest} (winnow restore {newest})."
        raise type(exc)(text) from exc


def newest_backup_path(db_path: Path) -> Path | None:
    """The newest backup in the database's backups folder (each was checked when made)."""
    folder = backup_dir(db_path)
    if not folder.is_dir():
        return None
    pattern = backup_pattern(db_path)
    found = [
        (stamp_time(m.group(1)), int(m.group(2) or 1), p)
        for p in folder.iterdir()
        if (m := pattern.fullmatch(p.name)) and p.is_file()
    ]
    return max(found)[2] if found else None


def raw_copy(db_path: Path, dest: Path) -> Path:
    """Copy a file SQLite cannot read as a whole (damaged) byte for byte, with its -wal."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(db_path, dest)
    wal = side_files(db_path)[0]
    if wal.exists():
        shutil.copyfile(wal, dest.with_name(dest.name + "-wal"))
    return dest


def restore_file(backup: Path, db_path: Path) -> Path | None:
    """Replace the database ``db_path`` with ``backup``; return where the file as it was is
    kept (in the backups folder: ``*.sqlite`` if good, ``*.damaged`` if not), or None if there
    was none. The caller has made sure that ``backup`` is a Winnow database.

    1. The backup is copied to ``NAME.restoring`` beside the database and checked: a damaged
       backup stops the restore before anything else happens.
    2. The database's log is folded back into it. If no other connection has it open, the
       file is kept by a hard link (no copy) and the checked copy renamed over it: one atomic
       step. Otherwise the current file is copied aside and the backup goes into the live file
       in one SQLite write transaction (the open connections then read it).
    A kill at any point leaves the old database or the new one, and a kept copy is whole."""
    tmp = db_path.with_name(db_path.name + ".restoring")
    try:
        _copy_for_restore(backup, tmp)
        state = _release(db_path)
        kept = _keep_current(db_path, state) if state != "missing" else None
        if state == "in use":
            _restore_in_place(tmp, db_path)
        else:
            wal, shm, journal = side_files(db_path)
            if state == "unreadable":
                # a log beside the new file would be replayed onto it (the damaged file and its
                # log were copied aside)
                wal.unlink(missing_ok=True)
                journal.unlink(missing_ok=True)
            os.replace(tmp, db_path)
            _fsync(db_path.parent)
            if kept is not None:
                _fsync(kept.parent)
            shm.unlink(missing_ok=True)  # without a log: an index of nothing
        return kept
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
        raise DatabaseError(f"Could not restore {backup}: {exc}") from exc
    except OSError as exc:
        if _is_full(exc):
            raise DiskFull(f"The disk holding {db_path} is full: nothing was restored.") from exc
        raise DatabaseError(f"Could not restore {backup}: {exc}") from exc
    finally:
        for p in (tmp, *side_files(tmp)):
            with contextlib.suppress(OSError):
                p.unlink(missing_ok=True)


def _copy_for_restore(backup: Path, tmp: Path) -> None:
    for p in (tmp, *side_files(tmp)):
        p.unlink(missing_ok=True)  # left by a restore that was interrupted
    with read_only(backup, tidy=True) as source:
        target = sqlite3.connect(tmp, isolation_level=None)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")  # as Winnow keeps its databases
        finally:
            target.close()
    problems = quick_check(tmp)
    if problems:
        raise DatabaseDamaged(f"The backup {backup} is damaged ({problems[0]}); choose another.")
    _fsync(tmp)


def _release(db_path: Path) -> str:
    """Fold the database's log back into it and close: "free" when no other connection has
    it open afterwards (no -wal left), "in use" when one has, "unreadable" when SQLite cannot
    read it as a database, "missing" when there is no file (or an empty one)."""
    if not db_path.exists() or db_path.stat().st_size == 0:
        return "missing"
    try:
        con = sqlite3.connect(db_path, timeout=TIMEOUT_S, isolation_level=None)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()  # rolls back a hot journal
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        if "locked" in str(exc).lower() or "busy" in str(exc).lower():
            return "in use"
        return "unreadable"
    wal, _shm, journal = side_files(db_path)
    return "in use" if wal.exists() or journal.exists() else "free"


def _keep_current(db_path: Path, state: str) -> Path:
    """Keep the database as it is before it is replaced: checked, it becomes a backup (or a
    ``*.damaged`` copy that never counts as one)."""
    dest = new_backup_path(db_path)
    if state == "free":
        # it is about to be replaced by a rename: keep the file itself under a second name (a
        # hard link, no copy), checked first so that link and rename follow each other at once
        damaged = bool(quick_check(db_path))
        kept = dest.with_suffix(".damaged") if damaged else dest
        try:
            kept.parent.mkdir(parents=True, exist_ok=True)
            os.link(db_path, kept)
        except OSError:
            pass  # a file system without hard links: copy it below
        else:
            return kept
    try:
        return copy_database(db_path, dest, keep_damaged=True)
    except DatabaseError:  # SQLite cannot read it whole: keep its bytes
        return raw_copy(db_path, dest.with_suffix(".damaged"))


def forget_links_to(db_path: Path) -> None:
    """A restore killed between keeping the file (a hard link) and replacing it leaves a
    "backup" that is the database itself under a second name: drop that name (the data is
    the live file's)."""
    folder = backup_dir(db_path)
    try:
        live = db_path.stat()
        entries = list(folder.iterdir()) if folder.is_dir() else []
    except OSError:
        return
    for entry in entries:
        with contextlib.suppress(OSError):
            st = entry.stat()
            if (st.st_ino, st.st_dev) == (live.st_ino, live.st_dev):
                entry.unlink()


def _restore_in_place(tmp: Path, db_path: Path) -> None:
    with read_only(tmp, tidy=True) as source:
        target = sqlite3.connect(db_path, timeout=TIMEOUT_S, isolation_level=None)
        try:
            source.backup(target)
            target.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            target.close()


def check_backup(backup: Path) -> str | None:
    """The backup's revision, after making sure it is a Winnow database this Winnow can open
    (whether it is whole is checked on the copy that replaces the database)."""
    if not backup.is_file():
        raise DatabaseError(f"{backup} does not exist.")
    state = inspect_database_file(backup)
    if state.empty:
        raise DatabaseError(f"{backup} is an empty database; it cannot replace yours.")
    return state.revision

"""Backups of a Winnow database file: make, list, prune, restore.

Backups live in a ``backups`` folder beside the database, one SQLite file each, named after
the database and the time (UTC) it was made: ``winnow-20260314-093012Z.sqlite``. Every backup
there was checked (``PRAGMA quick_check``) before it got its name, so the newest is the newest
good one. Winnow makes one before every upgrade and, on open, at most once a day (keeping 7
daily and 4 weekly copies); the user makes more with ``winnow backup`` or File ▸ Backups….
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from app.cancelling import is_cancelled
from db import backup as files
from db.errors import DatabaseDamaged, DatabaseError
from db.fileguard import inspect_database_file, read_only

KEEP_DAILY = 7
KEEP_WEEKLY = 4
PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created_at: datetime  # naive UTC, like every stored time
    size: int  # bytes
    contacts: int | None  # None when the copy cannot be read


def size_text(n: int) -> str:
    """A file size for people: ``812 kB``, ``186.0 MB``."""
    return f"{n / 1_000_000:,.1f} MB" if n >= 1_000_000 else f"{max(n, 1000) / 1000:,.0f} kB"


def _path(value: PathLike) -> Path:
    return Path(value).expanduser().absolute()


def backup_folder(db_path: PathLike) -> Path:
    """Where the database's backups go: ``backups`` beside it."""
    return files.backup_dir(_path(db_path))


def count_contacts(path: Path) -> int | None:
    """Contacts a database file holds (those of an unfinished import left out)."""
    try:
        with read_only(path) as con:
            try:
                row = con.execute(
                    "SELECT count(*) FROM contacts WHERE import_batch_id IS NULL OR "
                    "import_batch_id NOT IN (SELECT id FROM import_batches WHERE state = 'running')"
                ).fetchone()
            except sqlite3.OperationalError:  # a revision before running imports
                row = con.execute("SELECT count(*) FROM contacts").fetchone()
    except sqlite3.Error:
        return None
    return int(row[0])


def describe(path: Path, created_at: datetime | None = None) -> BackupInfo:
    stat = path.stat()
    if created_at is None:
        created_at = datetime.fromtimestamp(stat.st_mtime, UTC).replace(tzinfo=None)
    return BackupInfo(path, created_at, stat.st_size, count_contacts(path))


def make_backup(
    db_path: PathLike,
    dest_dir: PathLike | None = None,
    *,
    progress: Progress | None = None,
    cancel: object = None,
) -> BackupInfo:
    """Copy the database (SQLite's online backup API: others may read and write meanwhile)
    into ``dest_dir`` or the ``backups`` folder beside it. A damaged database is not copied
    (:class:`DatabaseDamaged`): the good backups stay the newest.

    The copy goes in steps of a few megabytes: ``progress(done, total, text)`` after each
    (then while the copy is checked, with no total); ``cancel`` (an Event, a flag or a
    callable) is looked at between steps and during the check — a cancelled backup leaves
    nothing behind and raises :class:`~db.errors.Cancelled`."""
    src = _path(db_path)
    if not src.exists():
        raise DatabaseError(f"{src} does not exist: there is nothing to back up.")
    state = inspect_database_file(src)
    if state.empty:
        raise DatabaseError(f"{src} is empty: there is nothing to back up.")
    folder = _path(dest_dir) if dest_dir is not None else None
    dest = files.copy_database(
        src,
        files.new_backup_path(src, folder),
        progress=_copy_progress(progress, src),
        cancel=(lambda: is_cancelled(cancel)) if cancel is not None else None,
    )
    return _info(src, dest)


Progress = Callable[..., None]


def _copy_progress(progress: Progress | None, src: Path) -> Callable[[int, int], None] | None:
    if progress is None:
        return None

    def report(done: int, total: int) -> None:
        if not total:  # the copy is being checked: no measure of how far
            progress(0, 0, "checking the copy")
            return
        page = src.stat().st_size / max(total, 1)
        progress(done, total, f"{size_text(int(done * page))} of {size_text(int(total * page))}")

    return report


def _info(db_path: Path, backup: Path) -> BackupInfo:
    match = files.backup_pattern(db_path).fullmatch(backup.name)
    return describe(backup, files.stamp_time(match.group(1)) if match else None)


def list_backups(db_path: PathLike) -> list[BackupInfo]:
    """The database's backups in its ``backups`` folder, oldest first (newest last)."""
    src = _path(db_path)
    folder = files.backup_dir(src)
    if not folder.is_dir():
        return []
    files.forget_links_to(src)
    pattern = files.backup_pattern(src)
    found: list[tuple[datetime, int, Path]] = []
    for entry in folder.iterdir():
        match = pattern.fullmatch(entry.name)
        if match and entry.is_file():
            found.append((files.stamp_time(match.group(1)), int(match.group(2) or 1), entry))
    found.sort()
    listed = []
    for at, _n, path in found:
        try:
            listed.append(describe(path, at))
        except FileNotFoundError:  # pruned meanwhile (another window or process on the file)
            continue
    return listed


def newest_backup(db_path: PathLike) -> BackupInfo | None:
    """The newest backup (every one in the folder was checked when it was made)."""
    backups = list_backups(db_path)
    return backups[-1] if backups else None


def _local_day(at: datetime) -> date:
    return at.replace(tzinfo=UTC).astimezone().date()


def backups_to_keep(
    backups: list[BackupInfo], keep_daily: int = KEEP_DAILY, keep_weekly: int = KEEP_WEEKLY
) -> set[Path]:
    """The newest backup of each of the last ``keep_daily`` days that have one, then the newest
    of each of the ``keep_weekly`` weeks before those."""
    keep: set[Path] = set()
    newest_first = sorted(backups, key=lambda b: b.created_at, reverse=True)
    days: list[date] = []
    oldest_daily: date | None = None
    for b in newest_first:
        day = _local_day(b.created_at)
        if day in days:
            continue
        if len(days) == keep_daily:
            break
        days.append(day)
        keep.add(b.path)
        oldest_daily = day
    weeks: list[tuple[int, int]] = []
    for b in newest_first:
        day = _local_day(b.created_at)
        if oldest_daily is not None and day >= oldest_daily:
            continue
        week = day.isocalendar()[:2]
        if week in weeks:
            continue
        if len(weeks) == keep_weekly:
            break
        weeks.append(week)
        keep.add(b.path)
    return keep


def prune_backups(db_path: PathLike) -> list[Path]:
    """Delete the backups beyond 7 daily and 4 weekly ones (and copies an interrupted backup
    left half-written a day ago or more); return what was deleted."""
    src = _path(db_path)
    backups = list_backups(src)
    keep = backups_to_keep(backups)
    removed = [b.path for b in backups if b.path not in keep]
    folder = files.backup_dir(src)
    if folder.is_dir():
        day_ago = time.time() - 24 * 3600
        removed += [
            p
            for p in folder.glob(f"{src.stem}-*.partial")
            if p.is_file() and p.stat().st_mtime < day_ago
        ]
    for path in removed:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return removed


def backup_due(db_path: PathLike, now: datetime | None = None) -> bool:
    """Whether today (local time) has no backup yet. ``now``: naive UTC or aware."""
    newest = newest_backup(db_path)
    if newest is None:
        return True
    moment = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return _local_day(newest.created_at) != moment.astimezone().date()


def daily_backup(
    db_path: PathLike, *, progress: Progress | None = None, cancel: object = None
) -> BackupInfo | None:
    """On open: a backup if today has none yet, then the old ones pruned."""
    if not backup_due(db_path):
        return None
    info = make_backup(db_path, progress=progress, cancel=cancel)
    prune_backups(db_path)
    return info


def restore_backup(db_path: PathLike, backup_path: PathLike) -> BackupInfo | None:
    """Replace the database's contents with a backup's; return the copy of the file as it was
    (kept in the ``backups`` folder; None when there was no file). A damaged current file is
    kept as ``*.damaged`` beside the backups and never counts as one.

    Run it when no other program has the file open (the window closes its own connections
    first); an interrupted restore leaves the file as it was or as the backup is."""
    target = _path(db_path)
    source = _path(backup_path)
    if source.resolve() == target.resolve():
        raise DatabaseError("A database cannot be restored from itself.")
    files.check_backup(source)  # a Winnow database, not from a newer Winnow
    if target.exists() and target.stat().st_size:
        # another program's database is not replaced; a damaged one is what restoring is
        # for (it is kept aside as it is)
        with contextlib.suppress(DatabaseDamaged):
            inspect_database_file(target)
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
    kept = files.restore_file(source, target)
    return _info(target, kept) if kept is not None else None

"""Is the database file whole? ``PRAGMA quick_check`` before Winnow writes to it.

A damaged file is never written to: the window checks after opening (in the background) and
then refuses every write; the command line checks before a command that writes. The check reads
the whole file (about 0.25 s for 100,000 contacts when the file is in the page cache, seconds
when it is not), so the command line remembers a good result for the file as it was then
(size and modification time of the file and its ``-wal``) in the ``backups`` folder, and
checks again only when another program has changed it since.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from app.backups import newest_backup
from app.cancelling import is_cancelled
from db.backup import backup_dir
from db.errors import DatabaseDamaged
from db.fileguard import inspect_database_file, quick_check, side_files

CACHE_NAME = ".quick-check.json"
SQLITE_HEADER = b"SQLite format 3\x00"


def damaged_message(db_path: Path, problems: list[str]) -> str:
    """One line: what is wrong, that nothing was written, and the newest good backup."""
    first = problems[0].replace("\n", " ").replace("*** in database main *** ", "").strip()
    text = f"{db_path} is damaged ({first[:120]}); Winnow will not write to it."
    newest = newest_backup(db_path)
    if newest is None:
        return text + " There is no backup of it to restore."
    return (
        f"{text} The newest good backup is {newest.path} "
        f"(restore it with: winnow restore {newest.path})."
    )


def _file_state(db_path: Path) -> list[list[int] | None]:
    """Size and modification time of the file and its write-ahead log. An empty log counts as
    none: opening a database creates one, and the file is no different for it."""
    out: list[list[int] | None] = []
    for path in (db_path, side_files(db_path)[0]):
        try:
            st = path.stat()
        except FileNotFoundError:
            out.append(None)
        else:
            out.append([st.st_size, st.st_mtime_ns] if st.st_size or path == db_path else None)
    return out


def _cache_file(db_path: Path) -> Path:
    return backup_dir(db_path) / CACHE_NAME


def checked_already(db_path: Path) -> bool:
    """Whether the file is exactly as it was when it last passed its check, or when Winnow
    last closed it after one (then the check need not run again: it reads every page, 5-8 s
    at a million contacts)."""
    return _cached_as_good(db_path)


def _cached_as_good(db_path: Path) -> bool:
    try:
        data = json.loads(_cache_file(db_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    entry = data.get(db_path.name) if isinstance(data, dict) else None
    return entry == _file_state(db_path)


def remember_good(db_path: Path) -> None:
    """Record the file as it is now as checked and good (after Winnow's own writes to a file
    that passed its check). Best effort: without the record the next command checks again."""
    path = _cache_file(db_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        if not isinstance(data, dict):
            data = {}
        data[db_path.name] = _file_state(db_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + f".{os.getpid()}")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, path)
    except (OSError, ValueError):
        pass


def check_file(db_path: Path, cancel: object = None) -> str | None:
    """Run the check now (the window does, in the background, after opening): None when the
    file is whole, else the message for the user (what is wrong and the newest backup).
    ``cancel`` (an Event, a flag or a callable) is looked at every few milliseconds; when it
    says stop, SQLite's check is interrupted and :class:`~db.errors.Cancelled` raised."""
    problems = quick_check(db_path, (lambda: is_cancelled(cancel)) if cancel is not None else None)
    if problems:
        return damaged_message(db_path, problems)
    remember_good(db_path)
    return None


def check_before_writing(db_path: Path) -> None:
    """Raise :class:`DatabaseDamaged` (one line, naming the newest backup) unless the file is
    whole. A result is reused while the file is unchanged."""
    if not db_path.is_file() or db_path.stat().st_size == 0 or _cached_as_good(db_path):
        return
    with db_path.open("rb") as fh:
        if fh.read(16) != SQLITE_HEADER:
            return  # not a database at all: opening it says so
    inspect_database_file(db_path)  # another program's file or a newer Winnow's: refused
    problems = quick_check(db_path)
    if problems:
        raise DatabaseDamaged(damaged_message(db_path, problems))
    remember_good(db_path)

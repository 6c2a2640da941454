"""Opening a SQLite file that is at this Winnow's schema, without SQLAlchemy (issue 15).

The window's start used to import SQLAlchemy and map the models (~0.37 s of CPU) before it
read anything. A file that needs nothing done to it — a Winnow database at the newest schema
revision, with its default rows, no import left unfinished and no hot journal — can be read
with the driver alone while SQLAlchemy comes up later. :func:`plain_start` decides that with
plain ``sqlite3``, read-only first (as :mod:`db.fileguard` does), then switches the file to WAL
as every opening does. Anything else (a new file, an upgrade with its backup, a foreign or
newer file, an unfinished import, PostgreSQL, an address it does not read plainly) answers
None: the usual opening (:func:`app.store.open_store`) then runs as before, with its checks,
migrations and clear errors.

No SQLAlchemy and no Qt here: ``tests/db/test_plain_open.py`` checks both.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

SQLITE_HEADER = b"SQLite format 3\x00"
_PLAIN_PREFIX = "sqlite:///"


def default_db_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("Winnow", appauthor=False)) / "winnow.sqlite"


def resolve_url(path_or_url: str | os.PathLike[str] | None = None) -> str:
    """``--db`` value, else ``WINNOW_DB``, else the default file in the user's data folder."""
    value = os.fspath(path_or_url) if path_or_url else os.environ.get("WINNOW_DB", "")
    if not value:
        value = os.fspath(default_db_path())
    if "://" in value:
        return value
    return "sqlite:///" + os.path.abspath(os.path.expanduser(value))


def url_backend(url: str) -> str:
    """The database an address names, as SQLAlchemy names its dialect ("sqlite",
    "postgresql"): the scheme before any ``+driver``. Asked of a database not open yet."""
    return url.split(":", 1)[0].split("+", 1)[0].lower()


# SQLAlchemy's own pattern for an address (sqlalchemy.engine.url._parse_url): an address read
# here as make_url reads it, without SQLAlchemy
ADDRESS = re.compile(
    r"""
        (?P<name>[\w\+]+)://
        (?:
            (?P<username>[^:/]*)
            (?::(?P<password>[^@]*))?
        @)?
        (?:
            (?:
                \[(?P<ipv6host>[^/\?]+)\] |
                (?P<ipv4host>[^/:\?]+)
            )?
            (?::(?P<port>[^/\?]*))?
        )?
        (?:/(?P<database>[^\?]*))?
        (?:\?(?P<query>.*))?
        """,
    re.X,
)


def sqlite_file(url: str) -> Path | None:
    """The file an address names, as ``db.engine.sqlite_path`` finds it with SQLAlchemy's
    ``make_url`` — its database part unquoted, for a ``sqlite`` backend whatever the driver or
    the options after ``?`` (a relative name as it is); None for another database, memory or
    no name — without importing SQLAlchemy. ValueError for an address ``make_url`` refuses
    (none of its pattern, a port that is not a number): the caller asks SQLAlchemy, for its
    own error."""
    m = ADDRESS.match(url)
    if m is None:
        raise ValueError(f"not an address: {url!r}")
    if m["port"]:
        int(m["port"])  # (make_url's ValueError)
    if m["name"].split("+")[0] != "sqlite":
        return None
    database = None if m["database"] is None else unquote(m["database"])
    if not database or database == ":memory:":
        return None
    return Path(database)


def plain_sqlite_path(url: str) -> Path | None:
    """The file of a plain ``sqlite:///…`` address (as :func:`resolve_url` makes them), or None
    for anything else — another driver, options after ``?``, memory — which the usual opening
    reads with SQLAlchemy's own parser."""
    if not url.startswith(_PLAIN_PREFIX) or "?" in url:
        return None
    name = unquote(url[len(_PLAIN_PREFIX) :])
    if not name or name == ":memory:":
        return None
    return Path(name)


def set_connection_pragmas(con: sqlite3.Connection, busy_timeout_s: float, cache_kb: int) -> None:
    """What every Winnow connection to a SQLite file is set to (the engine's ``connect`` event
    and the plain start's connections alike).

    The driver's own transaction handling starts a transaction lazily before the first
    INSERT/UPDATE/DELETE only: reads before it and DDL run outside any transaction. Winnow
    begins every transaction itself (``db.engine._on_begin``), so a write operation's reads see
    the state it writes over and a schema upgrade commits whole or not at all."""
    con.isolation_level = None
    cur = con.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA cache_size={cache_kb}")
    # a write transaction keeps up to 80 MB of changed pages in memory instead of spilling
    # them into the log mid-transaction past the 32 MB cache (a bulk move of 10,000 contacts
    # changes ~50 MB); clean pages stay within the cache size, and the memory goes after commit
    cur.execute("PRAGMA cache_spill=20000")
    cur.execute("PRAGMA temp_store=MEMORY")
    # checkpoints run in the background after commits (db.checkpoint), not inside them
    cur.execute("PRAGMA wal_autocheckpoint=0")
    cur.close()


# the driver's wait for a lock; a reader's page cache in KiB (db.engine imports both)
BUSY_TIMEOUT_S = 5.0
READ_CACHE_KB = -32000


@dataclass(frozen=True)
class PlainStart:
    """A SQLite file found at this Winnow's schema, in WAL mode, needing nothing done: its
    first reads may run through the driver before the :class:`db.engine.Database` exists."""

    url: str  # what the usual opening is given later (the same file)
    path: Path
    revision: str

    def connect(self) -> sqlite3.Connection:
        """A connection set as the engine sets its own (autocommit: the caller begins)."""
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        set_connection_pragmas(con, BUSY_TIMEOUT_S, READ_CACHE_KB)
        return con


# one read: the mark, the revision, the default rows and unfinished imports
_STATE = (
    "SELECT (SELECT max(version_num) FROM alembic_version),"
    " EXISTS (SELECT 1 FROM stages), EXISTS (SELECT 1 FROM bant_criteria),"
    " EXISTS (SELECT 1 FROM import_batches WHERE state = 'running')"
)


def plain_start(path_or_url: str | os.PathLike[str] | None = None) -> PlainStart | None:
    """The file, if it can be opened without SQLAlchemy; else None (the usual opening, which
    also says what is wrong with a file it refuses). Reads only until the file is known to be
    a marked Winnow database at the head revision, then switches it to WAL."""
    # (here, not at the top: db.engine imports this module for every command)
    from db.fileguard import APPLICATION_ID, read_only
    from db.revisions import head_revision

    url = resolve_url(path_or_url)
    path = plain_sqlite_path(url)
    if path is None or not _plain_file(path):
        return None
    head = head_revision()
    if head is None:  # the scripts are not a plain chain: Alembic decides, in the usual opening
        return None
    try:
        with read_only(path) as con:
            if int(con.execute("PRAGMA application_id").fetchone()[0]) != APPLICATION_ID:
                return None
            revision, stages, criteria, importing = con.execute(_STATE).fetchone()
    except sqlite3.Error:  # no such table, locked, damaged: the usual opening says which
        return None
    if revision != head or not stages or not criteria or importing:
        return None
    start = PlainStart(url=url, path=path, revision=str(revision))
    try:
        con = start.connect()
        try:  # outside any transaction, as the engine does: WAL cannot be set inside one
            mode = con.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return start if str(mode).lower() == "wal" else None


def _plain_file(path: Path) -> bool:
    """A readable, writable SQLite file with no hot journal beside it (a crash's rollback is
    left to the usual opening)."""
    from db.fileguard import side_files

    if not path.is_file() or side_files(path)[2].exists() or not os.access(path, os.W_OK):
        return False
    try:
        with path.open("rb") as fh:
            return fh.read(16) == SQLITE_HEADER
    except OSError:
        return False

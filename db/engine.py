"""Opening a Winnow database: URL resolution, SQLite pragmas, migrations, clear errors."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

import db.visibility  # noqa: F401  (unfinished imports are invisible to every session)
from db.checkpoint import Checkpointer
from db.errors import (
    DatabaseDamaged,
    DatabaseError,
    DatabaseLocked,
    DatabaseTooNew,
    DiskFull,
    NotWinnowDatabase,
)
from db.plain_open import (
    BUSY_TIMEOUT_S,
    READ_CACHE_KB,
    SQLITE_HEADER,
    default_db_path,
    resolve_url,
    set_connection_pragmas,
)
from db.plain_pg import WRITE_LOCK_KEY
from db.times import store_times_as_numbers

__all__ = [
    "Database",
    "DatabaseDamaged",
    "DatabaseError",
    "DatabaseLocked",
    "DatabaseTooNew",
    "DiskFull",
    "NotWinnowDatabase",
    "default_db_path",
    "open_database",
    "resolve_url",
]


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _check_sqlite_file(path: Path) -> None:
    """Refuse, without touching it, a file that is not an SQLite database or not writable."""
    if path.is_dir():
        raise DatabaseError(f"{path} is a folder, not a Winnow database file.")
    if path.exists():
        try:
            with path.open("rb") as fh:
                head = fh.read(16)
        except OSError as exc:
            raise DatabaseError(f"Cannot read {path}: {exc.strerror}.") from exc
        if head and head != SQLITE_HEADER:
            raise DatabaseError(
                f"{path} is not an SQLite database (it may be another kind of file or damaged). "
                "It was left untouched."
            )
        if not os.access(path, os.W_OK):
            raise DatabaseError(f"{path} is read-only. Winnow needs to write to its database.")
    else:
        parent = path.parent
        parent.mkdir(parents=True, exist_ok=True)
        if not os.access(parent, os.W_OK):
            raise DatabaseError(f"Cannot create a database in {parent}: the folder is read-only.")


def _check_before_changing(
    path: Path, *, backup: bool, on_step: Callable[[str], None] | None = None
) -> None:
    """Refuse a foreign or newer file read-only; back up one that is about to be upgraded."""
    from db.fileguard import inspect_database_file

    try:
        state = inspect_database_file(path)
        if backup and not state.empty and state.revision != _head_revision():
            from db.backup import backup_before_upgrade  # (and shutil: only when upgrading)

            if on_step is not None:
                on_step(f"Backing up {path} before upgrading it…")
            backup_before_upgrade(path, state.revision)
    except sqlite3.Error as exc:
        raise translate_error(exc, str(path)) from exc


# SQLite's page cache per connection, in KiB (negative: a size, not a page count). A write
# transaction reads most pages twice (a bulk move: INSERT … SELECT, then UPDATE, ~50 MB in all
# for 10,000 contacts) and gets the larger one; the next read on that connection shrinks it
# (the reader's size, READ_CACHE_KB, is db.plain_open's).
WRITE_CACHE_KB = -64000


def close_connections_of_left_pools(engine: Engine) -> None:
    """A connection checked out when ``engine.dispose()`` ran goes back, when its user is done,
    to the pool the engine has left, where nothing ever closes it: the garbage collector does,
    much later (psycopg says so with a ResourceWarning; a SQLite file stays open meanwhile).
    Close such a connection as it comes back. Each connection knows the pool generation it
    was opened in; each dispose starts a new one."""
    generation = [0]

    def opened(_dbapi_conn: Any, record: Any) -> None:
        record.info["winnow.pool_generation"] = generation[0]

    def disposed(_engine: Engine) -> None:
        generation[0] += 1

    def returned(dbapi_conn: Any, record: Any) -> None:
        if dbapi_conn is None or record is None:
            return
        if record.info.get("winnow.pool_generation", generation[0]) != generation[0]:
            with contextlib.suppress(Exception):  # a connection already broken is closed enough
                dbapi_conn.close()

    event.listen(engine, "connect", opened)
    event.listen(engine, "engine_disposed", disposed)
    event.listen(engine, "checkin", returned)


def _on_sqlite_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    set_connection_pragmas(dbapi_conn, BUSY_TIMEOUT_S, READ_CACHE_KB)  # (db.plain_open)


WRITE_OPTIONS = {"sqlite_begin": "IMMEDIATE"}


def _pg_write_lock() -> str:
    """PostgreSQL's write lock: a transaction-level advisory lock (released at commit or
    rollback), waited for as long as SQLite's busy timeout. The key is "winnow" in ASCII
    (``db.plain_pg.WRITE_LOCK_KEY``: a write through psycopg alone takes the same lock)."""
    return (
        f"SET LOCAL lock_timeout = '{int(BUSY_TIMEOUT_S * 1000)}ms';"
        f" SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY});"
        " SET LOCAL lock_timeout TO DEFAULT"
    )


def _take_pg_write_lock(_session: Session, _transaction: object, connection: Connection) -> None:
    """A write session's transaction on PostgreSQL begins by taking the write lock."""
    connection.exec_driver_sql(_pg_write_lock())


def _on_begin(conn: Connection) -> None:
    """Start the SQLite transaction: ``BEGIN IMMEDIATE`` for a write operation (it takes the
    write lock before its first read), a plain deferred ``BEGIN`` for everything else."""
    mode = conn.get_execution_options().get("sqlite_begin", "")
    raw: Any = conn.connection.driver_connection
    info = conn.connection.info
    if mode != "IMMEDIATE":
        if info.pop("write_cache", False):
            raw.execute(f"PRAGMA cache_size={READ_CACHE_KB}")  # the pages above it are freed
        conn.exec_driver_sql(f"BEGIN {mode}".strip())
        return
    if not info.get("write_cache"):
        raw.execute(f"PRAGMA cache_size={WRITE_CACHE_KB}")
        info["write_cache"] = True
    raw.execute("PRAGMA busy_timeout=0")
    try:
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except OperationalError as exc:
            if not _busy(exc.orig):
                raise
            _wait_for_write_lock(raw, exc, conn.engine.url.database)
    finally:
        raw.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")


# How soon a writer kept out tries again for the write lock. SQLite's own busy handler sleeps
# 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100… ms between tries and keeps no queue: a writer
# that commits and begins again within those sleeps (an import's chunks) kept a move from the
# window waiting a quarter of a second. Trying every millisecond or two finds the gap.
LOCK_POLL_S = (0.001, 0.002)


def _busy(orig: BaseException | None) -> bool:
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(orig).lower() or "busy" in str(orig).lower()


def _wait_for_write_lock(
    raw: sqlite3.Connection, first: OperationalError, path: str | None = None
) -> None:
    """``BEGIN IMMEDIATE`` again every 1-2 ms until it gets the lock or the busy timeout ends
    (then ``first``, the "database is locked" error, is raised). Meanwhile the file ``path``
    hears that a writer waits (:mod:`db.lockwait`: an import holding the lock over several
    chunks commits after the one it is writing), and a holder at a long step that cannot
    commit half way (an import's index build) keeps it waiting past the timeout while it
    says it is at work."""
    from db.lockwait import TOUCH_EVERY_TRIES, held_for, say_a_writer_waits

    waiting_for = path if path and path != ":memory:" else None
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    tries = 0
    while True:
        if time.monotonic() >= deadline:
            ahead = held_for(waiting_for)  # a long step the holder says it is still at
            if ahead <= 0:
                raise first
            deadline = time.monotonic() + ahead
        if tries % TOUCH_EVERY_TRIES == 0:
            say_a_writer_waits(waiting_for)
        time.sleep(LOCK_POLL_S[0] if tries < 100 else LOCK_POLL_S[1])
        tries += 1
        try:
            raw.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise OperationalError("BEGIN IMMEDIATE", None, exc) from exc


def _log_is_empty(path: Path) -> bool:
    """Whether the write-ahead log of the file ``path`` holds nothing (or is not there)."""
    try:
        return os.path.getsize(f"{path}-wal") == 0
    except OSError:
        return True


def _query_only(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    dbapi_conn.execute("PRAGMA query_only=ON")


def _disk_nearly_full(where: str) -> bool:
    """Whether the folder of the file ``where`` has (almost) no space left."""
    import shutil

    folder = Path(where).parent
    try:
        return folder.is_dir() and shutil.disk_usage(folder).free < 1024 * 1024
    except OSError:
        return False


def translate_error(exc: BaseException, where: str) -> DatabaseError:
    """Turn a driver error into a message a user can act on (by SQLite's error code, and by
    its message for drivers that have no code)."""
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    msg = str(orig).lower()
    if (
        primary == sqlite3.SQLITE_FULL
        or "database or disk is full" in msg
        or ("disk" in msg and "full" in msg)
        # a full disk also fails the shared-memory index or a sync: "disk I/O error"
        or ((primary == sqlite3.SQLITE_IOERR or "i/o error" in msg) and _disk_nearly_full(where))
    ):
        return DiskFull(
            f"The disk holding {where} is full: nothing was saved. Free some space and try again."
        )
    if (
        primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
        or getattr(orig, "sqlstate", None) == "55P03"  # PostgreSQL: lock_not_available
        or "locked" in msg
        or "busy" in msg
    ):
        return DatabaseLocked(
            f"The database {where} is locked by another program. Close it there and try again."
        )
    if (
        primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
        or "not a database" in msg
        # "malformed JSON" is SQLite's JSON functions refusing a stored text: not a damaged file
        or ("malformed" in msg and "malformed json" not in msg)
        or "corrupt" in msg
    ):
        return DatabaseDamaged(
            f"The database {where} is damaged (SQLite cannot read part of it). Restore a "
            "backup: File ▸ Backups…, or winnow backups and winnow restore."
        )
    if insufficient_privilege(exc):  # PostgreSQL: a change the role may not make
        role = _role_in(where)
        who = f"your role {role}" if role else "your database role"
        return DatabaseError(
            f"Read-only: {who} cannot change this database; nothing was saved. ({orig})"
        )
    if primary == sqlite3.SQLITE_READONLY or "readonly" in msg or "read-only" in msg:
        return DatabaseError(f"The database {where} is read-only: nothing was saved.")
    if primary == sqlite3.SQLITE_CANTOPEN or "unable to open" in msg:
        return DatabaseError(f"Cannot open the database {where}.")
    if primary == sqlite3.SQLITE_IOERR or "i/o error" in msg:
        return DatabaseError(
            f"The disk holding {where} reported an error: nothing was saved. ({orig})"
        )
    return DatabaseError(f"Database error on {where}: {orig}")


def insufficient_privilege(exc: BaseException) -> bool:
    """Whether ``exc`` (or the driver error it came from) is PostgreSQL's refusal of a change
    the role may not make (SQLSTATE 42501)."""
    seen: BaseException | None = exc
    while seen is not None:
        if getattr(getattr(seen, "orig", seen), "sqlstate", None) == "42501":
            return True
        seen = seen.__cause__
    return False


def _role_in(where: str) -> str:
    """The role a database address logs in as (said in a refusal), or "" where none is named."""
    try:
        return make_url(where).username or ""
    except Exception:  # not an address: a file
        return ""


CHECK_WAIT_S = 300.0
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


def _set_event() -> threading.Event:
    ready = threading.Event()
    ready.set()
    return ready


# the write operation running on this thread, which nested ``Database.session()`` calls join
_AMBIENT: ContextVar[tuple[Database, Session] | None] = ContextVar("winnow_operation", default=None)
# the reads grouped on this thread (``Database.reading``), which nested sessions join
_READING: ContextVar[tuple[Database, Session] | None] = ContextVar("winnow_reading", default=None)


@dataclass
class Database:
    """An open, migrated database: an engine and a session factory."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    write_sessions: sessionmaker[Session]
    # why nothing may be written to this file (it failed its integrity check), or None
    damaged: str | None = None
    # cleared while the file's integrity check runs: writes wait for its verdict
    _checked: threading.Event = field(default_factory=_set_event, repr=False)
    # copies the write-ahead log into the file after commits, off the committing thread
    checkpointer: Checkpointer | None = field(default=None, repr=False)
    # a damaged file's read-only connection, closed last (see refuse_writes)
    _log_keeper: sqlite3.Connection | None = field(default=None, repr=False)

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def display_name(self) -> str:
        path = sqlite_path(self.url)
        return str(path) if path else make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One session for one operation; commits on success, rolls back on error.

        Inside a write operation (:meth:`write_session` on this thread) the domain code it
        calls joins the operation's transaction instead: nothing commits until it does."""
        joined = _AMBIENT.get()
        if joined is not None and joined[0] is self:
            yield joined[1]
            joined[1].flush()
            return
        reading = _READING.get()
        if reading is not None and reading[0] is self:
            yield reading[1]
            return
        s = self.sessions()
        try:
            yield s
            s.commit()
        except DBAPIError as exc:
            s.rollback()
            raise self._translate(exc) from exc
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Group the reads made inside (on this thread) in one session and one read
        transaction: each :meth:`session` opened meanwhile joins it instead of paying for a
        session, a connection check-out and a ``BEGIN`` of its own, and every read sees the
        same snapshot. For a view that answers one event with several small reads (the board
        shown: counts, first pages, cards; a change notice: where each changed contact goes).
        Reads only: a write operation still opens its own transaction (on the writer)."""
        if _READING.get() is not None or _AMBIENT.get() is not None:
            yield  # already grouped (or inside a write operation: its session is joined)
            return
        with self.session() as s:
            token = _READING.set((self, s))
            try:
                yield
            finally:
                _READING.reset(token)

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """One session for one write operation: its transaction takes the write lock first
        (SQLite ``BEGIN IMMEDIATE``), so everything it reads stays true until it commits."""
        if _AMBIENT.get() is not None:
            raise RuntimeError("a write operation cannot start inside another one")
        self._wait_for_check()
        s = self.write_sessions()
        token = _AMBIENT.set((self, s))
        try:
            if self.engine.dialect.name == "postgresql":
                # its transaction begun here takes PostgreSQL's write lock (_take_pg_write_lock):
                # one write operation at a time, as SQLite's BEGIN IMMEDIATE (the undo log
                # reads what the operation wrote by id ranges)
                s.connection()
            yield s
            s.commit()
        except DBAPIError as exc:
            s.rollback()
            raise self._translate(exc) from exc
        except BaseException:
            s.rollback()
            raise
        finally:
            _AMBIENT.reset(token)
            s.close()

    def hold_writes(self) -> None:
        """Until :meth:`writes_checked`, every write waits (reads go on): the integrity check
        runs in the background after opening, and a damaged file must not be written to."""
        self._checked.clear()
        if self.is_sqlite and not event.contains(self.engine, "before_cursor_execute", self._gate):
            event.listen(self.engine, "before_cursor_execute", self._gate)

    def writes_checked(self, damaged: str | None) -> None:
        """The check's verdict: None lets the held writes go on; a reason refuses them all."""
        if damaged is not None:
            self.refuse_writes(damaged)
        self._checked.set()

    def writable_now(self) -> bool:
        """Whether a write would go ahead now (no integrity check pending, file not damaged)."""
        return self._checked.is_set() and self.damaged is None

    def wait_until_writable(self) -> None:
        """Wait for the integrity check's verdict (as every write does); raises if the file
        must not be written to. For writes that go round this object (another process)."""
        self._wait_for_check()

    def _wait_for_check(self) -> None:
        if not self._checked.wait(CHECK_WAIT_S):
            raise DatabaseError(
                f"{self.display_name} is still being checked; nothing was saved. Try again."
            )
        if self.damaged is not None:
            raise DatabaseDamaged(self.damaged)

    def _gate(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self._checked.is_set() and self.damaged is None:
            return
        if statement.lstrip()[:7].upper().startswith(_WRITES):
            self._wait_for_check()

    def refuse_writes(self, reason: str) -> None:
        """From now on nothing is written to this file: it failed its integrity check.

        Write operations raise :class:`DatabaseDamaged` with ``reason`` at once; every other
        write fails in SQLite itself (``PRAGMA query_only`` on every connection)."""
        self.damaged = reason
        if self.checkpointer is not None:
            self.checkpointer.stop()
        if self.is_sqlite and not event.contains(self.engine, "connect", _query_only):
            event.listen(self.engine, "connect", _query_only)
            self.engine.dispose()  # pooled connections were opened writable
            self._keep_the_log_out()

    def _translate(self, exc: BaseException) -> DatabaseError:
        if self.damaged is not None:
            return DatabaseDamaged(self.damaged)
        return translate_error(exc, self.display_name)

    def _keep_the_log_out(self) -> None:
        """The last connection to close copies the write-ahead log into the file, even one
        that may only read (``query_only``): a damaged file keeps a connection opened read
        only (which cannot) until after the others, so that closing leaves the file as it is."""
        path = sqlite_path(self.url)
        if path is None or self._log_keeper is not None:
            return
        with contextlib.suppress(sqlite3.Error):
            self._log_keeper = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            self._log_keeper.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()

    def close(self) -> None:
        if self.checkpointer is not None:
            self.checkpointer.stop()
        keeper, self._log_keeper = self._log_keeper, None
        path = sqlite_path(self.url)
        if keeper is not None and path is not None and _log_is_empty(path):
            keeper.close()  # nothing to copy: the last connection removes the empty log
            keeper = None
        self.engine.dispose()
        if keeper is not None:
            keeper.close()  # last, read only: the log stays beside the file, not copied in


_HEADS: dict[str, str] = {}


def _head_revision() -> str:
    """The newest schema revision this Winnow knows (read from the migration scripts once per
    process and folder of scripts; without Alembic unless the scripts are not a plain chain)."""
    from db import revisions

    key = str(revisions.VERSIONS)
    head = _HEADS.get(key)
    if head is None:
        head = revisions.head_revision(revisions.VERSIONS)
        if head is None:
            from db import migrate

            head = migrate.head_revision()
        _HEADS[key] = head
    return head


# the opening's check: the schema's revision, and whether the default rows are there
_OPENING_CHECK = (
    "(SELECT max(version_num) FROM alembic_version),"
    " EXISTS (SELECT 1 FROM stages), EXISTS (SELECT 1 FROM bant_criteria)"
)


def _current_and_seeded(engine: Engine) -> bool:
    """Whether the database is at this Winnow's schema and holds its default rows (stages,
    BANT criteria): the usual opening, answered by one statement — the migration check and
    the seeding are skipped. False also where a table is missing (a new database).

    On PostgreSQL through psycopg the engine's first connection asked it already, with the
    dialect's own question (db.pgdialect: one round trip for both)."""
    with engine.connect() as conn:  # a server out of reach fails here, as it would below
        take = getattr(conn.dialect, "take_first_check", None)
        answer = take() if take is not None else None
        if answer is None:
            if conn.dialect.name == "postgresql":  # one statement: no BEGIN and ROLLBACK
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            try:
                answer = tuple(conn.exec_driver_sql(f"SELECT {_OPENING_CHECK}").one())
            except DBAPIError:  # no such table: the upgrade makes it
                return False
    version, stages, criteria = answer
    return version == _head_revision() and bool(stages) and bool(criteria)


# engines whose database was found (or brought) at this Winnow's schema as they were opened
_AT_HEAD: weakref.WeakSet[Engine] = weakref.WeakSet()


def opened_at_head(engine: Engine) -> bool:
    """Whether ``engine``'s database was at this Winnow's schema when it was opened (so every
    table of the head revision is there: app.contacts need not ask for one)."""
    return engine in _AT_HEAD


def schema_changed(engine: Engine) -> None:
    """``engine``'s schema was changed under it after it opened (a downgrade by Alembic, as
    the migration tests do): no longer taken to be at the head revision."""
    _AT_HEAD.discard(engine)


def write_index_hints(engine: Engine) -> None:
    """Make ``engine`` (SQLite) write a table's hint, ``Select.with_hint(table, "INDEXED BY
    ix", "sqlite")``, after the table's name: SQLAlchemy's SQLite compiler leaves hints out.
    A hint only shapes the plan, never the result, so an engine without this reads the same
    rows (app.paging: a search's sort keys looked up in an index holding them)."""
    from sqlalchemy.dialects.sqlite.base import SQLiteCompiler

    class HintingCompiler(SQLiteCompiler):
        def get_from_hint_text(self, table: Any, text: str | None) -> str | None:
            return text

    engine.dialect.statement_compiler = HintingCompiler


# an upgrade that left at least this share of the file's pages free gives them back
COMPACT_FREE_SHARE = 0.05
COMPACT_MIN_PAGES = 16


def compact_after_upgrade(
    engine: Engine, where: str, on_step: Callable[[str], None] | None = None
) -> bool:
    """``VACUUM`` a SQLite file whose upgrade left a 20th of its pages or more free (the
    store made leaner, migration 0020: at 1,000,000 demo contacts ~190 MB, some of it room
    left inside the contacts' pages), so that the file shrinks as well as the pages in use;
    the write-ahead log is emptied after it. Run once, right after the upgrade (the next
    opening finds no upgrade to do); a failure (disk full: VACUUM writes a copy) leaves the
    file as the upgrade left it, whole, and is only logged. Returns whether it compacted."""
    with engine.connect() as conn:
        pages = int(conn.exec_driver_sql("PRAGMA page_count").scalar() or 0)
        free = int(conn.exec_driver_sql("PRAGMA freelist_count").scalar() or 0)
    if free < COMPACT_MIN_PAGES or free < COMPACT_FREE_SHARE * pages:
        return False
    if on_step is not None:
        on_step(f"Upgrading {where}: giving back the space freed…")
    raw = engine.raw_connection()  # outside any transaction: VACUUM cannot run inside one
    try:
        raw.driver_connection.execute("VACUUM")  # type: ignore[union-attr]
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
    except sqlite3.Error as exc:
        import logging

        logging.getLogger(__name__).warning("%s not compacted after its upgrade: %s", where, exc)
        return False
    finally:
        raw.close()
    return True


def _checkpoint_after_commit(checkpointer: Checkpointer) -> Callable[[Session], None]:
    """The ``after_commit`` listener of a database's two session factories, holding its
    checkpointer weakly. SQLAlchemy keeps a factory's listeners for the rest of the process
    (its registry of class-level listeners is keyed, weakly, by the factory's own Session
    subclass, but holds the listeners strongly): one that held the checkpointer, hence the
    Database, its factories and that subclass, kept every database ever opened alive, closed
    or not — its engine, pool and compiled-statement cache, and all its sessions' objects."""
    ref = weakref.ref(checkpointer)

    def after_commit(_session: Session) -> None:
        alive = ref()
        if alive is not None:
            alive.after_commit()

    return after_commit


def open_database(
    path_or_url: str | os.PathLike[str] | None = None,
    *,
    migrate: bool = True,
    on_step: Callable[[str], None] | None = None,
) -> Database:
    """Open (creating if needed) and upgrade a Winnow database.

    A file is first looked at read-only: one that is neither empty nor a Winnow database, or
    that a newer Winnow wrote, is refused unchanged. Before an upgrade the file is backed up
    (``backups`` beside it); the upgrade then commits whole or not at all.

    ``on_step(text)`` hears what a long opening is doing: the backup, each migration.

    Raises :class:`DatabaseError` with a user-facing message for every expected failure.
    """
    url = resolve_url(path_or_url)
    path = sqlite_path(url)
    if path is not None:
        _check_sqlite_file(path)
        _check_before_changing(path, backup=migrate, on_step=on_step)
    kwargs: dict[str, object] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
    elif url.startswith("postgresql"):
        # Winnow has no hstore column: the dialect need not look the type up on connecting
        # (a savepoint and a catalog query, three round trips, on every opening)
        kwargs["use_native_hstore"] = False
    try:
        address: Any = url
        if url.startswith("postgresql"):
            from db.pgdialect import engine_url  # (psycopg: a first connection's questions)

            address = engine_url(url)
        if not isinstance(address, str):  # psycopg: the opening's check on the first connection
            kwargs["winnow_first_check"] = _OPENING_CHECK
        engine = create_engine(address, **kwargs)
    except Exception as exc:  # bad URL, missing driver
        raise DatabaseError(f"Cannot use the database address {url!r}: {exc}") from exc
    close_connections_of_left_pools(engine)
    if engine.dialect.name == "sqlite":
        store_times_as_numbers(engine)  # before any statement (db.times)
        write_index_hints(engine)
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_begin)
    where = str(path) if path else make_url(url).render_as_string(hide_password=True)
    try:
        if engine.dialect.name == "sqlite" and path is not None:
            raw = engine.raw_connection()  # outside any transaction: WAL cannot be set inside one
            try:
                mode = raw.driver_connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]  # type: ignore[union-attr]
            finally:
                raw.close()
            if str(mode).lower() != "wal":
                raise DatabaseError(f"Cannot switch {where} to WAL mode (got {mode}).")
        current = migrate and _current_and_seeded(engine)
        if migrate and not current:
            from db.migrate import upgrade_to_head

            upgrade_to_head(engine, where, on_step=on_step)
            if engine.dialect.name == "sqlite" and path is not None:
                compact_after_upgrade(engine, where, on_step)
        if migrate:
            _AT_HEAD.add(engine)
    except DatabaseError:
        engine.dispose()
        raise
    except (OperationalError, DBAPIError, sqlite3.Error) as exc:
        engine.dispose()
        raise translate_error(exc, where) from exc
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    writer = (
        engine.execution_options(**WRITE_OPTIONS) if engine.dialect.name == "sqlite" else engine
    )
    write_sessions = sessionmaker(bind=writer, expire_on_commit=False)
    if engine.dialect.name == "postgresql":
        # every write transaction takes the write lock as it begins, as SQLite's BEGIN
        # IMMEDIATE does: an import's chunk transactions (db.write_sessions() directly) as
        # well as write_session()'s operations. An operation reads what it wrote by id
        # (stage_changes from its first id on): a chunk committed meanwhile was taken for its own.
        event.listen(write_sessions, "after_begin", _take_pg_write_lock)
        from db.pgreads import reads_without_transaction

        reads_without_transaction(engine, sessions)  # a read: 2 round trips, not 4
    db = Database(url=url, engine=engine, sessions=sessions, write_sessions=write_sessions)
    if engine.dialect.name == "sqlite" and path is not None:
        checkpointer = Checkpointer(engine, path, db.writable_now)
        checkpoint = _checkpoint_after_commit(checkpointer)
        for factory in (sessions, write_sessions):
            event.listen(factory, "after_commit", checkpoint)
        db.checkpointer = checkpointer
    if migrate and not current:
        from db.seed import seed_defaults

        try:
            seed_defaults(db)
        except DBAPIError as exc:
            engine.dispose()
            raise translate_error(exc, where) from exc
    return db

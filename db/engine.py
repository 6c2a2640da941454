"""Opening a Winnow database: URL resolution, SQLite pragmas, migrations, clear errors."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

import db.visibility  # noqa: F401  (unfinished imports are invisible to every session)

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 5.0


class DatabaseError(Exception):
    """An expected problem with the database file, with a message for the user."""


class DatabaseLocked(DatabaseError):
    """Another program holds a lock on the database; trying again may work."""


class DatabaseTooNew(DatabaseError):
    """The database was written by a newer Winnow."""


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


def _on_sqlite_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    # The driver's own transaction handling starts a transaction lazily before the first
    # INSERT/UPDATE/DELETE only: reads before it and DDL run outside any transaction. Winnow
    # begins every transaction itself (``_on_begin``), so a write operation's reads see the
    # state it writes over and a schema upgrade commits whole or not at all.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA cache_size=-32000")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


WRITE_OPTIONS = {"sqlite_begin": "IMMEDIATE"}


def _on_begin(conn: Connection) -> None:
    """Start the SQLite transaction: ``BEGIN IMMEDIATE`` for a write operation (it takes the
    write lock before its first read), a plain deferred ``BEGIN`` for everything else."""
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.exec_driver_sql(f"BEGIN {mode}".strip())


def translate_error(exc: BaseException, where: str) -> DatabaseError:
    """Turn a driver error into a message a user can act on."""
    msg = str(getattr(exc, "orig", exc)).lower()
    if "locked" in msg or "busy" in msg:
        return DatabaseLocked(
            f"The database {where} is locked by another program. Close it there and try again."
        )
    if "not a database" in msg or "malformed" in msg or "corrupt" in msg:
        return DatabaseError(f"The database {where} is damaged or not a Winnow database.")
    if "readonly" in msg or "read-only" in msg:
        return DatabaseError(f"The database {where} is read-only.")
    if "disk" in msg and "full" in msg:
        return DatabaseError(f"The disk holding {where} is full.")
    if "unable to open" in msg:
        return DatabaseError(f"Cannot open the database {where}.")
    return DatabaseError(f"Database error on {where}: {getattr(exc, 'orig', exc)}")


# the write operation running on this thread, which nested ``Database.session()`` calls join
_AMBIENT: ContextVar[tuple[Database, Session] | None] = ContextVar("winnow_operation", default=None)


@dataclass
class Database:
    """An open, migrated database: an engine and a session factory."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    write_sessions: sessionmaker[Session]

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
        s = self.sessions()
        try:
            yield s
            s.commit()
        except DBAPIError as exc:
            s.rollback()
            raise translate_error(exc, self.display_name) from exc
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """One session for one write operation: its transaction takes the write lock first
        (SQLite ``BEGIN IMMEDIATE``), so everything it reads stays true until it commits."""
        if _AMBIENT.get() is not None:
            raise RuntimeError("a write operation cannot start inside another one")
        s = self.write_sessions()
        token = _AMBIENT.set((self, s))
        try:
            yield s
            s.commit()
        except DBAPIError as exc:
            s.rollback()
            raise translate_error(exc, self.display_name) from exc
        except BaseException:
            s.rollback()
            raise
        finally:
            _AMBIENT.reset(token)
            s.close()

    def close(self) -> None:
        self.engine.dispose()


def open_database(
    path_or_url: str | os.PathLike[str] | None = None, *, migrate: bool = True
) -> Database:
    """Open (creating if needed) and upgrade a Winnow database.

    Raises :class:`DatabaseError` with a user-facing message for every expected failure.
    """
    url = resolve_url(path_or_url)
    path = sqlite_path(url)
    if path is not None:
        _check_sqlite_file(path)
    kwargs: dict[str, object] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_S, "check_same_thread": False}
    try:
        engine = create_engine(url, **kwargs)  # type: ignore[arg-type]
    except Exception as exc:  # bad URL, missing driver
        raise DatabaseError(f"Cannot use the database address {url!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
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
        if migrate:
            from db.migrate import upgrade_to_head

            upgrade_to_head(engine, where)
    except DatabaseError:
        engine.dispose()
        raise
    except (OperationalError, DBAPIError) as exc:
        engine.dispose()
        raise translate_error(exc, where) from exc
    sessions = sessionmaker(bind=engine, expire_on_commit=False)
    writer = engine.execution_options(**WRITE_OPTIONS) if engine.dialect.name == "sqlite" else engine
    write_sessions = sessionmaker(bind=writer, expire_on_commit=False)
    db = Database(url=url, engine=engine, sessions=sessions, write_sessions=write_sessions)
    if migrate:
        from db.seed import seed_defaults

        try:
            seed_defaults(db)
        except DBAPIError as exc:
            engine.dispose()
            raise translate_error(exc, where) from exc
    return db

"""PostgreSQL: a session's reads run without a transaction of their own, until it writes.

psycopg opens a transaction with a ``BEGIN`` of its own before a connection's first statement
and SQLAlchemy ends it with ``COMMIT`` or ``ROLLBACK``: with the query that finds unfinished
imports (:mod:`db.visibility`, once a transaction) a read paid four round trips to the server
for one query. On a loaded machine each round trip waits for the server's process to be
scheduled (100,000 contacts, load 9: a one-row read 4.9-8.8 ms wall for 1.1-1.5 ms of CPU).

A session of :attr:`db.engine.Database.sessions` (reads, and the few writes made outside a
write operation) therefore starts in autocommit: each plain ``SELECT`` runs on its own — two
round trips for a read. What it sees is what it saw before: under PostgreSQL's READ COMMITTED
every statement of a transaction takes a snapshot of its own anyway. The first statement that
is not a plain ``SELECT`` (a write, ``SELECT … FOR UPDATE``, a function with an effect such as
``pg_notify`` or ``nextval``, a savepoint, a server-side cursor, a ``COPY`` through the driver:
:func:`begin_writing`) switches the connection back, so psycopg begins a transaction before it
and everything the session does from then on commits or rolls back together, as before.

Write operations (:meth:`db.engine.Database.write_session`) are not touched: their transaction
begins with the write lock. SQLite is not touched either (its reads are local calls).
"""

from __future__ import annotations

import contextlib
import re
from typing import Any

from sqlalchemy import Connection, Engine, event
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

# set in a pooled connection's info while it reads in autocommit for a session
_KEY = "winnow.reads_autocommit"

_SELECT = re.compile(r"\s*\(*\s*SELECT\b", re.IGNORECASE)
# what in a SELECT asks for a transaction: row locks, SELECT INTO (makes a table), functions
# with an effect that must commit (or roll back) with the session's writes
_NEEDS_TRANSACTION = re.compile(
    r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b|\bINTO\b"
    r"|pg_notify|nextval|setval|pg_advisory|set_config|txid_current|pg_current_xact_id",
    re.IGNORECASE,
)


# a ``WITH`` query reads only where none of its parts changes rows
_WITH = re.compile(r"\s*WITH\b", re.IGNORECASE)
_CHANGES_ROWS = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)


def plain_select(statement: str) -> bool:
    """Whether ``statement`` only reads: a ``SELECT``, or a ``WITH`` query none of whose parts
    inserts, updates, deletes or merges (a search's page by date added, a dashboard's read:
    without this each paid a ``BEGIN`` and a ``COMMIT``), with no row lock and no function with
    an effect. Anything else is taken as a write (the word anywhere, even inside a quoted
    name or text: a transaction where none was needed, never the other way round)."""
    if _NEEDS_TRANSACTION.search(statement):
        return False
    if _SELECT.match(statement):
        return True
    return bool(_WITH.match(statement)) and not _CHANGES_ROWS.search(statement)


def reads_without_transaction(engine: Engine, sessions: sessionmaker[Session]) -> None:
    """Make the sessions of ``sessions`` (on PostgreSQL ``engine``) read in autocommit until
    their first statement that is not a plain ``SELECT`` (see the module's docstring)."""

    def began(_session: Session, _txn: SessionTransaction, connection: Connection) -> None:
        raw: Any = connection.connection.driver_connection
        if raw is None or raw.autocommit or raw.info.transaction_status != 0:  # 0: IDLE
            return
        raw.autocommit = True
        connection.connection.info[_KEY] = True

    def before(
        conn: Connection,
        cursor: Any,
        statement: str,
        _params: Any,
        _context: Any,
        _executemany: bool,
    ) -> None:
        if not conn.connection.info.get(_KEY):
            return
        # a server-side cursor (stream_results, yield_per) is declared inside a transaction
        if plain_select(statement) and getattr(cursor, "name", None) is None:
            return
        begin_writing(conn)

    def returned(dbapi_conn: Any, record: Any) -> None:
        if record is not None and record.info.pop(_KEY, False) and dbapi_conn is not None:
            with contextlib.suppress(Exception):  # a broken connection is discarded anyway
                dbapi_conn.autocommit = False

    event.listen(sessions, "after_begin", began)
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "checkin", returned)


def begin_writing(conn: Connection) -> None:
    """From the next statement on, ``conn`` runs in a transaction again (when a session had
    it read in autocommit): for a write that goes round SQLAlchemy (``COPY`` on the driver's
    cursor, :mod:`db.bulk`). Nothing to do on any other connection."""
    info = conn.connection.info
    if info.pop(_KEY, False):
        raw: Any = conn.connection.driver_connection
        raw.autocommit = False  # psycopg sends BEGIN before the next statement

"""May this user change the database? (Team mode: an optional read-only role sees
everything and changes nothing — ``winnow team init --reader``.)

On PostgreSQL the answer is the role's privilege on the contacts table; a SQLite file that
cannot be written is refused when it is opened (db.engine), so a window on one may write —
unless the file failed its integrity check (``Database.damaged``): then nothing is written.

Work that writes without going through an operation (an import: its own chunked
transactions, perhaps in a process of its own) asks :func:`check_may_write` before it reads
anything, so that it is refused at once with the reason instead of failing at its first write.
"""

from __future__ import annotations

from sqlalchemy import text

from app.errors import WinnowError
from db.engine import Database


class ReadOnly(WinnowError):
    """Nothing can be changed in this database by this user; the message says why (the
    same words the window shows)."""


def read_only_reason(db: Database) -> str | None:
    """Why nothing can be changed in ``db`` by this user (said in the window), or None."""
    if db.engine.dialect.name != "postgresql":
        return None
    with db.engine.connect() as conn:
        who, may_write = conn.execute(
            text(
                "SELECT session_user, has_table_privilege(current_user, 'contacts', 'UPDATE')"
                " AND has_table_privilege(current_user, 'operations', 'INSERT')"
            )
        ).one()
    if may_write:
        return None
    return f"Read-only: your role {who} cannot change this database"


def write_refusal(db: Database) -> str | None:
    """Why this user can change nothing in ``db`` now — the role may only read, or the file
    failed its integrity check — or None."""
    if db.damaged is not None:
        return db.damaged
    return read_only_reason(db)


def check_may_write(db: Database) -> None:
    """Raise :class:`ReadOnly` with the reason when nothing can be changed in ``db``."""
    reason = write_refusal(db)
    if reason is not None:
        raise ReadOnly(reason)

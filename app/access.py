"""May this user change the database? (Team mode: an optional read-only role sees
everything and changes nothing — ``winnow team init --reader``.)

On PostgreSQL the answer is the role's privilege on the contacts table; a SQLite file that
cannot be written is refused when it is opened (db.engine), so a window on one always may.
"""

from __future__ import annotations

from sqlalchemy import text

from db.engine import Database


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

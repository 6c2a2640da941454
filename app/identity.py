"""Who is working: the name every change records (operations, moves, activities, imports).

On PostgreSQL each person of the team is a role with their own login, so the actor is the
role they logged in as: ``session_user`` — the same as ``current_user`` unless the session
switched roles, which ``winnow team init`` has every person do (each session ``SET ROLE``s to
the team's group role, so what one creates the others can use). On SQLite (one machine) it is
the operating-system user. Read once
per PostgreSQL address and process (it does not change while Winnow runs); the OS user is
read each time (from the environment: cheap).
"""

from __future__ import annotations

import threading

from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from app.values import os_user
from db.engine import Database

_known: dict[str, str] = {}
_lock = threading.Lock()


def _key(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def actor_of(conn: Connection) -> str:
    """The actor of the database ``conn`` is connected to."""
    if conn.dialect.name != "postgresql":
        return os_user()
    key = _key(conn.engine)
    with _lock:
        known = _known.get(key)
    if known is not None:
        return known
    name = str(conn.execute(text("SELECT session_user")).scalar_one())
    with _lock:
        _known[key] = name
    return name


def actor_in(s: Session) -> str:
    """The actor of the database the session works on (inside its transaction)."""
    return actor_of(s.connection())


def current_actor(db: Database) -> str:
    """Who is working on ``db``: its PostgreSQL role, or the OS user on SQLite."""
    if db.engine.dialect.name != "postgresql":
        return os_user()
    key = _key(db.engine)
    with _lock:
        known = _known.get(key)
    if known is not None:
        return known
    with db.engine.connect() as conn:
        return actor_of(conn)


def resolve_person(db: Database, name: str | None) -> str | None:
    """A person as the user names them: ``me`` is the current actor; ``-``, ``none`` or an
    empty name is nobody."""
    if name is None:
        return None
    cleaned = name.strip()
    if cleaned.lower() in ("", "-", "none"):
        return None
    if cleaned.lower() == "me":
        return current_actor(db)
    return cleaned

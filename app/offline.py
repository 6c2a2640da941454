"""The database server out of reach: the error that says so, and telling it from a refused or
failed statement. No SQLAlchemy at import (issue 15: the window's error hook imports this
before any database is open); ``app.live`` names these too."""

from __future__ import annotations

import sys

from db.errors import DatabaseError


class ServerUnreachable(DatabaseError):
    """The database server cannot be reached: nothing was saved."""


def offline_message(reason: str = "") -> str:
    why = f" ({reason.strip().splitlines()[0]})" if reason.strip() else ""
    return (
        "The server cannot be reached: Winnow is read only until it is back, and keeps "
        f"trying. Nothing was saved.{why}"
    )


def is_connection_error(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the database server cannot be reached, as
    opposed to a refused or failed statement."""
    # SQLAlchemy's error, if SQLAlchemy is loaded: an error it raised cannot exist otherwise
    sqlalchemy_exc = sys.modules.get("sqlalchemy.exc")
    dbapi_error = getattr(sqlalchemy_exc, "DBAPIError", None)
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ServerUnreachable):
            return True
        if (
            dbapi_error is not None
            and isinstance(current, dbapi_error)
            and current.connection_invalidated
        ):
            return True
        if _psycopg_disconnect(current):
            return True
        orig = getattr(current, "orig", None)  # the driver's error a DBAPIError wraps
        todo += [current.__cause__, current.__context__]
        if isinstance(orig, BaseException):
            todo.append(orig)
    return False


def _psycopg_disconnect(exc: BaseException) -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    if not isinstance(exc, psycopg.OperationalError):
        return False
    state = getattr(exc, "sqlstate", None)
    # no SQLSTATE: the client lost the connection (refused, closed, timed out); class 08:
    # connection exception; 57P01-03: the server is shutting down or starting
    return state is None or state.startswith("08") or state in ("57P01", "57P02", "57P03")

"""PostgreSQL: a new engine's first connection without SQLAlchemy's five questions.

On an engine's first connection SQLAlchemy's PostgreSQL dialect asks the server, inside a
transaction of its own, for its version, the current schema, the default isolation level and
``standard_conforming_strings``: ``BEGIN``, four statements and ``ROLLBACK``, six round trips
(and ~1.4 ms of the client's CPU) each time Winnow opens a database, the list's first page
waiting behind them. psycopg already holds two of the answers (the server sends its version
and ``standard_conforming_strings`` as it accepts the connection); the other two are one
statement, asked outside any transaction. Same answers, one round trip. The same statement
carries the opening's check of the schema (``db.engine``: its revision, its default rows),
given to the engine as ``winnow_first_check``: an opening is one round trip, not two.

:func:`engine_url` names this dialect in the address an engine is created with
(``postgresql+psycopg`` → ``postgresql+winnow_psycopg``, registered with SQLAlchemy by that
name); the dialect is psycopg's in everything else.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import URL, Connection, make_url
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine.interfaces import IsolationLevel

DRIVER = "winnow_psycopg"


class WinnowPsycopgDialect(PGDialect_psycopg):
    """psycopg 3's dialect, its first connection's questions answered from what the
    connection knows and one statement (see the module's docstring)."""

    supports_statement_cache = True  # (what it compiles is psycopg's dialect's)
    # the current schema (as SQLAlchemy reads it: None where no schema is on the path) and
    # the default isolation level
    _first_answers: tuple[Any, IsolationLevel] | None = None

    def __init__(self, winnow_first_check: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        # more columns for the first connection's statement (the opening's check of the
        # schema, db.engine): asked with the dialect's own question, one round trip for both
        self.first_check_columns = winnow_first_check
        # their answer, once (None: not asked, or the columns failed: a table missing)
        self.first_check: tuple[Any, ...] | None = None

    def initialize(self, connection: Connection) -> None:
        raw: Any = connection.connection.driver_connection
        autocommit = raw.autocommit
        raw.autocommit = True  # one statement on its own: no BEGIN and ROLLBACK around it
        question = "SELECT current_schema(), current_setting('transaction_isolation')"
        try:
            row = None
            if self.first_check_columns:
                import psycopg

                try:
                    row = raw.execute(f"{question}, {self.first_check_columns}").fetchone()
                    self.first_check = tuple(row[2:])
                except psycopg.errors.UndefinedTable:  # a new database: its tables to make
                    row = None
            if row is None:
                row = raw.execute(question).fetchone()
        finally:
            raw.autocommit = autocommit
        self._first_answers = (row[0], cast(IsolationLevel, str(row[1]).upper()))
        super().initialize(connection)

    def take_first_check(self) -> tuple[Any, ...] | None:
        """The first connection's answer to :attr:`first_check_columns`, once (then None)."""
        answer, self.first_check = self.first_check, None
        return answer

    def _get_server_version_info(self, connection: Connection) -> tuple[int, ...]:
        # as the server states it: 150010 for 15.10, 90624 for 9.6.24
        number = int(connection.connection.driver_connection.info.server_version)  # type: ignore[union-attr]
        if number >= 100000:
            return (number // 10000, number % 10000)
        return (number // 10000, number // 100 % 100, number % 100)

    def _get_default_schema_name(self, connection: Connection) -> str:
        assert self._first_answers is not None
        return cast(str, self._first_answers[0])

    def get_default_isolation_level(self, dbapi_conn: Any) -> IsolationLevel:
        if self._first_answers is None:  # (only initialize asks; ask the server otherwise)
            return super().get_default_isolation_level(dbapi_conn)
        return self._first_answers[1]

    def _set_backslash_escapes(self, connection: Connection) -> None:
        raw: Any = connection.connection.driver_connection
        value = raw.info.parameter_status("standard_conforming_strings")
        if value is None:  # not reported: ask, as the dialect does
            super()._set_backslash_escapes(connection)
            return
        self._backslash_escapes = value == "off"


def engine_url(url: str) -> str | URL:
    """The address to create an engine with: ``url`` itself, or for psycopg 3 the same address
    naming :class:`WinnowPsycopgDialect` (registered with SQLAlchemy here)."""
    parsed = make_url(url)
    if parsed.drivername != "postgresql+psycopg":
        return url
    registry.register(f"postgresql.{DRIVER}", __name__, WinnowPsycopgDialect.__name__)
    return parsed.set(drivername=f"postgresql+{DRIVER}")

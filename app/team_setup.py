"""``winnow team init``: the SQL that sets up a team's PostgreSQL database.

One group role (``winnow_users``) owns the database and everything in it; each person logs in
as their own role, a member of the group, whose sessions in this database switch to the group
(``ALTER ROLE … IN DATABASE … SET role``) — so what one person's Winnow creates (the schema,
on first open or in a later upgrade) the others can use, while Winnow records who did what by
the login role (``session_user``, :mod:`app.identity`). An optional read-only group
(``winnow_readers``) may read everything and change nothing.

The script has two parts: what runs in the server's maintenance database (roles, the database
itself) and what runs in the new database (privileges, the search extension). Printed, the
parts are joined by psql's ``\\connect``; applied, each part runs in its database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import URL, make_url

from app.errors import UsageError, WinnowError

DEFAULT_GROUP = "winnow_users"
DEFAULT_READERS = "winnow_readers"

_SIMPLE = re.compile(r"[a-z_][a-z0-9_]*")
_RESERVED = frozenset(
    {"all", "group", "order", "public", "role", "select", "table", "user", "database", "grant"}
)


def ident(name: str) -> str:
    """``name`` as an SQL identifier (quoted unless plain lower-case letters and digits)."""
    if not name or "\x00" in name or len(name) > 63:
        raise UsageError(f"not a PostgreSQL name: {name!r} (1 to 63 characters)")
    if _SIMPLE.fullmatch(name) and name not in _RESERVED:
        return name
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class TeamPlan:
    """What ``team init`` sets up, and the SQL that does it."""

    url: URL  # the team database, as the administrator reaches it
    group: str = DEFAULT_GROUP
    readers: str | None = DEFAULT_READERS
    people: tuple[str, ...] = ()
    reader_people: tuple[str, ...] = field(default_factory=tuple)

    @property
    def database(self) -> str:
        assert self.url.database
        return self.url.database

    def _role(self, name: str, login: bool) -> str:
        kind = "LOGIN" if login else "NOLOGIN"
        return (
            "DO $$ BEGIN\n"
            f"    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {literal(name)}) THEN\n"
            f"        CREATE ROLE {ident(name)} {kind};\n"
            "    END IF;\n"
            "END $$"
        )

    def server_statements(self) -> list[str]:
        """In the maintenance database (``postgres``), as a superuser: roles and database."""
        db, group = ident(self.database), ident(self.group)
        out = [self._role(self.group, login=False)]
        if self.readers:
            out.append(self._role(self.readers, login=False))
        out.append(f"CREATE DATABASE {db} OWNER {group} ENCODING 'UTF8' TEMPLATE template0")
        out.append(f"REVOKE ALL ON DATABASE {db} FROM PUBLIC")
        out.append(f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {group}")
        if self.readers:
            out.append(f"GRANT CONNECT ON DATABASE {db} TO {ident(self.readers)}")
        for person in self.people:
            out.append(self._role(person, login=True))
            out.append(f"GRANT {group} TO {ident(person)}")
            # in this database their sessions act as the group: what one creates, all can use
            out.append(
                f"ALTER ROLE {ident(person)} IN DATABASE {db} SET role = {literal(self.group)}"
            )
        if self.readers:
            for person in self.reader_people:
                out.append(self._role(person, login=True))
                out.append(f"GRANT {ident(self.readers)} TO {ident(person)}")
        return out

    def database_statements(self) -> list[str]:
        """In the new database, as a superuser: the schema's privileges, the extension."""
        group = ident(self.group)
        out = [
            # a trusted extension, but made here so no member needs to
            "CREATE EXTENSION IF NOT EXISTS unaccent",
            "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
            f"GRANT USAGE, CREATE ON SCHEMA public TO {group}",
        ]
        if self.readers:
            readers = ident(self.readers)
            out += [
                f"GRANT USAGE ON SCHEMA public TO {readers}",
                f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {readers}",
                f"GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO {readers}",
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {group} IN SCHEMA public"
                f" GRANT SELECT ON TABLES TO {readers}",
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {group} IN SCHEMA public"
                f" GRANT SELECT ON SEQUENCES TO {readers}",
            ]
        return out

    def script(self) -> str:
        """The whole set-up as a psql script."""
        host = self.url.host or "localhost"
        port = f" -p {self.url.port}" if self.url.port else ""
        admin = self.url.username or "postgres"
        lines = [
            f"-- Winnow team database {self.database} on {host}{port.replace(' -p ', ':')}",
            f"-- Run once as a PostgreSQL superuser: psql -h {host}{port} -U {admin}"
            " -d postgres -f team.sql",
            "",
        ]
        lines += [s + ";" for s in self.server_statements()]
        lines += ["", f"\\connect {ident(self.database)}", ""]
        lines += [s + ";" for s in self.database_statements()]
        lines += [
            "",
            "-- Each person: a password (psql: \\password NAME), then their Winnow points at",
            f"--   {self.member_url('NAME')}",
            f"-- A new person later: CREATE ROLE name LOGIN; GRANT {ident(self.group)} TO name;",
            f"--   ALTER ROLE name IN DATABASE {ident(self.database)}"
            f" SET role = {literal(self.group)};",
        ]
        return "\n".join(lines) + "\n"

    def member_url(self, person: str) -> str:
        return self.url.set(username=person, password=None).render_as_string(hide_password=True)


def plan(
    url: str,
    *,
    group: str = DEFAULT_GROUP,
    readers: str | None = DEFAULT_READERS,
    people: Sequence[str] = (),
    reader_people: Sequence[str] = (),
) -> TeamPlan:
    """The set-up of the team database at ``url`` (a PostgreSQL SQLAlchemy URL)."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # any parse error: the address the user gave
        raise UsageError(f"not a database address: {url!r} ({exc})") from None
    if parsed.get_backend_name() != "postgresql":
        raise UsageError("team init sets up a PostgreSQL database: give a postgresql:// address")
    if not parsed.database:
        raise UsageError("the address names no database: add /NAME at its end")
    names = [parsed.database, group, *([readers] if readers else []), *people, *reader_people]
    for name in names:
        ident(name)  # refuses what PostgreSQL would not take
    if reader_people and not readers:
        raise UsageError("read-only people need the read-only role")
    return TeamPlan(
        parsed, group, readers, tuple(dict.fromkeys(people)), tuple(dict.fromkeys(reader_people))
    )


def apply(team: TeamPlan) -> None:
    """Run the set-up on the server, then create the schema as the group (so every member
    can use it): the URL's user must be a superuser (or have CREATEDB and CREATEROLE).
    What the server refuses (the database exists already, no privilege, no server) is a
    :class:`WinnowError` naming it."""
    from sqlalchemy.exc import DBAPIError

    try:
        _apply(team)
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise WinnowError(f"the server refused the set-up: {reason}") from exc


def _apply(team: TeamPlan) -> None:
    from sqlalchemy import create_engine, text

    from db.engine import open_database

    maintenance = create_engine(team.url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with maintenance.connect() as conn:
            for statement in team.server_statements():
                conn.execute(text(statement))
    finally:
        maintenance.dispose()
    inside = create_engine(team.url, isolation_level="AUTOCOMMIT")
    try:
        with inside.connect() as conn:
            for statement in team.database_statements():
                conn.execute(text(statement))
    finally:
        inside.dispose()
    # the schema, owned by the group: the administrator's session acts as the group
    as_group = team.url.update_query_dict({"options": f"-c role={team.group}"})
    open_database(as_group.render_as_string(hide_password=False)).close()

"""Opening a PostgreSQL database that is at this Winnow's schema with psycopg alone, without
SQLAlchemy (issue 14: ``winnow stats`` as a process).

``winnow stats`` on SQLite reads with the driver alone (:mod:`db.plain_open`); on PostgreSQL
the process imported SQLAlchemy, its dialect and the models (~0.3 s of its ~0.5 s of CPU) to
run a dozen statements. :func:`plain_pg_start` connects with psycopg to the address the usual
opening would use — ``postgresql+psycopg://`` turned into the same connection arguments
SQLAlchemy's psycopg dialect gives the driver (:func:`connect_args`) — and asks the opening's
check in one statement: the schema's revision and the default rows. A database at the head
revision with its default rows gives a :class:`PlainPgStart` holding that connection; anything
else — another driver, an address SQLAlchemy reads differently (several hosts), a server out of
reach, a refusal, another revision, a new database — answers None, and the usual opening
(:func:`app.store.open_store`) runs as before, with its migrations and its own error messages.

No SQLAlchemy and no Qt here; psycopg is imported only for a ``postgresql+psycopg`` address.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

from db.plain_open import resolve_url

if TYPE_CHECKING:
    import psycopg

# SQLAlchemy's own pattern for an address (sqlalchemy.engine.url._parse_url)
_URL = re.compile(
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
_DRIVER = "postgresql+psycopg"


def connect_args(url: str) -> dict[str, Any] | None:
    """The keyword arguments SQLAlchemy's psycopg dialect gives ``psycopg.connect`` for
    ``url`` (``create_connect_args``: user, password, host, port, dbname and the query's
    options), or None for an address it reads otherwise: another driver, several hosts or
    ports, an option given twice, a port that is not a number."""
    m = _URL.match(url)
    if m is None or m["name"] != _DRIVER:
        return None
    args: dict[str, Any] = {}
    for key, value in (
        ("host", m["ipv4host"] or m["ipv6host"]),
        ("dbname", m["database"] and unquote(m["database"])),
        ("user", m["username"] and unquote(m["username"])),
        ("password", m["password"] and unquote(m["password"])),
    ):
        if value:  # (translate_connect_args leaves out empty parts)
            args[key] = value
    if m["port"]:
        if not m["port"].isdigit():
            return None
        args["port"] = int(m["port"])
    if m["query"] is not None:
        options = parse_qsl(m["query"])
        names = [k for k, _v in options]
        if len(set(names)) != len(names) or {"host", "port"} & set(names):
            return None  # several hosts: the dialect joins them its own way
        args.update(options)
    return args


# the opening's check (db.engine._OPENING_CHECK): the schema's revision, the default rows
_CHECK = (
    "SELECT (SELECT max(version_num) FROM alembic_version),"
    " EXISTS (SELECT 1 FROM stages), EXISTS (SELECT 1 FROM bant_criteria)"
)


@dataclass
class PlainPgStart:
    """A PostgreSQL database found at this Winnow's schema with its default rows, and the
    connection (autocommit: the caller begins) that found it: its reads may run through
    psycopg before, or instead of, the usual opening."""

    url: str
    revision: str
    _con: psycopg.Connection[Any] | None = field(default=None, repr=False)
    _args: dict[str, Any] = field(default_factory=dict, repr=False)

    def connect(self) -> psycopg.Connection[Any]:
        """The connection that checked the database (the first time), else a new one."""
        con, self._con = self._con, None
        if con is not None and not con.closed:
            return con
        import psycopg

        return psycopg.connect(autocommit=True, **self._args)

    def close(self) -> None:
        """Close the checking connection if nobody took it."""
        if self._con is not None:
            self._con.close()
            self._con = None


def plain_pg_start(path_or_url: str | os.PathLike[str] | None = None) -> PlainPgStart | None:
    """The PostgreSQL database at this address if it can be read with psycopg alone (see the
    module); else None, for the usual opening."""
    from db.revisions import head_revision

    url = resolve_url(path_or_url)
    args = connect_args(url)
    if args is None:
        return None
    head = head_revision()
    if head is None:  # the scripts are not a plain chain: Alembic decides, in the usual opening
        return None
    try:
        import psycopg
    except ImportError:  # the usual opening says the driver is missing
        return None
    try:
        con = psycopg.connect(autocommit=True, **args)
    except psycopg.Error:  # out of reach, refused: the usual opening says so in its words
        return None
    try:
        row = con.execute(_CHECK).fetchone()
    except psycopg.Error:  # no such table (a new database), no right to read it
        con.close()
        return None
    if row is None or row[0] != head or not row[1] or not row[2]:
        con.close()
        return None
    return PlainPgStart(url=url, revision=str(row[0]), _con=con, _args=args)

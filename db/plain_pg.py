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
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote

from db.plain_open import ADDRESS, resolve_url


class PgReads(Protocol):
    """What the plain reads use of a connection: a ``psycopg.Connection`` (autocommit), or
    :class:`LibpqConnection` on psycopg's libpq layer alone."""

    def execute(self, query: Any, params: Any = None) -> Any: ...

    def close(self) -> None: ...

    @property
    def closed(self) -> bool: ...


_DRIVER = "postgresql+psycopg"


def connect_args(url: str) -> dict[str, Any] | None:
    """The keyword arguments SQLAlchemy's psycopg dialect gives ``psycopg.connect`` for
    ``url`` (``create_connect_args``: user, password, host, port, dbname and the query's
    options), or None for an address it reads otherwise: another driver, several hosts or
    ports, an option given twice, a port that is not a number."""
    m = ADDRESS.match(url)
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


# the write lock of every write transaction on PostgreSQL (db.engine's write sessions take it
# as they begin, as SQLite's BEGIN IMMEDIATE): a transaction-level advisory lock, "winnow" in
# ASCII. Here so that a write through psycopg alone (app.aggregates.plain_refresh) takes the
# same one.
WRITE_LOCK_KEY = 131294708002679


# the longest the plain read waits for a server to accept it (libpq's connect_timeout, in
# seconds): without one, a host that drops the packets was waited for ~2 minutes twice
PLAIN_CONNECT_TIMEOUT_S = 5


@dataclass
class PlainPgStart:
    """A PostgreSQL database found at this Winnow's schema with its default rows, and the
    connection (autocommit: the caller begins) that found it: its reads may run through
    psycopg before, or instead of, the usual opening."""

    url: str
    revision: str
    _con: PgReads | None = field(default=None, repr=False)
    _args: dict[str, Any] = field(default_factory=dict, repr=False)

    def connect(self) -> PgReads:
        """The connection that checked the database (the first time), else a new one (on
        psycopg's libpq layer alone where the first was)."""
        con, self._con = self._con, None
        if con is not None and not con.closed:
            return con
        return _connect(self._args)

    def close(self) -> None:
        """Close the checking connection if nobody took it."""
        if self._con is not None:
            self._con.close()
            self._con = None


def _connect(args: dict[str, Any]) -> PgReads:
    """A connection in autocommit: on psycopg's libpq layer alone while psycopg's package is
    the one :func:`_libpq` made, else through psycopg."""
    if _HALF:
        from psycopg import pq

        return LibpqConnection(pq, args)
    import psycopg

    return psycopg.connect(autocommit=True, **args)


def plain_pg_start(path_or_url: str | os.PathLike[str] | None = None) -> PlainPgStart | None:
    """The PostgreSQL database at this address if it can be read with psycopg alone (see the
    module); else None, for the usual opening."""
    from db.revisions import head_revision

    url = resolve_url(path_or_url)
    args = connect_args(url)
    if args is None:
        return None
    # a server that does not answer is waited for once more by the usual opening (whose
    # message the user gets): this attempt waits PLAIN_CONNECT_TIMEOUT_S at most, unless the
    # address sets its own
    args.setdefault("connect_timeout", PLAIN_CONNECT_TIMEOUT_S)
    head = head_revision()
    if head is None:  # the scripts are not a plain chain: Alembic decides, in the usual opening
        return None
    try:
        _libpq()  # psycopg's libpq layer alone, in a process that has not imported psycopg
        from psycopg import errors
    except ImportError:  # the usual opening says the driver is missing
        return None
    try:
        con = _connect(args)
    except errors.Error:  # out of reach, refused: the usual opening says so in its words
        return None
    try:
        row = con.execute(_CHECK).fetchone()
    except errors.Error:  # no such table (a new database), no right to read it
        con.close()
        return None
    if row is None or row[0] != head or not row[1] or not row[2]:
        con.close()
        return None
    return PlainPgStart(url=url, revision=str(row[0]), _con=con, _args=args)


# --- psycopg's libpq layer alone -------------------------------------------------------------
#
# ``import psycopg`` is ~0.10 s of a ``winnow stats`` process's ~0.2 s of CPU; its libpq layer
# (``psycopg.pq``) alone is about half of it: psycopg's package init — every type's dumpers,
# loaders and arrays, the connection, cursor, copy and pipeline modules — is what the rest is
# (performance log, 2026-12-03 03:10). In a process that has not imported psycopg, the plain
# read connects through that layer alone: psycopg's package is made without running its
# ``__init__`` (its submodules are imported as usual), and the few types the reads send and
# return are turned as psycopg's own dumpers and loaders turn them. Anything else — a type not
# among them, a server not speaking ISO dates or UTF-8 — is an error, and the usual opening
# answers. Before the usual opening runs in the same process, :func:`complete_psycopg` runs
# psycopg's ``__init__`` in that same package (whose submodules are then psycopg's own).

_HALF: list[Any] = []  # the package made without its __init__, until completed


def _libpq() -> Any | None:
    """``psycopg.pq`` without psycopg's package init, or None: psycopg imported already (then
    it is used whole), or this did not work (psycopg made whole again)."""
    import importlib.util
    import sys
    import types

    if "psycopg" in sys.modules:
        return None
    spec = importlib.util.find_spec("psycopg")
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        return None
    package = types.ModuleType("psycopg")
    package.__spec__ = spec
    package.__loader__ = spec.loader
    package.__file__ = spec.origin
    package.__path__ = list(spec.submodule_search_locations)
    package.__package__ = "psycopg"
    sys.modules["psycopg"] = package
    _HALF.append(package)
    try:
        from psycopg import pq

        return pq
    except Exception:  # another psycopg than the one this was written for
        complete_psycopg()
        return None


def complete_psycopg() -> None:
    """psycopg whole again where :func:`_libpq` made its package without its ``__init__``: the
    ``__init__`` run in that package (its submodules imported meanwhile are reused); if that
    fails, every psycopg module forgotten, for a fresh import."""
    import sys

    while _HALF:
        package = _HALF.pop()
        loader: Any = package.__spec__.loader
        if sys.modules.get("psycopg") is not package:
            continue
        try:
            loader.exec_module(package)
        except Exception:
            for name in [m for m in sys.modules if m == "psycopg" or m.startswith("psycopg.")]:
                del sys.modules[name]


def _conninfo(args: dict[str, Any]) -> bytes:
    """libpq's ``key='value' …`` for these arguments (quotes and backslashes escaped)."""
    parts = []
    for key, value in args.items():
        text = str(value).replace("\\", "\\\\").replace("'", "\\'")
        parts.append(f"{key}='{text}'")
    return " ".join(parts).encode()


# a psycopg parameter, %(name)s, and a doubled %
_PARAM = re.compile(r"%\((\w+)\)s|%%")


def _dump(value: Any) -> tuple[bytes | None, int]:
    """A parameter as psycopg's text dumpers send it: its text and its type's oid."""
    from datetime import date, datetime

    if value is None:
        return None, 0
    if isinstance(value, bool):
        return (b"t" if value else b"f"), 16
    if isinstance(value, int):
        oid = 21 if -(2**15) <= value < 2**15 else 23 if -(2**31) <= value < 2**31 else 20
        return str(value).encode(), oid if -(2**63) <= value < 2**63 else 1700
    if isinstance(value, float):
        return repr(value).encode(), 701
    if isinstance(value, str):
        return value.encode(), 0
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.isoformat(sep=" ").encode(), 1114
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat().encode(), 1082
    raise TypeError(f"not sent through libpq here: {type(value).__name__}")


def _loaders() -> dict[int, Any]:
    """Per type oid, the value of its text as psycopg's loaders give it."""
    from datetime import date, datetime
    from decimal import Decimal

    def text(raw: bytes) -> str:
        return raw.decode()

    return {
        16: lambda raw: raw == b"t",
        18: text,
        19: text,
        20: int,
        21: int,
        23: int,
        25: text,
        26: int,
        700: float,
        701: float,
        705: text,
        1042: text,
        1043: text,
        1082: lambda raw: date.fromisoformat(raw.decode()),
        1114: lambda raw: datetime.fromisoformat(raw.decode()),
        1700: lambda raw: Decimal(raw.decode()),
    }


def _said(message: bytes | str) -> str:
    """libpq's message as text (psycopg gives some as bytes, some decoded)."""
    return message.decode(errors="replace") if isinstance(message, bytes) else message


class LibpqRows:
    """A statement's rows, read as a psycopg cursor gives them (tuples), and its ``rowcount``
    as the cursor's: the rows a write changed, the rows read, or -1."""

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int = -1) -> None:
        self.rows = rows
        self.rowcount = rowcount

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    def __iter__(self) -> Any:
        return iter(self.rows)


class LibpqConnection:
    """The little of ``psycopg.Connection`` the plain reads use — ``execute(query, params)``
    with psycopg's ``%(name)s`` parameters, its rows, ``close()`` — on psycopg's libpq layer
    (autocommit: every statement as sent). An error is ``psycopg.errors.Error``'s, as
    psycopg's would be: the plain read then gives way to the usual opening."""

    def __init__(self, pq: Any, args: dict[str, Any]) -> None:
        from psycopg import errors

        self._pq, self._errors = pq, errors
        self._pgconn = pq.PGconn.connect(_conninfo(args))
        if self._pgconn.status != pq.ConnStatus.OK:
            message = _said(self._pgconn.get_error_message())
            self._pgconn.finish()
            raise errors.OperationalError(message)
        # what the loaders assume: the server's dates in ISO, its text in UTF-8
        if not (self._pgconn.parameter_status(b"DateStyle") or b"").startswith(b"ISO") or (
            self._pgconn.parameter_status(b"client_encoding") != b"UTF8"
        ):
            self._pgconn.finish()
            raise errors.NotSupportedError("dates not in ISO, or text not in UTF-8")
        self._load = _loaders()

    @property
    def closed(self) -> bool:
        return bool(self._pgconn.status == self._pq.ConnStatus.BAD)

    def close(self) -> None:
        self._pgconn.finish()

    def execute(self, query: str, params: dict[str, Any] | None = None) -> LibpqRows:
        if params is None:
            result = self._pgconn.exec_(query.encode())
        else:
            names: list[str] = []

            def number(m: re.Match[str]) -> str:
                if m.group(1) is None:
                    return "%"
                names.append(m.group(1))
                return f"${len(names)}"

            sql = _PARAM.sub(number, query)
            try:
                sent = [_dump(params[name]) for name in names]
            except (KeyError, TypeError) as exc:
                raise self._errors.ProgrammingError(str(exc)) from None
            result = self._pgconn.exec_params(
                sql.encode(), [v for v, _oid in sent], [oid for _v, oid in sent]
            )
        status = self._pq.ExecStatus
        if result.status not in (status.TUPLES_OK, status.COMMAND_OK):
            message = _said(result.error_message or self._pgconn.get_error_message())
            raise self._errors.DatabaseError(message)
        try:
            loads = [self._load[result.ftype(i)] for i in range(result.nfields)]
            rows = [
                tuple(
                    None if raw is None else load(raw)
                    for load, raw in zip(
                        loads, (result.get_value(r, i) for i in range(result.nfields)), strict=True
                    )
                )
                for r in range(result.ntuples)
            ]
        except (KeyError, ValueError, ArithmeticError) as exc:  # a type or value not read here
            raise self._errors.DataError(f"not read through libpq here: {exc!r}") from None
        changed = result.command_tuples
        return LibpqRows(rows, len(rows) if result.nfields else -1 if changed is None else changed)

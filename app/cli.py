"""``winnow`` command line: a stable contract for users' scripts, tests and benchmarks.

Exit codes (README, *Exit codes*): 0 success; 1 a runtime error (one clear line on stderr),
e.g. an id that names nothing; 2 a usage error. With no subcommand, ``winnow`` opens the window.

Start-up stays light: this module and app/commands/* import neither SQLAlchemy nor Qt nor
dnspython at module level (``winnow --help`` and a usage error print in a few hundredths of a
second); each handler imports what it needs when it runs. tests/app/test_cli_imports.py holds
them to it.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import sys
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from app import __version__
from app.errors import NotFound, UsageError, WinnowError
from db.errors import DatabaseError

if TYPE_CHECKING:
    from db.engine import Database
    from db.plain_open import PlainStart
    from db.plain_pg import PlainPgStart

Handler = Callable[[argparse.Namespace, "Database"], int]
# a read answered with the driver alone, or None for the usual opening (``plain_handler``;
# given a PostgreSQL database too where the command sets ``plain_postgresql``)
PlainHandler = Callable[[argparse.Namespace, "PlainStart | PlainPgStart"], "int | None"]

# Feature modules that add subcommands: each has ``register(subparsers, common)``.


class CommandGroup(Protocol):
    """A module of subcommands (app/commands/*)."""

    def register(
        self, sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser
    ) -> None: ...


def command_groups() -> tuple[CommandGroup, ...]:
    """Every group of subcommands, in the order ``winnow --help`` lists them. Imported here,
    explicitly: they use this module's printing helpers. A new group is one more module here;
    it imports only argparse and light modules at its top (its handlers import the rest)."""
    from app.commands import backup, core, golook, importing, leads, qualify, team, undo

    return (core, golook, importing, qualify, undo, backup, leads, team)


# Commands that never write to the database. Every other command runs only on a file that
# passes its integrity check (``app.integrity``): a damaged file is never written to.
READ_ONLY_COMMANDS = frozenset(
    {"list", "show", "stats", "imports", "export", "history", "screenshot", "duplicates", "tasks"}
)
LISTING_COMMANDS = frozenset({"stages", "personas", "criteria", "sources"})  # without a change
READ_ONLY_ACTIONS = frozenset({None, "list", "export"})


def _remember_translations() -> None:
    """argparse looks its texts up in gettext's catalogues anew for each of the ~50 parsers
    (each look-up searches the locale folders): a third of ``winnow --help``'s time. The same
    look-ups, remembered."""
    import functools
    import gettext

    if not hasattr(argparse._, "cache_info"):  # type: ignore[attr-defined]
        argparse._ = functools.lru_cache(maxsize=256)(gettext.gettext)  # type: ignore[attr-defined]


class CliUsageError(Exception):
    """Raised instead of argparse's exit so the message format stays ours."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise CliUsageError(f"{self.prog}: {message}")


class _Unbuilt:
    """A subcommand's parser while another command runs: every call made to build it is
    taken and dropped (its arguments, nested subcommands, defaults)."""

    def __getattr__(self, _name: str) -> Callable[..., _Unbuilt]:
        return self._drop

    def _drop(self, *_args: Any, **_kwargs: Any) -> _Unbuilt:
        return self


class _Subcommands(argparse._SubParsersAction):  # type: ignore[type-arg]
    """The subcommands, of which only those named in ``built`` get their arguments (None:
    every one). The others are listed by name and help all the same (``winnow --help``, an
    invalid choice's message): making their ~200 arguments was half of a command's parsing."""

    built: Collection[str] | None = None

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        if self.built is None or name in self.built:
            return super().add_parser(name, **kwargs)
        listed = {k: kwargs[k] for k in ("help", "aliases") if k in kwargs}
        super().add_parser(name, add_help=False, **listed)
        return _Unbuilt()


def _common_options(parser: argparse.ArgumentParser) -> None:
    """The options every command takes, and ``winnow`` alone too."""
    parser.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        default=argparse.SUPPRESS,
        help="database file or SQLAlchemy URL (default: $WINNOW_DB, else the user data folder)",
    )
    parser.add_argument(
        "--create",
        action="store_true",
        default=argparse.SUPPRESS,
        help="create the database's folder when it does not exist (else that is an error)",
    )


def build_parser(only: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The ``winnow`` parser: every subcommand's arguments, or only those of the commands in
    ``only`` (the rest listed by name and help)."""
    _remember_translations()
    common = argparse.ArgumentParser(add_help=False)
    _common_options(common)
    parser = _Parser(
        prog="winnow",
        description="Winnow: turn inquiries and trade-show lists into qualified leads.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"winnow {__version__}")
    sub = cast(
        _Subcommands,
        parser.add_subparsers(
            dest="command", metavar="COMMAND", parser_class=_Parser, action=_Subcommands
        ),
    )
    sub.built = only
    for group in command_groups():
        group.register(sub, common)
    return parser


# What a terminal would act on instead of showing: C0 and C1 controls (ESC starts colour and
# cursor sequences, BEL rings), DEL, and the bidirectional controls that reorder what follows
# (U+202E shows "exe.txt" for "txt.exe"), plus line and paragraph separators.
_TERMINAL_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
REPLACEMENT = "\ufffd"


def terminal_text(text: str, keep: str = "") -> str:
    """``text`` with every control character a terminal would act on replaced by U+FFFD
    (except those in ``keep``, e.g. the line breaks of the output's own layout)."""

    def replace(match: re.Match[str]) -> str:
        return match.group() if match.group() in keep else REPLACEMENT

    return _TERMINAL_CONTROLS.sub(replace, text)


class TerminalWriter:
    """A text stream that passes everything written through :func:`terminal_text`: every
    ``print`` of a command goes through it, so stored names never reach the terminal raw."""

    def __init__(self, stream: Any, keep: str = "\n\t") -> None:
        self.unsanitized = stream
        self._keep = keep

    def write(self, text: str) -> int:
        return int(self.unsanitized.write(terminal_text(text, self._keep)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.unsanitized, name)


def print_json(value: Any) -> None:
    """JSON on stdout, exact: the data as stored (JSON readers get every character)."""
    out = getattr(sys.stdout, "unsanitized", sys.stdout)
    json.dump(value, out, ensure_ascii=False, indent=2, default=str)
    out.write("\n")


INT64_MAX = 2**63 - 1


def int_arg(text: str) -> int:
    """An integer option or argument (ids, counts) that fits in the database's integers."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not -INT64_MAX <= value <= INT64_MAX:
        raise argparse.ArgumentTypeError(f"{text} is out of range (at most {INT64_MAX})")
    return value


def jsonable(obj: Any) -> Any:
    """Dataclasses and datetimes as JSON-ready values (times in ISO 8601)."""
    from dataclasses import asdict
    from datetime import datetime

    from app.timeutil import iso

    if hasattr(obj, "__dataclass_fields__"):
        return {k: jsonable(v) for k, v in asdict(obj).items()}
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, datetime):
        return iso(obj)
    return obj


def main(argv: Sequence[str] | None = None) -> int:
    """The ``winnow`` command: ``argv`` (default: the process's own arguments); the exit code."""
    stdout, stderr = sys.stdout, sys.stderr
    sys.stdout = TerminalWriter(stdout)  # type: ignore[assignment]
    sys.stderr = TerminalWriter(stderr, keep="\n\t\r")  # type: ignore[assignment]
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = stdout, stderr
        if argv is None:  # the process's own command line, which ends when this returns
            _before_exit()


def _before_exit() -> None:
    """Python's last act is a full garbage collection over every object still alive — the
    hundreds of thousands that importing SQLAlchemy and the models made — which finds nothing
    to free and took a fifth of ``winnow stats --json``'s CPU time. The young objects (where
    a command's garbage is) are collected now; the rest are frozen out of that last walk."""
    gc.collect(1)
    gc.freeze()


def writes(args: argparse.Namespace) -> bool:
    """Whether the command may write to the database."""
    if args.command in READ_ONLY_COMMANDS:
        return False
    if args.command in LISTING_COMMANDS:
        return getattr(args, "action", None) not in READ_ONLY_ACTIONS
    return True


def _main(argv: Sequence[str] | None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = _parse(args_list)
    except CliUsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    db_arg = getattr(args, "db", None)
    try:
        check_db_folder(db_arg, create=getattr(args, "create", False))
    except UsageError as exc:
        print(f"winnow: {exc}", file=sys.stderr)
        return 2
    if args.command is None:
        # Qt, SQLAlchemy and the models: no collection walks them, then or later (left in the
        # youngest generation, the first collections after the imports walked all of them
        # twice, ~0.1 s of CPU before the window was usable)
        with _no_collections(freeze=argv is None):
            # a file that needs nothing done: the window shows its first screen read with the
            # driver alone, and the database layer comes once it is usable (issue 15)
            from db.plain_open import plain_start

            plain = plain_start(db_arg)
            if plain is None:
                # the database layer before Qt: imported after it, each of its ~200 modules
                # would pass through PySide6's import hook (ui/__init__.py; ~6 % of the
                # imports' CPU)
                from app import store  # noqa: F401
            from ui.application import run_gui  # the one upward step: GUI imported lazily

        return run_gui(db_arg, plain)
    file_handler = getattr(args, "file_handler", None)
    if file_handler is not None:  # works on the file itself (backup, restore): not opened
        return _run(args, lambda: file_handler(args, db_arg))
    plain_handler = getattr(args, "plain_handler", None)
    if plain_handler is not None:  # a read the driver alone can answer (db.plain_open)
        code = _run_plain(args, plain_handler, db_arg)
        if code is not None:
            return code
    with _no_collections(freeze=argv is None):  # the database layer's classes and functions
        from app.store import open_store
        from db.engine import resolve_url, sqlite_path

    path = sqlite_path(resolve_url(db_arg))
    checked = path is not None and writes(args)
    if checked:  # a command that only reads needs no integrity check (nor its module)
        from app import integrity
    try:
        if checked:
            integrity.check_before_writing(path)  # type: ignore[arg-type]
        db = open_store(db_arg, on_step=_say_on_stderr)
    except DatabaseError as exc:
        print(f"winnow: {exc}", file=sys.stderr)
        return 1
    try:
        handler: Handler = args.handler
        code = _run(args, lambda: handler(args, db))
    finally:
        db.close()
    if checked and code == 0:
        integrity.remember_good(path)  # type: ignore[arg-type]
    return code


def _run_plain(args: argparse.Namespace, handler: PlainHandler, db_arg: str | None) -> int | None:
    """A command's read on a SQLite file at the head revision that needs nothing done
    (:func:`db.plain_open.plain_start`) — or, for a command that sets ``plain_postgresql``, a
    PostgreSQL database at the head revision (:func:`db.plain_pg.plain_pg_start`) — without
    SQLAlchemy: its exit code, or None when the usual opening is to run it (another kind of
    file, an upgrade, a server that did not answer, or the handler declined)."""
    from db.plain_open import plain_start

    start: PlainStart | PlainPgStart | None = plain_start(db_arg)
    if start is None and getattr(args, "plain_postgresql", False):
        from db.plain_pg import plain_pg_start

        start = plain_pg_start(db_arg)
    if start is None:
        _psycopg_whole()
        return None
    found = start
    declined = []

    def command() -> int:
        code = handler(args, found)
        if code is None:
            declined.append(True)
        return code or 0

    try:
        code = _run(args, command)
    finally:
        close = getattr(found, "close", None)  # PostgreSQL: the checking connection, if left
        if close is not None:
            close()
    if declined:
        _psycopg_whole()
        return None
    return code


def _psycopg_whole() -> None:
    """Before the usual opening: psycopg whole again where a plain read imported its libpq
    layer alone (``db.plain_pg``)."""
    if "db.plain_pg" in sys.modules:
        from db.plain_pg import complete_psycopg

        complete_psycopg()


def _say_on_stderr(step: str) -> None:
    """What a long opening does (an upgrade's backup and migrations), on stderr: the output
    of the command itself stays as it is."""
    print(f"winnow: {step}", file=sys.stderr, flush=True)


def _parse(args: list[str]) -> argparse.Namespace:
    """``args`` parsed with only the named command's arguments made; whenever that parse
    fails or finds another command, again with every command's (the messages are theirs).
    Without a command (the window's start) no command's module is imported at all."""
    named = _command_word(args)
    if named is None:
        try:
            return _bare_parser().parse_args(args)
        except CliUsageError:
            pass  # help, the version, a mistake: the full parser's answer and message
    try:
        parsed = build_parser(only=() if named is None else (named,)).parse_args(args)
        if parsed.command == named:
            return parsed
    except CliUsageError:
        pass
    return build_parser().parse_args(args)


def _bare_parser() -> argparse.ArgumentParser:
    """``winnow`` without a command: the common options only. Anything else (``--help``,
    ``--version``, an unknown option) is an error here, answered by the full parser; what
    parses gives the full parser's namespace (``command`` None)."""
    parser = _Parser(prog="winnow", add_help=False, allow_abbrev=True)
    _common_options(parser)
    parser.set_defaults(command=None)
    return parser


def _command_word(args: Sequence[str]) -> str | None:
    """The first word of ``args`` that is neither an option nor ``--db``'s value: the
    command, as far as can be told before parsing (:func:`_parse` checks)."""
    words = iter(args)
    for word in words:
        if not word.startswith("-"):
            return word
        if word == "--":
            return next(words, None)
        if "=" not in word and len(word) > 2 and "--db".startswith(word):
            next(words, None)  # --db's value (or its prefix's, as argparse takes it)
    return None


@contextmanager
def _no_collections(*, freeze: bool = False) -> Iterator[None]:
    """No garbage collection while the modules load: importing SQLAlchemy and the models makes
    objects that all live on, and the collector walked them again and again for nothing (a
    sixth of the import's CPU time). Collections resume after, as they were.

    ``freeze``: what is alive then (those objects) is also frozen out of every later walk. Left
    in the youngest generation, the command's first collections walked all of them again, and
    the oldest one once more (~0.05 s of ``winnow stats --json``'s CPU). For the process's own
    command line only: a test or script that calls :func:`main` keeps its collector as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def check_db_folder(db_arg: str | None, *, create: bool) -> None:
    """A database named by ``--db`` or ``$WINNOW_DB`` in a folder that does not exist is a
    usage error (a typo must not quietly make a new, empty database), unless ``--create``
    says to make the folder. The default database's folder (the user data folder) is made
    as needed."""
    value = db_arg or os.environ.get("WINNOW_DB", "")
    if not value:
        return  # the default file
    if "://" in value:
        if not value.startswith("sqlite"):
            return  # a database server's
        from db.plain_open import sqlite_file

        try:  # read as SQLAlchemy reads it, without it: the plain starts stay plain
            file = sqlite_file(value)
        except ValueError:  # an address SQLAlchemy refuses: its own error
            from db.engine import sqlite_path

            file = sqlite_path(value)
        if file is None:
            return  # in memory
        folder = file.parent
    else:
        folder = Path(os.path.abspath(os.path.expanduser(value))).parent
    if folder.is_dir():
        return
    if folder.exists():
        raise UsageError(f"cannot put the database in {folder}: it is not a folder")
    if not create:
        where = "--db" if db_arg else "WINNOW_DB"
        raise UsageError(
            f"the folder {folder} does not exist ({where} {value}); "
            "check the path, or add --create to make it"
        )
    try:
        folder.mkdir(parents=True)
    except OSError as exc:
        raise UsageError(f"cannot create the folder {folder}: {exc.strerror or exc}") from None


def _run(args: argparse.Namespace, command: Callable[[], int]) -> int:
    try:
        return command()
    except NotFound as exc:  # well formed, but this database has no such thing: exit 1
        print(f"winnow {args.command}: {exc}", file=sys.stderr)
        return 1
    except UsageError as exc:
        print(f"winnow {args.command}: {exc}", file=sys.stderr)
        return 2
    except (WinnowError, DatabaseError) as exc:
        print(f"winnow {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("winnow: interrupted", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # the reader went away (``winnow list | head``): stop quietly, as other tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    raise SystemExit(main())

"""``winnow`` command line: a stable contract for users' scripts, tests and benchmarks.

Exit codes: 0 success; 1 a runtime error (one clear line on stderr); 2 a usage error.
With no subcommand, ``winnow`` opens the window.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from app import __version__
from app.errors import UsageError, WinnowError
from app.store import open_store
from db.engine import Database, DatabaseError

Handler = Callable[[argparse.Namespace, Database], int]

# Feature modules that add subcommands: each has ``register(subparsers, common)``.
COMMAND_MODULES: list[str] = [
    "app.commands.core",
    "app.commands.golook",
    "app.commands.importing",
    "app.commands.qualify",
    "app.commands.undo",
]


class CliUsageError(Exception):
    """Raised instead of argparse's exit so the message format stays ours."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise CliUsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--db",
        metavar="PATH_OR_URL",
        default=argparse.SUPPRESS,
        help="database file or SQLAlchemy URL (default: $WINNOW_DB, else the user data folder)",
    )
    parser = _Parser(
        prog="winnow",
        description="Winnow: turn inquiries and trade-show lists into qualified leads.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"winnow {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, common)
    return parser


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def jsonable(obj: Any) -> Any:
    """Dataclasses and datetimes as JSON-ready values (times in ISO 8601)."""
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
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except CliUsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    db_arg = getattr(args, "db", None)
    if args.command is None:
        from ui.application import run_gui  # the one upward step: GUI imported lazily

        return run_gui(db_arg)
    try:
        db = open_store(db_arg)
    except DatabaseError as exc:
        print(f"winnow: {exc}", file=sys.stderr)
        return 1
    try:
        handler: Handler = args.handler
        return handler(args, db)
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
    finally:
        db.close()


if __name__ == "__main__":
    raise SystemExit(main())

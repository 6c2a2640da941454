"""Team mode subcommands (issue 14): copy-to."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from app.cli import print_json

if TYPE_CHECKING:  # the handlers import what they use: ``winnow --help`` stays light
    from db.engine import Database


def _cmd_copy_to(args: argparse.Namespace, db: Database) -> int:
    from app.copy_to import copy_to

    report = copy_to(db, args.url)
    if args.json:
        print_json({"target": report.target, "rows": report.rows})
        return 0
    print(f"Copied {db.display_name} into {report.target}; rows on both sides:")
    for table, n in report.rows.items():
        print(f"  {table:<16} {n:>9,}")
    return 0


def register(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "copy-to",
        parents=[common],
        help="copy this database into a new, empty one (e.g. the team's PostgreSQL database)",
    )
    p.add_argument("url", metavar="URL", help="the target: a SQLAlchemy URL or a file")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_copy_to)

"""``winnow backup [DIR]``, ``winnow backups [--json]``, ``winnow restore BACKUP``.

These work on the database file itself, without opening it for use (a file that Winnow must
upgrade, or that is damaged, is backed up or replaced as it is).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli import print_json
from app.errors import WinnowError
from app.timeutil import iso, local_text

if TYPE_CHECKING:  # the handlers import what they use: ``winnow --help`` stays light
    from app import backups


def database_file(db_arg: str | None) -> Path:
    from db.engine import resolve_url, sqlite_path

    path = sqlite_path(resolve_url(db_arg))
    if path is None:
        raise WinnowError(
            "backups are for Winnow's SQLite files; back up a database server with its own tools"
        )
    return path


def backup_json(info: backups.BackupInfo) -> dict[str, Any]:
    return {
        "path": str(info.path),
        "created_at": iso(info.created_at),
        "size": info.size,
        "contacts": info.contacts,
    }


def _cmd_backup(args: argparse.Namespace, db_arg: str | None) -> int:
    from app import backups

    info = backups.make_backup(database_file(db_arg), args.dir)
    print(info.path)
    return 0


def _cmd_backups(args: argparse.Namespace, db_arg: str | None) -> int:
    from app import backups

    path = database_file(db_arg)
    found = backups.list_backups(path)
    if args.json:
        print_json([backup_json(b) for b in found])
        return 0
    if not found:
        print(f"No backups of {path} yet (winnow backup makes one).")
        return 0
    print(f"{'Made':<16}  {'Size':>10}  {'Contacts':>9}  File")
    for b in found:
        contacts = f"{b.contacts:,}" if b.contacts is not None else "?"
        print(
            f"{local_text(b.created_at):<16}  {backups.size_text(b.size):>10}  {contacts:>9}  {b.path}"
        )
    return 0


def _cmd_restore(args: argparse.Namespace, db_arg: str | None) -> int:
    from app import backups

    path = database_file(db_arg)
    source = Path(args.backup).expanduser().absolute()
    saved = backups.restore_backup(path, source)
    contacts = backups.count_contacts(path)
    print(f"Restored {path} from {source} ({contacts or 0:,} contacts).")
    if saved is not None:
        print(f"The database as it was before is kept as {saved.path}.")
    return 0


def register(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "backup", parents=[common], help="copy the database into DIR (default: backups beside it)"
    )
    p.add_argument("dir", nargs="?", metavar="DIR")
    p.set_defaults(file_handler=_cmd_backup)

    p = sub.add_parser("backups", parents=[common], help="list the backups, newest last")
    p.add_argument("--json", action="store_true")
    p.set_defaults(file_handler=_cmd_backups)

    p = sub.add_parser(
        "restore", parents=[common], help="replace the database with a backup (saved first)"
    )
    p.add_argument("backup", metavar="BACKUP")
    p.set_defaults(file_handler=_cmd_restore)

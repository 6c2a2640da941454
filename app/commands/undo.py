"""``winnow history``, ``winnow undo`` and ``winnow redo``: the undo log the window uses too."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from app.cli import int_arg, print_json
from app.timeutil import iso, local_text

if TYPE_CHECKING:  # the handlers import what they use: ``winnow --help`` stays light
    from app.operations import LogEntry
    from db.engine import Database


def entry_json(e: LogEntry) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": iso(e.at),
        "kind": e.kind,
        "what": e.label,
        "contacts": e.contacts,
        "state": e.state,
        "undone_at": iso(e.undone_at),
        "actor": e.actor,
    }


def _cmd_history(args: argparse.Namespace, db: Database) -> int:
    from app import operations

    entries = operations.history(db, include_undone=args.all)
    if args.json:
        print_json([entry_json(e) for e in entries])
        return 0
    if not entries:
        print("Nothing to undo.")
        return 0
    for e in entries:
        state = "" if e.state == "done" else f"  ({e.state})"
        who = f"{e.contacts:,} contact{'s' if e.contacts != 1 else ''}"
        by = (e.actor or "")[:16]
        print(f"{e.id:>6}  {local_text(e.at):<16}  {who:>16}  {by:<16}  {e.label}{state}")
    return 0


def _reverse(args: argparse.Namespace, db: Database, *, undo: bool) -> int:
    from app import operations
    from app.operations import UndoConflict

    fn = operations.undo_operation if undo else operations.redo_operation
    try:
        result = fn(db, args.op_id, force=args.force)
    except UndoConflict as exc:
        if args.json:
            print_json({"error": str(exc), "conflicting_contacts": list(exc.contacts)})
        raise
    report = result.value
    verb = "Undid" if undo else "Redid"
    if args.json:
        print_json(
            {
                "id": report.operation_id,
                "what": report.label,
                "contacts": list(report.contacts),
                "left_alone": list(report.left_alone),
                "detail": report.detail,
            }
        )
        return 0
    line = f"{verb} {report.label} (operation {report.operation_id})"
    if report.detail:
        line += f": {report.detail}"
    print(line)
    if report.left_alone:
        n = len(report.left_alone)
        print(
            f"{n:,} contact{'s' if n != 1 else ''} changed since {'were' if n != 1 else 'was'} left as {'they are' if n != 1 else 'it is'}."
        )
    return 0


def _cmd_undo(args: argparse.Namespace, db: Database) -> int:
    return _reverse(args, db, undo=True)


def _cmd_redo(args: argparse.Namespace, db: Database) -> int:
    return _reverse(args, db, undo=False)


def register(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("history", parents=[common], help="list the operations you can undo")
    p.add_argument("--json", action="store_true")
    p.add_argument("--all", action="store_true", help="also list undone operations")
    p.set_defaults(handler=_cmd_history)
    for name, handler, what in (
        ("undo", _cmd_undo, "undo the newest operation (or OP_ID)"),
        ("redo", _cmd_redo, "redo the most recently undone operation (or OP_ID)"),
    ):
        p = sub.add_parser(name, parents=[common], help=what)
        p.add_argument("op_id", type=int_arg, nargs="?", metavar="OP_ID")
        p.add_argument(
            "--force",
            action="store_true",
            help="when contacts were changed since: do the rest and leave those as they are",
        )
        p.add_argument("--json", action="store_true")
        p.set_defaults(handler=handler)

"""Lead-work subcommands (issue 12): activity edit/delete, deal, duplicates, merge, tasks,
task add/done."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.cli import int_arg, print_json
from app.commands import choices
from app.errors import UsageError
from app.timeutil import iso, local_text, parse_iso

if TYPE_CHECKING:  # the handlers import what they use: ``winnow --help`` stays light
    from db.engine import Database


def _time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_iso(value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


# --- activities ----------------------------------------------------------------------------


def _cmd_activity(args: argparse.Namespace, db: Database) -> int:
    from app import activities as acts
    from app import operations

    before = acts.get_activity(db, args.activity_id)  # unknown id: usage error
    if args.action == "delete":
        operations.delete_activity(db, args.activity_id)
        if args.json:
            print_json({"id": before.id, "contact_id": before.contact_id, "deleted": True})
        else:
            print(f"Removed activity {before.id} ({before.type}) of contact {before.contact_id}")
        return 0
    note: dict[str, str | None] = {}
    if args.note is not None:
        note["note"] = args.note
    if args.type is None and args.at is None and not note:
        raise UsageError("nothing to change: give --type, --at or --note")
    if args.type is not None:
        acts.check_type(args.type)
    info = operations.edit_activity(
        db, args.activity_id, activity_type=args.type, at=_time(args.at), **note
    ).value
    if args.json:
        print_json(
            {
                "id": info.id,
                "contact_id": info.contact_id,
                "type": info.type,
                "at": iso(info.at),
                "note": info.note,
            }
        )
    else:
        print(f"Activity {info.id} of contact {info.contact_id}: {info.type} at {iso(info.at)}")
    return 0


# --- deals ---------------------------------------------------------------------------------


def _cmd_deal(args: argparse.Namespace, db: Database) -> int:
    from app import deals, operations

    amount = deals.parse_amount(args.amount)
    close = None
    if args.close is not None and args.close.strip().lower() not in ("", "none"):
        close = _time(args.close)
    deal = operations.set_deal(db, args.id, amount, close).value
    if args.json:
        print_json(
            {
                "id": deal.contact_id,
                "deal_amount": deal.amount,
                "expected_close_at": iso(deal.expected_close_at),
            }
        )
    elif deal.amount is None:
        print(f"Cleared the deal value of contact {deal.contact_id}")
    else:
        when = f", expected to close {local_text(close, False)}" if close else ""
        print(f"Contact {deal.contact_id}: deal of {deal.amount:,.2f}{when}")
    return 0


# --- duplicates and merge -------------------------------------------------------------------


def _cmd_duplicates(args: argparse.Namespace, db: Database) -> int:
    from app.duplicates import find_duplicates

    pairs = find_duplicates(db)
    if args.json:
        print_json([p.as_json() for p in pairs])
        return 0
    from app.commands import text

    if pairs:
        columns = (
            text.Column("Score", ">"),
            text.Column("Contact", cap=36),
            text.Column("Likely the same as", cap=36),
            text.Column("Because"),
        )
        rows = (
            (
                str(p.score),
                f"#{p.ids[0]} {p.names[0]}",
                f"#{p.ids[1]} {p.names[1]}",
                "; ".join(p.reasons),
            )
            for p in pairs
        )
        for line in text.table(columns, rows):
            print(line)
    n = len(pairs)
    print(f"{n:,} likely duplicate pair{'' if n == 1 else 's'}")
    if n:
        print("Merge one with: winnow merge KEEP_ID OTHER_ID")
    return 0


def _cmd_merge(args: argparse.Namespace, db: Database) -> int:
    from app import operations

    choose: dict[str, int] = {}
    for item in args.take or []:
        name, sep, value = item.partition("=")
        try:
            choose[name.strip()] = int(value)
        except ValueError:
            raise UsageError(f"--take takes FIELD=ID, got {item!r}") from None
        if not sep:
            raise UsageError(f"--take takes FIELD=ID, got {item!r}")
    result = operations.merge_contacts(db, args.keep, args.others, choose).value
    if args.json:
        print_json(
            {
                "kept": result.kept,
                "merged": list(result.merged),
                "fields_taken": result.fields_taken,
                "emails_added": list(result.emails_added),
                "activities_moved": result.activities_moved,
            }
        )
        return 0
    merged = ", ".join(f"#{i}" for i in result.merged)
    print(f"Merged {merged} into #{result.kept} ({result.activities_moved} activities moved)")
    return 0


# --- tasks ---------------------------------------------------------------------------------


def _cmd_tasks(args: argparse.Namespace, db: Database) -> int:
    from app import todo

    tasks = todo.list_tasks(db, args.due)
    if args.json:
        print_json([t.as_json() for t in tasks])
        return 0
    from app.commands import text

    if tasks:
        columns = (
            text.Column("ID", ">"),
            text.Column("Due"),
            text.Column("Kind"),
            text.Column("Task", cap=40),
            text.Column("Contact", cap=36),
            text.Column("Done"),
        )
        rows = (
            (
                str(t.id),
                text.when(t.due_at),
                t.kind_label,
                t.title,
                f"#{t.contact_id} {t.contact_name}",
                "✓" if t.done else "",
            )
            for t in tasks
        )
        for line in text.table(columns, rows):
            print(line)
    n = len(tasks)
    print(f"{n:,} task{'' if n == 1 else 's'}")
    return 0


def _cmd_task(args: argparse.Namespace, db: Database) -> int:
    from app import followup, operations, todo

    if args.action == "add":
        due = followup.parse_next_action(args.due)
        if due is None:
            raise UsageError("a task needs a due date: ISO 8601, today, tomorrow, next-week…")
        kind = todo.check_kind(args.kind)
        info = operations.add_task(db, args.id, args.title, due, kind=kind).value
    else:
        info = operations.complete_task(db, args.task_id, not args.reopen).value
    if args.json:
        print_json(info.as_json())
    elif args.action == "add":
        print(f"Task {info.id} for contact {info.contact_id}: {info.title}, due {iso(info.due_at)}")
    else:
        print(f"Task {info.id} {'done' if info.done else 'open again'}: {info.title}")
    return 0


def register(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("tasks", parents=[common], help="list tasks by due date")
    p.add_argument("--due", choices=choices.DUE_FILTERS, default="all")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_tasks)

    p = sub.add_parser("task", parents=[common], help="add a task or mark one done")
    tsub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p), required=True)
    a = tsub.add_parser("add", parents=[common], help="add a task to a contact")
    a.add_argument("id", type=int_arg, metavar="ID")
    a.add_argument("title", metavar="TITLE")
    a.add_argument(
        "--due", required=True, metavar="WHEN", help="ISO 8601, today, tomorrow, next-week…"
    )
    a.add_argument("--kind", default="todo", choices=choices.TASK_KINDS)
    d = tsub.add_parser("done", parents=[common], help="mark a task done")
    d.add_argument("task_id", type=int_arg, metavar="TASK_ID")
    d.add_argument("--reopen", action="store_true", help="open it again instead")
    for x in (a, d):
        x.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_task)

    p = sub.add_parser("duplicates", parents=[common], help="likely duplicate contacts")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_duplicates)

    p = sub.add_parser("merge", parents=[common], help="merge contacts into one (undoable)")
    p.add_argument("keep", type=int_arg, metavar="KEEP_ID")
    p.add_argument("others", type=int_arg, nargs="+", metavar="OTHER_ID")
    p.add_argument(
        "--take",
        action="append",
        metavar="FIELD=ID",
        help="take this field from that contact (e.g. email=12); by default the kept "
        "contact's values, empty ones filled from the others",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_merge)

    p = sub.add_parser("activity", parents=[common], help="correct or remove a logged activity")
    asub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p), required=True)
    e = asub.add_parser("edit", parents=[common], help="change an activity's type, time or note")
    e.add_argument("activity_id", type=int_arg, metavar="ACTIVITY_ID")
    e.add_argument("--type", metavar="TYPE", help=", ".join(choices.ACTIVITY_TYPES))
    e.add_argument("--at", metavar="ISO8601")
    e.add_argument("--note", metavar="TEXT", help="the new note ('' clears it)")
    d = asub.add_parser("delete", parents=[common], help="remove an activity")
    d.add_argument("activity_id", type=int_arg, metavar="ACTIVITY_ID")
    for x in (e, d):
        x.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_activity)

    p = sub.add_parser("deal", parents=[common], help="an opportunity's amount and close date")
    p.add_argument("id", type=int_arg, metavar="ID")
    p.add_argument("amount", metavar="AMOUNT|none")
    p.add_argument("--close", metavar="DATE", help="expected close date (ISO 8601, or none)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_deal)

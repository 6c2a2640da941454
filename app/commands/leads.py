"""Lead-work subcommands (issue 12): activity edit/delete, deal, duplicates, merge, tasks,
task add/done."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from app import activities as acts
from app import operations
from app.cli import int_arg, print_json
from app.errors import UsageError
from app.timeutil import iso, local_text, parse_iso
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
    from app import deals

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


def register(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("activity", parents=[common], help="correct or remove a logged activity")
    asub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p), required=True)
    e = asub.add_parser("edit", parents=[common], help="change an activity's type, time or note")
    e.add_argument("activity_id", type=int_arg, metavar="ACTIVITY_ID")
    e.add_argument("--type", metavar="TYPE", help=", ".join(acts.ACTIVITY_TYPES))
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

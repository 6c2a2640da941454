"""Qualification subcommands: qualify (BANT), consent, criteria, sources, next-action, rescore;
and the qualification keys of ``winnow show --json`` and ``winnow stats --json``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from app.cli import int_arg, print_json
from app.commands import choices
from app.errors import UsageError
from app.timeutil import iso, local_text

if TYPE_CHECKING:  # the handlers import what they use: ``winnow --help`` stays light
    from db.engine import Database

_BANT_OPTIONS = ("budget", "authority", "need", "timeframe")


def _pairs(values: list[str] | None, what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"{what} takes KEY=VALUE, got {item!r}")
        out[key.strip().lower()] = value
    return out


def _cmd_qualify(args: argparse.Namespace, db: Database) -> int:
    from app import operations, qualification, scoring

    answers = {k: getattr(args, k) for k in _BANT_OPTIONS if getattr(args, k) is not None}
    answers.update(_pairs(args.set, "--set"))
    notes: dict[str, str | None] = dict(_pairs(args.note, "--note"))
    edit = operations.set_bant(db, args.id, answers, notes).value
    status = qualification.get_bant(db, args.id)
    explanation = scoring.score_explanation(db, args.id)
    if args.json:
        print_json(
            {
                "id": args.id,
                "changed": sorted(edit.changes),
                "bant": status.answers(),
                "qualified": status.qualified,
                "score": explanation.score,
                "sales_ready": explanation.sales_ready,
            }
        )
        return 0
    for item in status.items:
        mark = {"yes": "✓", "no": "✗"}.get(item.answer, "?")
        req = "" if item.required else " (optional)"
        note = f" — {item.note}" if item.note else ""
        print(f"  {mark} {item.name}{req}: {item.answer}{note}")
    if status.qualified:
        print(f"Contact {args.id} is qualified.")
    else:
        print(f"Contact {args.id} is not qualified yet: {', '.join(status.missing)} missing.")
    ready = " — sales-ready" if explanation.sales_ready else ""
    print(f"Score {explanation.score}{ready}")
    return 0


def _cmd_consent(args: argparse.Namespace, db: Database) -> int:
    from app import consent, operations

    edits = operations.set_consent(db, [args.id], args.state, how=args.how).value
    state = consent.get_consent(db, args.id)
    if args.json:
        print_json(
            {
                "id": args.id,
                "consent": state.state,
                "consent_at": iso(state.at),
                "consent_how": state.how,
                "changed": bool(edits),
            }
        )
        return 0
    how = f" ({state.how})" if state.how else ""
    when = f" on {local_text(state.at)}" if state.at else ""
    print(f"Consent of contact {args.id}: {state.state}{when}{how}")
    return 0


def _cmd_next_action(args: argparse.Namespace, db: Database) -> int:
    from app import followup, operations

    when = followup.parse_next_action(args.when)
    operations.set_next_action(db, [args.id], when)
    if when is None:
        print(f"Cleared the next action of contact {args.id}")
    else:
        print(f"Next action for contact {args.id}: {local_text(when, with_time=False)}")
    return 0


def _cmd_sources(args: argparse.Namespace, db: Database) -> int:
    from sqlalchemy import func, select

    from app import operations
    from db.models import Contact, Source

    if args.action == "set-reached":
        operations.set_source_reached(db, args.source, args.reached)
        print(f"{args.source.strip()}: {args.reached:,} prospects reached")
        return 0
    with db.session() as s:
        counts: dict[str, int] = {
            str(src): int(n)
            for src, n in s.execute(
                select(Contact.source, func.count())
                .where(Contact.source.is_not(None))
                .group_by(Contact.source)
            )
        }
        reached = {str(n): r for n, r in s.execute(select(Source.name, Source.reached))}
    names = sorted(set(counts) | set(reached), key=lambda n: (-counts.get(n, 0), n))
    if getattr(args, "json", False):
        print_json(
            [{"source": n, "contacts": counts.get(n, 0), "reached": reached.get(n)} for n in names]
        )
        return 0
    from app.commands import text

    columns = (text.Column("Source"), text.Column("Contacts", ">"), text.Column("Reached", ">"))
    rows = ((n, text.count(counts.get(n, 0)), text.count(reached.get(n))) for n in names)
    for line in text.table(columns, rows) if names else ["No sources yet."]:
        print(line)
    return 0


def _cmd_criteria(args: argparse.Namespace, db: Database) -> int:
    from app import operations, qualification

    if args.action == "add":
        operations.add_criterion(db, args.name, key=args.key, required=not args.optional)
    elif args.action == "rename":
        operations.rename_criterion(db, args.key, args.name)
    elif args.action == "require":
        operations.set_required(db, args.key, args.required == "yes")
    elif args.action == "remove":
        operations.remove_criterion(db, args.key)
    crits = qualification.list_criteria(db)
    if getattr(args, "json", False):
        print_json([{"key": c.key, "name": c.name, "required": c.required} for c in crits])
        return 0
    from app.commands import text

    columns = (text.Column("Criterion"), text.Column("Key"), text.Column("Required"))
    rows = ((c.name, c.key, "required" if c.required else "optional") for c in crits)
    for line in text.table(columns, rows):
        print(line)
    return 0


def _cmd_rescore(args: argparse.Namespace, db: Database) -> int:
    from app import scoring

    result = scoring.recompute_all(db, follow_ups=True)  # a repair: the follow-up times too
    print(
        f"Rescored {result.contacts:,} contacts"
        + (f"; moved {len(result.moved):,} to Sales qualified" if result.moved else "")
    )
    return 0


def register(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    answer = ("yes", "no", "unknown")
    p = sub.add_parser("qualify", parents=[common], help="answer BANT criteria for a contact")
    p.add_argument("id", type=int_arg, metavar="ID")
    for key in _BANT_OPTIONS:
        p.add_argument(f"--{key}", choices=answer, type=str.lower)
    p.add_argument(
        "--set",
        action="append",
        metavar="KEY=yes|no|unknown",
        help="answer any criterion by its key (custom criteria too)",
    )
    p.add_argument("--note", action="append", metavar="CRITERION=TEXT")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_qualify)

    p = sub.add_parser("consent", parents=[common], help="record consent to marketing")
    p.add_argument("id", type=int_arg, metavar="ID")
    p.add_argument("state", choices=choices.CONSENT_STATES, type=str.lower)
    p.add_argument("--how", metavar="TEXT", help="how it was given or withdrawn")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_consent)

    p = sub.add_parser("next-action", parents=[common], help="set a contact's next-action date")
    p.add_argument("id", type=int_arg, metavar="ID")
    p.add_argument("when", metavar="DATE|tomorrow|next-week|next-month|none")
    p.set_defaults(handler=_cmd_next_action)

    p = sub.add_parser("sources", parents=[common], help="sources and campaigns")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_sources, action=None)
    ssub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    r = ssub.add_parser(
        "set-reached",
        parents=[common],
        help="record how many prospects an outbound campaign reached",
    )
    r.add_argument("source", metavar="SOURCE")
    r.add_argument("reached", type=int_arg, metavar="N")
    ls = ssub.add_parser("list", parents=[common], help="sources with counts")
    ls.add_argument("--json", action="store_true")

    p = sub.add_parser("criteria", parents=[common], help="list or change the BANT criteria")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_criteria, action=None)
    csub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    a = csub.add_parser("add", parents=[common], help="add a criterion")
    a.add_argument("name", metavar="NAME")
    a.add_argument("--key", metavar="KEY")
    a.add_argument("--optional", action="store_true", help="not required to qualify")
    n = csub.add_parser("rename", parents=[common], help="rename a criterion")
    n.add_argument("key", metavar="KEY")
    n.add_argument("name", metavar="NAME")
    q = csub.add_parser("require", parents=[common], help="mark a criterion required or not")
    q.add_argument("key", metavar="KEY")
    q.add_argument("required", choices=("yes", "no"))
    d = csub.add_parser("remove", parents=[common], help="remove a criterion and its answers")
    d.add_argument("key", metavar="KEY")
    for x in (a, n, q, d):
        x.add_argument("--json", action="store_true")

    p = sub.add_parser(
        "rescore", parents=[common], help="recompute every score and response due time"
    )
    p.set_defaults(handler=_cmd_rescore)

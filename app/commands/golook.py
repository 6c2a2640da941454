"""``winnow check`` (go look, go see) and ``winnow personas``."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from app.cli import int_arg, print_json
from app.errors import UnknownContact, UsageError

if TYPE_CHECKING:  # the handlers import what they use: ``winnow --help`` stays light
    from db.engine import Database


def _progress(what: str) -> Any:
    def report(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{what} {done:,} of {total:,}", end="", file=sys.stderr, flush=True)
            if done == total:
                print(file=sys.stderr)

    return report


def _cmd_check(args: argparse.Namespace, db: Database) -> int:
    from app import contacts
    from app.golook.checks import check_contacts
    from app.golook.dns_check import load_dns_config
    from app.golook.evidence import golook_for_contacts

    ids: list[int] | None = list(dict.fromkeys(args.ids))
    if args.all:
        if ids:
            raise UsageError("give contact ids or --all, not both")
        ids = None
    elif not ids:
        raise UsageError("give contact ids to check, or --all")
    else:
        missing = contacts.contact_exists(db, ids)
        if missing:
            raise UnknownContact(missing[0])
    config = load_dns_config(db, nameserver=args.nameserver, offline=True if args.offline else None)
    result = check_contacts(
        db, ids, config, refresh=args.refresh, progress=_progress("Checking domain")
    )
    found = golook_for_contacts(db, result.contact_ids, result.domains.answers)
    if args.json:
        print_json([g.to_json() for g in found])
    else:
        from app.commands import text

        columns = (text.Column("ID", ">"), text.Column("E-mail", cap=40), text.Column("Verdict"))
        rows = ((str(g.id), g.email or "(no e-mail)", g.verdict) for g in found)
        for line in text.table(columns, rows) if found else []:
            print(line)
        b = result.domains
        print(
            f"{len(found):,} contacts; {b.queried:,} domains asked, {b.from_cache:,} from the "
            f"cache, {b.failed:,} without an answer"
            + (" (offline: nothing was asked)" if config.offline else "")
            + ("; the DNS server did not answer, so the rest were not asked" if b.gave_up else ""),
            file=sys.stderr,
        )
    return 0


def _cmd_personas(args: argparse.Namespace, db: Database) -> int:
    from app import operations
    from app.golook.derived import refresh_golook_columns
    from app.golook.persona_store import (
        ensure_default_personas,
        export_personas,
        import_personas,
        list_personas,
    )
    from app.golook.personas import criteria_summary

    if args.action == "import":
        result = operations.change_personas(
            db, "import of personas", import_personas, args.file
        ).value
        refresh_golook_columns(db, None, progress=_progress("Updating persona fit for contact"))
        print(
            f"Imported personas from {args.file}: {len(result.added)} added, "
            f"{len(result.updated)} updated"
        )
        return 0
    ensure_default_personas(db)
    if args.action == "export":
        n = export_personas(db, args.file)
        print(f"Exported {n} persona(s) to {args.file}")
        return 0
    personas = list_personas(db)
    if args.json:
        print_json(
            [
                {
                    "id": p.id,
                    "name": p.name,
                    "position": p.position,
                    "criteria": p.criteria.to_json(),
                }
                for p in personas
            ]
        )
        return 0
    for p in personas:
        print(p.name)
        for line in criteria_summary(p.criteria) or ["(no criteria)"]:
            print(f"    {line}")
    if not personas:
        print("No personas. Import some with: winnow personas import FILE.json")
    return 0


def register(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "check",
        parents=[common],
        help="go look: check contacts' addresses, domains and mail hosts, and persona fit",
    )
    p.add_argument("ids", nargs="*", type=int_arg, metavar="ID")
    p.add_argument("--all", action="store_true", help="check every contact")
    p.add_argument(
        "--refresh",
        action="store_true",
        help="ask DNS again even when a cached answer is still fresh",
    )
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--nameserver",
        metavar="HOST[:PORT]",
        help="DNS server to ask (default: $WINNOW_NAMESERVER, the setting, or the system's)",
    )
    p.add_argument(
        "--offline", action="store_true", help="send no DNS queries; use cached answers only"
    )
    p.set_defaults(handler=_cmd_check)

    p = sub.add_parser("personas", parents=[common], help="list, import or export personas")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_personas, action=None)
    psub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    i = psub.add_parser("import", parents=[common], help="add or replace personas from JSON")
    i.add_argument("file", metavar="FILE.json")
    e = psub.add_parser("export", parents=[common], help="write all personas to JSON")
    e.add_argument("file", metavar="FILE.json")

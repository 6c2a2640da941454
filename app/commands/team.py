"""Team mode subcommands (issue 14): copy-to, team init, assign, edit."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from app.cli import int_arg, print_json
from app.errors import UsageError

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


def _cmd_team_init(args: argparse.Namespace, _db_arg: str | None) -> int:
    from app import team_setup

    team = team_setup.plan(
        args.url,
        group=args.group,
        readers=None if args.no_read_only_role else args.read_only_role,
        people=args.person or (),
        reader_people=args.reader or (),
    )
    if not args.apply:
        print(team.script(), end="")
        return 0
    team_setup.apply(team)
    print(f"Created the team database {team.database} (owned by {team.group}).")
    for person in team.people:
        print(f"  {person}: set a password (psql: \\password {person}); Winnow address:")
        print(f"    {team.member_url(person)}")
    for person in team.reader_people:
        print(f"  {person} (read-only): {team.member_url(person)}")
    return 0


def _ids(raw: list[str]) -> list[int]:
    try:
        return [int_arg(x) for x in raw]
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"contact ids are whole numbers: {exc}") from None


def _cmd_assign(args: argparse.Namespace, db: Database) -> int:
    from app import operations
    from app.identity import resolve_person

    owner = resolve_person(db, args.owner)
    result = operations.assign_owner(db, _ids(args.ids), owner).value
    if args.json:
        print_json(
            {
                "owner": result.owner,
                "assigned": list(result.assigned),
                "unchanged": list(result.unchanged),
            }
        )
        return 0
    n = len(result.assigned)
    who = "1 contact" if n == 1 else f"{n:,} contacts"
    line = f"Assigned {who} to {result.owner}" if result.owner else f"Released {who} (no owner)"
    if result.unchanged:
        line += f"; {len(result.unchanged):,} already {'theirs' if result.owner else 'unowned'}"
    print(line)
    return 0


def _field_values(pairs: list[str]) -> dict[str, str | None]:
    from app.fields import EDITABLE_FIELDS

    values: dict[str, str | None] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise UsageError(f"expected FIELD=VALUE, got {pair!r}")
        if name not in EDITABLE_FIELDS:
            raise UsageError(
                f"{name!r} is not an editable field; use one of {', '.join(EDITABLE_FIELDS)}"
            )
        values[name] = value if value.strip() else None  # FIELD= clears it
    return values


def _cmd_edit(args: argparse.Namespace, db: Database) -> int:
    from app import contacts, operations
    from app.fields import clean_fields

    values = clean_fields(_field_values(args.values))
    edit = operations.edit_contact(db, args.id, values, expect_version=args.expect_version).value
    version = contacts.get_contact(db, args.id).version
    if args.json:
        print_json(
            {
                "id": args.id,
                "version": version,
                "changed": {k: [old, new] for k, (old, new) in edit.changes.items()},
            }
        )
        return 0
    if not edit.changes:
        print(f"Nothing to change on contact {args.id} (version {version})")
        return 0
    from app.fields import FIELD_LABELS

    changed = ", ".join(FIELD_LABELS.get(k, k) for k in edit.changes)
    print(f"Changed {changed} of contact {args.id} (now version {version})")
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

    p = sub.add_parser("team", parents=[common], help="set up a team's PostgreSQL database")
    tsub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    p.set_defaults(file_handler=_team_usage)
    i = tsub.add_parser(
        "init",
        parents=[common],
        help="print (or with --apply run) the SQL that creates the database and its roles",
    )
    i.add_argument(
        "url",
        metavar="URL",
        help="the team database as a superuser reaches it, e.g. "
        "postgresql+psycopg://postgres@crm.example.lan/winnow",
    )
    i.add_argument("--apply", action="store_true", help="run it now (as the URL's user)")
    i.add_argument("--person", action="append", metavar="NAME", help="a login role for NAME")
    i.add_argument(
        "--reader", action="append", metavar="NAME", help="a read-only login role for NAME"
    )
    i.add_argument("--group", default="winnow_users", metavar="ROLE", help="the team's group role")
    i.add_argument(
        "--read-only-role", default="winnow_readers", metavar="ROLE", help="the read-only role"
    )
    i.add_argument("--no-read-only-role", action="store_true", help="no read-only role")
    i.set_defaults(file_handler=_cmd_team_init)

    p = sub.add_parser(
        "assign", parents=[common], help="make someone the owner of contacts (undoable)"
    )
    p.add_argument("owner", metavar="OWNER", help="a name, me (you), or - / none (nobody)")
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_assign)

    p = sub.add_parser("edit", parents=[common], help="change a contact's fields")
    p.add_argument("id", type=int_arg, metavar="ID")
    p.add_argument("values", nargs="+", metavar="FIELD=VALUE", help="FIELD= clears the field")
    p.add_argument(
        "--expect-version",
        type=int_arg,
        metavar="N",
        help="refuse (exit 1, naming who changed what) unless the contact is at version N",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_edit)


def _team_usage(_args: argparse.Namespace, _db_arg: str | None) -> int:
    raise UsageError("usage: winnow team init URL [--apply] [--person NAME …]")

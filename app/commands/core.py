"""Core subcommands: demo, list, show, move, log, stages, stats, screenshot."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli import int_arg, jsonable, print_json
from app.commands import choices
from app.errors import UnknownContact, UsageError
from app.timeutil import iso, parse_iso

if TYPE_CHECKING:  # the handlers import what they use: ``winnow --help`` stays light
    from app import contacts
    from db.engine import Database
    from db.plain_open import PlainStart
    from db.plain_pg import PlainPgStart

ShowExtension = Callable[["Database", int], dict[str, Any]]
StatsExtension = Callable[["Database", argparse.Namespace], dict[str, Any]]


def _show_golook(db: Database, contact_id: int) -> dict[str, Any]:
    from app.golook.evidence import show_golook

    return show_golook(db, contact_id)  # "golook": the cached evidence


def _show_qualification(db: Database, contact_id: int) -> dict[str, Any]:
    from app.contact_view import show_qualification

    return show_qualification(db, contact_id)  # BANT, score, consent, follow-up


def _stats_metrics(db: Database, args: argparse.Namespace) -> dict[str, Any]:
    from app.metrics import stats_extension

    return stats_extension(db, args)


# ``show --json`` and ``stats --json`` beyond the core keys: every part, listed here (the
# modules are imported when used), so the keys are the same however the process started
def _show_leads(db: Database, contact_id: int) -> dict[str, Any]:
    from app import deals, todo

    deal = deals.get_deal(db, contact_id)
    return {  # tasks (open and done, by due time) and the deal value
        "tasks": [t.as_json() for t in todo.list_tasks(db, contact_id=contact_id)],
        "deal_amount": deal.amount,
        "expected_close_at": iso(deal.expected_close_at),
    }


def _show_points(db: Database, contact_id: int) -> dict[str, Any]:
    from app.points import show_points

    return show_points(db, contact_id)  # every e-mail, phone and address, with kinds


SHOW_EXTENSIONS: tuple[ShowExtension, ...] = (
    _show_golook,
    _show_qualification,
    _show_leads,
    _show_points,
)
STATS_EXTENSIONS: tuple[StatsExtension, ...] = (_stats_metrics,)


def _at(value: str | None) -> Any:
    if value is None:
        return None
    try:
        return parse_iso(value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def row_json(row: contacts.ContactRow, owner: str | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "email": row.email,
        "company": row.company,
        "title": row.title,
        "stage": row.stage_key,
        "source": row.source,
        "score": row.score,
        "created_at": iso(row.created_at),
        "domain_class": row.domain_class,
        "sales_ready": row.sales_ready,
        "next_action_at": iso(row.next_action_at),
        "owner": owner,
        "version": row.version,
    }


def contact_json(db: Database, contact_id: int) -> dict[str, Any]:
    """Everything ``winnow show --json`` prints for one contact."""
    from app import activities as acts
    from app import contacts, moves

    detail = contacts.get_contact(db, contact_id)
    data = jsonable(detail)
    data["stage"] = data.pop("stage_key")
    data["response_due"] = data.get("response_due_at")
    data["history"] = [
        {
            "from": h.from_key,
            "to": h.to_key,
            "at": iso(h.at),
            "reason": h.reason,
            "automatic": h.automatic,
            "undone": h.undone_at is not None,
            "actor": h.changed_by,
        }
        for h in moves.history(db, contact_id)
    ]
    data["activities"] = [
        {"id": a.id, "type": a.type, "at": iso(a.at), "note": a.note, "actor": a.created_by}
        for a in acts.list_activities(db, contact_id)
    ]
    for extend in SHOW_EXTENSIONS:
        data.update(extend(db, contact_id))
    return data


def _cmd_demo(args: argparse.Namespace, db: Database) -> int:
    from app.demo import generate_demo

    if args.contacts < 0:
        raise UsageError("--contacts must be 0 or more")

    def progress(done: int, total: int) -> None:
        if not args.quiet and sys.stderr.isatty():
            print(f"\r{done:,} of {total:,} contacts", end="", file=sys.stderr, flush=True)

    n = generate_demo(db, args.contacts, seed=args.seed, progress=progress)
    if not args.quiet and sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"Added {n:,} demo contacts to {db.display_name}")
    return 0


def _query(args: argparse.Namespace, db: Database) -> contacts.ContactQuery:
    from app import contacts, stages

    stage_keys: tuple[str, ...] = ()
    if getattr(args, "stage", None):
        stages.get_stage(db, args.stage)  # raises UnknownStage (exit 2) with the valid keys
        stage_keys = (args.stage,)
    batch = getattr(args, "batch", None)
    if batch is not None:
        from app.importing.batches import get_batch

        get_batch(db, batch)  # raises NotFound (exit 1): no such import batch
    return contacts.ContactQuery(
        stage_keys=stage_keys,
        source=getattr(args, "source", None),
        search=getattr(args, "search", None),
        sort=getattr(args, "sort", "created"),
        descending=not getattr(args, "ascending", False),
        owner=_owner(args, db),
        batch_id=batch,
    )


def _owner(args: argparse.Namespace, db: Database) -> str | None:
    """``--owner me|NAME`` (``-`` or ``none``: contacts nobody owns, as ``""``)."""
    given = getattr(args, "owner", None)
    if given is None:
        return None
    from app.identity import resolve_person

    return resolve_person(db, given) or ""


def _cmd_list(args: argparse.Namespace, db: Database) -> int:
    from app import contacts, stages
    from app.commands import text

    rows = contacts.list_rows(db, _query(args, db), limit=args.limit)
    if args.json:
        from app.owners import owners_of

        owners = owners_of(db, [r.id for r in rows])
        print_json([row_json(r, owners.get(r.id)) for r in rows])
        return 0
    names = {s.key: s.name for s in stages.list_stages(db)}
    columns = (
        text.Column("ID", ">"),
        text.Column("Name", cap=30),
        text.Column("Company", cap=28),
        text.Column("E-mail", cap=36),
        text.Column("Stage"),
        text.Column("Score", ">"),
        text.Column("Created"),
    )
    cells = [
        (
            str(r.id),
            r.name,
            r.company,
            r.email,
            names.get(r.stage_key, r.stage_key),
            ("★ " if r.sales_ready else "") + str(r.score or 0),
            text.when(r.created_at, with_time=False),
        )
        for r in rows
    ]
    for line in text.table(columns, cells) if cells else []:
        print(line)
    print(f"{len(rows):,} contact{'' if len(rows) == 1 else 's'}")
    return 0


def _cmd_show(args: argparse.Namespace, db: Database) -> int:
    data = contact_json(db, args.id)
    if args.json:
        print_json(data)
        return 0
    from app.commands.report import show_lines, show_names

    for line in show_lines(data, show_names(db)):
        print(line)
    return 0


def _cmd_move(args: argparse.Namespace, db: Database) -> int:
    from app import contacts, operations, stages

    if len(args.items) < 2:
        raise UsageError("usage: winnow move ID [ID ...] STAGE_KEY")
    *raw_ids, key = args.items
    try:
        ids = [int_arg(x) for x in raw_ids]
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"contact ids are whole numbers: {exc}") from None
    stage = stages.get_stage(db, key)
    missing = contacts.contact_exists(db, ids)
    if missing:
        raise UnknownContact(missing[0])
    result = operations.move_contacts(
        db, ids, key, reason=args.why, at=_at(args.at), gated=True, override=args.override
    ).value
    if args.json:
        print_json({"stage": key, "moved": list(result.moved), "unchanged": list(result.unchanged)})
    else:
        n = len(result.moved)
        line = f"Moved {n:,} contact{'' if n == 1 else 's'} to {stage.name}"
        if result.unchanged:
            line += f"; {len(result.unchanged):,} already there"
        print(line)
    return 0


def _cmd_log(args: argparse.Namespace, db: Database) -> int:
    from app import activities as acts
    from app import operations
    from app.commands import text

    acts.check_type(args.type)
    act = operations.log_activity(db, args.id, args.type, at=_at(args.at), note=args.note).value
    label = acts.ACTIVITY_TYPES.get(act.type, act.type)
    print(f"Logged {label.lower()} for contact {act.contact_id} at {text.when(act.at)}")
    return 0


def _cmd_stages(args: argparse.Namespace, db: Database) -> int:
    from app import operations, stages
    from app.commands import text

    if args.action == "rename":
        st = operations.rename_stage(db, args.key, args.name).value
        print(f"Renamed stage {st.key} to {st.name}")
        return 0
    if args.action == "add":
        st = operations.add_stage(db, args.key, args.name, after=args.after, kind=args.kind).value
        print(f"Added stage {st.name} (key {st.key})")
        return 0
    if args.action == "recolor":
        st = operations.recolor_stage(db, args.key, args.color).value
        print(f"{st.name} is now {st.color}")
        return 0
    if args.action == "reorder":
        operations.reorder_stages(db, args.keys)
    counts = stages.stage_counts(db)
    listing = stages.list_stages(db)
    if getattr(args, "json", False):
        print_json(
            [
                {
                    "key": s.key,
                    "name": s.name,
                    "color": s.color,
                    "position": s.position,
                    "kind": s.kind,
                    "count": counts.get(s.key, 0),
                }
                for s in listing
            ]
        )
        return 0
    columns = (
        text.Column("Stage"),
        text.Column("Key"),
        text.Column("Kind"),
        text.Column("Colour"),
        text.Column("Contacts", ">"),
    )
    rows = ((s.name, s.key, s.kind, s.color, text.count(counts.get(s.key, 0))) for s in listing)
    for line in text.table(columns, rows):
        print(line)
    return 0


def _cmd_stats(args: argparse.Namespace, db: Database) -> int:
    from app import stages

    counts = stages.stage_counts(db)
    data: dict[str, Any] = {"total": sum(counts.values()), "stages": counts}
    for extend in STATS_EXTENSIONS:
        data.update(extend(db, args))
    if args.json:
        print_json(data)
        return 0
    from app.commands.report import stats_lines

    names = {s.key: s.name for s in stages.list_stages(db)}
    for line in stats_lines(data, names):
        print(line)
    return 0


def _plain_stats(args: argparse.Namespace, start: PlainStart | PlainPgStart) -> int | None:
    """``winnow stats`` on a SQLite file or a PostgreSQL database at the head revision, read
    with the driver alone (``app.metrics.plain_stats``): the same output without importing
    SQLAlchemy and the models. None: the usual opening answers instead (the derived rows need
    bringing up to date and the driver does not: many edits behind, the write lock held —,
    an import is being written, the database would not read plainly)."""
    from app.metrics import plain_stats, stats_options
    from db.plain_open import PlainStart

    since, until, source, cohort = stats_options(args)  # a usage error before the reads
    if (_stats_metrics,) != STATS_EXTENSIONS:  # keys added by another part: its own path
        return None
    if isinstance(start, PlainStart):
        import sqlite3

        errors: tuple[type[Exception], ...] = (sqlite3.Error,)
    else:  # (psycopg's errors module: there where only its libpq layer is imported too)
        from psycopg.errors import Error as PgError

        errors = (PgError,)
    try:
        con = start.connect()
    except errors:
        return None
    try:
        found = plain_stats(con, since, until, source, cohort=cohort)
    except errors:
        return None
    finally:
        con.close()
    if found is None:
        return None
    data, names = found
    if args.json:
        print_json(data)
        return 0
    from app.commands.report import stats_lines

    for line in stats_lines(data, names):
        print(line)
    return 0


def _cmd_screenshot(args: argparse.Namespace, db: Database) -> int:
    import os

    if args.scale != 1.0:  # before the GUI (and its QApplication) exists
        os.environ["QT_SCALE_FACTOR"] = f"{args.scale:g}"
    from ui.screenshot import render_screenshots  # GUI imported lazily

    written = render_screenshots(
        db, Path(args.dir), size=args.size, scale=args.scale, dark=args.dark
    )
    for path in written:
        print(path)
    return 0


def _size_arg(text: str) -> tuple[int, int]:
    """WxH in screen pixels, e.g. 1440x900."""
    width, sep, height = text.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 1440x900, not {text!r}")
    size = (int(width), int(height))
    if not (320 <= size[0] <= 10000 and 240 <= size[1] <= 10000):
        raise argparse.ArgumentTypeError(f"{text}: width 320–10000, height 240–10000 pixels")
    return size


def _scale_arg(text: str) -> float:
    try:
        scale = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 2, not {text!r}") from None
    if not 0.5 <= scale <= 4:
        raise argparse.ArgumentTypeError(f"{text}: the scale goes from 0.5 to 4")
    return scale


def register(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("demo", parents=[common], help="fill the database with demo contacts")
    p.add_argument("--contacts", type=int_arg, default=2000, metavar="N")
    p.add_argument("--seed", type=int_arg, default=1, metavar="S")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(handler=_cmd_demo)

    p = sub.add_parser("list", parents=[common], help="list contacts")
    p.add_argument("--stage", metavar="KEY")
    p.add_argument("--source", metavar="TEXT")
    p.add_argument("--search", metavar="TEXT")
    p.add_argument("--sort", default="created", choices=choices.SORT_COLUMNS)
    p.add_argument("--ascending", action="store_true")
    p.add_argument("--limit", type=int_arg, metavar="N")
    p.add_argument(
        "--owner", metavar="NAME", help="only the contacts NAME works (me: yours; none: nobody's)"
    )
    p.add_argument(
        "--batch",
        type=int_arg,
        metavar="ID",
        help="only the contacts import batch ID created (the batches: winnow imports)",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_list)

    p = sub.add_parser("show", parents=[common], help="show one contact with its history")
    p.add_argument("id", type=int_arg, metavar="ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_show)

    p = sub.add_parser("move", parents=[common], help="move contacts to a stage")
    p.add_argument("items", nargs="+", metavar="ID [ID ...] STAGE_KEY")
    p.add_argument("--why", metavar="TEXT")
    p.add_argument("--at", metavar="ISO8601")
    p.add_argument(
        "--override",
        metavar="REASON",
        help="move into Sales qualified (or later) without the qualification, or into "
        "Marketing qualified (or later) with consent withdrawn; the reason is kept",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_move)

    p = sub.add_parser("log", parents=[common], help="log an activity")
    p.add_argument("id", type=int_arg, metavar="ID")
    p.add_argument("type", metavar="TYPE", help=", ".join(choices.ACTIVITY_TYPES))
    p.add_argument("--at", metavar="ISO8601")
    p.add_argument("--note", metavar="TEXT")
    p.set_defaults(handler=_cmd_log)

    p = sub.add_parser("stages", parents=[common], help="list or change lifecycle stages")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_stages, action=None)
    ssub = p.add_subparsers(dest="action", metavar="ACTION", parser_class=type(p))
    r = ssub.add_parser("rename", parents=[common], help="rename a stage")
    r.add_argument("key", metavar="KEY")
    r.add_argument("name", metavar="NAME")
    a = ssub.add_parser("add", parents=[common], help="add a stage")
    a.add_argument("key", metavar="KEY")
    a.add_argument("name", metavar="NAME")
    a.add_argument("--after", metavar="KEY")
    a.add_argument("--kind", default="pipeline", choices=choices.STAGE_KINDS)
    c = ssub.add_parser("recolor", parents=[common], help="change a stage's colour")
    c.add_argument("key", metavar="KEY")
    c.add_argument("color", metavar="#RRGGBB")
    o = ssub.add_parser("reorder", parents=[common], help="put stages in a new order")
    o.add_argument("keys", nargs="+", metavar="KEY")
    for q in (r, a, c, o):
        q.add_argument("--json", action="store_true")

    p = sub.add_parser("stats", parents=[common], help="counts and metrics")
    p.add_argument("--json", action="store_true")
    p.add_argument("--since", metavar="DATE")
    p.add_argument("--until", metavar="DATE")
    p.add_argument("--source", metavar="TEXT")
    p.add_argument(
        "--cohort",
        action="store_true",
        help="qualification rate by inquiry month (the period's inquiries that are qualified) "
        "instead of the qualified leads during the period",
    )
    p.set_defaults(handler=_cmd_stats, plain_handler=_plain_stats, plain_postgresql=True)

    p = sub.add_parser(
        "screenshot", parents=[common], help="render every view and dialog to DIR/NAME.png"
    )
    p.add_argument("dir", metavar="DIR")
    p.add_argument(
        "--size",
        type=_size_arg,
        default=(1440, 900),
        metavar="WxH",
        help="the window's size in screen pixels (default 1440x900)",
    )
    p.add_argument(
        "--scale",
        type=_scale_arg,
        default=1.0,
        metavar="F",
        help="display scale factor, e.g. 2 for a 200%% display (default 1)",
    )
    p.add_argument(
        "--dark", action="store_true", help="render in the dark palette (default: the desktop's)"
    )
    p.set_defaults(handler=_cmd_screenshot)

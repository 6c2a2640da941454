"""Import and export subcommands: import, imports, undo-import, export."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli import int_arg, jsonable, print_json
from app.errors import NotFound, UsageError
from app.timeutil import iso

if TYPE_CHECKING:  # the handlers import what they use: ``winnow --help`` stays light
    from db.engine import Database

LIST_LIMIT = 50


def _delimiter_text(delimiter: str | None) -> str:
    return {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(
        delimiter or "", repr(delimiter) if delimiter else ""
    )


def _stderr_progress(done: int, total: int, text: str = "") -> None:
    if sys.stderr.isatty():
        print(f"\r{done:,} of {total:,} rows", end="", file=sys.stderr, flush=True)


def _print_issues(title: str, issues: list[Any]) -> None:
    if not issues:
        return
    print(f"{title}:")
    for issue in issues[:LIST_LIMIT]:
        print(f"  row {issue.row}: {issue.reason}")
    if len(issues) > LIST_LIMIT:
        print(f"  … and {len(issues) - LIST_LIMIT:,} more (use --json to see all)")


def _cmd_import(args: argparse.Namespace, db: Database) -> int:
    from app import stages
    from app.identity import resolve_person
    from app.importing.service import import_file

    path = Path(args.file)
    if not path.exists():
        raise NotFound(f"file not found: {path}")
    if args.stage:
        stages.get_stage(db, args.stage)
    # a read-only role: refused before the file is read (app.access); a dry run too, which
    # makes the import's writes in a transaction it rolls back
    from app.access import check_may_write

    check_may_write(db)
    report = import_file(
        db,
        path,
        source=args.source,
        stage=args.stage or "suspect",
        on_duplicate=args.on_duplicate,
        mapping=args.mapping,
        sheet=args.sheet,
        encoding=args.encoding,
        delimiter=args.delimiter,
        dry_run=args.dry_run,
        owner=resolve_person(db, args.owner),
        progress=_stderr_progress if sys.stderr.isatty() and not args.json else None,
    )
    if sys.stderr.isatty() and not args.json:
        print(file=sys.stderr)
    if args.json:
        print_json(jsonable(report.to_json()))
        return 0
    details = ", ".join(
        x
        for x in (report.format.upper(), report.encoding or "", _delimiter_text(report.delimiter))
        if x
    )
    print(f"Read {report.read:,} rows from {path.name} ({details}).")
    if args.dry_run:
        print("Columns:")
        for header, target in report.mapping.items():
            print(f"  {header} → {target or 'kept as extra field'}")
    verb = "Would import" if args.dry_run else "Imported"
    print(
        f"{verb} {report.imported:,}, updated {report.updated:,}, skipped {report.skipped:,}, "
        f"rejected {len(report.rejected):,}."
    )
    _print_issues("Rejected rows", report.rejected)
    _print_issues("Warnings", report.warnings)
    _print_issues("Likely duplicates (imported; check them)", report.likely_duplicates)
    if args.dry_run:
        print("Dry run: nothing was written.")
    else:
        print(f"Import batch {report.batch_id}; undo it with: winnow undo-import {report.batch_id}")
    return 0


def _cmd_imports(args: argparse.Namespace, db: Database) -> int:
    from app.importing.batches import list_batches

    batches = list_batches(db)
    if args.json:
        print_json(
            [
                {**jsonable(b), "created_at": iso(b.created_at), "undone_at": iso(b.undone_at)}
                for b in batches
            ]
        )
        return 0
    if not batches:
        print("No imports yet.")
        return 0
    from app.commands import text

    columns = (
        text.Column("Batch", ">"),
        text.Column("When"),
        text.Column("Source"),
        text.Column("File"),
        text.Column("Read", ">"),
        text.Column("New", ">"),
        text.Column("Updated", ">"),
        text.Column("Skipped", ">"),
        text.Column("Rejected", ">"),
        text.Column(""),
    )
    rows = (
        (
            str(b.id),
            text.when(b.created_at),
            b.source,
            b.file_name,
            f"{b.read:,}",
            f"{b.imported:,}",
            f"{b.updated:,}",
            f"{b.skipped:,}",
            f"{b.rejected:,}",
            "(undone)" if b.undone else "",
        )
        for b in batches
    )
    for line in text.table(columns, rows):
        print(line)
    return 0


def _cmd_undo_import(args: argparse.Namespace, db: Database) -> int:
    from app.importing.batches import undo_import

    result = undo_import(db, args.batch_id, including_later_work=args.including_later_work)
    if args.json:
        print_json(jsonable(result))
        return 0
    print(f"Undid import batch {result.batch_id}: {result.summary}.")
    if result.kept_with_later_work:
        n = len(result.kept_with_later_work)
        print(
            f"{n:,} contact{'s' if n != 1 else ''} with later work "
            f"{'were' if n != 1 else 'was'} kept (ids "
            + ", ".join(str(i) for i in result.kept_with_later_work[:20])
            + (", …" if n > 20 else "")
            + "); use --including-later-work to remove them too."
        )
    if result.kept:
        print(f"{len(result.kept):,} contacts changed since the import kept their newer values.")
    return 0


def _cmd_export(args: argparse.Namespace, db: Database) -> int:
    from app import contacts, stages
    from app.exporting import export_contacts, export_format, export_sales_handoff

    export_format(args.file)  # unknown extension: usage error before any work
    stage_keys: tuple[str, ...] = ()
    if args.stage:
        stages.get_stage(db, args.stage)
        stage_keys = (args.stage,)
    query = contacts.ContactQuery(
        stage_keys=stage_keys, search=args.search, sort="name", descending=False
    )
    if args.handoff:
        if args.marketing:
            raise UsageError("--handoff and --marketing cannot be combined")
        result = export_sales_handoff(db, args.file, query)
    else:
        result = export_contacts(db, args.file, query, marketing=args.marketing)
    if args.json:
        print_json(jsonable(result))
        return 0
    noun = "contact" if result.written == 1 else "contacts"
    line = f"Exported {result.written:,} {noun} to {result.path}"
    if args.marketing:
        line += f"; {result.left_out:,} left out without marketing consent"
    if args.handoff and result.note:
        line += f"; {result.note}"
    print(line)
    return 0


def register(sub: argparse._SubParsersAction[Any], common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "import", parents=[common], help="import contacts from a CSV, TSV, Excel or vCard file"
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--source", metavar="TEXT", help='source label, e.g. "Trade show: Hannover Messe 2026"'
    )
    p.add_argument("--stage", metavar="KEY", help="stage of new contacts (default: suspect)")
    p.add_argument(
        "--on-duplicate",
        default="skip",
        choices=["skip", "fill", "overwrite"],
        help="contacts whose e-mail is already known: skip (default), fill empty "
        "fields, or overwrite",
    )
    p.add_argument("--mapping", metavar="FILE.json", help="a saved column mapping")
    p.add_argument("--sheet", metavar="NAME", help="the sheet of an Excel workbook")
    p.add_argument("--encoding", metavar="NAME", help="text encoding (default: detected)")
    p.add_argument("--delimiter", metavar="CHAR", help="CSV delimiter (default: detected)")
    p.add_argument("--dry-run", action="store_true", help="check and count, write nothing")
    p.add_argument(
        "--owner", metavar="NAME", help="who works the new contacts (a name, or me: you)"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_import)

    p = sub.add_parser("imports", parents=[common], help="list import batches")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_imports)

    p = sub.add_parser("undo-import", parents=[common], help="undo an import batch")
    p.add_argument("batch_id", type=int_arg, metavar="BATCH_ID")
    p.add_argument(
        "--including-later-work",
        action="store_true",
        help="also remove the contacts someone worked on since the import",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_undo_import)

    p = sub.add_parser("export", parents=[common], help="export contacts to .csv or .vcf")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--stage", metavar="KEY")
    p.add_argument("--search", metavar="TEXT")
    p.add_argument(
        "--marketing", action="store_true", help="only contacts who granted marketing consent"
    )
    p.add_argument(
        "--handoff",
        action="store_true",
        help="the hand-off list for sales: Sales qualified contacts with BANT answers",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_export)

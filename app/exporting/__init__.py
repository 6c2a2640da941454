"""Exports: the current list as CSV (Excel-friendly, safe from formula injection) or vCard 3.0,
and the hand-off list for sales (Sales qualified contacts with their BANT answers and notes).

Exports stream (:mod:`app.exporting.records`): a page of contacts at a time is read and written,
so memory stays flat whatever the number of contacts and however long a note is. Files are
written to a temporary name beside the target and renamed at the end, so a cancelled, failed or
interrupted (Ctrl+C) export leaves no half-written file. ``progress(done, total, text)`` is
called after every page; ``cancel`` (an Event, a flag or a callable) is looked at before every
page.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select

from app import contacts
from app.cancelling import is_cancelled
from app.errors import UsageError, WinnowError
from app.exporting import records
from app.exporting.records import (
    ExportRecord,
    LongText,
    bant_answers,
    bant_criteria,
    iter_records,
)
from app.exporting.writers import (
    CSV_HEADERS,
    LocalTimes,
    list_headers,
    safe_cells,
    vcard,
    write_csv_page,
    write_csv_row,
    write_vcard,
)
from app.points import most_points
from app.timeutil import local_text
from db.engine import Database

FORMATS = {".csv": "csv", ".vcf": "vcf", ".vcard": "vcf"}
SALES_STAGE = "sql"

Progress = Callable[..., None]


class ExportCancelled(WinnowError):
    """The user cancelled; no file was written."""


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: the file, its format, how many contacts, how many were left out."""

    path: str
    format: str
    written: int
    left_out: int = 0
    note: str = ""  # what was left out or marked, and why (the hand-off says so)


def export_format(path: str | os.PathLike[str]) -> str:
    """``csv`` or ``vcf`` from the file name; a UsageError for anything else."""
    suffix = Path(path).suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        raise UsageError(
            f"cannot export to {Path(path).name!r}: use a file name ending in .csv or .vcf"
        )
    return fmt


@contextmanager
def _atomic_text(path: Path, encoding: str) -> Iterator[IO[str]]:
    """A text file written under a temporary name, moved into place only on success.
    ``utf-8-sig`` is written as UTF-8 after a BOM (the same bytes, without the codec's
    Python-level encoder on every write)."""
    if path.is_dir():
        raise UsageError(f"{path} is a folder; give a file name to export to")
    if not path.parent.is_dir():
        raise WinnowError(f"cannot export to {path}: the folder {path.parent} does not exist")
    tmp = path.with_name(f".{path.name}.winnow-part")
    bom = encoding == "utf-8-sig"
    try:
        fh = tmp.open("w", encoding="utf-8" if bom else encoding, newline="")
    except OSError as exc:
        raise WinnowError(f"cannot write {path}: {exc.strerror}") from exc
    ok = False
    try:
        with fh:
            if bom:
                fh.write("\ufeff")
            yield fh
        ok = True
    except OSError as exc:
        raise WinnowError(f"cannot write {path}: {exc.strerror}") from exc
    finally:
        if ok:
            os.replace(tmp, path)
        else:
            tmp.unlink(missing_ok=True)


def _progress_fn(progress: Progress | None) -> Callable[[int, int], None] | None:
    if progress is None:
        return None

    def report(done: int, total: int) -> None:
        progress(done, total, f"Exported {done:,} of {total:,} contacts")

    return report


def _write_csv(fh: IO[str], headers: list[str], rows: Iterator[list[object]], notes_at: int) -> int:
    """Write the header and every row; ``notes_at`` is the column a :class:`LongText` may be
    in (streamed into the file rather than held)."""
    writer = csv.writer(fh, lineterminator="\r\n")
    writer.writerow(headers)
    n = 0
    for cells in rows:
        if cells[notes_at].__class__ is LongText:
            write_csv_row(fh, cells)
        else:
            writer.writerow(safe_cells(cells))
        n += 1
    return n


def export_contacts(
    db: Database,
    path: str | os.PathLike[str],
    query: contacts.ContactQuery | None = None,
    *,
    marketing: bool = False,
    progress: Progress | None = None,
    cancel: Any = None,
) -> ExportResult:
    """Write the contacts ``query`` selects to ``path`` (.csv or .vcf, chosen by the name).

    With ``marketing`` only contacts whose consent is granted are written; ``left_out`` says
    how many the query selected without it.
    """
    target = Path(path)
    fmt = export_format(target)
    q = query or contacts.ContactQuery()
    left_out = 0
    if marketing:
        granted = replace(q, consent="granted")
        left_out = contacts.count(db, q) - contacts.count(db, granted)
        q = granted
    pages = records.iter_pages(
        db,
        q,
        progress=_progress_fn(progress),
        cancelled=lambda: is_cancelled(cancel),
        blanks=fmt == "csv",  # NULL texts as '': an empty cell either way
    )
    if fmt == "csv":
        with _atomic_text(target, "utf-8-sig") as fh:
            counts = most_points(db)
            local = LocalTimes()
            csv.writer(fh, lineterminator="\r\n").writerow([*CSV_HEADERS, *list_headers(counts)])
            n = 0
            for reader, rows in pages:
                n += write_csv_page(fh, reader, rows, local, counts)
            _stop_if_cancelled(cancel)
    else:
        with _atomic_text(target, "utf-8") as fh:
            n = 0
            for reader, rows in pages:
                for r in reader.records(rows):
                    if r.notes.__class__ is LongText:
                        write_vcard(fh, r)
                    else:
                        fh.write(vcard(r))
                    n += 1
            _stop_if_cancelled(cancel)
    return ExportResult(str(target), fmt, n, left_out)


def _stop_if_cancelled(cancel: object) -> None:
    if is_cancelled(cancel):
        raise ExportCancelled("Export cancelled; no file was written.")


def export_sales_handoff(
    db: Database,
    path: str | os.PathLike[str],
    query: contacts.ContactQuery | None = None,
    *,
    progress: Progress | None = None,
    cancel: Any = None,
) -> ExportResult:
    """The hand-off list for sales: the Sales qualified contacts (within ``query``'s other
    filters) that sales may see, best score first, with each BANT answer and its note, next
    action and notes. Written as CSV.

    Left out, and counted in ``left_out`` and ``note``: contacts whose consent to marketing is
    withdrawn (seed 002: no permission, no lead), and contacts that are not qualified (every
    required criterion yes, or asked for sales with none answered no — :mod:`app.gates`) unless
    they were moved in with a recorded override reason (its column says why). Contacts whose
    consent is unknown are marked in the Consent column."""
    target = Path(path)
    if export_format(target) != "csv":
        raise UsageError("the hand-off list for sales is written as CSV: use a .csv file name")
    base = query or contacts.ContactQuery()
    q = replace(base, stage_keys=(SALES_STAGE,), sort="score", descending=True)
    criteria = bant_criteria(db)
    headers = [
        "Name",
        "E-mail",
        "Phone",
        "Company",
        "Job title",
        "Website",
        "City",
        "Country",
        "Source",
        "Score",
        "Sales qualified since",
        "Next action",
    ]
    for c in criteria:
        headers += [c.name, f"{c.name}: note"]
    headers += ["All required criteria met", "Consent", "Override", "Notes"]
    withdrawn = unqualified = unknown = 0
    overrides: dict[int, str] = {}

    def keep(page: list[int]) -> list[int]:
        """The page's contacts sales may see (the selection is made a page at a time)."""
        nonlocal withdrawn, unqualified
        allowed, out_withdrawn, out_unqualified, let_in = handoff_selection(db, page)
        withdrawn += out_withdrawn
        unqualified += out_unqualified
        overrides.update(let_in)  # few: only contacts moved in with an override
        return allowed

    def rows() -> Iterator[list[object]]:
        nonlocal unknown
        pending: list[ExportRecord] = []
        for r in iter_records(
            db,
            q,
            keep=keep,
            progress=_progress_fn(progress),
            cancelled=lambda: is_cancelled(cancel),
        ):
            unknown += r.consent != "granted"
            pending.append(r)
            if len(pending) >= 500:
                yield from _handoff_rows(db, pending, criteria, overrides)
                pending = []
        yield from _handoff_rows(db, pending, criteria, overrides)

    with _atomic_text(target, "utf-8-sig") as fh:
        n = _write_csv(fh, headers, rows(), len(headers) - 1)
        _stop_if_cancelled(cancel)
    parts = []
    if withdrawn:
        parts.append(f"{withdrawn:,} left out: consent to marketing withdrawn")
    if unqualified:
        parts.append(f"{unqualified:,} left out: not qualified and no override recorded")
    if unknown:
        parts.append(f"{unknown:,} marked: consent unknown (ask before any marketing)")
    return ExportResult(str(target), "csv", n, withdrawn + unqualified, "; ".join(parts))


def handoff_selection(
    db: Database, contact_ids: list[int]
) -> tuple[list[int], int, int, dict[int, str]]:
    """(ids sales may see in the given order, how many left out for withdrawn consent, how
    many for missing qualification, {id: override reason} of those let in by an override)."""
    from app import gates
    from db.models import Contact, StageChange

    problems: dict[int, gates.GateProblem] = {}
    overrides: dict[int, str] = {}
    withdrawn_ids: set[int] = set()
    with db.session() as s:
        for i in range(0, len(contact_ids), 900):
            chunk = contact_ids[i : i + 900]
            # as if each came from before the gates: the qualification of everyone on the list
            for p in gates.problems_in(s, chunk, gates.SALES_GATE, entering=False):
                problems[p.contact_id] = p
            withdrawn_ids.update(
                s.scalars(
                    select(Contact.id).where(Contact.id.in_(chunk), Contact.consent == "withdrawn")
                )
            )
            for cid, reason in s.execute(
                select(StageChange.contact_id, StageChange.reason)
                .where(
                    StageChange.contact_id.in_(chunk),
                    StageChange.undone_at.is_(None),
                    StageChange.reason.contains(gates.OVERRIDE_PREFIX),
                )
                .order_by(StageChange.at, StageChange.id)
            ):
                overrides[int(cid)] = str(reason)
    allowed: list[int] = []
    unqualified = 0
    for cid in contact_ids:
        if cid in withdrawn_ids:
            continue
        if cid in problems and problems[cid].missing and cid not in overrides:
            unqualified += 1
            continue
        allowed.append(cid)
    kept_overrides = {cid: overrides[cid] for cid in allowed if cid in overrides}
    return allowed, len(withdrawn_ids), unqualified, kept_overrides


def _handoff_rows(
    db: Database, records: list[ExportRecord], criteria: list[Any], overrides: dict[int, str]
) -> Iterator[list[object]]:
    if not records:
        return
    answers = bant_answers(db, [r.id for r in records])
    for r in records:
        mine = answers.get(r.id, {})
        cells: list[object] = [
            r.name,
            r.email,
            r.phone,
            r.company,
            r.title,
            r.website,
            r.city,
            r.country,
            r.source,
            r.score,
            local_text(r.stage_changed_at),
            local_text(r.next_action_at),
        ]
        met = True
        for c in criteria:
            answer, note = mine.get(c.id, ("unknown", None))
            cells += [answer, note]
            if c.required and answer != "yes":
                met = False
        consent = "granted" if r.consent == "granted" else "UNKNOWN: ask before marketing"
        cells += ["yes" if met else "no", consent, overrides.get(r.id, ""), r.notes]
        yield cells

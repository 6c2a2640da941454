"""Import batches: the history of imports, their reports, and undoing one."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from app import hooks
from app.errors import NotFound, WinnowError
from app.importing.report import BatchInfo, ImportReport, LikelyDuplicate, RowIssue, UndoResult
from app.operations import Changes, OpContext, OpResult, run_operation
from app.timeutil import local_text, utcnow
from db.engine import Database
from db.models import (
    Activity,
    BantAnswer,
    Contact,
    ImportBatch,
    ImportChange,
    Operation,
    OperationRow,
    StageChange,
)

_CHUNK = 900
# the most contacts an undone import keeps for Redo (their rows in the undo log); a bigger
# batch is imported again instead
REDO_LIMIT = 20_000


def _info(b: ImportBatch) -> BatchInfo:
    return BatchInfo(
        id=b.id,
        source=b.source,
        file_name=b.file_name,
        format=b.format,
        encoding=b.encoding,
        delimiter=b.delimiter,
        stage_key=b.stage_key,
        on_duplicate=b.on_duplicate,
        created_at=b.created_at,
        read=b.read_count or 0,
        imported=b.imported_count or 0,
        updated=b.updated_count or 0,
        skipped=b.skipped_count or 0,
        rejected=b.rejected_count or 0,
        undone_at=b.undone_at,
        created_by=b.created_by,
    )


def list_batches(db: Database, limit: int | None = None) -> list[BatchInfo]:
    """Import batches, newest first."""
    stmt = select(ImportBatch).order_by(ImportBatch.created_at.desc(), ImportBatch.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    with db.session() as s:
        return [_info(b) for b in s.scalars(stmt)]


def get_batch(db: Database, batch_id: int) -> BatchInfo:
    with db.session() as s:
        b = s.get(ImportBatch, batch_id)
        if b is None:
            raise NotFound(f"no import batch with id {batch_id}")
        return _info(b)


def batch_report(db: Database, batch_id: int) -> ImportReport:
    """The stored report of a batch (rows rejected and skipped, warnings, likely duplicates)."""
    with db.session() as s:
        b = s.get(ImportBatch, batch_id)
        if b is None:
            raise NotFound(f"no import batch with id {batch_id}")
        payload: dict[str, Any] = json.loads(b.report) if b.report else {}
        mapping = json.loads(b.mapping) if b.mapping else {}
        warnings = [RowIssue(int(r), str(t)) for r, t in payload.get("warnings", [])]
        skipped = _skipped_rows(payload, warnings)
        return ImportReport(
            batch_id=b.id,
            format=b.format or "",
            encoding=b.encoding,
            delimiter=b.delimiter,
            mapping=mapping,
            read=b.read_count or 0,
            imported=b.imported_count or 0,
            updated=b.updated_count or 0,
            skipped=b.skipped_count or 0,
            rejected=[RowIssue(int(r), str(t)) for r, t in payload.get("rejected", [])],
            warnings=warnings,
            likely_duplicates=[
                LikelyDuplicate(int(r), str(t), c)
                for r, t, c in payload.get("likely_duplicates", [])
            ],
            skipped_rows=skipped,
        )


# a row the import skipped (or merged) as a repeat of an earlier row: among the warnings too
# (``winnow import --json``), and there alone in a batch stored before its report kept the
# skipped rows
_REPEAT = re.compile(
    r"^same (e-mail address )?as (row \d+|an earlier row of this file); (skipped|merged into)"
)


def _skipped_rows(payload: dict[str, Any], warnings: list[RowIssue]) -> list[RowIssue]:
    """The rows a batch skipped, with why: as its report keeps them; for an older batch the
    repeats within the file its warnings name (a known contact it skipped was not kept)."""
    if "skipped" in payload:
        return [RowIssue(int(r), str(t)) for r, t in payload["skipped"]]
    return [w for w in warnings if _REPEAT.match(w.reason)]


def _previous(raw: str | None) -> dict[str, list[Any]]:
    """{column: [old, new]} as the batch recorded it (times back to datetime values)."""
    previous: dict[str, list[Any]] = json.loads(raw) if raw else {}
    if "updated_at" in previous:
        previous["updated_at"] = [
            datetime.fromisoformat(v) if isinstance(v, str) else v for v in previous["updated_at"]
        ]
    return previous


@dataclass(frozen=True)
class UndoPreview:
    """What undoing a batch would do, said before anything is deleted."""

    batch_id: int
    created: tuple[int, ...]  # contacts the batch created that still exist
    with_later_work: tuple[int, ...]  # … of which someone worked on since
    updated: int  # existing contacts whose fields the batch changed

    @property
    def untouched(self) -> tuple[int, ...]:
        later = set(self.with_later_work)
        return tuple(c for c in self.created if c not in later)

    @property
    def warning(self) -> str:
        """'' when nothing would be lost; else what would be."""
        n = len(self.with_later_work)
        if not n:
            return ""
        return (
            f"{n:,} contact{'s' if n != 1 else ''} of this import "
            f"{'have' if n != 1 else 'has'} later activities, moves, answers or edits"
        )


def _batch_or_error(s: Session, batch_id: int, unfinished: bool = False) -> ImportBatch:
    batch = s.get(ImportBatch, batch_id)
    if batch is None or (batch.state == "running" and not unfinished):
        raise NotFound(f"no import batch with id {batch_id}")
    if batch.undone_at is not None:
        raise WinnowError(
            f"import batch {batch_id} was already undone on {local_text(batch.undone_at)}"
        )
    return batch


def _later_work(s: Session, batch: ImportBatch, ids: Sequence[int]) -> set[int]:
    """The contacts among ``ids`` (created by ``batch``) that anyone worked on since: a move,
    an activity, a BANT answer, an edit, consent or a next action — anything the undo log or
    the contact's own rows show."""
    later: set[int] = set()
    for i in range(0, len(ids), _CHUNK):
        chunk = list(ids[i : i + _CHUNK])
        later.update(
            s.scalars(
                select(StageChange.contact_id).where(
                    StageChange.contact_id.in_(chunk),
                    StageChange.from_stage_id.is_not(None),
                    StageChange.undone_at.is_(None),
                    # the import's own: an imported inquiry date made an Inquiry, dated at
                    # that date (an automatic move no later than the import)
                    ~(StageChange.automatic & (StageChange.at <= batch.created_at)),
                )
            )
        )
        later.update(s.scalars(select(Activity.contact_id).where(Activity.contact_id.in_(chunk))))
        later.update(
            s.scalars(select(BantAnswer.contact_id).where(BantAnswer.contact_id.in_(chunk)))
        )
        later.update(
            s.scalars(
                select(Contact.id).where(
                    Contact.id.in_(chunk),
                    (Contact.updated_at > batch.created_at)
                    | (Contact.consent_at.is_not(None))
                    | (Contact.triaged_at.is_not(None)),
                )
            )
        )
        later.update(
            s.scalars(
                select(OperationRow.contact_id)
                .join(Operation, Operation.id == OperationRow.operation_id)
                .where(
                    OperationRow.contact_id.in_(chunk),
                    Operation.state == "done",
                    Operation.id > (batch.operation_id or 0),
                )
            )
        )
    return later


def preview_undo_import(db: Database, batch_id: int) -> UndoPreview:
    with db.session() as s:
        return _preview(s, _batch_or_error(s, batch_id))


def _preview(s: Session, batch: ImportBatch) -> UndoPreview:
    created_rows = list(
        s.scalars(
            select(ImportChange.contact_id).where(
                ImportChange.batch_id == batch.id, ImportChange.action == "created"
            )
        )
    )
    existing: list[int] = []
    for i in range(0, len(created_rows), _CHUNK):
        existing += list(
            s.scalars(select(Contact.id).where(Contact.id.in_(created_rows[i : i + _CHUNK])))
        )
    existing.sort()
    later = _later_work(s, batch, existing)
    updated = s.scalar(
        select(func.count()).where(
            ImportChange.batch_id == batch.id, ImportChange.action == "updated"
        )
    )
    return UndoPreview(batch.id, tuple(existing), tuple(sorted(later)), int(updated or 0))


def undo_import(db: Database, batch_id: int, *, including_later_work: bool = False) -> UndoResult:
    """Undo a batch as one operation (see :func:`undo_import_in`)."""
    return undo_import_op(db, batch_id, including_later_work=including_later_work).value


def undo_import_op(
    db: Database, batch_id: int, *, including_later_work: bool = False
) -> OpResult[UndoResult]:
    """:func:`undo_import` as an operation result (what changed, what Undo does next), for
    the window's writer thread."""

    def body(ctx: OpContext) -> UndoResult:
        ctx.undoable = False  # removed contacts are gone; importing the file again is the redo
        result = undo_import_in(ctx.session, batch_id, including_later_work=including_later_work)
        ctx.note(Changes.of(deleted=result.removed, contacts=result.restored, imports=True))
        return result

    return run_operation(db, "undo-import", body, label=f"undo of import {batch_id}")


def undo_import_in(
    s: Session, batch_id: int, *, including_later_work: bool = False, unfinished: bool = False
) -> UndoResult:
    """Undo a batch in one transaction: remove the contacts it created — only those nobody
    worked on since, unless ``including_later_work`` — and restore the fields it changed (a
    field changed again since keeps its newer value). Undoing a batch twice is an error."""
    batch = _batch_or_error(s, batch_id, unfinished)
    preview = _preview(s, batch)
    doomed = list(preview.created if including_later_work else preview.untouched)
    kept_later = () if including_later_work else preview.with_later_work
    import_op = s.get(Operation, batch.operation_id) if batch.operation_id else None
    # what the undo changes, kept on the import's entry of the undo log so that Redo can put
    # it back exactly (same ids, history, activities); a batch too big for that is dropped
    redoable = (
        import_op is not None
        and import_op.state == "done"
        and len(preview.created) <= REDO_LIMIT
        and not unfinished
    )
    trackers = _track_for_redo(s, batch, preview.created) if redoable else []
    updates = s.execute(
        select(ImportChange.contact_id, ImportChange.previous).where(
            ImportChange.batch_id == batch_id, ImportChange.action == "updated"
        )
    ).all()
    removed: list[int] = []
    for i in range(0, len(doomed), _CHUNK):
        chunk = doomed[i : i + _CHUNK]
        s.execute(delete(Contact).where(Contact.id.in_(chunk)))
        removed += chunk
    if kept_later:
        # they stay, no longer part of a batch that was undone
        for i in range(0, len(kept_later), _CHUNK):
            s.execute(
                update(Contact)
                .where(Contact.id.in_(kept_later[i : i + _CHUNK]))
                .values(import_batch_id=None)
            )
    restored: list[int] = []
    kept: list[int] = []
    now = utcnow()
    for contact_id, raw in updates:
        previous = _previous(raw)
        stamp = previous.pop("updated_at", None)
        columns = [getattr(Contact, c) for c in previous]
        current = s.execute(
            select(Contact.updated_at, *columns).where(Contact.id == contact_id)
        ).first()
        if current is None:
            continue  # deleted since
        values = {
            col: old
            for (col, (old, new)), now_value in zip(previous.items(), current[1:], strict=True)
            if now_value == new
        }
        if len(values) < len(previous):
            kept.append(contact_id)
        elif stamp is not None and current[0] == stamp[1]:
            values["updated_at"] = stamp[0]  # untouched since: exactly as before
        if values:
            values.setdefault("updated_at", now)
            s.execute(update(Contact).where(Contact.id == contact_id).values(**values))
            restored.append(contact_id)
    s.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(undone_at=now))
    s.flush()
    if import_op is not None and trackers:
        _keep_for_redo(s, import_op.id, trackers)
    s.execute(
        update(Operation)
        .where(Operation.kind == "import", Operation.id == batch.operation_id)
        .values(
            state="undone" if trackers else "dropped",
            # to the microsecond, as Redo picks the most recently undone entry
            undone_at=datetime.now(UTC).replace(tzinfo=None) if trackers else now,
        )
        .execution_options(synchronize_session="fetch")
    )
    s.flush()
    for i in range(0, len(restored), _CHUNK):
        hooks.contacts_changed(s, restored[i : i + _CHUNK])
    return UndoResult(batch_id, tuple(removed), tuple(restored), tuple(kept), tuple(kept_later))


# --- redo of an undone import -----------------------------------------------------------------


def _track_for_redo(s: Session, batch: ImportBatch, created: Sequence[int]) -> list[Any]:
    """Start tracking every row the undo may change: the batch's contacts and what hangs on
    them, the contacts it updated, the batch itself."""
    from app.operations import rows as rowimg
    from app.snapshots import dependent_tables

    updated = list(
        s.scalars(
            select(ImportChange.contact_id).where(
                ImportChange.batch_id == batch.id, ImportChange.action == "updated"
            )
        )
    )
    trackers = [
        rowimg.start_tracking(
            s,
            ImportBatch.__table__,  # type: ignore[arg-type]
            ImportBatch.id == batch.id,
            None,
        )
    ]
    ids = sorted(set(created) | set(updated))
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        trackers.append(
            rowimg.start_tracking(
                s,
                Contact.__table__,  # type: ignore[arg-type]
                Contact.id.in_(chunk),
                "id",
            )
        )
    for i in range(0, len(created), _CHUNK):
        chunk = list(created[i : i + _CHUNK])
        for table, column in dependent_tables():
            trackers.append(rowimg.start_tracking(s, table, column.in_(chunk), column.name))
    return trackers


def _keep_for_redo(s: Session, operation_id: int, trackers: Sequence[Any]) -> None:
    """The undo's row images, stored on the import's entry as if the import had made them
    (before: nothing or the values it replaced; after: what it wrote): Redo then puts back
    the "after" images, as for any operation."""
    from app.operations import rows as rowimg

    records = []
    for tracker in trackers:
        for im in rowimg.differences(s, tracker):
            records.append(
                {
                    "operation_id": operation_id,
                    "table_name": im.table,
                    "row_key": rowimg.dump_key(im.key),
                    "contact_id": im.contact_id,
                    # reversed: the undo's "after" is the state before the import
                    "before": json.dumps(im.after) if im.after is not None else None,
                    "after": json.dumps(im.before) if im.before is not None else None,
                }
            )
    s.execute(delete(OperationRow).where(OperationRow.operation_id == operation_id))
    if records:
        s.execute(insert(OperationRow), records)


def redo_import_in(s: Session, op: Operation, *, force: bool = False) -> tuple[int, list[int]]:
    """Put an undone import back from the images its undo kept: returns (batch id, the
    contacts it brought back or changed again). Refused when something the undo wrote was
    changed since (an id can never be taken by another contact)."""
    from app.operations import rows as rowimg

    images = rowimg.images_of(s, op.id)
    batch_id = int(json.loads(op.payload or "{}")["batch_id"])
    if not images:
        raise WinnowError(
            f"import batch {batch_id} cannot be redone (it was too big to keep); "
            "import the file again"
        )
    clashes = rowimg.conflicts(s, images, undo=False)
    if clashes and not force:
        who = {im.contact_id for im in clashes if im.contact_id is not None}
        raise WinnowError(
            f"cannot redo import batch {batch_id}: {len(who):,} of its contacts were changed "
            "since the undo (use --force to redo the rest)"
        )
    if clashes:
        skip = {(im.table.name, im.key) for im in clashes}
        images = [im for im in images if (im.table.name, im.key) not in skip]
    rowimg.apply(s, images, undo=False)
    s.execute(delete(OperationRow).where(OperationRow.operation_id == op.id))
    s.flush()
    contacts = sorted({im.contact_id for im in images if im.contact_id is not None})
    for i in range(0, len(contacts), _CHUNK):
        hooks.contacts_changed(s, contacts[i : i + _CHUNK])
    return batch_id, contacts

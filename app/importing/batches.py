"""Import batches: the history of imports, their reports, and undoing one."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from app import hooks
from app.errors import UsageError, WinnowError
from app.importing.report import BatchInfo, ImportReport, LikelyDuplicate, RowIssue, UndoResult
from app.timeutil import local_text, utcnow
from db.engine import Database
from db.models import Contact, ImportBatch, ImportChange

_CHUNK = 900


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
            raise UsageError(f"no import batch with id {batch_id}")
        return _info(b)


def batch_report(db: Database, batch_id: int) -> ImportReport:
    """The stored report of a batch (rows rejected, warnings, likely duplicates)."""
    with db.session() as s:
        b = s.get(ImportBatch, batch_id)
        if b is None:
            raise UsageError(f"no import batch with id {batch_id}")
        payload: dict[str, Any] = json.loads(b.report) if b.report else {}
        mapping = json.loads(b.mapping) if b.mapping else {}
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
            warnings=[RowIssue(int(r), str(t)) for r, t in payload.get("warnings", [])],
            likely_duplicates=[
                LikelyDuplicate(int(r), str(t), c)
                for r, t, c in payload.get("likely_duplicates", [])
            ],
        )


def _previous(raw: str | None) -> dict[str, list[Any]]:
    """{column: [old, new]} as the batch recorded it (times back to datetime values)."""
    previous: dict[str, list[Any]] = json.loads(raw) if raw else {}
    if "updated_at" in previous:
        previous["updated_at"] = [
            datetime.fromisoformat(v) if isinstance(v, str) else v for v in previous["updated_at"]
        ]
    return previous


def undo_import(db: Database, batch_id: int) -> UndoResult:
    """Undo a batch in one transaction: remove the contacts it created and restore the fields
    it changed. A field changed again since the import keeps its newer value. Undoing a batch
    twice is an error."""
    with db.session() as s:
        batch = s.get(ImportBatch, batch_id)
        if batch is None:
            raise UsageError(f"no import batch with id {batch_id}")
        if batch.undone_at is not None:
            raise WinnowError(
                f"import batch {batch_id} was already undone on {local_text(batch.undone_at)}"
            )
        created = list(
            s.scalars(
                select(ImportChange.contact_id).where(
                    ImportChange.batch_id == batch_id, ImportChange.action == "created"
                )
            )
        )
        updates = s.execute(
            select(ImportChange.contact_id, ImportChange.previous).where(
                ImportChange.batch_id == batch_id, ImportChange.action == "updated"
            )
        ).all()
        removed: list[int] = []
        for i in range(0, len(created), _CHUNK):
            chunk = created[i : i + _CHUNK]
            removed += list(s.scalars(select(Contact.id).where(Contact.id.in_(chunk))))
            s.execute(delete(Contact).where(Contact.id.in_(chunk)))
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
        for i in range(0, len(restored), _CHUNK):
            hooks.contacts_changed(s, restored[i : i + _CHUNK])
    return UndoResult(batch_id, tuple(removed), tuple(restored), tuple(kept))

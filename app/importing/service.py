"""The import service: one file becomes one import batch, written in one transaction.

Rows are read and mapped one at a time and written in chunks with set-based SQL (Core
``INSERT`` executemany), so memory stays flat with file size. Duplicates are judged on the
normalised e-mail address against the database (indexed column) and inside the file; the
policy is ``skip``, ``fill`` (only empty fields) or ``overwrite``. Every created contact and
every changed field is recorded in ``import_changes`` so the batch can be undone.
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.errors import UnknownStage, UsageError, WinnowError
from app.exporting import is_cancelled
from app.importing.merge import BatchWriter
from app.importing.pipeline import prepare_chunks
from app.importing.report import ImportReport
from app.importing.rows import RowPreparer
from app.timeutil import utcnow
from db.engine import Database
from db.models import ImportBatch, Stage

DUPLICATE_POLICIES = ("skip", "fill", "overwrite")
CHUNK = 2000
Progress = Callable[..., None]


class ImportCancelled(WinnowError):
    """The user cancelled the import; nothing was written."""


def _resolve_mapping(
    headers: list[str], mapping: Mapping[str, str | None] | str | os.PathLike[str] | None
) -> dict[str, str | None]:
    """The mapping for every header: the given one (a dict or a saved JSON file), completed
    with the guess for headers it does not name."""
    from app.importing import mapping as mapping_mod

    guessed = mapping_mod.guess_mapping(headers)
    if mapping is None:
        return dict(guessed)
    if isinstance(mapping, str | os.PathLike):
        path = Path(mapping)
        if not path.is_file():
            raise UsageError(f"mapping file not found: {path}")
        given = mapping_mod.load_mapping(path)
    else:
        given = dict(mapping)
    for header, target in given.items():
        if target and target not in mapping_mod.FIELDS:
            raise UsageError(
                f"the mapping sends column {header!r} to {target!r}, which is not a field; "
                f"fields: {', '.join(k for k in mapping_mod.FIELDS if k)}"
            )
    return {h: ((given[h] or None) if h in given else guessed.get(h)) for h in headers}


def _stage_names(s: Session) -> dict[str, str]:
    return dict(s.execute(select(Stage.key, Stage.name).order_by(Stage.position)).all())


def import_file(
    db: Database,
    path: str | os.PathLike[str],
    *,
    source: str | None = None,
    stage: str = "suspect",
    on_duplicate: str = "skip",
    mapping: Mapping[str, str | None] | str | os.PathLike[str] | None = None,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    cancel: Any = None,
) -> ImportReport:
    """Import one file as one batch and return its report.

    Raises ``ImportFileError`` when the file is not a table, ``UsageError`` for a bad option,
    ``ImportCancelled`` when cancelled — in each case nothing is written. With ``dry_run``
    everything is checked and counted exactly as in a real import, then rolled back.
    """
    from app.importing.readers import open_table

    if on_duplicate not in DUPLICATE_POLICIES:
        raise UsageError(
            f"unknown duplicate policy {on_duplicate!r}; use one of {', '.join(DUPLICATE_POLICIES)}"
        )
    table = open_table(path, encoding=encoding, delimiter=delimiter, sheet=sheet)
    resolved = _resolve_mapping(list(table.headers), mapping)
    file_name = Path(path).name
    label = (source or "").strip() or None
    total = 0  # unknown: the progress bar just shows activity
    if progress is not None:
        if table.format != "xlsx":  # counting a text file first is cheap; a workbook is not
            total = sum(1 for _ in table.rows())
        progress(0, total, f"Importing {file_name}")
    report = ImportReport(
        batch_id=None,
        format=table.format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        mapping=resolved,
    )
    now = utcnow()
    with db.session() as s, _old_objects_frozen():
        names = _stage_names(s)
        if stage not in names:
            raise UnknownStage(stage, list(names))
        batch = ImportBatch(
            source=label,
            file_name=file_name,
            format=table.format,
            encoding=table.encoding,
            delimiter=table.delimiter,
            stage_key=stage,
            on_duplicate=on_duplicate,
            mapping=json.dumps(resolved, ensure_ascii=False),
            created_at=now,
        )
        s.add(batch)
        s.flush()
        writer = BatchWriter(
            s,
            batch.id,
            report,
            stage_key=stage,
            policy=on_duplicate,
            source=label or file_name,
            now=now,
        )
        chunks = prepare_chunks(
            table.rows(), list(table.headers), resolved, RowPreparer(names), CHUNK
        )
        for chunk in chunks:
            report.read += chunk.read
            report.rejected += chunk.rejected
            report.warnings += chunk.warnings
            _check_cancel(cancel)
            writer.write(chunk.rows)
            if progress is not None:
                of = f" of {total:,}" if total else ""
                progress(
                    report.read, total and max(total, report.read), f"{report.read:,}{of} rows read"
                )
        _check_cancel(cancel)
        _finish(s, batch, report)
        if dry_run:
            s.rollback()
            report.batch_id = None
        else:
            report.batch_id = batch.id
        _check_cancel(cancel)
    if progress is not None:
        progress(report.read, report.read, "Import finished")
    return report


@contextmanager
def _old_objects_frozen() -> Iterator[None]:
    """Leave the objects that exist before the import out of garbage collection until it ends.

    Each chunk of rows lives long enough to reach the oldest generation, and every time that
    grows by a quarter Python walks *all* objects of the program (a window holds hundreds of
    thousands); frozen, those walks cover only the import's own objects. Nothing is leaked:
    ``gc.unfreeze`` hands everything back. Left alone when someone else froze objects."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _check_cancel(cancel: Any) -> None:
    if is_cancelled(cancel):
        raise ImportCancelled("import cancelled; nothing was written")


def _finish(s: Session, batch: ImportBatch, report: ImportReport) -> None:
    report.rejected.sort(key=lambda i: i.row)
    report.warnings.sort(key=lambda i: i.row)
    report.likely_duplicates.sort(key=lambda i: i.row)
    payload = {
        "rejected": [[i.row, i.reason] for i in report.rejected],
        "warnings": [[i.row, i.reason] for i in report.warnings],
        "likely_duplicates": [[i.row, i.reason, i.contact_id] for i in report.likely_duplicates],
    }
    s.execute(
        update(ImportBatch)
        .where(ImportBatch.id == batch.id)
        .values(
            read_count=report.read,
            imported_count=report.imported,
            updated_count=report.updated,
            skipped_count=report.skipped,
            rejected_count=len(report.rejected),
            report=json.dumps(payload, ensure_ascii=False),
        )
    )

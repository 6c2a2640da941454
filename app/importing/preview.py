"""What the import wizard shows before anything is written: how the file was read, its first
rows, the guessed mapping, and those rows as Winnow will store them."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from app.importing.pipeline import keep_invalid_email
from app.importing.rows import RowPreparer
from app.importing.rowstream import take_warnings

SAMPLE_ROWS = 20


@dataclass(frozen=True)
class FilePreview:
    """How a file was read (format, encoding, delimiter, sheet) and its first rows."""

    path: str
    format: str
    encoding: str | None
    delimiter: str | None
    sheet: str | None
    sheets: tuple[str, ...]
    headers: tuple[str, ...]
    header_row: int
    sample: tuple[tuple[int, tuple[str, ...]], ...]
    guessed: dict[str, str | None] = field(default_factory=dict)
    # what reading found (row 0: the whole file, e.g. a weak encoding guess)
    warnings: tuple[tuple[int, str], ...] = ()
    # "certain", "likely" or "weak", with the encodings worth trying instead
    encoding_confidence: str = "certain"
    encoding_alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreviewRow:
    """One row as it would be stored, or why it would be rejected."""

    row: int
    values: dict[str, object]
    extra: dict[str, str]
    other_emails: tuple[str, ...]
    warnings: tuple[str, ...]
    rejected: str | None = None


def preview_file(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    rows: int = SAMPLE_ROWS,
) -> FilePreview:
    """Open a file the way an import would and read its first rows (ImportFileError if it is
    not a table)."""
    from app.importing.mapping import guess_mapping
    from app.importing.readers import open_table

    table = open_table(path, encoding=encoding, delimiter=delimiter, sheet=sheet)
    stream = table.rows()
    sample = tuple((n, tuple(cells)) for n, cells in islice(stream, rows))
    return FilePreview(
        path=str(Path(path)),
        format=table.format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        sheet=table.sheet,
        sheets=tuple(table.sheets),
        headers=tuple(table.headers),
        header_row=table.header_row,
        sample=sample,
        guessed=dict(guess_mapping(list(table.headers))),
        warnings=tuple(take_warnings(stream)),
        encoding_confidence=table.encoding_confidence,
        encoding_alternatives=tuple(table.encoding_alternatives),
    )


def preview_rows(
    headers: Sequence[str],
    sample: Sequence[tuple[int, Sequence[str]]],
    mapping: Mapping[str, str | None],
    stages: Mapping[str, str],
    region: str | None = None,
) -> list[PreviewRow]:
    """The sample rows as the import would store them under ``mapping`` (``region``: the
    default phone region of Settings, as the import uses it; the system's when None)."""
    from app.importing.mapping import apply_mapping

    headers = list(headers)
    resolved = dict(mapping)
    email_headers = [h for h, f in resolved.items() if f in ("email", "email_2")]
    preparer = RowPreparer(stages, region=region)
    out: list[PreviewRow] = []
    for row_no, cells in sample:
        mapped = apply_mapping(headers, list(cells), resolved)
        keep_invalid_email(mapped, email_headers)
        prepared = preparer.prepare(
            row_no,
            mapped.values,
            mapped.other_emails,
            mapped.extra,
            mapped.warnings,
            emails=mapped.emails,
            phones=mapped.phones,
            addresses=mapped.addresses,
        )
        if isinstance(prepared, str):
            out.append(
                PreviewRow(
                    row_no, {}, dict(mapped.extra), (), tuple(mapped.warnings), rejected=prepared
                )
            )
            continue
        values: dict[str, object] = dict(prepared.values)
        if prepared.stage_key:
            values["stage"] = stages.get(prepared.stage_key, prepared.stage_key)
        out.append(
            PreviewRow(
                row_no,
                values,
                prepared.extra,
                tuple(prepared.other_emails),
                tuple(prepared.warnings),
            )
        )
    return out

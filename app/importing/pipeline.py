"""From the file's cells to rows ready to write, a chunk at a time (flat memory).

(Doing this on a helper thread while the caller writes was measured: no gain — the work is
Python under the GIL on both sides.)"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from app.fields import ValidationError, clean_value
from app.importing.mapping import MappedRow, apply_mapping
from app.importing.report import RowIssue
from app.importing.rows import PreparedRow, RowPreparer
from app.importing.rowstream import take_warnings

MULTI_SEPARATOR = " ::: "  # how Google Contacts (and the mapping) join several values


@dataclass
class Chunk:
    """Up to ``size`` rows ready to write, with what reading them found."""

    rows: list[PreparedRow] = field(default_factory=list)
    read: int = 0
    rejected: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)


def keep_invalid_email(mapped: MappedRow, email_headers: list[str]) -> None:
    """The mapping keeps an invalid address as an extra field; Winnow stores it as the
    contact's e-mail (with the warning) when the row has no valid one, so go-look and the
    score see it and the person is not lost — if it has an address's shape at all
    (:mod:`app.fields`: one token with an @-sign); anything else stays an extra value."""
    if mapped.values.get("email"):
        return
    for header in email_headers:
        raw = mapped.extra.get(header)
        if not raw:
            continue
        first, _, rest = raw.partition(MULTI_SEPARATOR)
        try:
            clean_value("email", first)
        except ValidationError:
            continue
        mapped.values["email"] = first.strip()
        if rest.strip():
            mapped.extra[header] = rest.strip()
        else:
            del mapped.extra[header]
        return


def prepare_chunks(
    rows: Iterator[tuple[int, list[str]]],
    headers: list[str],
    mapping: dict[str, str | None],
    preparer: RowPreparer,
    size: int,
) -> Iterator[Chunk]:
    """The file's rows, mapped and cleaned, ``size`` good rows at a time."""
    email_headers = [h for h, f in mapping.items() if f in ("email", "email_2")]
    chunk = Chunk()
    for row_no, cells in rows:
        chunk.warnings.extend(RowIssue(n, text) for n, text in take_warnings(rows))
        chunk.read += 1
        mapped = apply_mapping(headers, cells, mapping)
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
            chunk.rejected.append(RowIssue(row_no, prepared))
            continue
        chunk.warnings.extend(RowIssue(row_no, w) for w in prepared.warnings)
        chunk.rows.append(prepared)
        if len(chunk.rows) >= size:
            yield chunk
            chunk = Chunk()
    chunk.warnings.extend(RowIssue(n, text) for n, text in take_warnings(rows))
    if chunk.read or chunk.warnings:
        yield chunk

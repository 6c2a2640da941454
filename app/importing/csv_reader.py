"""CSV, TSV and TXT tables: delimiter sniffed, header row found below a preamble, rows streamed.

Rows come from the csv module over a text stream, so memory stays flat however long the file
is; quoted cells may hold line breaks. Row numbers count records the way a spreadsheet shows
them (a quoted cell with line breaks is still one row; blank lines count but are skipped).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from app.importing.encoding import open_text
from app.importing.errors import ImportFileError
from app.importing.headers import locate_header

DELIMITERS = (",", ";", "\t", "|")
_SEP_LINE = re.compile(r"^\ufeff?\"?sep=(.)\"?\s*$", re.IGNORECASE)
_SNIFF_RECORDS = 200
_SNIFF_CHARS = 65536

RowIterator = Iterator[tuple[int, list[str]]]


@dataclass
class CsvLayout:
    delimiter: str
    headers: list[str]
    header_row: int  # 1-based record number of the header
    rows: Callable[[], RowIterator]
    sample_rows: int  # non-blank records after the header in the whole sample


def _records(text: str, delimiter: str, limit: int) -> list[list[str]]:
    """The first complete records of a sample (a record cut off by the sample end is dropped)."""
    out: list[list[str]] = []
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=False)
    try:
        for record in reader:
            out.append(record)
            if len(out) >= limit:
                break
    except csv.Error:
        pass  # an oversized cell at the sample's end: judge on what came before
    return out


def sniff_delimiter(text: str, preferred: str = ",") -> str:
    """The delimiter that splits the most records into the same number (≥ 2) of cells.

    Counting is done by the csv module itself, so delimiters inside quotes do not count.
    """
    first_line = text.split("\n", 1)[0].strip("\r")
    sep = _SEP_LINE.match(first_line)
    if sep and sep.group(1) in DELIMITERS:
        return sep.group(1)
    order = [preferred, *[d for d in DELIMITERS if d != preferred]]
    best = preferred
    best_score = (0, 0)
    for delimiter in order:
        widths = [len(r) for r in _records(text, delimiter, _SNIFF_RECORDS) if "".join(r).strip()]
        common = Counter(w for w in widths if w >= 2).most_common(1)
        if not common:
            continue
        width, matches = common[0]
        score = (matches, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _sample_text(sample: str) -> str:
    """The sample up to its last complete line."""
    cut = sample.rfind("\n")
    return sample[: cut + 1] if cut > 0 else sample


def layout_csv(
    path: Path, sample: str, encoding: str, delimiter: str | None, preferred: str
) -> CsvLayout:
    """How the table in ``sample`` (a file's decoded first megabyte) is laid out."""
    text = _sample_text(sample[:_SNIFF_CHARS])
    if not text.strip(" \t\r\n;,|\"'"):
        raise ImportFileError(f"{path.name} holds no table: every line is empty")
    if delimiter is None:
        delimiter = sniff_delimiter(text, preferred)
    elif delimiter not in DELIMITERS and len(delimiter) != 1:
        raise ImportFileError(f"a delimiter is one character, not {delimiter!r}")
    records = _records(text, delimiter, 240)
    first = 0
    if records and len(records[0]) == 1 and _SEP_LINE.match(records[0][0]):
        first = 1  # Excel's "sep=;" hint line
    if not any("".join(r).strip() for r in records[first:]):
        raise ImportFileError(f"{path.name} holds no table: every line is empty")
    header_row, headers = locate_header(records, first)

    def rows() -> RowIterator:
        return _stream_rows(path, encoding, delimiter, header_row, len(headers))

    return CsvLayout(
        delimiter, headers, header_row, rows, _count_rows(sample, delimiter, header_row)
    )


def _count_rows(sample: str, delimiter: str, header_row: int) -> int:
    count = 0
    reader = csv.reader(io.StringIO(sample), delimiter=delimiter, strict=False)
    try:
        for number, record in enumerate(reader, start=1):
            if number > header_row and "".join(record).strip():
                count += 1
    except csv.Error:
        pass
    return count


def _stream_rows(
    path: Path, encoding: str, delimiter: str, header_row: int, width: int
) -> RowIterator:
    number = 0
    try:
        stream = open_text(path, encoding)
    except OSError as exc:
        raise ImportFileError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    with stream:
        reader = csv.reader(stream, delimiter=delimiter, strict=False)
        try:
            for record in reader:
                number += 1
                if number <= header_row:
                    continue
                n = len(record)
                if n == width:
                    cells = record
                elif n < width:
                    cells = record + [""] * (width - n)
                else:
                    cells = record[:width]
                if not "".join(cells).strip():
                    continue
                yield number, cells
        except csv.Error as exc:
            raise ImportFileError(
                f"row {number + 1} cannot be read ({exc}); is a quote left open above it?"
            ) from None
        except OSError as exc:
            raise ImportFileError(f"cannot read {path.name}: {exc.strerror or exc}") from None

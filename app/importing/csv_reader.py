"""CSV, TSV and TXT tables: delimiter sniffed, header row found below a preamble, rows streamed.

Rows come from the csv module over a text stream, so memory stays flat however long the file
is; quoted cells may hold line breaks. Row numbers count records the way a spreadsheet shows
them (a quoted cell with line breaks is still one row; blank lines count but are skipped).

Bounds (:mod:`app.importing.limits`): a physical line is read at most 1 MB at a time, a value
over 1 MB is cut to 1 MB, a record the csv module cannot read (a quoted value running on past
16 MB) is skipped — each with a warning naming its row, the other rows are imported. Cells
beyond the header's width are kept (the mapping names them "Column N"); NUL characters are
removed from a row, with a warning.
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
from app.importing.limits import MAX_EXTRA_CELLS, VALUE_LIMIT, bounded_lines, cut_note
from app.importing.rowstream import RowStream, WarningSink

DELIMITERS = (",", ";", "\t", "|")
_SEP_LINE = re.compile(r"^\ufeff?\"?sep=(.)\"?\s*$", re.IGNORECASE)
_SNIFF_RECORDS = 200
_SNIFF_CHARS = 65536
# a quoted value may run over many lines up to this size before its record is given up
_RECORD_LIMIT = 16 * VALUE_LIMIT
# of a line over the limit, its end is kept too: the cells after an oversized value
_TAIL = 65536
if csv.field_size_limit() < _RECORD_LIMIT:
    csv.field_size_limit(_RECORD_LIMIT)

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
    text = _sample_text(sample)
    if not text.strip(" \t\r\n;,|\"'"):
        raise ImportFileError(f"{path.name} holds no table: every line is empty")
    # judge the delimiter on the first 64 KB, or the first lines when a header is longer
    sniff = text[: max(_SNIFF_CHARS, text.find("\n", text.find("\n") + 1) + 1)]
    if delimiter is None:
        delimiter = sniff_delimiter(sniff, preferred)
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
        return RowStream(
            lambda stream: _stream_rows(path, encoding, delimiter, header_row, len(headers), stream)
        )

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


_SWALLOWED_LINES = 20


def _looks_swallowed(value: str, delimiter: str) -> bool:
    """A value holding many lines that each look like a record of the table."""
    lines = value.split("\n")
    return sum(1 for line in lines if delimiter in line) * 2 > len(lines)


class _Lines:
    """The file's lines for the csv module, each at most 1 MB (what is cut is counted)."""

    def __init__(self, stream: io.TextIOBase) -> None:
        self._lines = bounded_lines(stream, tail=_TAIL)  # type: ignore[arg-type]
        self.cut = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line, cut = next(self._lines)
        if cut:
            self.cut += 1
        return line


def _check_cells(cells: list[str], number: int, delimiter: str, sink: WarningSink) -> bool:
    """Cut a row's values to the value limit and drop NUL characters (in place), each change
    told to ``sink`` (and a value that swallowed the lines after it); whether one was cut."""
    said = False
    for i, value in enumerate(cells):
        if len(value) > VALUE_LIMIT:
            cells[i] = value[:VALUE_LIMIT]
            sink.warn(number, cut_note(f"column {i + 1}"))
            said = True
        if value.count("\n") >= _SWALLOWED_LINES and _looks_swallowed(value, delimiter):
            sink.warn(
                number,
                f"column {i + 1}: a quote opened here is never closed, so "
                f"{value.count(chr(10)):,} following lines were read as this one "
                "value — is a quote left open?",
            )
        if "\x00" in value:
            cells[i] = cells[i].replace("\x00", "")
            sink.warn(number, f"column {i + 1}: unreadable NUL characters removed")
    return said


def _stream_rows(
    path: Path, encoding: str, delimiter: str, header_row: int, width: int, sink: WarningSink
) -> RowIterator:
    number = 0
    try:
        stream = open_text(path, encoding)
    except OSError as exc:
        raise ImportFileError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    with stream:
        lines = _Lines(stream)
        reader = csv.reader(lines, delimiter=delimiter, strict=False)
        cut = 0
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                number += 1
                sink.warn(number, f"row cannot be read ({exc}); skipped — is a quote left open?")
                continue
            except OSError as exc:
                raise ImportFileError(f"cannot read {path.name}: {exc.strerror or exc}") from None
            number += 1
            if number <= header_row:
                continue
            n = len(record)
            if n < width:
                cells = record + [""] * (width - n)
            elif n > width + MAX_EXTRA_CELLS:
                cells = record[: width + MAX_EXTRA_CELLS]
                sink.warn(
                    number,
                    f"{n - width - MAX_EXTRA_CELLS:,} cells beyond the first "
                    f"{width + MAX_EXTRA_CELLS:,} columns not imported",
                )
            else:
                cells = record
            joined = "".join(cells)
            if not joined.strip():
                continue
            said = False
            # each check below holds for a cell only if it holds for the row's cells joined:
            # most rows need none of them
            if (
                len(joined) > VALUE_LIMIT
                or joined.count("\n") >= _SWALLOWED_LINES
                or "\x00" in joined
            ):
                said = _check_cells(cells, number, delimiter, sink)
            if lines.cut > cut:
                cut = lines.cut
                if not said:
                    sink.warn(number, cut_note("a value of this row"))
            yield number, cells

"""Open any contact table a user brings: CSV/TSV/TXT, Excel .xlsx, vCard .vcf or LDIF.

``open_table(path)`` decides format, encoding, delimiter, sheet and header row from the file
itself (each can be overridden) and returns a ``TableSource`` whose ``rows()`` streams the
records after the header. A file that is no table at all raises ``ImportFileError`` with one
clear message; nothing else escapes the readers.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from app.importing.cards import CARD_HEADERS
from app.importing.csv_reader import layout_csv
from app.importing.encoding import (
    SAMPLE_BYTES,
    check_encoding_name,
    decode_sample,
    detect_encoding,
    guess_encoding,
    looks_binary,
)
from app.importing.errors import ImportFileError
from app.importing.ldif_reader import count_entries, looks_like_ldif, stream_ldif_rows
from app.importing.rowstream import RowStream
from app.importing.vcard_reader import count_cards, layout_vcard, looks_like_vcard
from app.importing.xlsx_reader import layout_spreadsheet

__all__ = ["ImportFileError", "TableSource", "detect_encoding", "open_table"]

RowIterator = Iterator[tuple[int, list[str]]]

_JSON_START = re.compile(r'^[\[{]\s*["{\[]')
_VCARD_SUFFIXES = (".vcf", ".vcard")
_LDIF_SUFFIXES = (".ldif", ".ldi")
_XLSX_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm")

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "is a PDF document, not a table"),
    (b"\x89PNG", "is an image, not a table"),
    (b"\xff\xd8\xff", "is an image, not a table"),
    (b"GIF8", "is an image, not a table"),
    (b"\x1f\x8b", "is a compressed (gzip) file; unpack it first"),
    (b"7z\xbc\xaf", "is a compressed (7-Zip) file; unpack it first"),
    (b"Rar!", "is a compressed (RAR) file; unpack it first"),
    (b"SQLite format 3", "is a database file, not a table"),
    (b"{\\rtf", "is an RTF document, not a table"),
)


@dataclass
class TableSource:
    """A table found in a file: how it was read, its headers, and its rows on demand."""

    path: Path
    format: str  # "csv" | "tsv" | "xlsx" | "vcf" | "ldif"
    encoding: str | None  # codec name; None for xlsx
    delimiter: str | None  # None for xlsx and vcf
    headers: list[str]
    # 1-based row of the header; 0 when there is none (vCard, or a CSV that starts with data)
    header_row: int
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    # rows after the header, estimated cheaply for a progress bar (exact when the file is
    # small); None when unknown
    row_estimate: int | None = None
    _row_source: Callable[[], RowIterator] | None = field(default=None, repr=False, compare=False)
    # what the reader wants the user to know about the whole file (a weak encoding guess…);
    # also reported as warnings of row 0 by ``rows()``
    warnings: list[str] = field(default_factory=list)
    # how sure the encoding guess is: "certain" (a BOM, or clean UTF-8), "likely" or "weak";
    # with the other encodings worth trying when it is not certain
    encoding_confidence: str = "certain"
    encoding_alternatives: list[str] = field(default_factory=list)

    def rows(self) -> RowIterator:
        """(row number, cells aligned to ``headers``) for each non-blank row after the header.

        Re-reads the file on each call, so a preview and the import can both iterate it.
        """
        if self._row_source is None:
            return iter(())
        rows = self._row_source()
        if isinstance(rows, RowStream):
            rows.add_file_warnings(self.warnings)
        return rows


def _read_sample(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(SAMPLE_BYTES)
    except FileNotFoundError:
        raise ImportFileError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise ImportFileError(f"{path} is a folder, not a file") from None
    except OSError as exc:
        raise ImportFileError(f"cannot read {path.name}: {exc.strerror or exc}") from None


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except Exception:  # zipfile raises many kinds (BadZipFile, NotImplementedError…)
        raise ImportFileError(f"{path.name} is a damaged ZIP/Excel file") from None
    if "xl/workbook.xml" in names or any(n.startswith("xl/") for n in names):
        return "xlsx"
    if "content.xml" in names and "mimetype" in names:
        if any(n.startswith("Object") for n in names) or path.suffix.lower() in (".odt", ".odp"):
            raise ImportFileError(f"{path.name} is an OpenDocument text, not a table")
        return "ods"
    if any(n.startswith("word/") for n in names):
        raise ImportFileError(f"{path.name} is a Word document, not a table")
    raise ImportFileError(f"{path.name} is a ZIP archive, not a table; unpack it first")


def _reject_other_text(path: Path, text: str) -> None:
    start = text.lstrip()[:200].lower()
    if start.startswith(("<!doctype html", "<html", "<table")):
        raise ImportFileError(
            f"{path.name} is a web page (HTML), not a CSV file; export the list as CSV"
        )
    if start.startswith("<?xml"):
        if "urn:schemas-microsoft-com:office:spreadsheet" in text[:4000]:
            raise ImportFileError(
                f"{path.name} is an Excel 2003 XML spreadsheet; save it as .xlsx or CSV"
            )
        raise ImportFileError(f"{path.name} is an XML file, not a table")
    if start.startswith("{\\rtf"):
        raise ImportFileError(f"{path.name} is an RTF document, not a table")
    if _JSON_START.match(start):
        raise ImportFileError(f"{path.name} looks like JSON, not a table")


def open_table(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
) -> TableSource:
    """Find the table in a file; raises ImportFileError when there is none."""
    path = Path(path)
    raw = _read_sample(path)
    suffix = path.suffix.lower()
    if not raw.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise ImportFileError(f"{path.name} is empty")
    for signature, problem in _BINARY_SIGNATURES:
        if raw.startswith(signature):
            raise ImportFileError(f"{path.name} {problem}")
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"PK\x05\x06"):
        kind = _zip_kind(path)
        xlsx = layout_spreadsheet(path, sheet, kind)
        return TableSource(
            path, kind, None, None, xlsx.headers, xlsx.header_row,
            xlsx.sheet, xlsx.sheets, xlsx.row_estimate, xlsx.rows,
        )  # fmt: skip
    if raw.startswith(_OLE_SIGNATURE):
        try:
            xls = layout_spreadsheet(path, sheet, "xls")
        except ImportFileError as exc:
            raise ImportFileError(
                f"{path.name} is an Office 97-2003 file that is no readable Excel workbook "
                f"({exc}); open it in Excel or LibreOffice and save it as .xlsx or CSV"
            ) from None
        return TableSource(
            path, "xls", None, None, xls.headers, xls.header_row,
            xls.sheet, xls.sheets, xls.row_estimate, xls.rows,
        )  # fmt: skip
    if suffix in _XLSX_SUFFIXES:
        raise ImportFileError(f"{path.name} is not a valid Excel .xlsx file")

    file_warnings: list[str] = []
    confidence, alternatives = "certain", []
    if encoding:
        codec = check_encoding_name(encoding)
    else:
        guess = guess_encoding(raw)
        if guess.contradiction:
            raise ImportFileError(f"{path.name} {guess.contradiction}")
        codec, confidence, alternatives = guess.codec, guess.confidence, list(guess.alternatives)
        if guess.note:
            file_warnings.append(guess.note)
    try:
        sample = decode_sample(raw, codec)
    except (UnicodeError, LookupError) as exc:
        raise ImportFileError(f"{path.name} cannot be read as {codec}: {exc}") from None
    sample = sample.lstrip("\ufeff")
    if not sample.strip():
        raise ImportFileError(f"{path.name} is empty")
    if looks_binary(sample):
        raise ImportFileError(
            f"{path.name} is not a text table (it holds binary data); "
            "import a CSV, Excel .xlsx, vCard or LDIF file"
        )
    _reject_other_text(path, sample)
    layout: TableSource
    if looks_like_vcard(sample) or (suffix in _VCARD_SUFFIXES and not looks_like_ldif(sample)):
        vcard = layout_vcard(path, sample, codec)
        estimate = _scaled(count_cards(sample), len(raw), path)
        layout = TableSource(
            path, "vcf", codec, None, vcard.headers, 0, None, [], estimate, vcard.rows
        )
    elif looks_like_ldif(sample) or suffix in _LDIF_SUFFIXES:
        if not looks_like_ldif(sample):
            raise ImportFileError(f"{path.name} holds no LDIF entries (no dn: line)")

        def ldif_rows() -> RowIterator:
            return RowStream(lambda stream: stream_ldif_rows(path, codec, stream))

        estimate = _scaled(count_entries(sample), len(raw), path)
        layout = TableSource(
            path, "ldif", codec, None, list(CARD_HEADERS), 0, None, [], estimate, ldif_rows
        )
    else:
        preferred = "\t" if suffix in (".tsv", ".tab") else ","
        table = layout_csv(path, sample, codec, delimiter, preferred)
        kind = "tsv" if table.delimiter == "\t" else "csv"
        layout = TableSource(
            path, kind, codec, table.delimiter, table.headers, table.header_row,
            None, [], _scaled(table.sample_rows, len(raw), path), table.rows,
        )  # fmt: skip
    layout.warnings = file_warnings
    layout.encoding_confidence = confidence
    layout.encoding_alternatives = alternatives
    return layout


def _scaled(count_in_sample: int, sample_bytes: int, path: Path) -> int:
    """A count seen in the first ``sample_bytes`` of a file, scaled to the whole file."""
    try:
        size = path.stat().st_size
    except OSError:
        return count_in_sample
    if size <= sample_bytes or sample_bytes <= 0:
        return count_in_sample
    return round(count_in_sample * size / sample_bytes)

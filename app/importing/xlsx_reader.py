"""Spreadsheets: Excel .xlsx/.xlsm, old Excel .xls and OpenDocument .ods.

python-calamine (Rust) reads them — measured on 100,000 rows about 8x faster than openpyxl,
whose read-only mode is kept for the one case calamine cannot do in bounded memory: a sheet
so large that loading it whole would pass the memory bound (calamine loads a sheet at once;
openpyxl streams rows). A workbook that unpacks to far more than it weighs (a "zip bomb", a
single cell of hundreds of megabytes) is refused with a clear message before anything is
loaded. Cell values become text the way a user reads them: dates as ISO ``YYYY-MM-DD`` (with
``HH:MM`` when there is a time), whole numbers without ``.0``, other numbers with up to 15
digits; a value over 1 MB is cut (with a warning).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from app.importing.errors import ImportFileError
from app.importing.headers import locate_header
from app.importing.limits import VALUE_LIMIT, cut_note
from app.importing.rowstream import RowStream, WarningSink

# unpacked worksheets + shared strings up to this size are read by calamine in one go
CALAMINE_LIMIT = 96 << 20
# an entry that unpacks to more than this, at more than _BOMB_RATIO times its packed size
_BOMB_SIZE = 64 << 20
_BOMB_RATIO = 100
_TOTAL_LIMIT = 2 << 30

RowIterator = Iterator[tuple[int, list[str]]]


@dataclass
class XlsxLayout:
    sheet: str
    sheets: list[str]
    headers: list[str]
    header_row: int
    rows: Callable[[], RowIterator]
    row_estimate: int | None  # from the sheet's stored size, when it has one


def cell_text(value: Any) -> str:
    """One cell's value as the text a user sees in Excel."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        spec = "minutes" if value.second == 0 and value.microsecond == 0 else "seconds"
        return value.isoformat(sep=" ", timespec=spec)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="minutes" if value.second == 0 else "seconds")
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return f"{value:.15g}"
    return str(value)


def _load(path: Path) -> Any:
    import zipfile

    import openpyxl

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it ignores; none matter for reading
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except zipfile.BadZipFile:
        raise ImportFileError(f"{path.name} is not a valid Excel .xlsx file") from None
    except OSError as exc:
        raise ImportFileError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise ImportFileError(f"{path.name} is a damaged Excel file ({exc})") from None


def _text_rows(worksheet: Any) -> Iterator[list[str]]:
    for values in worksheet.iter_rows(values_only=True):
        yield [cell_text(v) for v in values]


def sheet_sizes(path: Path) -> int:
    """Unpacked size of the worksheets and shared strings of a workbook; refuses a bomb."""
    import zipfile

    total = 0
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return 0
    for info in infos:
        name = info.filename.lower()
        if (
            info.file_size > _BOMB_SIZE
            and info.file_size > _BOMB_RATIO * max(info.compress_size, 1)
        ) or info.file_size > _TOTAL_LIMIT:
            raise ImportFileError(
                f"{path.name} unpacks to {info.file_size / (1 << 20):,.0f} MB from "
                f"{max(info.compress_size, 1) / (1 << 20):,.1f} MB; a contact list never does — "
                "open it in Excel or LibreOffice and save it as CSV"
            )
        if (
            name.endswith(".xml") and ("worksheets/" in name or "sharedstrings" in name)
        ) or name == "content.xml":
            total += info.file_size
    return total


def layout_spreadsheet(path: Path, sheet: str | None, kind: str) -> XlsxLayout:
    """A workbook's table; ``kind`` is "xlsx", "xls" or "ods"."""
    size = sheet_sizes(path) if kind != "xls" else path.stat().st_size * 4
    if kind == "xlsx" and size > CALAMINE_LIMIT:
        return layout_xlsx(path, sheet)
    try:
        from app.importing.calamine_reader import layout_calamine
    except ImportError:  # pragma: no cover - calamine is a dependency
        if kind == "xlsx":
            return layout_xlsx(path, sheet)
        raise ImportFileError(f"{path.name}: reading .{kind} files needs python-calamine") from None
    return layout_calamine(path, sheet)


def layout_xlsx(path: Path, sheet: str | None) -> XlsxLayout:
    workbook = _load(path)
    try:
        sheets = list(workbook.sheetnames)
        if not sheets:
            raise ImportFileError(f"{path.name} has no worksheets")
        chosen_samples: list[list[str]] | None = None
        if sheet is not None:
            matches = [s for s in sheets if s == sheet] or [
                s for s in sheets if s.casefold() == sheet.strip().casefold()
            ]
            if not matches:
                raise ImportFileError(
                    f"{path.name} has no sheet {sheet!r}; sheets: {', '.join(sheets)}"
                )
            chosen = matches[0]
            stored_rows = _stored_rows(workbook[chosen])
            chosen_samples = _sample(workbook[chosen])
        else:
            # the first sheet, or the first one that has anything in it
            chosen = sheets[0]
            stored_rows = None
            for name in sheets:
                stored_rows = _stored_rows(workbook[name])
                samples = _sample(workbook[name])
                if any("".join(r).strip() for r in samples):
                    chosen, chosen_samples = name, samples
                    break
            if chosen_samples is None:
                raise ImportFileError(f"{path.name} is empty: no sheet has any cells filled")
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(f"{path.name} is a damaged Excel file ({exc})") from None
    finally:
        workbook.close()
    if not any("".join(r).strip() for r in chosen_samples):
        raise ImportFileError(f"sheet {chosen!r} of {path.name} is empty")
    header_row, headers = locate_header(chosen_samples)

    def rows() -> RowIterator:
        return RowStream(lambda sink: _stream_rows(path, chosen, header_row, len(headers), sink))

    estimate = None if stored_rows is None else max(0, stored_rows - header_row)
    return XlsxLayout(chosen, sheets, headers, header_row, rows, estimate)


def _stored_rows(worksheet: Any) -> int | None:
    try:
        stored = worksheet.max_row
    except Exception:  # a damaged dimension tag: no estimate
        return None
    return stored if isinstance(stored, int) and stored > 1 else None


def _sample(worksheet: Any) -> list[list[str]]:
    worksheet.reset_dimensions()  # some writers store a wrong sheet size; read what is there
    out: list[list[str]] = []
    for row in _text_rows(worksheet):
        out.append(row)
        if len(out) >= 240:
            break
    return out


def _stream_rows(
    path: Path, sheet: str, header_row: int, width: int, sink: WarningSink
) -> RowIterator:
    workbook = _load(path)
    number = 0
    try:
        worksheet = workbook[sheet]
        worksheet.reset_dimensions()
        for values in worksheet.iter_rows(values_only=True):
            number += 1
            if number <= header_row:
                continue
            cells = [cell_text(v) for v in values]
            if len(cells) < width:
                cells.extend([""] * (width - len(cells)))
            if not "".join(cells).strip():
                continue
            yield number, bounded_cells(number, cells, sink)
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(
            f"{path.name}: row {number + 1} of sheet {sheet!r} cannot be read ({exc})"
        ) from None
    finally:
        workbook.close()


def bounded_cells(number: int, cells: list[str], sink: WarningSink) -> list[str]:
    """A row's cells with any value over 1 MB cut (and said) and trailing empties dropped
    beyond the header's width."""
    for i, value in enumerate(cells):
        if len(value) > VALUE_LIMIT:
            cells[i] = value[:VALUE_LIMIT]
            sink.warn(number, cut_note(f"column {i + 1}"))
    return cells

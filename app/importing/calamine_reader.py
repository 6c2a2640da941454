"""Workbooks (.xlsx, .xls, .ods) through python-calamine: the sheet is read in one go by Rust
code, which is what makes a 100,000-row workbook as quick to import as the same CSV.
Row numbers are the spreadsheet's (calamine's range may start below row 1)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from python_calamine import CalamineError, CalamineWorkbook

from app.importing.errors import ImportFileError
from app.importing.headers import locate_header
from app.importing.rowstream import RowStream, WarningSink
from app.importing.xlsx_reader import XlsxLayout, bounded_cells, cell_text

RowIterator = Iterator[tuple[int, list[str]]]
_SAMPLE = 240


def _open(path: Path) -> Any:
    try:
        return CalamineWorkbook.from_path(str(path))
    except CalamineError as exc:
        raise ImportFileError(f"{path.name} is a damaged or protected workbook ({exc})") from None
    except OSError as exc:
        raise ImportFileError(f"cannot read {path.name}: {exc.strerror or exc}") from None
    except Exception as exc:  # calamine raises plain errors on some damaged files
        raise ImportFileError(f"{path.name} is a damaged workbook ({exc})") from None


def _rows(sheet: Any) -> Iterator[tuple[int, list[str]]]:
    start = sheet.start or (0, 0)
    pad = [""] * start[1]
    for offset, values in enumerate(sheet.iter_rows()):
        cells = [v if type(v) is str else cell_text(v) for v in values]
        yield start[0] + offset + 1, pad + cells if pad else cells


def _sample(sheet: Any) -> list[list[str]]:
    """The first rows of a sheet, indexed from row 1 (blank rows above the range added)."""
    out: list[list[str]] = []
    for number, cells in _rows(sheet):
        while len(out) < number - 1:
            out.append([])
        out.append(cells)
        if len(out) >= _SAMPLE:
            break
    return out


def layout_calamine(path: Path, sheet: str | None) -> XlsxLayout:
    workbook = _open(path)
    try:
        sheets = list(workbook.sheet_names)
        if not sheets:
            raise ImportFileError(f"{path.name} has no worksheets")
        if sheet is not None:
            matches = [s for s in sheets if s == sheet] or [
                s for s in sheets if s.casefold() == sheet.strip().casefold()
            ]
            if not matches:
                raise ImportFileError(
                    f"{path.name} has no sheet {sheet!r}; sheets: {', '.join(sheets)}"
                )
            chosen = matches[0]
            loaded = workbook.get_sheet_by_name(chosen)
            samples = _sample(loaded)
        else:
            chosen, samples, loaded = sheets[0], [], None
            for name in sheets:
                loaded = workbook.get_sheet_by_name(name)
                found = _sample(loaded)
                if any("".join(r).strip() for r in found):
                    chosen, samples = name, found
                    break
            else:
                raise ImportFileError(f"{path.name} is empty: no sheet has any cells filled")
        end = loaded.end if loaded is not None else None
        last_row = end[0] + 1 if end else 0
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(f"{path.name} is a damaged workbook ({exc})") from None
    finally:
        workbook.close()
    if not any("".join(r).strip() for r in samples):
        raise ImportFileError(f"sheet {chosen!r} of {path.name} is empty")
    header_row, headers = locate_header(samples)

    def rows() -> RowIterator:
        return RowStream(lambda sink: _stream(path, chosen, header_row, len(headers), sink))

    estimate = max(0, last_row - header_row) if last_row else None
    return XlsxLayout(chosen, sheets, headers, header_row, rows, estimate)


def _stream(path: Path, sheet: str, header_row: int, width: int, sink: WarningSink) -> RowIterator:
    workbook = _open(path)
    try:
        for number, cells in _rows(workbook.get_sheet_by_name(sheet)):
            if number <= header_row:
                continue
            if len(cells) < width:
                cells.extend([""] * (width - len(cells)))
            if not "".join(cells).strip():
                continue
            yield number, bounded_cells(number, cells, sink)
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(f"{path.name}: sheet {sheet!r} cannot be read ({exc})") from None
    finally:
        workbook.close()

"""Qt models of the import wizard and the import history (plain text only)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QGuiApplication

from app.importing.preview import PreviewRow
from app.importing.report import BatchInfo, ImportReport
from app.timeutil import local_text
from ui.contrast import is_dark
from ui.table_model import HeaderedTableModel

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
# (light palette, dark palette): text at 4.5:1 or more on the table's background
_SHADES = {
    "rejected": ("#C62828", "#FF8A80"),
    "warned": ("#FFF4E5", "#4A3A17"),
    "muted": ("#66717F", "#9AA5B1"),
}


def _shade(name: str) -> QBrush:
    """A mark of the tables (rejected text, a warned row, row numbers) for the palette in use."""
    return QBrush(QColor(_SHADES[name][is_dark(QGuiApplication.palette())]))


def field_choices() -> list[tuple[str, str]]:
    """(key, label) for the drop-down: keep as extra, do not import, then the fields."""
    from app.importing.mapping import FIELDS

    first = [(k, FIELDS[k]) for k in ("", "skip") if k in FIELDS]
    return first + [(k, v) for k, v in FIELDS.items() if k not in ("", "skip")]


class MappingModel(HeaderedTableModel):
    """One row per column of the file: its header, a first value, and the field it feeds."""

    HEADERS = ("Column in the file", "First value", "Imported as")
    mapping_changed = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.headers: list[str] = []
        self.examples: list[str] = []
        self.mapping: dict[str, str | None] = {}
        self.labels = dict(field_choices())

    def set_columns(
        self,
        headers: Sequence[str],
        sample: Sequence[tuple[int, Sequence[str]]],
        mapping: dict[str, str | None],
    ) -> None:
        self.beginResetModel()
        self.headers = list(headers)
        self.examples = []
        for i in range(len(self.headers)):
            value = next(
                (cells[i] for _n, cells in sample if i < len(cells) and cells[i].strip()), ""
            )
            self.examples.append(" ".join(value.split()))
        self.mapping = {h: mapping.get(h) for h in self.headers}
        self.endResetModel()
        self.mapping_changed.emit()

    def set_mapping(self, mapping: dict[str, str | None]) -> None:
        """Apply a saved mapping to the columns it names (others keep their choice)."""
        for header in self.headers:
            if header in mapping:
                self.mapping[header] = mapping[header] or None
        if self.headers:
            self.dataChanged.emit(self.index(0, 2), self.index(len(self.headers) - 1, 2))
        self.mapping_changed.emit()

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 2:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.headers)):
            return None
        header = self.headers[index.row()]
        col = index.column()
        target = self.mapping.get(header) or ""
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return header
            if col == 1:
                return self.examples[index.row()]
            if col == 2:
                return self.labels.get(target, target)
        if role == Qt.ItemDataRole.EditRole and col == 2:
            return target
        if role == Qt.ItemDataRole.ForegroundRole and col == 1:
            return _shade("muted")
        if role == Qt.ItemDataRole.ToolTipRole and col == 1:
            return self.examples[index.row()] or None
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != 2 or role != Qt.ItemDataRole.EditRole:
            return False
        key = str(value or "")
        if key not in self.labels:
            return False
        header = self.headers[index.row()]
        if (self.mapping.get(header) or "") == key:
            return True
        self.mapping[header] = key or None
        self.dataChanged.emit(index, index)
        self.mapping_changed.emit()
        return True


_PREVIEW_LABELS = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "E-mail",
    "company": "Company",
    "title": "Job title",
    "phone": "Phone",
    "website": "Website",
    "city": "City",
    "country": "Country",
    "industry": "Industry",
    "company_size": "Company size",
    "source": "Source",
    "tags": "Tags",
    "notes": "Notes",
    "consent": "Consent",
    "stage": "Stage",
}
_ALWAYS = ("first_name", "last_name", "email", "company", "title")


class PreviewModel(QAbstractTableModel):
    """The first rows of the file as Winnow will store them: each row's fields as "Label:
    value" in one column that wraps (a column per field made the preview scroll sideways),
    what is kept as extra fields (and further e-mail addresses) in another, then problems."""

    COLUMNS = ("row", "stored", "extra", "problems")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[PreviewRow] = []
        self.fields: list[str] = list(_ALWAYS)
        # row -> the earlier row with the same e-mail address (the import skips or merges it)
        self.repeats: dict[int, int] = {}

    def set_rows(self, rows: list[PreviewRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        used = {k for r in rows for k in r.values}
        self.fields = [k for k in _PREVIEW_LABELS if k in _ALWAYS or k in used]
        self.repeats = {}
        first: dict[str, int] = {}
        for r in rows:
            email = str(r.values.get("email") or "").strip().casefold()
            if r.rejected or not email:
                continue
            if email in first:
                self.repeats[r.row] = first[email]
            else:
                first[email] = r.row
        self.endResetModel()

    def _columns(self) -> list[str]:
        return list(self.COLUMNS)

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._columns())

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        columns = self._columns()
        if not 0 <= section < len(columns):
            return None
        key = columns[section]
        return {
            "row": "Row",
            "stored": "Stored as",
            "extra": "Kept as extra fields",
            "problems": "Problems",
        }.get(key, _PREVIEW_LABELS.get(key, key))

    def cell_text(self, row: PreviewRow, key: str) -> str:
        if key == "row":
            return str(row.row)
        if key == "stored":
            return " · ".join(
                f"{_PREVIEW_LABELS[k]}: {text}"
                for k in self.fields
                if (text := self.cell_text(row, k))
            )
        if key == "other_emails":
            return ", ".join(row.other_emails)
        if key == "extra":
            parts = [f"{k}: {' '.join(v.split())}" for k, v in row.extra.items()]
            if row.other_emails:
                parts.append(f"Other e-mails: {', '.join(row.other_emails)}")
            return " · ".join(parts)
        if key == "problems":
            if row.rejected:
                return f"Rejected: {row.rejected}"
            problems = list(row.warnings)
            earlier = self.repeats.get(row.row)
            if earlier is not None:
                problems.append(f"same e-mail address as row {earlier}: skipped or merged")
            return "; ".join(problems)
        value = row.values.get(key)
        return "" if value is None else " ".join(str(value).split())

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        columns = self._columns()
        if not 0 <= index.column() < len(columns):
            return None
        row = self.rows[index.row()]
        key = columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = self.cell_text(row, key)
            return text or None if role == Qt.ItemDataRole.ToolTipRole else text
        if role == Qt.ItemDataRole.ForegroundRole and row.rejected:
            return _shade("rejected")
        warned = bool(row.warnings) or row.row in self.repeats
        if role == Qt.ItemDataRole.BackgroundRole and warned and not row.rejected:
            return _shade("warned")
        return None


class IssueModel(HeaderedTableModel):
    """Rejected and skipped rows, warnings and likely duplicates of an import, by row number.
    A duplicate the import skipped is listed once, as skipped (the report also counts it
    among its warnings, for ``winnow import --json``)."""

    HEADERS = ("Row", "What", "Reason")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.items: list[tuple[int, str, str]] = []

    def set_report(self, report: ImportReport | None) -> None:
        self.beginResetModel()
        items: list[tuple[int, str, str]] = []
        if report is not None:
            skipped = {(i.row, i.reason) for i in report.skipped_rows}
            items += [(i.row, "Rejected", i.reason) for i in report.rejected]
            items += [(i.row, "Skipped", i.reason) for i in report.skipped_rows]
            items += [
                (i.row, "Warning", i.reason)
                for i in report.warnings
                if (i.row, i.reason) not in skipped
            ]
            items += [(i.row, "Likely duplicate", i.reason) for i in report.likely_duplicates]
        order = {"Rejected": 0, "Skipped": 1, "Warning": 2, "Likely duplicate": 3}
        self.items = sorted(items, key=lambda t: (t[0], order[t[1]]))
        self.endResetModel()

    def count(self, kind: str) -> int:
        return sum(1 for _r, k, _t in self.items if k == kind)

    def rows_with(self, kind: str) -> int:
        """How many rows of the file have an entry of this kind (row 0, the whole file, not
        counted)."""
        return len({r for r, k, _t in self.items if k == kind and r > 0})

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.items)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.items)):
            return None
        row, kind, reason = self.items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            shown = str(row) if row > 0 else "file"
            return (shown, kind, reason)[index.column()] if index.column() < 3 else None
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 2:
            return reason
        if role == Qt.ItemDataRole.ForegroundRole and kind == "Rejected":
            return _shade("rejected")
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class BatchListModel(HeaderedTableModel):
    """Import batches, newest first."""

    HEADERS = ("When", "Source", "File", "Read", "New", "Updated", "Skipped", "Rejected", "Status")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.batches: list[BatchInfo] = []

    def set_batches(self, batches: list[BatchInfo]) -> None:
        self.beginResetModel()
        self.batches = list(batches)
        self.endResetModel()

    def batch(self, row: int) -> BatchInfo | None:
        return self.batches[row] if 0 <= row < len(self.batches) else None

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.batches)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        b = self.batch(index.row()) if index.isValid() else None
        if b is None or not 0 <= index.column() < len(self.HEADERS):
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            status = f"Undone {local_text(b.undone_at)}" if b.undone else "Imported"
            values = (
                local_text(b.created_at),
                b.source or "",
                b.file_name or "",
                f"{b.read:,}",
                f"{b.imported:,}",
                f"{b.updated:,}",
                f"{b.skipped:,}",
                f"{b.rejected:,}",
                status,
            )
            return values[col]
        if role == Qt.ItemDataRole.TextAlignmentRole and 3 <= col <= 7:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and b.undone:
            return _shade("muted")
        if role == Qt.ItemDataRole.ToolTipRole and col in (1, 2):
            return (b.source if col == 1 else b.file_name) or None
        return None


class RawSampleModel(QAbstractTableModel):
    """The first rows of the file exactly as read (so a wrong encoding shows at once)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.headers: list[str] = []
        self.rows: list[tuple[int, Sequence[str]]] = []

    def set_sample(self, headers: Sequence[str], rows: Sequence[tuple[int, Sequence[str]]]) -> None:
        self.beginResetModel()
        self.headers = list(headers)
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.headers) + (1 if self.headers else 0)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if section == 0 and self.headers:
            return "Row"
        if 1 <= section <= len(self.headers):
            return self.headers[section - 1]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        number, cells = self.rows[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if col == 0:
                return str(number) if role == Qt.ItemDataRole.DisplayRole else None
            if 1 <= col <= len(self.headers):
                value = cells[col - 1] if col - 1 < len(cells) else ""
                if role == Qt.ItemDataRole.ToolTipRole:
                    return value or None
                return " ".join(value.split())
        if role == Qt.ItemDataRole.ForegroundRole and col == 0:
            return _shade("muted")
        return None


class RawSampleText(QAbstractTableModel):
    """The raw sample as the file page shows it: one line of text per row ("Header: value ·
    …", empty cells left out) that wraps, so a file of many columns needs no sideways
    scrolling (``RawSampleModel`` keeps the cells one column each)."""

    def __init__(self, source: RawSampleModel, parent: Any = None) -> None:
        super().__init__(parent)
        self.source = source
        source.modelAboutToBeReset.connect(self.beginResetModel)
        source.modelReset.connect(self.endResetModel)

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.source.rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() or not self.source.headers else 2

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return {0: "Row", 1: "In the file (column: value)"}.get(section)

    def text(self, row: int) -> str:
        _number, cells = self.source.rows[row]
        return " · ".join(
            f"{header}: {' '.join(value.split())}"
            for header, value in zip(self.source.headers, cells, strict=False)
            if value.strip()
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self.source.rows)):
            return None
        if index.column() == 0:
            if role == Qt.ItemDataRole.DisplayRole:
                return str(self.source.rows[index.row()][0])
            if role == Qt.ItemDataRole.ForegroundRole:
                return _shade("muted")
            return None
        if index.column() == 1 and role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row())
        return None

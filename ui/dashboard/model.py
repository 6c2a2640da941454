"""The dashboard's per-source table: inquiries, qualified, customers and the seed-003 rates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.metrics import SourceFigures

Index = QModelIndex | QPersistentModelIndex

# key, header, tooltip (headers on two lines where the table is narrow: it fits beside a chart;
# on one where its column has the room, SourceRatesModel.set_one_line)
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("source", "Source", "Source or campaign"),
    ("inquiries", "Inquiries", "Contacts from this source that became inquiries in the period"),
    (
        "qualified",
        "Qualified\nleads",
        "Leads from this source qualified during the period (every required BANT answer yes)",
    ),
    ("customers", "Customers", "Of the period's inquiries, how many reached Customer"),
    (
        "qualification_rate",
        "Qualification\nrate",
        "Qualified leads during the period ÷ inquiries in the period",
    ),
    ("conversion_rate", "Conversion\nrate", "Customers ÷ qualified leads"),
    ("reached", "Reached", "Prospects an outbound campaign reached (Tools ▸ Settings)"),
    ("response_rate", "Response\nrate", "Inquiries ÷ prospects reached"),
)
# the cohort view names its figures so
COHORT_COLUMNS: dict[str, tuple[str, str]] = {
    "qualified": (
        "Qualified\n(cohort)",
        "Of this source's inquiries in the period, how many are qualified leads",
    ),
    "qualification_rate": (
        "Qualification rate\n(cohort)",
        "Cohort by inquiry month: the period's inquiries that are qualified ÷ those inquiries",
    ),
}
RATE_KEYS = {"qualification_rate", "conversion_rate", "response_rate"}
SortValueRole = Qt.ItemDataRole.UserRole + 1


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


class SourceRatesModel(QAbstractTableModel):
    """One row per source; sorting is in memory (a few dozen rows at most)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[SourceFigures] = []
        self._cohort = False
        self._one_line: frozenset[int] = frozenset()  # headers shown on one line

    def set_cohort(self, cohort: bool) -> None:
        """Name the qualified columns as the cohort view's (or seed 003's period view)."""
        if cohort != self._cohort:
            self._cohort = cohort
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)

    def narrow_header_text(self, section: int) -> str:
        """The header on its lines for a narrow column."""
        key, text, _tip = COLUMNS[section]
        return COHORT_COLUMNS[key][0] if self._cohort and key in COHORT_COLUMNS else text

    def header_text(self, section: int) -> str:
        """The header as shown: on one line in a column that has the room for it."""
        text = self.narrow_header_text(section)
        return text.replace("\n", " ") if section in self._one_line else text

    def set_one_line(self, sections: frozenset[int]) -> None:
        """Show these sections' headers on one line (their columns have the room)."""
        if sections != self._one_line:
            self._one_line = sections
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)

    def set_rows(self, rows: Sequence[SourceFigures]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def source_at(self, row: int) -> SourceFigures | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        key, _text, tip = COLUMNS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.header_text(section)
        if role == Qt.ItemDataRole.ToolTipRole:
            return COHORT_COLUMNS[key][1] if self._cohort and key in COHORT_COLUMNS else tip
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(COLUMNS):
            return None
        row = self._rows[index.row()]
        key = COLUMNS[index.column()][0]
        value = getattr(row, key)
        if role == Qt.ItemDataRole.DisplayRole:
            if key in RATE_KEYS:
                return percent(value)
            if key == "source":
                return str(value)
            return "—" if value is None else f"{value:,}"
        if role == SortValueRole:
            return -1.0 if value is None else value
        if role == Qt.ItemDataRole.TextAlignmentRole and key != "source":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and key == "source":
            return str(value)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(COLUMNS):
            return
        key = COLUMNS[column][0]
        self.layoutAboutToBeChanged.emit()

        def sort_key(r: SourceFigures) -> Any:
            value = getattr(r, key)
            if key == "source":
                return str(value).casefold()
            return -1.0 if value is None else float(value)

        before = list(self._rows)
        self._rows.sort(key=sort_key, reverse=order == Qt.SortOrder.DescendingOrder)
        where = {id(r): i for i, r in enumerate(self._rows)}
        old = self.persistentIndexList()
        new = [self.index(where[id(before[i.row()])], i.column()) for i in old]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

"""A table's column headers aligned as their cells: a column of figures aligned right gets
its header on the right too. Centred, "Size" sat over the middle of the backups table's
stretched column with "1.7 MB" at its right edge, and "Qualification rate" over the middle of
a 270 px column whose rates hugged its right edge on the dashboard at 2560 px."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QStyleOptionHeader, QTableView

_HORIZONTAL = Qt.AlignmentFlag.AlignHorizontal_Mask


class CellAlignedHeader(QHeaderView):
    """A horizontal header whose sections are aligned as their column's cells are (the
    first row's ``TextAlignmentRole``); a column without an alignment keeps the header's
    default."""

    def __init__(self, view: QTableView) -> None:
        super().__init__(Qt.Orientation.Horizontal, view)

    def cell_alignment(self, section: int) -> Qt.AlignmentFlag | None:
        """The horizontal alignment of ``section``'s cells (None: the default)."""
        model = self.model()
        if model is None or model.rowCount() == 0:
            return None
        aligned = model.index(0, section).data(Qt.ItemDataRole.TextAlignmentRole)
        if aligned is None:
            return None
        horizontal = Qt.AlignmentFlag(int(aligned)) & _HORIZONTAL
        return horizontal if horizontal else None

    def initStyleOptionForIndex(self, option: QStyleOptionHeader, logicalIndex: int) -> None:
        super().initStyleOptionForIndex(option, logicalIndex)
        horizontal = self.cell_alignment(logicalIndex)
        if horizontal is not None:
            vertical = option.textAlignment & Qt.AlignmentFlag.AlignVertical_Mask  # type: ignore[attr-defined]
            option.textAlignment = horizontal | vertical  # type: ignore[attr-defined]


def align_headers_with_cells(view: QTableView) -> QHeaderView:
    """Give ``view`` a :class:`CellAlignedHeader` (before its header is set up: a new header
    starts from Qt's defaults) and return it."""
    header = CellAlignedHeader(view)
    old = view.horizontalHeader()
    header.setDefaultAlignment(old.defaultAlignment())
    header.setHighlightSections(old.highlightSections())
    header.setSectionsClickable(old.sectionsClickable())
    header.setStretchLastSection(old.stretchLastSection())
    view.setHorizontalHeader(header)
    return header

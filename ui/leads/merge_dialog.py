"""Tools ▸ Find duplicates…: the likely pairs with their evidence and score (found on a
worker), and a side-by-side merge that picks each field; the merge is one undoable
operation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import contacts, operations
from app.duplicates import DuplicatePair, find_duplicates
from app.fields import FIELD_LABELS
from app.merge import PICKED_FIELDS
from ui.api import WindowApi
from ui.fields import as_label
from ui.line_breaks import WrappedLabel
from ui.row_fit import VisibleRowFitter
from ui.theme import follow_palette, theme_colors
from ui.window_room import dialog_room


def choice_sheet(palette: QPalette) -> str:
    """The merge table's radio circles drawn in the palette's colours: Fusion outlines them
    in a shade of the window colour, which vanishes on a dark Base (the unchosen values of
    the second contact showed no circle at all); the corner cell plain, not a light bevel."""
    colors = theme_colors(palette)
    return (
        "QRadioButton::indicator { width: 12px; height: 12px; border-radius: 7px;"
        f" border: 1px solid {colors['muted']}; background: {colors['base']}; }}"
        "QRadioButton::indicator:checked { width: 6px; height: 6px;"
        f" border: 4px solid {colors['accent']}; }}"
        f"QTableCornerButton::section {{ background: {colors['base']}; border: none; }}"
    )


def _plain_text(button: QRadioButton) -> str:
    """The value a button shows (its text without the mnemonic escapes)."""
    return button.text().replace("&&", "&")


def _plain(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


class MergeDialog(QDialog):
    """Contacts side by side; per field a choice of whose value to keep. The first column is
    the contact kept (its id, history and place in lists)."""

    def __init__(self, api: WindowApi, ids: Sequence[int], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.api = api
        self.setWindowTitle("Merge contacts")
        self.details = [contacts.get_contact(api.db, i) for i in ids]
        self.keep_group = QButtonGroup(self)
        self.field_groups: dict[str, QButtonGroup] = {}
        fields = [f for f in PICKED_FIELDS if any(getattr(d, f, None) for d in self.details)]
        self.table = QTableWidget(len(fields) + 1, len(self.details))
        self.table.setHorizontalHeaderLabels([f"#{d.id}" for d in self.details])
        self.table.setVerticalHeaderLabels(
            ["Keep this one", *(FIELD_LABELS.get(f, f) for f in fields)]
        )
        for col, d in enumerate(self.details):
            keep = QRadioButton(as_label(d.name))
            keep.setChecked(col == 0)
            self.keep_group.addButton(keep, col)
            self.table.setCellWidget(0, col, keep)
        for row, name in enumerate(fields, start=1):
            group = QButtonGroup(self)
            self.field_groups[name] = group
            chosen = next(
                (c for c, d in enumerate(self.details) if getattr(d, name, None) not in (None, "")),
                0,
            )
            for col, d in enumerate(self.details):
                value = getattr(d, name, None)
                button = QRadioButton(as_label("" if value is None else str(value)))
                button.setChecked(col == chosen)
                group.addButton(button, col)
                self.table.setCellWidget(row, col, button)
        self.buttons: list[QRadioButton] = []
        for r in range(self.table.rowCount()):
            for c in range(self.table.columnCount()):
                cell = self.table.cellWidget(r, c)
                if isinstance(cell, QRadioButton):
                    self.buttons.append(cell)
        # each value as the user wrote it (a button's text reads "&" as a mnemonic)
        self.full_text = {id(b): _plain_text(b) for b in self.buttons}
        for button in self.buttons:
            button.setToolTip(self.full_text[id(button)])
        # the contacts share the width (no sideways scrolling), each column by what its
        # values need (an equal share cut the longer address of two); a value too long for
        # its column is shortened in the middle, the whole of it in its tooltip
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(False)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.viewport().installEventFilter(self)
        follow_palette(self.table, choice_sheet)  # the choices' circles show on dark too
        note = WrappedLabel(
            "Every e-mail address, phone, activity, task, answer and the whole history is kept; "
            "notes are joined. Undo brings the merged contacts back."
        )
        note.setWordWrap(True)
        self.note = note
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.merge_button = buttons.addButton("Merge", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.button_box = buttons
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addWidget(note)
        lay.addWidget(buttons)
        self._fit_size()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
            QTimer.singleShot(0, self._fit_texts)  # after the columns took the new width
        return super().eventFilter(watched, event)

    def _natural_width(self, button: QRadioButton) -> int:
        """What a choice needs to show its whole value (its circle and the gap too)."""
        text = self.full_text.get(id(button), _plain_text(button))
        fm = button.fontMetrics()
        return (
            button.sizeHint().width()
            - fm.horizontalAdvance(_plain_text(button))
            + fm.horizontalAdvance(text)
        )

    def _natural_widths(self) -> list[int]:
        """Each contact's column: what its longest value (or its header) needs."""
        table = self.table
        header = table.horizontalHeader()
        natural = [header.sectionSizeFromContents(c).width() for c in range(table.columnCount())]
        for r in range(table.rowCount()):
            for c in range(table.columnCount()):
                button = table.cellWidget(r, c)
                if isinstance(button, QRadioButton):
                    natural[c] = max(natural[c], self._natural_width(button) + 12)
        return natural

    def _fit_columns(self) -> None:
        """The columns fill the table's width: each its natural width and an equal share of
        what is left, or (too little room for all) a share in proportion to what it needs."""
        natural = self._natural_widths()
        room = self.table.viewport().width()
        if not natural or room <= 0:
            return
        spare = room - sum(natural)
        if spare >= 0:
            widths = [n + spare // len(natural) for n in natural]
        else:
            widths = [room * n // sum(natural) for n in natural]
        widths[-1] += room - sum(widths)  # no strip left over at the side
        for c, width in enumerate(widths):
            self.table.setColumnWidth(c, width)

    def _fit_size(self) -> None:
        """As wide as the values need and as tall as the rows, up to most of the window."""
        room_w, room_h = dialog_room(self)
        table = self.table
        natural = self._natural_widths()
        header = table.horizontalHeader()
        side = table.verticalHeader().sizeHint().width()
        scroll = table.verticalScrollBar().sizeHint().width()
        lay = self.layout()
        assert lay is not None
        margins = lay.contentsMargins()
        outside = margins.left() + margins.right() + 2 * table.frameWidth()
        width = max(560, min(side + sum(natural) + scroll + outside, room_w))
        rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
        height = header.sizeHint().height() + rows + 2 * table.frameWidth()
        height += margins.top() + margins.bottom() + 2 * lay.spacing()
        height += self.note.heightForWidth(width - margins.left() - margins.right())
        height += self.button_box.sizeHint().height()
        self.resize(width, max(360, min(height, room_h)))
        self._fit_columns()
        self._fit_texts()

    def _fit_texts(self) -> None:
        """Each value whole where its column has the room, else shortened in the middle."""
        table = self.table
        for c in range(table.columnCount()):
            width = table.columnWidth(c) - 8
            for r in range(table.rowCount()):
                button = table.cellWidget(r, c)
                if not isinstance(button, QRadioButton):
                    continue
                text = self.full_text.get(id(button), _plain_text(button))
                chrome = self._natural_width(button) - button.fontMetrics().horizontalAdvance(text)
                room = max(20, width - chrome)
                shown = button.fontMetrics().elidedText(text, Qt.TextElideMode.ElideMiddle, room)
                if shown != _plain_text(button):
                    button.setText(as_label(shown))

    def plan(self) -> tuple[int, list[int], dict[str, int]]:
        """(kept id, the others, {field: id to take it from}) as chosen."""
        keep_col = max(0, self.keep_group.checkedId())
        keep = self.details[keep_col].id
        others = [d.id for d in self.details if d.id != keep]
        choose = {
            name: self.details[group.checkedId()].id
            for name, group in self.field_groups.items()
            if group.checkedId() >= 0 and self.details[group.checkedId()].id != keep
        }
        return keep, others, choose

    def run(self) -> None:
        keep, others, choose = self.plan()
        db = self.api.db
        self.api.ops.run(
            lambda: operations.merge_contacts(db, keep, others, choose),
            on_success=lambda _r: self.api.select_contact(keep),
            failure_title="Could not merge",
        )


class DuplicatesDialog(QDialog):
    def __init__(self, api: WindowApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.api = api
        self.pairs: list[DuplicatePair] = []
        self.setWindowTitle("Likely duplicates")
        self.status = QLabel("Looking for duplicates…")
        self.table = QTableWidget(0, 4)
        # a pair's lower id first: ids are never reused, so that one was added first
        self.table.setHorizontalHeaderLabels(["Score", "Added first", "Added later", "Evidence"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)  # a pair's two lines of evidence read as one
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)  # evidence: wrapped
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # each row as tall as its evidence, measured for the rows in sight only (all of
        # them on every column resize froze the window with thousands of pairs)
        self.rows_fit = VisibleRowFitter(self.table)
        self.table.doubleClicked.connect(lambda _i: self.merge_selected())
        self.merge_button = QPushButton("Merge…")
        self.merge_button.clicked.connect(self.merge_selected)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.merge_button)
        row.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.table, 1)
        lay.addLayout(row)
        self.resize(900, 500)

    def refresh(self) -> None:
        self.status.setText("Looking for duplicates…")
        self.api.tasks.run(find_duplicates, self.api.db, on_done=self.show_pairs, label="")

    def show_pairs(self, pairs: Any) -> None:
        self.pairs = list(pairs)
        self.table.setRowCount(len(self.pairs))
        for r, p in enumerate(self.pairs):
            self.table.setItem(r, 0, _plain(str(p.score)))
            self.table.setItem(r, 1, _plain(f"#{p.ids[0]} {p.names[0]}"))
            self.table.setItem(r, 2, _plain(f"#{p.ids[1]} {p.names[1]}"))
            evidence = _plain("\n".join(p.reasons))  # one reason a line, each wrapped
            evidence.setToolTip("\n".join(p.reasons))
            self.table.setItem(r, 3, evidence)
        self._fit_size()
        self.rows_fit.fit()  # the evidence wraps in full
        n = len(self.pairs)
        self.status.setText(f"{n:,} likely pair{'s' if n != 1 else ''}")

    MEASURED = 200  # pairs whose evidence is measured for the width (thousands: their start)

    def _fit_size(self) -> None:
        """As wide as the names and the evidence need (a reason a line) and as tall as the
        pairs, up to most of the window it opens over, as the merge dialog (a fixed 900×500
        showed seven of 161 pairs at 2560×1440, their evidence wrapped onto three lines)."""
        room_w, limit = dialog_room(self)
        table, lay = self.table, self.layout()
        assert lay is not None
        header, fm = table.horizontalHeader(), table.fontMetrics()
        names = sum(max(header.sectionSizeHint(c), table.sizeHintForColumn(c)) for c in range(3))
        reasons = [r for p in self.pairs[: self.MEASURED] for r in p.reasons]
        evidence = max(
            [header.sectionSizeHint(3)] + [fm.horizontalAdvance(r) + 12 for r in reasons]
        )
        margins = lay.contentsMargins()
        outside = margins.left() + margins.right() + 2 * table.frameWidth()
        scroll = table.verticalScrollBar().sizeHint().width()
        width = max(560, min(names + evidence + scroll + outside, room_w))
        self.resize(width, self.height())
        # the columns at that width (the evidence wraps where it must), then the rows' heights
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        buttons = lay.itemAt(lay.count() - 1)
        height = header.sizeHint().height() + 2 * table.frameWidth() + lay.spacing()
        height += margins.top() + margins.bottom() + (buttons.sizeHint().height() if buttons else 0)
        for row in range(table.rowCount()):
            if height > limit:
                break
            height += table.sizeHintForRow(row)
        self.resize(width, max(self.minimumSizeHint().height(), min(height, limit)))

    def merge_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        pair = self.pairs[rows[0].row()]
        dialog = MergeDialog(self.api, list(pair.ids), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            dialog.run()
            self.table.removeRow(rows[0].row())
            del self.pairs[rows[0].row()]

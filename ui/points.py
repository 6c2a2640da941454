"""Every e-mail address, phone and postal address of a contact in the detail panel (a section
listing them, primary first) and an editor for them (``app.points``; saved as one undoable
operation through the window's one writer)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.point_values import ADDRESS, EMAIL, KINDS, PHONE, ContactPoints, Point
from ui.api import WindowApi
from ui.detail_sections import ContactSection, plain_label
from ui.line_breaks import WrappedLabel

if TYPE_CHECKING:
    from app.contact_view import ContactView
    from db.engine import Database

TITLES = {EMAIL: "E-mail", PHONE: "Phone", ADDRESS: "Address"}
GROUP_TITLES = {EMAIL: "E-mail addresses", PHONE: "Phones", ADDRESS: "Postal addresses"}
# the editor's columns after "Primary" and "Kind"
VALUE_COLUMNS = {
    EMAIL: (("value", "Address"),),
    PHONE: (("value", "Number"),),
    ADDRESS: (
        ("street", "Street"),
        ("po_box", "PO box"),
        ("postcode", "Postcode"),
        ("city", "City"),
        ("region", "Region"),
        ("country", "Country"),
    ),
}


def load_points(db: Database, contact_id: int) -> ContactPoints:
    from app.points import points_of  # SQLAlchemy: with the first contact, not the window

    with db.session() as s:
        return points_of(s, contact_id)


class PointsSection(ContactSection):
    """The lists, read on a worker each time the panel shows (or re-reads) a contact."""

    def __init__(self, api: WindowApi, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.api = api
        self.contact_id: int | None = None
        self.points = ContactPoints()
        self.tree = QTreeWidget()
        self.tree.setObjectName("pointsTree")
        self.tree.setHeaderHidden(True)
        self.tree.setColumnCount(2)
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.tree.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tree.setWordWrap(True)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.header().setStretchLastSection(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.empty = plain_label("No e-mail address, phone or address yet.", "hint")
        self.edit_button = QPushButton("Edit…")  # the section's title says what
        self.edit_button.setToolTip("Edit e-mails, phones and addresses")
        self.edit_button.setObjectName("editPoints")
        self.edit_button.clicked.connect(self.edit)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.tree)
        lay.addWidget(self.empty)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.edit_button)
        lay.addLayout(row)
        self._fill()

    def show_view(self, view: ContactView | None) -> None:
        contact_id = view.id if view is not None else None
        if contact_id != self.contact_id:
            self.points = ContactPoints()
            self.contact_id = contact_id
            self._fill()
        if contact_id is None:
            return

        def loaded(points: ContactPoints) -> None:
            if contact_id == self.contact_id:  # not a contact shown before
                self.points = points
                self._fill()

        self.api.tasks.run(load_points, self.api.db, contact_id, on_done=loaded)

    def _fill(self) -> None:
        self.tree.clear()
        bold = QFont(self.tree.font())
        bold.setBold(True)
        for what in (EMAIL, PHONE, ADDRESS):
            for p in self.points.of(what):
                kind = f" ({p.kind})" if p.kind else ""
                item = QTreeWidgetItem([f"{TITLES[what]}{kind}", p.one_line() or p.value])
                item.setToolTip(1, p.one_line() or p.value)
                if p.primary:
                    item.setFont(1, bold)
                    item.setToolTip(0, "The primary one")
                self.tree.addTopLevelItem(item)
        has_any = self.tree.topLevelItemCount() > 0
        self.tree.setVisible(has_any)
        self.empty.setVisible(not has_any and self.contact_id is not None)
        self.edit_button.setEnabled(self.contact_id is not None)

    def edit(self) -> None:
        if self.contact_id is None:
            return
        contact_id = self.contact_id
        dialog = PointsDialog(self.points, self.api.dialog_parent())
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        lists = dialog.result_points()
        db = self.api.db
        from app import operations

        self.api.ops.run(
            lambda: operations.set_contact_points(db, contact_id, lists),
            on_success=lambda _r: self.api.show_status("E-mails, phones and addresses saved"),
            failure_title="E-mails, phones and addresses not saved",
        )


class PointsTable(QTableWidget):
    """One list in the editor: Primary, Kind, then the value (or an address's parts)."""

    def __init__(self, what: str, points: list[Point], parent: QWidget | None = None) -> None:
        columns = VALUE_COLUMNS[what]
        super().__init__(0, 2 + len(columns), parent)
        self.what = what
        self.setObjectName(f"points_{what}")
        self.setHorizontalHeaderLabels(["Primary", "Kind", *(title for _k, title in columns)])
        self.verticalHeader().hide()
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        widest = max(self.fontMetrics().horizontalAdvance(k) for k in ("Kind", *KINDS[what]))
        self.setColumnWidth(1, widest + 56)  # the combo box's frame and arrow
        self.itemChanged.connect(self._one_primary)
        for p in points:
            self.add_point(p)

    def add_point(self, p: Point | None = None) -> None:
        p = p or Point()
        row = self.rowCount()
        self.blockSignals(True)
        self.insertRow(row)
        check = QTableWidgetItem()
        check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        check.setCheckState(Qt.CheckState.Checked if p.primary else Qt.CheckState.Unchecked)
        self.setItem(row, 0, check)
        kind = QComboBox()
        kind.setEditable(True)  # a file's own label ("Assistant") stays possible
        kind.addItems(["", *KINDS[self.what]])
        kind.setCurrentText(p.kind)
        kind.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # the wheel scrolls the table
        self.setCellWidget(row, 1, kind)
        for col, (key, _title) in enumerate(VALUE_COLUMNS[self.what], start=2):
            self.setItem(row, col, QTableWidgetItem(getattr(p, key)))
        self.blockSignals(False)
        if self.rowCount() == 1 and not p.primary:
            check.setCheckState(Qt.CheckState.Checked)

    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.selectedIndexes()}, reverse=True)
        for row in rows:
            self.removeRow(row)

    def _one_primary(self, item: QTableWidgetItem) -> None:
        if item.column() != 0 or item.checkState() != Qt.CheckState.Checked:
            return
        self.blockSignals(True)
        for row in range(self.rowCount()):
            other = self.item(row, 0)
            if other is not None and other is not item:
                other.setCheckState(Qt.CheckState.Unchecked)
        self.blockSignals(False)

    def points(self) -> list[Point]:
        out: list[Point] = []
        for row in range(self.rowCount()):
            check = self.item(row, 0)
            kind = self.cellWidget(row, 1)
            p = Point(
                kind=kind.currentText() if isinstance(kind, QComboBox) else "",
                primary=check is not None and check.checkState() == Qt.CheckState.Checked,
            )
            for col, (key, _title) in enumerate(VALUE_COLUMNS[self.what], start=2):
                cell = self.item(row, col)
                setattr(p, key, cell.text().strip() if cell is not None else "")
            out.append(p)
        return out


@dataclass
class _Group:
    table: PointsTable
    add: QPushButton
    remove: QPushButton


class PointsDialog(QDialog):
    """Edit the three lists; OK hands them back (validated by the operation)."""

    def __init__(self, points: ContactPoints, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pointsDialog")
        self.setWindowTitle("E-mails, phones and addresses")
        self.resize(860, 560)
        lay = QVBoxLayout(self)
        intro = WrappedLabel(
            "The primary e-mail address and phone are the ones the list shows and sales "
            "calls; the primary address gives the contact's city and country."
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.groups: dict[str, _Group] = {}
        for what in (EMAIL, PHONE, ADDRESS):
            box = QGroupBox(GROUP_TITLES[what])
            bl = QVBoxLayout(box)
            table = PointsTable(what, points.of(what))
            add = QPushButton(f"Add {TITLES[what].lower()}")
            remove = QPushButton("Remove")
            add.clicked.connect(lambda _c=False, t=table: self._add(t))
            remove.clicked.connect(table.remove_selected)
            row = QHBoxLayout()
            row.addWidget(add)
            row.addWidget(remove)
            row.addStretch(1)
            bl.addWidget(table, 1)
            bl.addLayout(row)
            lay.addWidget(box, 2 if what == ADDRESS else 1)
            self.groups[what] = _Group(table, add, remove)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def _add(self, table: PointsTable) -> None:
        table.add_point()
        table.setCurrentCell(table.rowCount() - 1, 2)
        item = table.item(table.rowCount() - 1, 2)
        if item is not None:
            table.editItem(item)

    def result_points(self) -> ContactPoints:
        return ContactPoints(
            emails=self.groups[EMAIL].table.points(),
            phones=self.groups[PHONE].table.points(),
            addresses=self.groups[ADDRESS].table.points(),
        )


@dataclass
class PointsFeature:
    # the detail panel's section, built with the panel's body (at once if need be)
    get_section: Callable[[], PointsSection]

    @property
    def section(self) -> PointsSection:
        return self.get_section()


def install(api: WindowApi) -> PointsFeature:
    section = api.detail.add_section(
        "E-mails, phones and addresses", lambda: PointsSection(api), 40
    )
    return PointsFeature(section)

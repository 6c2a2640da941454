"""The summary page's "Where they went": the import's new contacts by stage, by kind of address
and by source (:func:`app.importing.outcome.batch_outcome`, read on a worker), a line each
in a card that keeps to a few lines (the new contacts under it get the height); and the new
contacts themselves, best score first, each opened in the window with a double-click."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.contacts import ContactQuery, ContactRow, list_rows
from app.golook.badges import address_badge
from app.importing.outcome import BatchOutcome, batch_outcome
from app.stages import list_stages
from db.engine import Database
from ui.contact_table import color_dot
from ui.flow_layout import FlowLayout
from ui.importing.widgets import label
from ui.tasks import TaskRunner
from ui.whole_rows import WholeRows


class CountList(QWidget):
    """One kind of count (stage, kind of address, source): each name with its count, one
    after another on a line, wrapping where the card is narrow. Its ``title`` is placed by
    the card, in a column left of the names: a list each of names and counts under its title
    made the card as tall as its longest list (131 px at 1024×700 for four kinds of address,
    the new contacts under it down to two rows)."""

    def __init__(self, title: str, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.title = QLabel(title)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.title.setObjectName("outcomeListTitle")
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.flow = FlowLayout(self, spacing=20, line_spacing=3)
        self.entries: list[tuple[QLabel, QLabel]] = []  # (name, count) as shown

    def set_rows(self, rows: list[tuple[str, int, str | None]]) -> None:
        """(name, count, colour of its dot or None)."""
        while (item := self.flow.takeAt(0)) is not None:
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()
        self.entries = []
        for name, count, colour in rows:
            entry = QWidget()
            line = QHBoxLayout(entry)
            line.setContentsMargins(0, 0, 0, 0)
            line.setSpacing(5)
            # the count first and bold: "Hannover Messe 2026 15" read as one name
            figure = QLabel(f"{count:,}")
            font = figure.font()
            font.setBold(True)
            figure.setFont(font)
            line.addWidget(figure)
            if colour:
                dot = QLabel()
                dot.setPixmap(color_dot(colour).pixmap(12, 12))
                line.addWidget(dot)
            text = QLabel(name or "(no source)")
            text.setTextFormat(Qt.TextFormat.PlainText)
            line.addWidget(text)
            self.flow.addWidget(entry)
            self.entries.append((text, figure))
        self.updateGeometry()

    def texts(self) -> list[tuple[str, str]]:
        """(name, count) as shown, one after another."""
        return [(name.text(), count.text()) for name, count in self.entries]


NEW_SHOWN = 500  # the new contacts listed (a bigger import: its best-scored)
ContactIdRole = Qt.ItemDataRole.UserRole + 1


class NewContactsTree(QTreeWidget):
    """A list as tall as its rows (no empty white under a short list); where the page has
    less room it gets what there is, down to a few rows, and scrolls."""

    def __init__(self) -> None:
        super().__init__()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)

    def row_height(self) -> int:
        """The rows' height: as the summary's other tables (room around the text)."""
        return self.fontMetrics().height() + 12

    def _rows(self, rows: int) -> int:
        return self.header().sizeHint().height() + rows * self.row_height() + 2 * self.frameWidth()

    def sizeHint(self) -> QSize:
        # counted no further than the window is tall (500 rows would be measured for nothing)
        limit = max(self.window().height(), 200) // self.row_height() + 1
        return QSize(super().sizeHint().width(), self._rows(min(self.topLevelItemCount(), limit)))

    def minimumSizeHint(self) -> QSize:
        rows = min(self.topLevelItemCount(), 3)
        return QSize(super().minimumSizeHint().width(), self._rows(rows))


class NewContacts(QWidget):
    """The import's new contacts, best score first; a double-click (or "Open in Winnow")
    shows the contact in the window (``open_contact``; None: the button is hidden)."""

    COLUMNS = ("Name", "Company", "Address", "Stage", "Score")

    def __init__(
        self,
        open_contact: Callable[[int], None] | None,
        show_batch: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("newContacts")
        self.open_contact = open_contact
        self.show_batch = show_batch
        self.batch_id: int | None = None
        self.title = label("", "sectionTitle")
        self.tree = NewContactsTree()
        self.tree.setObjectName("newContactsList")
        self.tree.setHeaderLabels(list(self.COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column in (0, 1):  # the names and companies share what the others leave
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.tree.itemDoubleClicked.connect(lambda item, _c: self._open(item))
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        self.open_button = QPushButton("Open in Winnow")
        self.open_button.setObjectName("openImported")
        self.open_button.setToolTip("Show the selected contact in the main window")
        self.open_button.clicked.connect(lambda: self._open(self.tree.currentItem()))
        self.open_button.setEnabled(False)
        self.open_button.setVisible(open_contact is not None)
        # all of them at once in the window's list (the list here shows at most NEW_SHOWN)
        self.show_all_button = QPushButton("Show these contacts")
        self.show_all_button.setObjectName("showImported")
        self.show_all_button.setToolTip("List every contact of this import in the main window")
        self.show_all_button.clicked.connect(self._show_all)
        self.show_all_button.setVisible(show_batch is not None)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.show_all_button)
        head.addWidget(self.open_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        lay.addLayout(head)
        # given the page's spare height, whole rows only (not two and the top of a third)
        lay.addWidget(WholeRows(self.tree))
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.hide()

    def show_rows(self, rows: list[ContactRow], total: int, stage_names: dict[str, str]) -> None:
        self.tree.clear()
        for row in rows:
            item = QTreeWidgetItem(
                [
                    row.name,
                    row.company or "",
                    address_badge(row.domain_class).label,
                    stage_names.get(row.stage_key, row.stage_key),
                    "" if row.score is None else str(row.score),
                ]
            )
            item.setData(0, ContactIdRole, row.id)
            item.setSizeHint(0, QSize(0, self.tree.row_height()))
            item.setTextAlignment(4, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.tree.addTopLevelItem(item)
        shown = f"the {len(rows):,} best-scored of " if len(rows) < total else ""
        title = f"The new contacts: {shown}{total:,}, best score first"
        if self.open_contact is not None:
            title += " (double-click one to open it)"
        self.title.setText(title.upper())
        self.setVisible(bool(rows))
        self.tree.updateGeometry()  # as tall as its new rows

    def _show_all(self) -> None:
        if self.batch_id is not None and self.show_batch is not None:
            self.show_batch(self.batch_id)

    def _selection_changed(self) -> None:
        self.open_button.setEnabled(self.tree.currentItem() is not None)

    def _open(self, item: QTreeWidgetItem | None) -> None:
        if item is not None and self.open_contact is not None:
            self.open_contact(int(item.data(0, ContactIdRole)))


class BatchOutcomeView(QFrame):
    """Where an import's new contacts went; hidden until the counts are read (and when the
    import created none)."""

    def __init__(
        self,
        db: Database,
        runner: TaskRunner,
        open_contact: Callable[[int], None] | None = None,
        show_batch: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__()
        self.setObjectName("section")  # a card, as the options page's review
        self.db, self.runner = db, runner
        # the contacts themselves: placed by the page (they take the room it has left)
        self.new_contacts = NewContacts(open_contact, show_batch)
        self.batch_id: int | None = None
        self.outcome: BatchOutcome | None = None
        self.title = label("", "sectionTitle")
        self.stages = CountList("Stage", "outcomeStages")
        self.kinds = CountList("Kind of address", "outcomeKinds")
        self.sources = CountList("Source", "outcomeSources")
        # a line each, its title left of it (the card as tall as three lines, however many
        # kinds of address)
        lists = QGridLayout()
        lists.setContentsMargins(0, 0, 0, 0)
        lists.setHorizontalSpacing(16)
        lists.setVerticalSpacing(4)
        for row, part in enumerate((self.stages, self.kinds, self.sources)):
            lists.addWidget(part.title, row, 0, Qt.AlignmentFlag.AlignTop)
            lists.addWidget(part, row, 1)
        lists.setColumnStretch(1, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 8, 14, 8)
        lay.setSpacing(6)
        lay.addWidget(self.title)
        lay.addLayout(lists)
        self.hide()

    def show_batch(self, batch_id: int | None) -> None:
        """Read the batch's counts on a worker (None: nothing was imported)."""
        self.batch_id = batch_id
        self.new_contacts.batch_id = batch_id
        self.show_outcome(None)
        self.new_contacts.show_rows([], 0, {})
        if batch_id is None:
            return

        db = self.db
        query = ContactQuery(batch_id=batch_id, sort="score", descending=True)

        def read() -> tuple[BatchOutcome, dict[str, str], dict[str, str], list[ContactRow]]:
            stages = list_stages(db)
            colours = {st.key: st.color for st in stages}
            names = {st.key: st.name for st in stages}
            return batch_outcome(db, batch_id), colours, names, list_rows(db, query, NEW_SHOWN)

        def done(
            result: tuple[BatchOutcome, dict[str, str], dict[str, str], list[ContactRow]],
        ) -> None:
            outcome, colours, names, rows = result
            if outcome.batch_id == self.batch_id:  # not an answer for an earlier import
                self.show_outcome(outcome, colours)
                self.new_contacts.show_rows(rows, outcome.contacts, names)

        self.runner.run(read, on_done=done, on_error=lambda _exc: None)

    def show_outcome(
        self, outcome: BatchOutcome | None, colours: dict[str, str] | None = None
    ) -> None:
        self.outcome = outcome
        if outcome is None or outcome.contacts == 0:
            self.hide()
            return
        colours = colours or {}
        noun = "contact" if outcome.contacts == 1 else "contacts"
        self.title.setText(f"Where the {outcome.contacts:,} new {noun} are now".upper())
        self.stages.set_rows([(name, n, colours.get(key)) for key, name, n in outcome.stages])
        self.kinds.set_rows([(kind, n, None) for kind, n in outcome.kinds])
        self.sources.set_rows([(source, n, None) for source, n in outcome.sources])
        self.show()

"""The parts of the detail panel: titled sections, the activities box and the stage history.

Every section shows one :class:`~app.contact_view.ContactView` pushed by the panel
(:meth:`ContactSection.show_view`); none of them reads the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFontMetricsF, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.timeutil import local_text
from ui.contrast import readable_on_base
from ui.line_breaks import KeepHyphensDelegate, WrappedLabel, item_text_room, keep_hyphenated
from ui.theme import follow_palette

if TYPE_CHECKING:
    from app.contact_view import ContactView

ActivityIdRole = Qt.ItemDataRole.UserRole + 1


def plain_label(text: str = "", object_name: str | None = None) -> QLabel:
    """A label that never interprets user text as HTML, wrapped (``ui.line_breaks``)."""
    label = WrappedLabel(text)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if object_name:
        label.setObjectName(object_name)
    return label


def quiet_line(text: str, object_name: str) -> QLabel:
    """A line that says a section has nothing to show ("No tasks"): italic, in the palette's
    placeholder colour (readable on Base: ui.theme.legible_palette), following a palette
    change. Set by its own style sheet: the window's ``QWidget { color: … }`` would otherwise
    paint a placeholder role at half alpha (Qt 6), under 3:1."""
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    follow_palette(
        label,
        lambda palette: (
            f"color: {palette.color(QPalette.ColorRole.PlaceholderText).name()}; "
            "font-style: italic;"
        ),
    )
    return label


ROW_GAP = 6  # px between the texts of two rows of a small table in the panel


class WrappingDelegate(KeepHyphensDelegate):
    """Row heights for wrapped text, measured at the column's width (Qt's own measure of a
    tree row does not know the width, so wrapped text would be cut to one line), hyphenated
    words broken only where a space is (``ui.line_breaks``). While
    ``natural`` is set it measures text unwrapped (what a column would like to be).
    ``stacked`` (shown column -> hidden column): the hidden column's text is shown on its own
    line(s) under the shown column's (a narrow table: :class:`FittedTree`)."""

    def __init__(self, tree: QTreeView) -> None:
        super().__init__(tree)
        self.tree = tree
        self.natural = False
        self.stacked: dict[int, int] = {}

    def initStyleOption(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        super().initStyleOption(option, index)
        if not self.stacked or self.natural:
            return
        # the row's marks and names beside the first line of a stacked cell, not its middle
        horizontal = option.displayAlignment & Qt.AlignmentFlag.AlignHorizontal_Mask  # type: ignore[attr-defined]
        option.displayAlignment = horizontal | Qt.AlignmentFlag.AlignTop  # type: ignore[attr-defined]
        below = self._below(index)
        if below:
            room = item_text_room(self.tree, option, self.column_width(index))
            below = keep_hyphenated(below, QFontMetricsF(option.font), room)  # type: ignore[attr-defined]
            shown = option.text  # type: ignore[attr-defined]
            # Qt's line separator: the view measures the lines it separates ("\n" it runs on)
            option.text = f"{shown}\u2028{below}" if shown else below  # type: ignore[attr-defined]

    def _below(self, index: QModelIndex | QPersistentModelIndex) -> str:
        """The text shown under ``index``'s own ("" when none)."""
        column = self.stacked.get(index.column())
        if column is None:
            return ""
        text = index.model().index(index.row(), column, index.parent()).data()
        return text if isinstance(text, str) else ""

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        below = "" if self.natural else self._below(index)
        if not below:
            super().paint(painter, option, index)
            return
        # the cell as Qt paints it (background, selection, focus) without its text; then its
        # own text, and under it the stacked column's in the palette's quieter colour
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = self.tree
        style = widget.style()
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
        rect = rect.adjusted(margin, 0, -margin, 0)
        shown = str(index.data() or "")
        opt.text = ""  # type: ignore[attr-defined]
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)  # type: ignore[attr-defined]
        palette = opt.palette  # type: ignore[attr-defined]
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop) | int(
            Qt.TextFlag.TextWordWrap
        )
        painter.save()
        painter.setFont(opt.font)  # type: ignore[attr-defined]
        top = rect.top()
        for text, role in (
            (shown, QPalette.ColorRole.Text),
            (below, QPalette.ColorRole.PlaceholderText),
        ):
            if not text:
                continue
            colour = palette.color(QPalette.ColorRole.HighlightedText if selected else role)
            painter.setPen(colour if selected else readable_on_base(colour, palette))
            area = QRect(rect.left(), top, rect.width(), max(1, rect.bottom() - top + 1))
            text = keep_hyphenated(text, painter.fontMetrics(), rect.width())
            used = painter.drawText(area, flags, text)
            top = used.bottom() + 1
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        if self.natural:
            return super().sizeHint(option, index)
        opt = QStyleOptionViewItem(option)
        width = self.tree.header().sectionSize(index.column())
        # a valid rect (height too), or the style measures the text on one line
        height = max(1, opt.rect.height())  # type: ignore[attr-defined]
        opt.rect = QRect(0, 0, max(1, width), height)  # type: ignore[attr-defined]
        opt.features |= QStyleOptionViewItem.ViewItemFeature.WrapText  # type: ignore[attr-defined]
        hint = super().sizeHint(opt, index)
        # a gap above and below the text: a reason wrapped over lines ran straight into the
        # next row's (the text is centred in its row: half the gap each side)
        return QSize(hint.width(), hint.height() + ROW_GAP)


class FittedTree(QObject):
    """Keeps a small table inside the panel free of sideways scrolling and of empty space.
    Its columns share the table's width: each as wide as its text up to 40 % of the width
    (a column in ``whole``, a date, as wide as its text),
    the last one (or the one set to stretch) the rest; text that does not fit wraps onto
    more lines. The height follows the rows (up to ``max_rows`` rows; more scroll).
    Where the rest is narrower than ``STACK_CHARS`` characters and its text would wrap (a
    persona reason beside its criterion in a 1024 px window took 9 lines), that column goes
    under the one before it: its text on its own line(s) below, the pair as wide as the
    table less the columns before them, the header naming both.
    Installed on every tree in the panel by :func:`fit_tree`."""

    STACK_CHARS = 30  # the stretching column narrower than this many characters: stacked

    def __init__(self, tree: QTreeView, max_rows: int, whole: frozenset[int] = frozenset()) -> None:
        super().__init__(tree)
        self.setObjectName("fittedTree")
        self.tree = tree
        self.max_rows = max_rows
        # columns as wide as their text, whatever the 40 % cap (a date and time: at 1024 px
        # the cap wrapped "2026-11-30" and "11:26" onto two lines)
        self.whole = whole
        self._fitting = False
        self._fitted_width = -1  # the viewport's width the columns were last fitted to
        tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        tree.setWordWrap(True)
        tree.setUniformRowHeights(False)
        tree.setTextElideMode(Qt.TextElideMode.ElideNone)
        tree.setMinimumHeight(0)
        header = tree.header()
        modes = [header.sectionResizeMode(i) for i in range(header.count())]
        stretch = QHeaderView.ResizeMode.Stretch
        self.stretch_column = modes.index(stretch) if stretch in modes else header.count() - 1
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header.setMinimumSectionSize(24)
        self.delegate: WrappingDelegate | None = None
        if type(tree.itemDelegate()) is QStyledItemDelegate:  # a tree's own delegate stays
            self.delegate = WrappingDelegate(tree)
            tree.setItemDelegate(self.delegate)
        self._headers: dict[int, object] = {}  # a stacked pair's column -> its own header
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.fit)
        model = tree.model()
        for signal in (
            model.modelReset,
            model.rowsInserted,
            model.rowsRemoved,
            model.dataChanged,
            model.layoutChanged,
        ):
            signal.connect(self._timer.start)
        header.sectionCountChanged.connect(self._timer.start)
        tree.viewport().installEventFilter(self)
        self._timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # a new width, also one the fit itself made (its scroll bar going): fitted again
        if event.type() == QEvent.Type.Resize and (
            not self._fitting or self.tree.viewport().width() != self._fitted_width
        ):
            self._timer.start()
        return False

    def _natural_widths(self) -> list[int]:
        tree, header = self.tree, self.tree.header()
        if self.delegate is not None:
            self.delegate.natural = True
        try:
            return [
                max(header.sectionSizeFromContents(c).width(), tree.sizeHintForColumn(c))
                for c in range(header.count())
            ]
        finally:
            if self.delegate is not None:
                self.delegate.natural = False

    def fit(self) -> None:
        tree = self.tree
        model = tree.model()
        header = tree.header()
        count = header.count()
        if model is None or count == 0:
            return
        rows = model.rowCount()
        # the scroll bar first: the columns share the width left beside it
        tree.setVerticalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAsNeeded
            if rows > self.max_rows
            else Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )
        width = tree.viewport().width()
        if width <= 0:
            return
        self._fitting = True
        self._fitted_width = width
        try:
            natural = self._natural_widths()
            last = min(self.stretch_column, count - 1)
            widths = self._shared(natural, last, width, set())
            stack = (
                self.delegate is not None
                and last > 0
                and widths[last] < self.STACK_CHARS * tree.fontMetrics().averageCharWidth()
                and natural[last] > widths[last]
            )
            self._stack(last - 1 if stack else None, last)
            if stack:
                widths = self._shared(natural, last - 1, width, {last})
            for column, column_width in enumerate(widths):
                if header.sectionSize(column) != column_width:
                    header.resizeSection(column, column_width)
            tree.doItemsLayout()  # row heights for the new widths (wrapped text)
            height = 0
            for row in range(min(rows, self.max_rows)):
                height += max(tree.rowHeight(model.index(row, 0)), tree.sizeHintForRow(row))
            if rows == 0:
                height = tree.fontMetrics().height() + 8
            head = 0 if header.isHidden() else header.sizeHint().height()
            tree.setFixedHeight(head + height + 2 * tree.frameWidth() + 4)
        finally:
            self._fitting = False

    def _shared(self, natural: list[int], last: int, width: int, hidden: set[int]) -> list[int]:
        """The columns' widths: each as wide as its text up to 40 % of ``width``, ``last`` the
        rest (columns in ``hidden`` keep their width: they are not shown)."""
        least = self.tree.header().minimumSectionSize()
        cap = max(60, int(width * 0.4))
        widths = [n if c in self.whole else max(least, min(n, cap)) for c, n in enumerate(natural)]
        shown = [c for c in range(len(widths)) if c not in hidden]
        others = sum(widths[c] for c in shown if c != last)
        widths[last] = max(40, width - others)
        total = sum(widths[c] for c in shown)
        if total > width:  # very narrow: everything shares what there is
            factor = width / total
            for c in shown:
                widths[c] = max(least, int(widths[c] * factor))
        return widths

    def _stack(self, under: int | None, column: int) -> None:
        """Show ``column`` under ``under`` (None: in its own place again)."""
        delegate, header, model = self.delegate, self.tree.header(), self.tree.model()
        if delegate is None or delegate.stacked == ({} if under is None else {under: column}):
            return
        for shown in list(delegate.stacked):  # the former pair's header as it was
            model.setHeaderData(shown, Qt.Orientation.Horizontal, self._headers.pop(shown))
        delegate.stacked = {} if under is None else {under: column}
        header.setSectionHidden(column, under is not None)
        if under is None:
            return
        title = model.headerData(under, Qt.Orientation.Horizontal)
        below = model.headerData(column, Qt.Orientation.Horizontal)
        self._headers[under] = title
        if title and below:
            model.setHeaderData(under, Qt.Orientation.Horizontal, f"{title} · {below}")


def fit_tree(
    tree: QTreeView, max_rows: int = 10, whole: frozenset[int] = frozenset()
) -> FittedTree:
    """Fit a table in the detail panel (once; see :class:`FittedTree`); the columns in
    ``whole`` (dates) as wide as their text, never wrapped."""
    existing = tree.findChild(FittedTree, "fittedTree")
    if isinstance(existing, FittedTree):
        return existing
    return FittedTree(tree, max_rows, whole)


class ContactSection(QWidget):
    """The body of a detail-panel section: shows the contact the panel pushes (None: none)."""

    def show_view(self, view: ContactView | None) -> None:
        raise NotImplementedError

    def set_read_only(self, read_only: bool) -> None:
        """Nothing can be changed (a role that may not write, the server out of reach): the
        section greyed out whole. One that also offers what only reads (the go-look links)
        greys out only what would change something."""
        self.setEnabled(not read_only)


class Section(QFrame):
    """A titled card in the panel."""

    def __init__(self, title: str, body: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("section")
        self.body = body
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 10, 10, 12)
        lay.setSpacing(6)
        heading = WrappedLabel(title.upper())  # a long title takes two lines in a narrow panel
        heading.setObjectName("sectionTitle")
        lay.addWidget(heading)
        lay.addWidget(body)


class _ActivityTree(QTreeWidget):
    """Delete (or Backspace) here removes the current activity, not the contact: the key is
    taken before the window's Delete shortcut sees it."""

    remove_requested = Signal()

    def _removes(self, event: QKeyEvent) -> bool:
        return (
            event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
            and self.currentItem() is not None
        )

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and self._removes(event)
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self._removes(event):
            self.remove_requested.emit()
            return
        super().keyPressEvent(event)


class ActivitiesBox(ContactSection):
    """Log a call, e-mail, meeting or note; the contact's activities, newest first.

    ``log_requested(type, note)`` and ``remove_requested(activity_id)`` ask the panel to run
    the operation; the list follows when it has committed."""

    log_requested = Signal(str, str)
    remove_requested = Signal(int)
    edit_requested = Signal(int)  # correct an activity (kind, time, note)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.activity_list = _ActivityTree()
        self.activity_list.setObjectName("activityList")
        self.activity_list.setHeaderLabels(["When", "Activity", "Note"])
        self.activity_list.setRootIsDecorated(False)
        self.activity_list.setMinimumHeight(110)
        self.activity_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.activity_list.customContextMenuRequested.connect(self._menu)
        self.activity_list.remove_requested.connect(self.remove_current)
        self.activity_list.itemDoubleClicked.connect(lambda *_a: self.edit_current())
        self.activity_type = QComboBox()
        self.activity_type.setObjectName("activityType")
        from app import activities as acts  # SQLAlchemy: with the first contact, not the window

        for key, label in acts.ACTIVITY_TYPES.items():
            self.activity_type.addItem(label, key)
        self.activity_type.setCurrentIndex(list(acts.ACTIVITY_TYPES).index("note"))
        self.activity_note = QLineEdit()
        self.activity_note.setObjectName("activityNote")
        self.activity_note.setPlaceholderText("Add a note or log a call")
        self.activity_note.setToolTip("A note, or a call, e-mail or meeting: pick the kind below")
        self.activity_note.returnPressed.connect(self.log)
        log_button = QPushButton("Log")
        log_button.setObjectName("logActivity")
        log_button.clicked.connect(self.log)
        # the note on a line of its own, the kind and Log below it: in one row the longest
        # kind ("Asked for sales contact") and the note set the panel's minimum width
        row = QHBoxLayout()
        row.addWidget(self.activity_type, 1)
        row.addWidget(log_button)
        # no activities: one quiet line instead of an empty table (a header over a blank row)
        self.empty_label = quiet_line("No activities yet", "activitiesEmpty")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.activity_note)
        lay.addLayout(row)
        lay.addWidget(self.activity_list)
        lay.addWidget(self.empty_label)
        self.activity_list.hide()

    def show_view(self, view: ContactView | None) -> None:
        self.activity_list.clear()
        for a in reversed(view.activities if view is not None else ()):
            item = QTreeWidgetItem([local_text(a.at), a.label, a.note or ""])
            item.setToolTip(2, a.note or "")
            item.setData(0, ActivityIdRole, a.id)
            self.activity_list.addTopLevelItem(item)
        self.activity_list.resizeColumnToContents(0)
        self.activity_list.resizeColumnToContents(1)
        empty = self.activity_list.topLevelItemCount() == 0
        self.activity_list.setHidden(empty)
        self.empty_label.setVisible(empty)

    def log(self) -> None:
        self.log_requested.emit(
            str(self.activity_type.currentData()), self.activity_note.text().strip()
        )

    def remove_current(self) -> None:
        item = self.activity_list.currentItem()
        if item is not None:
            self.remove_requested.emit(int(item.data(0, ActivityIdRole)))

    def edit_current(self) -> None:
        item = self.activity_list.currentItem()
        if item is not None:
            self.edit_requested.emit(int(item.data(0, ActivityIdRole)))

    def _menu(self, pos: QPoint) -> None:
        item = self.activity_list.itemAt(pos)
        if item is None:
            return
        self.activity_list.setCurrentItem(item)
        menu = QMenu(self)
        menu.addAction("Edit this activity…", self.edit_current)
        remove = menu.addAction("Remove this activity")
        remove.triggered.connect(self.remove_current)
        menu.exec(self.activity_list.viewport().mapToGlobal(pos))


class HistoryList(QTreeWidget):
    """The contact's stage changes, newest first (undone ones struck through)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyList")
        self.setHeaderLabels(["When", "Change", "Why"])
        self.setRootIsDecorated(False)
        self.setMinimumHeight(100)

    def show_view(self, view: ContactView | None) -> None:
        self.clear()
        for h in reversed(view.history if view is not None else ()):
            assert view is not None
            change = (
                f"{view.stage_name(h.from_key)} → {view.stage_name(h.to_key)}"
                if h.from_key
                else f"Created in {view.stage_name(h.to_key)}"
            )
            why = h.reason or ""
            if h.automatic:
                why = f"Automatic: {why}" if why else "Automatic"
            if h.changed_by:  # team mode: who did it ("moved by anna")
                by = f"{'moved' if h.from_key else 'created'} by {h.changed_by}"
                why = f"{why} ({by})" if why else by[0].upper() + by[1:]
            if h.undone_at is not None:
                why = f"{why} (undone {local_text(h.undone_at)})".strip()
            item = QTreeWidgetItem([local_text(h.at), change, why])
            item.setToolTip(2, why)
            if h.undone_at is not None:
                font = item.font(1)
                font.setStrikeOut(True)
                item.setFont(1, font)
            self.addTopLevelItem(item)
        self.resizeColumnToContents(0)
        self.resizeColumnToContents(1)

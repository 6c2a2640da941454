"""The kanban board: a column per stage, cards dragged or moved by keyboard between them.

Every move goes through the window's ``move_contacts`` (the one move operation on the writer
thread: history, undo, the disqualify reason, a message when the database refuses); once it has
committed, the moved cards are selected where they landed. The board follows the window's change
notices (``ops.operation_did_execute``) and refreshes only the columns and cards they name.

The board shows the window's filters (search box, address filter, sidebar source/queue/batch);
a *stage* chosen in the sidebar does not hide the other columns — the board opens that column
instead.

The columns share the board's width and never scroll sideways: those that do not fit fold
into a narrow strip (name and count, still a drop target; a click opens it) — the side stages
first, then the ones furthest from the column the user works in. Its colours follow the
palette (``ui.kanban.style``). While the database cannot be changed (a read-only role, the
server out of reach: ``ops.read_only_changed``) cards neither drag nor take drops, keyboard
moves say why in the status bar, and the card menu greys out its edits with the reason.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.board import BOARD_SORTS, board_sort
from app.changes import Changes
from app.offline import is_connection_error
from app.values import ContactQuery, ContactRow, StageInfo
from ui.api import WindowApi
from ui.kanban.column import COLLAPSED_WIDTH, MIN_WIDTH, KanbanColumn
from ui.kanban.column_model import KanbanColumnModel, read_cards
from ui.kanban.read_ahead import (
    CARD_MARKS,
    FirstCards,
    board_order,
    board_query,
    plain_query,
    read_cards_plain,
    read_first_cards_plain,
)
from ui.kanban.style import board_style
from ui.line_breaks import WrappedLabel
from ui.theme import follow_palette

if TYPE_CHECKING:
    from app.first_screen import PlainReads
    from app.moves import MoveResult
    from db.engine import Database

# The domain's modules (SQLAlchemy's) are imported where first used: on a plain start the
# board is built and shows its first cards before the database is open (app.first_screen).

log = logging.getLogger(__name__)

# how far a column is paged to show a card that just moved there (newest-first usually
# puts it near the top; an old card sorted far down is announced in the status bar instead)
REVEAL_LIMIT = 4000
# changed contacts shown in no column are looked up (their stage, one read) up to this many;
# beyond it every other column reads its loaded cards again instead
LOOKUP_MAX = 2000
COUNT_AFTER_MS = 60  # the columns are counted again this long after the last change notice
# the deal sums are read this long after the columns were loaded or counted (a burst is over)
VALUES_AFTER_MS = 250
VALUES_KEY = "board/deal_values"  # whether the board showed deal sums when last shown
HINT = "Drag cards between columns  ·  Ctrl+←/→ moves the selected cards  ·  Enter opens one"
SHORT_HINT = "Drag or Ctrl+←/→ moves cards  ·  Enter opens one"  # beside a narrow board


@dataclass(frozen=True)
class _Landing:
    """Cards the board moved: select them where they land once the move has committed (a
    keyboard move falls back to the card at ``row`` of the column they left)."""

    ids: tuple[int, ...]
    stage_key: str
    from_key: str | None = None
    row: int = 0


class KanbanBoard(QWidget):
    """The board view (``api.add_view("kanban", "Board", board)``)."""

    def __init__(
        self,
        api: WindowApi,
        parent: QWidget | None = None,
        first_cards: Callable[[], FirstCards | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("kanbanBoard")
        # the first pages and cards read ahead on a worker (None: not read, or stale)
        self._first_cards = first_cards
        follow_palette(self, board_style)  # light or dark, as the window
        self.api = api
        self.db = api.db
        self.columns: list[KanbanColumn] = []
        self.active: KanbanColumn | None = None
        self._base: ContactQuery | None = None
        self._pending = Changes()  # notices that arrived while the board was hidden
        self._landing: _Landing | None = None
        self._loaded = False
        # loaded once: the first load on a plain start reads with the driver alone even once
        # the database is open (``_driver_reads``)
        self._first_load_done = False
        self._syncing = False
        self._detail_id: int | None = None
        # the column the user works in: kept open when the columns do not all fit
        self._anchor: str | None = None
        # why nothing can be changed (ui.read_only), None while it can
        self.read_only: str | None = api.ops.refusal
        self._count_generation = 0
        # the exact counts after changes, read on a worker once a burst of notices is over
        # and the moved cards are painted (a count beside the paint slowed the move down; the
        # columns' own estimate is exact for a move meanwhile)
        self._count_timer = QTimer(self)
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(COUNT_AFTER_MS)
        self._count_timer.timeout.connect(self._count_now)
        api.tasks.defer(self._count_timer)  # reads ahead: the window is not idle meanwhile
        self._detail_timer = QTimer(self)
        self._detail_timer.setSingleShot(True)
        self._detail_timer.setInterval(40)
        self._detail_timer.timeout.connect(self._show_detail)
        api.tasks.defer(self._detail_timer)
        # each column's deal value, summed on a worker once a burst of changes is over
        self._values_generation = 0
        self._values_timer = QTimer(self)
        self._values_timer.setSingleShot(True)
        self._values_timer.setInterval(VALUES_AFTER_MS)
        self._values_timer.timeout.connect(self._sum_values)
        api.tasks.defer(self._values_timer)
        # whether a notice since the last count may have changed a sum (see on_operation)
        self._sums_due = True

        self.sort_combo = QComboBox()
        self.sort_combo.setObjectName("boardSort")
        self.sort_combo.setToolTip("Order of the cards in every column")
        for s in BOARD_SORTS:
            self.sort_combo.addItem(s.label, s.key)
        saved = str(api.settings.value("board/sort", "newest"))
        self.sort_combo.setCurrentIndex(max(0, self.sort_combo.findData(board_sort(saved).key)))
        self.sort_combo.currentIndexChanged.connect(self._sort_chosen)
        self.filter_label = QLabel()
        self.filter_label.setObjectName("boardFilter")
        self.filter_label.setTextFormat(Qt.TextFormat.PlainText)
        self.filter_label.hide()
        # beside a narrow board (the detail panel open at 1024 px) the hint wraps, never cut
        hint = WrappedLabel(HINT)
        hint.setObjectName("boardHint")
        hint.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.hint = hint
        hint.installEventFilter(self)  # the short hint where the long one would wrap
        toolbar = QWidget()
        toolbar.setObjectName("boardToolbar")
        tl = QHBoxLayout(toolbar)
        tl.setContentsMargins(12, 8, 12, 0)
        tl.addWidget(QLabel("Sort"))
        tl.addWidget(self.sort_combo)
        tl.addSpacing(8)
        tl.addWidget(self.filter_label)
        tl.addWidget(hint, 1)

        self.strip = QWidget()
        self.strip.setObjectName("boardColumns")
        self.strip_layout = QHBoxLayout(self.strip)
        self.strip_layout.setContentsMargins(8, 10, 8, 12)
        self.strip_layout.setSpacing(6)
        # side columns the user showed again this session (the board does not collapse them
        # for want of room)
        self._user_expanded: set[str] = set()
        # headers aligned once the layout has settled (the board's own timer: it goes with it)
        self._align_timer = QTimer(self)
        self._align_timer.setSingleShot(True)
        self._align_timer.setInterval(0)
        self._align_timer.timeout.connect(self._align_headers)
        self.columns_area = QScrollArea()
        self.columns_area.setObjectName("boardScroll")
        self.columns_area.setFrameShape(QFrame.Shape.NoFrame)
        self.columns_area.setWidgetResizable(True)
        self.columns_area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.columns_area.setWidget(self.strip)
        # the columns share the width: fitted whenever the board's width changes
        self.columns_area.viewport().installEventFilter(self)

        # the toolbar and the columns in a body of their own that fills the board (no layout
        # between the board and the body): each pass of the body's layout (a column built,
        # the headers aligned, a scroll bar come) ended by asking the window to lay itself
        # out again — the sidebar, the list, the status bar measured some twenty times as
        # the board was first shown; now the window hears of it only when the board's own
        # size hints change (``event``)
        self.body = QWidget(self)
        self.body.setObjectName("boardBody")
        lay = QVBoxLayout(self.body)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(toolbar)
        lay.addWidget(self.columns_area, 1)
        self._hints = (self.body.sizeHint(), self.body.minimumSizeHint())

        # the columns are built when the board is first shown, inside the window: built
        # before it had a parent, every widget of every column was styled again as the board
        # joined the window (830 polishes where 230 widgets need one each)
        self._built = False
        self._unbuilt: list[StageInfo] = []  # stages whose columns are not built yet
        self._columns_done = False
        self._build_with: tuple[set[str], ContactQuery, bool] = (set(), ContactQuery(), True)
        # built, loaded, laid out and drawn while hidden (KanbanFeature.prebuild)
        self.prebuilt = False
        api.ops.operation_did_execute.connect(self.on_operation)
        api.ops.read_only_changed.connect(self.set_read_only)
        api.add_query_listener(self.on_filters_changed)
        self.set_read_only(self.read_only)

    # --- the body: the board's size is the body's -----------------------------------------------
    def sizeHint(self) -> QSize:
        return self.body.sizeHint()

    def minimumSizeHint(self) -> QSize:
        return self.body.minimumSizeHint()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.body.setGeometry(self.rect())
        super().resizeEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            # the body was laid out again: the window lays the board out again only if the
            # board's size hints changed
            hints = (self.body.sizeHint(), self.body.minimumSizeHint())
            if hints != self._hints:
                self._hints = hints
                self.updateGeometry()
        return super().event(event)

    def _first_cards_for(self, base: ContactQuery) -> FirstCards | None:
        """What was read ahead for the columns, if it was read for ``base`` and nothing has
        changed since (the window's feature drops it at a change notice); used once. On a
        plain start's first load with nothing read ahead, the columns and their first pages
        are read here with the driver alone (the cards in sight follow,
        ``read_cards_in_sight``): the board is built without waiting for the opening."""
        if self._loaded:
            return None
        ahead = self._first_cards() if self._first_cards is not None else None
        if ahead is None:
            ahead = self._read_plain(base)
            if ahead is not None:  # kept for the load that follows the columns
                self._first_cards = lambda: ahead
        if ahead is None or ahead.query != base:
            return None
        return ahead

    def _driver_reads(self) -> PlainReads | None:
        """Where the board reads with the driver alone (``app.first_screen``), if anywhere: on
        a plain start while the database is not open yet, and for the board's first load
        even once it is (the same values, tested; on the GUI thread the database's reads
        would import the domain's modules and make their statements the first time, on the
        click)."""
        if not self._first_load_done:
            return self.api.plain_start_reads()
        return self.api.plain_reads()

    def _read_plain(self, base: ContactQuery) -> FirstCards | None:
        """The columns, their counts and first pages read with the driver alone
        (``_driver_reads``; None for a query with filters, or when an import is running:
        the database's reads then)."""
        first = self._driver_reads()
        if first is None or not plain_query(base):
            return None
        from app.first_screen import NotPlain

        try:
            with first.reads() as con:
                return read_first_cards_plain(con, base, 0)
        except (NotPlain, sqlite3.Error) as exc:
            log.info("the board read the usual way: %s", exc)
            return None

    # --- columns ---------------------------------------------------------------------------------
    def build_columns(self) -> None:
        self.start_columns()
        self.finish_columns()

    @property
    def columns_begun(self) -> bool:
        """Whether the columns were begun (``start_columns``)."""
        return self._built

    def start_columns(self, stages: list[StageInfo] | None = None) -> None:
        """Begin the columns: one per shown stage, built by ``build_next_column`` (the board
        built beforehand builds one a step: ``KanbanFeature.prebuild``). ``stages``: the
        board's columns in order, known already (read with the driver by
        ``KanbanFeature.build_columns_early``): nothing is read, nor what was read ahead
        taken."""
        self._built = True
        self._loaded = False
        ahead = self._first_cards_for(self.base_query()) if stages is None else None
        if stages is not None:
            self._unbuilt = list(stages)
        elif ahead is not None:
            self._unbuilt = list(ahead.stages)
        else:
            from app.stage_visibility import shown_stages

            self._unbuilt = board_order(shown_stages(self.db))  # no column for a hidden stage
        self._columns_done = False
        # the sum line's room is kept from the first paint when the board last showed sums
        # (they arrive from a worker later: the cards would otherwise move down then)
        self._build_with = (
            set(_as_list(self.api.settings.value("board/collapsed", []))),
            self.base_query(),
            _as_bool(self.api.settings.value(VALUES_KEY, True)),
        )

    def finish_columns(self) -> None:
        """Build the columns not built yet (all of them, or what a prebuild left)."""
        while self.build_next_column():
            pass

    def build_next_column(self) -> bool:
        """Build the next column; False once every column is built."""
        if self._columns_done:
            return False
        if not self._unbuilt:
            self._columns_done = True
            self.strip_layout.addStretch(0)  # takes what the columns leave at their widest
            self.fit_columns()
            return False
        st = self._unbuilt.pop(0)
        collapsed, base, values = self._build_with
        model = KanbanColumnModel(
            self.db,
            st,
            base,
            mover=self._drop_move,
            parent=self,
            load=False,
            marks=CARD_MARKS,
            plain=self.api.plain_reads,
        )
        # its card view is made once the columns are fitted to the board's width, and only
        # if it is open then (a folded column makes it when it first opens: ``_wire_view``)
        column = KanbanColumn(model, collapsible=st.is_side, parent=self.strip, view_now=False)
        column.view_made.connect(lambda c=column: self._wire_view(c))
        column.set_collapsed(st.key in collapsed)
        column.keep_value_line(values)
        column.collapse_toggled.connect(lambda shut, c=column: self._collapse_chosen(c, bool(shut)))
        column.set_read_only(self.read_only)
        self.columns.append(column)
        self.strip_layout.addWidget(column, 1)
        if self.strip.isVisible():
            column.show()  # now, not when the layout's queued show comes round
        return True

    def _wire_view(self, column: KanbanColumn) -> None:
        """A column's card view was made: its keys, menu and selection reach the board."""
        view = column.view
        view.focus_neighbour.connect(lambda step, c=column: self.focus_neighbour(c, step))
        view.move_requested.connect(lambda step, c=column: self.keyboard_move(c, step))
        view.open_requested.connect(self.open_contact)
        view.deal_requested.connect(self.edit_deal)
        view.assign_requested.connect(self.assign)
        view.refused.connect(lambda reason: self.api.show_status(reason, 6000))
        view.selectionModel().selectionChanged.connect(
            lambda *_a, c=column: self._selection_changed(c)
        )
        view.selectionModel().currentChanged.connect(
            lambda cur, _prev, c=column: self._current_changed(c, cur)
        )

    def _clear_columns(self) -> None:
        """Every column taken out of the strip and deleted (later), none active."""
        while self.strip_layout.count():
            item = self.strip_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.columns.clear()
        self.active = None

    def rebuild(self) -> None:
        """Stages were added, renamed, recoloured or reordered."""
        self._clear_columns()
        self.build_columns()
        if self.isVisible():
            self.reload()

    def _columns_for(self, stages: list[StageInfo]) -> None:
        """The columns built again, one per stage of ``stages``, nothing read."""
        self._clear_columns()
        self.start_columns(stages)
        self.finish_columns()

    def column(self, stage_key: str) -> KanbanColumn | None:
        return next((c for c in self.columns if c.stage_key == stage_key), None)

    def _collapse_chosen(self, column: KanbanColumn, collapsed: bool) -> None:
        """The user collapsed a side column (its button) or opened a strip (a click)."""
        if collapsed:
            self._user_expanded.discard(column.stage_key)
        else:
            if column.collapsible:
                self._user_expanded.add(column.stage_key)
            self._anchor = column.stage_key  # kept open: others fold if need be
        self._save_collapsed()
        self.fit_columns()

    def open_column(self, column: KanbanColumn) -> None:
        """Show this column's cards (a sidebar stage, a keyboard move or arrow into it):
        columns furthest from it fold if they do not all fit."""
        self._anchor = column.stage_key
        if column.collapsed and not column.auto_collapsed:
            column.set_collapsed(False)  # the user's own collapse: opened (and saved so)
        self.fit_columns()

    def _save_collapsed(self) -> None:
        self.api.settings.setValue(
            "board/collapsed",
            [c.stage_key for c in self.columns if c.collapsed and not c.auto_collapsed],
        )

    # --- sharing the width ----------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.columns_area.viewport():
            self.fit_columns()
        elif event.type() == QEvent.Type.Resize and watched is self.hint:
            self._fit_hint()
        return False

    def _fit_hint(self) -> None:
        """The keyboard hint in full where it fits on one line, else its short form (the
        full one in its tooltip); a read-only reason is shown as it is (it wraps)."""
        if self.read_only is not None:
            return
        fits = self.hint.fontMetrics().horizontalAdvance(HINT) <= self.hint.width()
        text = HINT if fits else SHORT_HINT
        if self.hint.text() != text:
            self.hint.setText(text)
            self.hint.setToolTip("" if fits else HINT)

    def _needed_width(self, collapsed: int, shown: int) -> int:
        m = self.strip_layout.contentsMargins()
        gaps = self.strip_layout.spacing() * max(0, collapsed + shown - 1)
        return shown * MIN_WIDTH + collapsed * COLLAPSED_WIDTH + gaps + m.left() + m.right()

    def fold_order(self) -> list[KanbanColumn]:
        """The columns the board may fold for want of room, the first to fold first: side
        columns the user has not opened (the rightmost first), then the others by their
        distance from the column the user works in (the one left of it before the one right
        of it at the same distance: the pipeline reads on to the right). Never that column,
        never one the user collapsed (it stays so)."""
        mine = {c.stage_key for c in self.columns if c.collapsed and not c.auto_collapsed}
        anchor = self._anchor_index()
        side = [
            c
            for i, c in reversed(list(enumerate(self.columns)))
            if c.collapsible
            and i != anchor
            and c.stage_key not in mine
            and c.stage_key not in self._user_expanded
        ]
        rest = [
            (i, c)
            for i, c in enumerate(self.columns)
            if c not in side and c.stage_key not in mine and i != anchor
        ]
        rest.sort(key=lambda ic: (-abs(ic[0] - anchor), ic[0] > anchor))
        return side + [c for _i, c in rest]

    def _anchor_index(self) -> int:
        keys = [c.stage_key for c in self.columns]
        if self._anchor in keys:
            return keys.index(self._anchor)
        return 0  # the first stage, where new contacts arrive

    def fit_columns(self) -> None:
        """The columns share the board's width (each at least MIN_WIDTH). When they do not
        all fit, columns fold into their narrow strip until they do: first the side columns
        (Nurture, Disqualified) the user has not opened, then those furthest from the column
        the user works in. They open again once there is room; the user's own collapse is
        kept. The board does not scroll sideways unless even one column and every strip are
        wider than it (narrower than any window Winnow is made for)."""
        available = self.columns_area.viewport().width()
        if available <= 0 or not self.columns:
            if self._columns_done:
                for column in self.columns:  # not laid out yet: every open column's cards
                    column.open_view()
            return
        mine = [c for c in self.columns if c.collapsed and not c.auto_collapsed]
        order = self.fold_order()
        shut = 0
        while (
            shut < len(order)
            and self._needed_width(len(mine) + shut, len(self.columns) - len(mine) - shut)
            > available
        ):
            shut += 1
        for i, column in enumerate(order):
            column.set_collapsed(i < shut, auto=True)
        for column in self.columns:  # the column the user works in is always open
            if column.auto_collapsed and column not in order:
                column.set_collapsed(False, auto=True)
        if self._columns_done:
            for column in self.columns:  # the open columns' cards (built without a view)
                column.open_view()
        self._align_timer.start()

    def lay_out_now(self) -> None:
        """Lay the board out and align the column headers now, before the first paint (left
        to the layouts' queued requests and the alignment's timer, the board was painted once
        with headers of different heights and again a moment later)."""
        if not self.isVisible():
            return
        self._lay_out_posted()
        self._align_timer.stop()
        self._align_headers()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        for column in self.columns:
            column.fit_before_paint()

    def _lay_out_posted(self) -> None:
        """The layout requests Qt would handle just before painting, handled now: a panel
        the view hid (the detail panel) gives the board its width only as the window's
        splitter and layouts run, then the columns are fitted to it and laid out."""
        if not self.isVisible():
            return
        for _ in range(4):
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)

    def _align_headers(self) -> None:
        """Every column's cards start at the same height (a long stage name wraps onto a
        second line in a narrow column: the other headers keep that room too)."""
        headers = [c.header for c in self.columns if not c.collapsed]
        tallest = max((h.natural_row() for h in headers), default=0)
        for header in headers:
            header.set_row_height(tallest)  # unchanged: nothing laid out again

    # --- query and loading ---------------------------------------------------------------------------
    def base_query(self) -> ContactQuery:
        """The window's filters with the board's sort; each column adds its stage."""
        return board_query(self.api.current_query(), str(self.sort_combo.currentData()))

    def _sort_chosen(self, _index: int) -> None:
        self.api.settings.setValue("board/sort", self.sort_combo.currentData())
        self.reload()

    def reload(self) -> None:
        """Count every column in one query and load each first page, then read the cards
        in sight in every column at once (all in one read transaction)."""
        base = self.base_query()
        # without filters the sidebar's counts, when current, are the columns' (at 1,000,000
        # contacts the count is an index scan of ~40 ms)
        known = self.api.stage_counts() if _unfiltered(base) else None
        # the first pages and cards read ahead on a worker, when still current (a click on
        # Board before the board was built beforehand: ui.kanban.read_ahead)
        ahead = self._first_cards_for(base)
        self._first_cards = None  # read ahead once, for the board's first showing
        if ahead is not None and [s.key for s in ahead.stages] != [
            c.stage_key for c in self.columns
        ]:
            # the columns were built before (``KanbanFeature.build_columns_early``) and the
            # stages changed since (another Winnow): built again for what was read
            self._columns_for(ahead.stages)
        # shown, a folded column shows its count only: its first page is read as it opens
        # (built beforehand, hidden, every column reads: its layout is not settled yet)
        shown = self.isVisible()
        if known is None and ahead is not None and ahead.counts is not None:
            known = ahead.counts  # read with the pages, with the driver alone
        # on a plain start before the database is open: nothing here waits for it
        plain = ahead is not None and known is not None and self._driver_reads() is not None
        with nullcontext() if plain else self.db.reading():
            counts = dict(known) if known is not None else _count_by_stage(self.db, base)
            for column in self.columns:
                first = ahead.keys.get(column.stage_key) if ahead is not None else None
                column.model.set_base_query(
                    base,
                    total=counts.get(column.stage_key, 0),
                    first=first,
                    read=not (shown and column.collapsed),
                )
            if ahead is not None:
                marks = {cid: dict(m) for cid, m in ahead.marks.items()}
                self.read_cards_in_sight(self.columns, marks, dict(ahead.rows))
            else:
                self.read_cards_in_sight(self.columns)
        self._base = base
        self._loaded = self._first_load_done = True
        self._pending = Changes()
        self._update_filter_text()
        self._values_timer.start()

    def read_cards_in_sight(
        self,
        columns: Iterable[KanbanColumn],
        known: dict[int, dict[str, Any]] | None = None,
        read: dict[int, ContactRow] | None = None,
    ) -> None:
        """The cards these columns show now and have not read, read for all of them at once
        (one read of rows and one of each kind of mark, instead of a read per column when
        each paints; ``known``: marks still current, ``read``: rows just read, neither read
        again)."""
        height = max(self.columns_area.viewport().height(), self.height() // 2)
        if not self.isVisible():  # built beforehand: not laid out yet, as tall as the window
            height = max(height, self.window().height())
        wanted: list[int] = []
        for column in columns:
            first, count = column.cards_in_sight(height)
            wanted.extend(column.model.missing(first, count))
        if not wanted:
            return
        plain = self._driver_reads()
        if plain is not None:  # a plain start's first load: the driver alone
            from app.first_screen import NotPlain

            try:
                with plain.reads() as con:
                    rows, marks = read_cards_plain(con, wanted, list(CARD_MARKS), known, read)
            except (NotPlain, sqlite3.Error) as exc:
                log.info("cards in sight read the usual way: %s", exc)
            else:
                for column in self.columns:
                    column.model.keep_read(rows, marks)
                return
        try:
            rows, marks = read_cards(self.db, wanted, CARD_MARKS, known, read)
        except Exception as exc:
            if not is_connection_error(exc):
                raise
            log.info("cards not read: %s", exc)  # each column reads its own as it paints
            return
        for column in self.columns:
            column.model.keep_read(rows, marks)

    def view_shown(self) -> None:
        """The tab became current (the window calls this)."""
        if not self._built:
            self.start_columns()
        self.finish_columns()  # all, or those a prebuild had not built yet
        # the columns folded for the width the board is shown at before they read (a folded
        # column reads no cards: built on a click, the board still had the list's width)
        self._lay_out_posted()
        if not self._loaded or self.base_query() != self._base:
            self.reload()
        elif self._pending:
            pending, self._pending = self._pending, Changes()
            with self.db.reading():
                touched = self._follow(pending)
                self.read_cards_in_sight(c for c in self.columns if c.stage_key in touched)
        self.lay_out_now()
        self._scroll_to_stage_filter()

    def prepare_hidden(self) -> bool:
        """Count the columns and read their first cards while the board is hidden (built
        beforehand: ``KanbanFeature.prebuild``); False if there was nothing to do (shown
        meanwhile, or loaded for the current filters already)."""
        if self.isVisible() or not self._columns_done:
            return False
        if self._loaded and self.base_query() == self._base:
            return False
        self.reload()
        return True

    def lay_out_hidden(self, size: QSize) -> None:
        """Style and lay out the hidden board at ``size``, the size it will be shown at (the
        window's ``view_size``): showing it then lays nothing out again."""
        if self.isVisible():
            return
        self.ensurePolished()
        for widget in self.findChildren(QWidget):
            widget.ensurePolished()
        page = self.parentWidget()  # the window's tab for the board
        (page if page is not None else self).resize(size)
        layout = page.layout() if page is not None else None
        if layout is not None:
            layout.activate()
        # a hidden widget is resized (and its layout run) when it is shown or drawn: a pixel
        # of it drawn runs them all; the headers are aligned at the columns' widths then
        self.grab(QRect(0, 0, 1, 1))
        self._align_timer.stop()
        self._align_headers()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        self.grab(QRect(0, 0, 1, 1))
        for column in self.columns:
            column.fit_before_paint()

    def paint_hidden(self, column: KanbanColumn) -> None:
        """Draw a column of the hidden board once, offscreen: its cards in sight are sized
        and drawn (and kept, ``CardDelegate``) as showing the board would."""
        if not self.isVisible() and not column.collapsed:
            column.grab()

    def on_filters_changed(self) -> None:
        if not self.isVisible():
            return  # view_shown compares the filters
        if self.base_query() != self._base:
            self.reload()
        self._scroll_to_stage_filter()

    # --- change notices -----------------------------------------------------------------------
    def on_operation(self, changes: Changes, _initiator: object) -> None:
        """Something was committed: refresh what the notice says the board shows."""
        landing, self._landing = self._landing, None
        # the board's own move changes no amount: summed again only when a moved card has one
        # (a move of cards without deals read every contact's amount again, ~1 s at 100,000)
        moved = self._marks_of(landing.ids) if landing is not None else {}
        same_sums = landing is not None and all(_no_amount(moved.get(i)) for i in landing.ids)
        self._sums_due = self._sums_due or not same_sums
        if not self._loaded:
            if changes.stage_list and self._built:
                self.rebuild()  # the columns are built already: a new stage list rebuilds them
            return  # the first showing builds and loads every column
        if not self.isVisible():
            self._pending = self._pending | changes  # applied when the board is shown
            return
        # this notice is the board's own move's (its result came just before it): the moved
        # cards keep the marks their old columns show (a move changes no BANT answer and no
        # deal), only their rows are read again in their new column
        known = moved if landing is not None else None
        read: dict[int, ContactRow] = {}
        with self.db.reading():  # where each changed card goes, and the cards then in sight
            touched = self._follow(changes, read)
            if landing is not None:
                self._land(landing)  # may scroll a column to the moved cards
            self.read_cards_in_sight(
                (c for c in self.columns if c.stage_key in touched), known, read
            )

    def _marks_of(self, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """The marks of these cards as the columns showing them have read them."""
        out: dict[int, dict[str, Any]] = {}
        for cid in ids:
            for column in self.columns:
                row = column.model.row_for_id(cid)
                card = column.model.cached_card(row) if row is not None else None
                if card is not None:
                    out[cid] = card.marks
                    break
        return out

    def _follow(self, changes: Changes, read: dict[int, ContactRow] | None = None) -> set[str]:
        """Apply a change notice; returns the stage keys of the columns it changed
        (``read``: given the rows it read of the changed contacts)."""
        every = {c.stage_key for c in self.columns}
        if changes.stage_list:
            self.rebuild()  # stages added, renamed, recoloured or reordered: new columns
            return every
        if changes.all_contacts or changes.imports:
            # e.g. every score recomputed, a batch imported or undone (here or by someone
            # else): each column read again in place, keeping the user's scroll and selection
            for column in self.columns:
                column.model.refresh(recount=False)
            self.recount()
            return every
        touched = self._refresh_contacts(changes, read)
        if changes.criteria:  # the BANT marks on every card
            for column in self.columns:
                if column.stage_key not in touched:
                    column.model.refresh(recount=False)
            touched = every
        if touched or changes.deleted:  # a deleted card need not have been loaded
            self.recount()
        return touched

    def _refresh_contacts(
        self, changes: Changes, read: dict[int, ContactRow] | None = None
    ) -> set[str]:
        """Hand the changed contacts to the columns that show them or that they joined or
        left; returns the stage keys of the columns touched (``read``: given the rows read
        of the changed contacts)."""
        touched: set[str] = set()
        deleted = changes.deleted
        for column in self.columns:
            gone = [i for i in deleted if column.model.contains(i)]
            if gone:
                column.model.contacts_removed(gone, recount=False)
                touched.add(column.stage_key)
        changed = (changes.contacts | changes.created | changes.activities) - deleted
        if not changed:
            return touched
        ordered = sorted(changed)
        if len(ordered) > LOOKUP_MAX:
            return touched | self._refresh_many(changes, ordered)
        # Where each one is now, from its row (read once, the card's too): the columns of
        # other stages let it go without asking the database, and only its own column
        # places it under the filters and the sort — new, moved in, or edited. A move of one
        # card asked every column it touched where the card was (three statements, now one).
        from app import contacts

        rows = contacts.load_rows(self.db, ordered)
        if read is not None:
            read.update(rows)
        # cards some column showed: one that now belongs to a folded column that read
        # nothing came from another stage, and that column's count grows by it
        shown = {i for i in ordered if any(c.model.contains(i) for c in self.columns)}
        # where the notice says the moved cards were (an undo's or redo's too, the cards
        # shown in no column): a folded column that read nothing counts what came and went
        # at once, not with the board's count after the notice
        came = _origins(changes)
        unfiltered = self._base is not None and _unfiltered(self._base)
        for column in self.columns:
            model, key = column.model, column.stage_key
            left = [
                i
                for i in ordered
                if model.contains(i) and (i not in rows or rows[i].stage_key != key)
            ]
            if left:  # moved to another stage, or no longer seen (an import's undo)
                model.contacts_left(left)
                touched.add(key)
            here = [i for i in ordered if i in rows and rows[i].stage_key == key]
            if here:
                model.arrived_unread(
                    sum(1 for i in here if i in shown or (unfiltered and came.get(i, key) != key))
                )
                model.contacts_changed(here, recount=False)
                touched.add(key)
        for column in self.columns:
            key = column.stage_key
            if not column.model.unread:
                continue
            # moved out of a column that lists none: it held them if the board filters
            # nothing, or if a column that lists its cards took them in (they match)
            left_it = sum(
                1
                for i in ordered
                if came.get(i) == key
                and (i not in rows or rows[i].stage_key != key)
                and (unfiltered or any(c.model.contains(i) for c in self.columns))
            )
            if left_it:
                column.model.arrived_unread(-left_it)
                touched.add(key)
        return touched

    def _refresh_many(self, changes: Changes, ordered: list[int]) -> set[str]:
        """As :meth:`_refresh_contacts` for more contacts than are looked up at once: the
        columns they joined or left, and those that show them, place them."""
        touched: set[str] = set()
        for column in self.columns:
            model = column.model
            if column.stage_key in changes.stages:  # moved in or out
                model.contacts_changed(ordered, recount=False)
                touched.add(column.stage_key)
                continue
            shown = [i for i in ordered if model.contains(i)]
            if shown:  # edited (name, score, marks…): placed again under the sort
                model.contacts_changed(shown, recount=False)
                touched.add(column.stage_key)
        # Contacts shown nowhere may belong in a column now (new, or edited into the
        # filter or the loaded part of the sort). A move's own contacts went to their
        # stages' columns above already.
        placed = changes.contacts if changes.stages else frozenset()
        unseen = [
            i
            for i in ordered
            if i not in placed and not any(c.model.contains(i) for c in self.columns)
        ]
        if len(unseen) > LOOKUP_MAX:
            for column in self.columns:
                if column.stage_key not in touched:
                    column.model.refresh(recount=False)
                    touched.add(column.stage_key)
        elif unseen:
            from app import contacts

            by_stage: dict[str, list[int]] = {}
            for cid, row in contacts.load_rows(self.db, unseen).items():
                by_stage.setdefault(row.stage_key, []).append(cid)
            for key, ids in by_stage.items():
                home = self.column(key)
                if home is not None and key not in changes.stages:
                    home.model.contacts_changed(ids, recount=False)
                    touched.add(key)
        return touched

    def recount(self) -> None:
        """Exact column counts from one query on a worker (the cards were already updated),
        then the deal values: once the notices of a burst have come in."""
        self._count_timer.start()

    def _count_now(self) -> None:
        base = self._base
        if base is None:
            return
        self._count_generation += 1
        generation = self._count_generation

        def done(counts: dict[str, int]) -> None:
            if generation != self._count_generation or base != self._base:
                return  # a newer count or other filters: this one is stale
            for column in self.columns:
                column.model.set_total(counts.get(column.stage_key, 0))

        if self._sums_due:
            self._values_timer.start()
        self.api.tasks.run(
            _count_by_stage,
            self.db,
            base,
            on_done=done,
            on_error=lambda exc: log.warning("board count: %s", exc),
        )

    def _sum_values(self) -> None:
        """The sum of the deal amounts in each column (app.deals.board_values), off the GUI
        thread; a newer sum or other filters make an older one stale."""
        base = self._base
        if base is None:
            return
        self._sums_due = False  # read from here on: what notices said so far is in them
        self._values_generation += 1
        generation = self._values_generation

        def done(values: dict[str, float]) -> None:
            if generation != self._values_generation or base != self._base:
                return
            shown = any(c.stage_key in values for c in self.columns)
            if _as_bool(self.api.settings.value(VALUES_KEY, True)) != shown:
                self.api.settings.setValue(VALUES_KEY, shown)
            for column in self.columns:
                column.keep_value_line(shown)
                column.model.set_value(values.get(column.stage_key))
            self.lay_out_now()  # the sum line changed their height: aligned before a paint

        # once the window is usable: on a plain start the board is built before, and this
        # read through the database would begin its opening beside the start
        self.api.after_usable(
            lambda: self.api.tasks.run(
                _board_values,
                self.db,
                base,
                on_done=done,
                on_error=lambda exc: log.warning("board deal values: %s", exc),
            )
        )

    def _update_filter_text(self) -> None:
        from ui.main_window import DOMAIN_FILTERS

        q = self.api.current_query()
        parts = []
        if q.search:
            parts.append(f"“{q.search}”")
        if q.source:
            parts.append(f"Source: {q.source}")
        if q.queue:
            parts.append(q.queue.replace("-", " ").capitalize())
        if q.batch_id is not None:
            parts.append(f"Import {q.batch_id}")
        if q.domain_classes:
            labels = {classes: label for label, classes in DOMAIN_FILTERS}
            parts.append(labels.get(tuple(q.domain_classes), ", ".join(q.domain_classes)))
        if q.consent:
            parts.append(f"Consent: {q.consent}")
        self.filter_label.setText("Filtered: " + " · ".join(parts) if parts else "")
        self.filter_label.setVisible(bool(parts))
        for column in self.columns:
            if parts:
                column.set_empty_text("No matches", "Nothing here fits the filter")
            else:
                column.set_empty_text("No contacts", "Drag cards here")

    def _scroll_to_stage_filter(self) -> None:
        keys = self.api.current_query().stage_keys
        column = self.column(keys[0]) if len(keys) == 1 else None
        if column is not None:
            self.open_column(column)
            self.columns_area.ensureWidgetVisible(column, 40, 0)

    # --- read only ---------------------------------------------------------------------------------
    def set_read_only(self, reason: str | None) -> None:
        """Nothing can be changed (``reason``: a read-only role, the server out of reach) or
        everything can again (None): drags, drops, keyboard moves and the card menu's edits."""
        self.read_only = reason
        for column in self.columns:
            column.set_read_only(reason)
        if reason is None:
            self.hint.setText(HINT)
            self.hint.setToolTip("")
            self._fit_hint()
        else:
            self.hint.setText(f"{reason} — the cards cannot be moved")
            self.hint.setToolTip(reason)

    # --- selection ---------------------------------------------------------------------------------
    def selected_ids(self) -> list[int]:
        """The selected cards (for the window's Delete and Move menu)."""
        return self.active.view.selected_ids() if self.active is not None else []

    def _selection_changed(self, column: KanbanColumn) -> None:
        if self._syncing or not column.view.selectionModel().hasSelection():
            return
        self.active = column
        self._syncing = True
        try:  # one selection across the board
            for other in self.columns:
                if (
                    other is not column
                    and other.has_view
                    and other.view.selectionModel().hasSelection()
                ):
                    other.view.clearSelection()
        finally:
            self._syncing = False

    def _current_changed(self, column: KanbanColumn, current: Any) -> None:
        if self._syncing or not current.isValid():
            return
        self.active = column
        self._anchor = column.stage_key  # stays open when the detail panel takes room
        self._detail_id = column.model.contact_id(current.row())
        self._detail_timer.start()

    def _show_detail(self) -> None:
        # after the cards are painted, and once when arrows run through many cards
        cid = self._detail_id
        if cid is not None and self.api.detail.contact_id != cid:
            self.api.detail.show_contact_later(cid)

    def assign(self, ids: list[int], whom: str) -> None:
        """A card's Assign to me / Assign to… (ui.team: an undoable operation)."""
        from ui import team

        if whom == "me":
            team.assign_to_me(self.api, ids)
        else:
            team.ask_and_assign(self.api, ids)

    def edit_deal(self, contact_id: int) -> None:
        """A card's Deal value…: the amount and close date (the sums follow the notice)."""
        from ui.kanban.deal_dialog import edit_deal

        edit_deal(self.api, contact_id)

    def open_contact(self, contact_id: int) -> None:
        """Enter on a card: show it in the detail panel."""
        self.api.set_detail_visible(True)
        self.api.select_contact(contact_id)

    # --- keyboard ------------------------------------------------------------------------------------
    def _neighbour(
        self, column: KanbanColumn, step: int, skip_collapsed: bool
    ) -> KanbanColumn | None:
        i = self.columns.index(column) + step
        while 0 <= i < len(self.columns):
            shut = self.columns[i].collapsed and not self.columns[i].auto_collapsed
            if not (skip_collapsed and shut):
                return self.columns[i]
            i += step
        return None

    def focus_neighbour(self, column: KanbanColumn, step: int) -> None:
        """Left/Right: focus the card at the same height in the next column (skipping those
        the user collapsed; one the board folded for room opens, another folds)."""
        target = self._neighbour(column, step, skip_collapsed=True)
        if target is None:
            return
        if target.collapsed:
            self.open_column(target)
        view = column.view
        current = view.currentIndex()
        y = view.visualRect(current).center().y() if current.isValid() else 0
        tview = target.view
        index = tview.indexAt(QPoint(tview.viewport().width() // 2, max(0, y)))
        model = target.model
        if not index.isValid() and model.rowCount():
            index = model.index(min(model.rowCount() - 1, max(0, current.row())))
        tview.setFocus(Qt.FocusReason.OtherFocusReason)
        if index.isValid():
            sel = tview.selectionModel()
            sel.setCurrentIndex(index, sel.SelectionFlag.ClearAndSelect)
            tview.scrollTo(index)
        self.active = target
        self.columns_area.ensureWidgetVisible(target, 40, 0)

    def keyboard_move(self, column: KanbanColumn, step: int) -> None:
        """Ctrl+Left/Right: move the selected cards to the previous/next stage (read only:
        the status bar says why not)."""
        if self.read_only is not None:
            self.api.show_status(self.read_only, 6000)
            return
        ids = column.view.selected_ids()
        current = column.view.currentIndex()
        if not ids and current.isValid():
            ids = [column.model.contact_id(current.row())]
        target = self._neighbour(column, step, skip_collapsed=False)
        if not ids:
            return
        if target is None:
            where = "first" if step < 0 else "last"
            self.api.show_status(f"{column.model.stage.name} is the {where} stage.", 3000)
            return
        row = current.row() if current.isValid() else 0
        self._move(_Landing(tuple(ids), target.stage_key, column.stage_key, row))

    def _drop_move(self, ids: list[int], stage_key: str) -> bool:
        """A drop on a column: the window's move; the cards are selected where they land."""
        return self._move(_Landing(tuple(ids), stage_key))

    def _move(self, landing: _Landing) -> bool:
        """Queue the move on the window's writer; False when cancelled (no reason given)."""

        def moved(result: MoveResult) -> None:
            # the change notice comes right after this: the columns refresh, then the landing
            self._landing = landing if result.moved else None

        # made on the versions the cards show: refused if someone changed one meanwhile
        versions: dict[int, int] = {}
        for column in self.columns:
            for cid in landing.ids:
                row = column.model.row_for_id(cid)
                card = column.model.card(row) if row is not None else None
                if card is not None:
                    versions[cid] = card.row.version
        return self.api.move_contacts(
            list(landing.ids), landing.stage_key, on_moved=moved, expect_versions=versions or None
        )

    def _land(self, landing: _Landing) -> None:
        target = self.column(landing.stage_key)
        if target is not None and landing.from_key and target.auto_collapsed:
            # a keyboard move: the selection follows the cards into the column they reached
            self.open_column(target)
        if (
            target is not None
            and not target.collapsed
            and self.reveal(target, list(landing.ids), focus=True)
        ):
            return
        origin = self.column(landing.from_key) if landing.from_key else None
        if origin is not None:
            self._select_near(origin, landing.row)

    def reveal(self, column: KanbanColumn, ids: list[int], focus: bool = True) -> bool:
        """Select moved cards in their new column (paging down a little if needed)."""
        model = column.model
        while (
            not any(model.contains(i) for i in ids)
            and model.canFetchMore()
            and model.rowCount() < REVEAL_LIMIT
        ):
            model.fetchMore()
        self._syncing = True
        try:
            for other in self.columns:
                if other is not column and other.has_view:
                    other.view.clearSelection()
        finally:
            self._syncing = False
        if not column.view.select_ids(ids):
            self.api.show_status(
                f"Moved to {model.stage.name} — further down the column in this sort order.", 5000
            )
            return False
        self.active = column
        if focus:
            column.view.setFocus(Qt.FocusReason.OtherFocusReason)
        self.columns_area.ensureWidgetVisible(column, 40, 0)
        return True

    def _select_near(self, column: KanbanColumn, row: int) -> None:
        model = column.model
        column.view.setFocus(Qt.FocusReason.OtherFocusReason)
        if model.rowCount():
            index = model.index(min(row, model.rowCount() - 1))
            sel = column.view.selectionModel()
            sel.setCurrentIndex(index, sel.SelectionFlag.ClearAndSelect)


def _count_by_stage(db: Database, base: ContactQuery) -> dict[str, int]:
    """``app.contacts.count_by_stage`` (imported as first used: on a worker, usually)."""
    from app import contacts

    return contacts.count_by_stage(db, base)


def _board_values(db: Database, base: ContactQuery) -> dict[str, float]:
    """``app.deals.board_values`` (imported as first used, on the worker)."""
    from app import deals

    return deals.board_values(db, base)


def _origins(changes: Changes) -> dict[int, str]:
    """The stage each moved contact left, as the notice says (Changes.moved_from); a contact
    named twice (notices merged while the board was hidden: moved on and back) is left out."""
    came: dict[int, str] = {}
    twice: set[int] = set()
    for cid, key in changes.moved_from:
        if cid in came:
            twice.add(cid)
        came[cid] = key
    for cid in twice:
        del came[cid]
    return came


def _unfiltered(q: ContactQuery) -> bool:
    """Whether the board's query filters nothing (only its sort is set)."""
    none = ContactQuery()
    return replace(q, sort=none.sort, descending=none.descending, search=q.search or None) == none


def _no_amount(marks: dict[str, Any] | None) -> bool:
    """Whether a card's marks (None: the card not read) say it carries no deal amount."""
    if marks is None:
        return False
    deal = marks.get("deal")  # only a contact with an amount or a close date has one
    return deal is None or deal.amount is None


def _as_bool(value: Any) -> bool:
    """A flag read back from QSettings (an INI file gives "true" / "false" as text)."""
    if isinstance(value, str):
        return value.lower() in ("true", "1")
    return bool(value)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]

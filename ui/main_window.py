"""The main window: sidebar, views (list, and those features add), detail panel, status bar."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QByteArray,
    QCoreApplication,
    QEvent,
    QObject,
    QSettings,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
    QResizeEvent,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.errors import WinnowError
from ui import message_box
from ui.api import ListMenuExtension, QueueCountsListener, StatusExtension, WindowApi
from ui.backups import DatabaseSafety
from ui.contact_table import (
    COLUMNS,
    BantMarksDelegate,
    ColumnFitter,
    ContactIdRole,
    ContactTableModel,
    ListSort,
    saved_sort,
)
from ui.detail_panel import DetailPanel
from ui.dialogs import NewContactDialog, ask_disqualify_reason
from ui.fields import as_label
from ui.header_align import align_headers_with_cells
from ui.leads.qualify_first import ask_override_then
from ui.operations import BusyIndicator, OperationRunner
from ui.sidebar import Sidebar, SidebarFilter
from ui.status_message import StatusMessages
from ui.tasks import TaskProgressWidget, TaskRunner

if TYPE_CHECKING:
    from app.contacts import ContactQuery, FieldEdit
    from app.first_screen import PlainReads
    from app.moves import MoveResult
    from app.operations import Changes, OpResult, UndoReport, UndoState
    from app.stages import StageInfo
    from db.engine import Database
    from ui.first_run import FirstRunScreen

# The domain's modules (SQLAlchemy's statements, the models) are imported where first used,
# not with the window: a start that reads its first screen with the driver alone
# (app.first_screen) has no need of them before it is usable.

log = logging.getLogger(__name__)

# bump the suffix when the list's columns change, so an old saved layout is not applied
HEADER_KEY = "list/header-v3"
DETAIL_KEY = "detail-shown"  # + "/" + view key: the panel shown on that view

DOMAIN_FILTERS = [
    ("All addresses", ()),
    ("Branded", ("branded",)),
    ("Free-mail", ("free",)),
    ("Disposable", ("disposable",)),
    ("Invalid", ("invalid",)),
    ("No e-mail", ("none",)),  # the badge of a contact without an address
]


class ContactListView(QTableView):
    """The list: multi-select, drag to a stage, context menu."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contactList")
        align_headers_with_cells(self)  # "Score" over the scores, at the right
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSortingEnabled(True)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(28)
        header = self.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSortIndicatorShown(True)


class LazyView(QWidget):
    """A main view's tab whose view is built when it is first shown or asked for
    (:meth:`MainWindow.add_lazy_view`): at start-up the window builds only what it shows."""

    def __init__(self, key: str, build: Callable[[], QWidget]) -> None:
        super().__init__()
        self.setObjectName(f"{key}Tab")
        self._build: Callable[[], QWidget] | None = build
        self._view: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)

    @property
    def built(self) -> bool:
        return self._view is not None

    def view(self) -> QWidget:
        """The view, built now if it was not yet."""
        if self._view is None:
            build, self._build = self._build, None
            assert build is not None, "a view asked for while it is being built"
            view = build()
            # a view's own minimum width must not widen the window for every other view
            view.setMinimumWidth(min(view.minimumSizeHint().width(), 320))
            self._view = view
            layout = self.layout()
            assert layout is not None
            layout.addWidget(view)
            if self.isVisible():  # shown and laid out now, before the window tells it so
                view.show()
                layout.activate()
        return self._view


def view_in(tab: QWidget | None) -> QWidget | None:
    """The view a tab shows (a lazy tab's view built now)."""
    return tab.view() if isinstance(tab, LazyView) else tab


# After the window is usable, the domain lists go look reads (free-mail, disposable, public
# suffixes: ~0.15 s of parsing) are read on a thread of their own, their module (with
# email_validator: not imported at start) imported there too; else the first contact
# selected, or the first card dropped, read them on the GUI thread.
WARM_UP_AFTER_MS = 1000
# the window is usable this long after its counts at the latest, whatever still holds it
# (``hold_usable``: the board's prebuild on a plain start)
USABLE_HOLD_MAX_MS = 1000
# the sidebar is counted again this long after the last change notice of a burst: a count
# started with the notice ran on the other core beside the views' own handling of it (the
# board's moved card placed and painted) and took the interpreter from them
RECOUNT_AFTER_MS = 60


@dataclass(frozen=True)
class PlainStartScreen:
    """What the window shows first that is read with the driver alone on a plain start."""

    stages: list[StageInfo]  # every stage, in display order
    shown: list[StageInfo]  # the stages offered (hidden ones left out)
    undo: UndoState  # what Edit ▸ Undo and Redo say


def queue_labels() -> list[tuple[str, str]]:
    """The sidebar's queues (``app.queues.QUEUES``' names and labels, in order; held equal
    to them by tests/app/test_first_screen.py, so no SQLAlchemy is needed to list them)."""
    from app.first_screen import QUEUE_LABELS

    return list(QUEUE_LABELS.items())


def _plain_counts(
    first: PlainReads, stages: Sequence[StageInfo]
) -> dict[SidebarFilter, int] | None:
    """What :meth:`MainWindow.refresh_counts` counts, read with the driver alone on the
    worker (:func:`app.first_screen.sidebar_counts`); None when an import is running (the
    usual count then)."""
    from app import first_screen
    from app.timeutil import utcnow
    from app.values import os_user

    try:
        with first.worker_reads() as con:
            counted = first_screen.sidebar_counts(con, stages, os_user(), utcnow())
    except (first_screen.NotPlain, sqlite3.Error) as exc:
        log.info("the sidebar counted the usual way: %s", exc)
        return None
    out = {SidebarFilter("stage", key): n for key, n in counted.stages.items()}
    out.update({SidebarFilter("queue", name): n for name, n in counted.queues.items()})
    for src, n in counted.sources:
        out[SidebarFilter("source", src)] = n
    out[SidebarFilter("all")] = counted.all
    out[SidebarFilter("owner", "me")] = counted.owned
    return out


# what waits for the window's first paint (after_first_paint) runs this long after it was
# asked for at the latest
FIRST_PAINT_MAX_MS = 500


class _FirstPaint(QObject):
    """Calls functions (:meth:`then`) once ``widget`` has been painted the first time: each
    posted as its paint event is handled, so run after it (or :data:`FIRST_PAINT_MAX_MS`
    after they were asked for at the latest, a widget never painted)."""

    def __init__(self, widget: QWidget, parent: QObject) -> None:
        super().__init__(parent)
        self._waiting: list[Callable[[], object]] | None = []
        self._widget = widget
        widget.installEventFilter(self)
        QTimer.singleShot(FIRST_PAINT_MAX_MS, self, self._painted)

    def then(self, fn: Callable[[], object]) -> None:
        if self._waiting is None:
            QTimer.singleShot(0, self, fn)
        else:
            self._waiting.append(fn)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.Paint:
            self._painted()
        return False

    def _painted(self) -> None:
        waiting, self._waiting = self._waiting, None
        if waiting is None:
            return
        self._widget.removeEventFilter(self)
        for fn in waiting:
            QTimer.singleShot(0, self, fn)


def _warm_up_domain_lists() -> None:
    def warm_up() -> None:
        from app.golook.classify import warm_up

        warm_up()

    threading.Thread(target=warm_up, name="winnow-domain-lists", daemon=True).start()


class MainWindow(QMainWindow):
    """One open database."""

    database_switch_requested = Signal(str)
    # once: the list's first page and the sidebar's counts are in (what waits for it is posted
    # after this is emitted; benchmarks mark the window usable here)
    became_usable = Signal()

    def __init__(
        self,
        db: Database,
        parent: QWidget | None = None,
        *,
        persist_state: bool = True,
        prebuild_views: bool = False,
        first: PlainReads | None = None,
    ) -> None:
        """``first``: a start on a file read with the driver alone (``ui.application``):
        the first screen comes from there, and ``db`` (a ``db.handle.DatabaseLater``) is
        waited for by whatever needs it later, on the worker that runs it."""
        super().__init__(parent)
        self.db = db
        self.first = first
        # what the first screen shows, read with the driver alone (None: the usual path)
        self._plain = self._read_plain_start(first)
        # views built in idle time once the window is usable, hidden, so that showing them
        # only lays them out and paints them (the application's window; tests and
        # screenshots build a view as it is shown, as a click right after the start does)
        self.prebuild_views = prebuild_views
        # screenshots and tests use the default layout and leave the user's settings alone
        self.persist_state = persist_state
        self.settings = QSettings("Winnow", "Winnow")
        self.setWindowTitle(f"Winnow — {Path(db.display_name).name}")
        self.setAcceptDrops(True)
        self.tasks = TaskRunner(self)
        # the one writer: every change to the store runs there, never on the GUI thread
        self.ops = OperationRunner(self)
        self.ops.operation_did_execute.connect(self._on_operation)
        self.ops.undo_state_changed.connect(self._show_undo_state)
        # a feature that imports files sets this: fn(path) -> None
        self.import_handler: Callable[[Path], None] | None = None
        self._views: dict[str, QWidget] = {}
        # features add entries to the list's context menu: fn(menu, ids)
        self.list_menu_extensions: list[Callable[[QMenu, list[int]], None]] = []
        # features add text to the status line: fn() -> str
        self.status_extensions: list[Callable[[], str]] = []
        # features hear the queues' counts the sidebar reads (add_queue_counts_listener)
        self._queue_counts_listeners: list[QueueCountsListener] = []
        # what waits until the window is usable (after_usable); None once it is
        self._after_usable: list[Callable[[], object]] | None = []
        # parts of being usable besides the list and the counts, not yet done (hold_usable);
        # whether the counts are in (usable once nothing is held)
        self._usable_holds: set[str] = set()
        self._counts_in = False
        self._first_paint: _FirstPaint | None = None  # after_first_paint's, once asked
        # set on the worker once the sidebar's first counts are read (or failed): background
        # work that must not run beside the start waits for it there (ui.backups)
        self.first_counts_read = threading.Event()

        # --- list ---
        # in the order the user left it (the header's saved state, restored below): its first
        # page read once, in that order
        sort = self._saved_sort()
        self.model = ContactTableModel(db, self, first=first if self._plain else None, sort=sort)
        # a search's first-page statements made on a worker, not at the first keystroke
        self.after_usable(lambda: self.model.prepare_searches(self.tasks))
        self.list_view = ContactListView()
        self.list_view.setModel(self.model)
        self.list_view.setItemDelegateForColumn(
            [c[0] for c in COLUMNS].index("bant"), BantMarksDelegate(self.list_view)
        )
        if sort is None:
            sort = ListSort(
                [c[0] for c in COLUMNS].index("created"), Qt.SortOrder.DescendingOrder, "created"
            )
        self.list_view.horizontalHeader().setSortIndicator(sort.column, sort.order)
        self.list_view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.list_view.customContextMenuRequested.connect(self._list_menu)

        # --- toolbar row: search, address filter, new contact ---
        self.search = QLineEdit()
        self.search.setObjectName("searchBox")
        self.search.setPlaceholderText("Search name, e-mail, company, title…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_typed)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(self.apply_filters)
        self.tasks.defer(self._search_timer)
        self.domain_filter = QComboBox()
        self.domain_filter.setObjectName("domainFilter")
        self.domain_filter.setToolTip("Show only contacts whose address is…")
        for label, classes in DOMAIN_FILTERS:
            self.domain_filter.addItem(label, classes)
        self.domain_filter.currentIndexChanged.connect(lambda _i: self.apply_filters())
        new_button = QPushButton("New contact")
        self.new_button = new_button  # greyed out with Contact ▸ New contact (read only)
        new_button.setObjectName("primary")
        new_button.clicked.connect(self.new_contact)
        top = QWidget()
        top.setObjectName("topBar")
        tl = QHBoxLayout(top)
        tl.setContentsMargins(10, 8, 10, 8)
        tl.addWidget(self.search, 1)
        tl.addWidget(self.domain_filter)
        tl.addWidget(new_button)
        self.detail_button = QToolButton()  # its action is made with the View menu
        self.detail_button.setObjectName("panelToggle")
        self.detail_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)

        # --- the window's frame, built from the top down: a part is styled as it joins the
        # window, and styled again with all it holds each time it is put into another part
        # (the application's style sheet): built bottom up, the list was styled six times over
        # (~30 ms of the start)
        # the search bar spans the window (beside a narrow list its box was cut short)
        frame = QWidget()
        fl = QVBoxLayout(frame)
        fl.setContentsMargins(0, 0, 0, 0)
        fl.setSpacing(0)
        self.setCentralWidget(frame)
        fl.addWidget(top)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        fl.addWidget(self.splitter, 1)

        # --- sidebar ---
        self.sidebar = Sidebar()
        self.sidebar.filter_chosen.connect(lambda _f: self.apply_filters())
        self.sidebar.contacts_dropped.connect(self.move_contacts)
        self.sidebar.wants_other_width.connect(self.fit_panes)
        self.splitter.addWidget(self.sidebar)

        # --- views (tabs) ---
        self.views = QTabWidget()
        self.views.setObjectName("views")
        self.views.setDocumentMode(True)
        self.views.currentChanged.connect(self._view_changed)
        center = QWidget()
        cl = QVBoxLayout(center)
        cl.setContentsMargins(0, 0, 0, 0)
        cl.setSpacing(0)
        cl.addWidget(self.views, 1)
        self.splitter.addWidget(self._with_first_run(center))
        self.add_view("list", "List", self.list_view)
        self.views.setCornerWidget(self.detail_button, Qt.Corner.TopRightCorner)

        # --- detail ---
        self.detail = DetailPanel(db, self.ops)  # follows the change notices itself
        self.detail.edit_requested.connect(self.edit_contact)
        self.detail.move_requested.connect(self._move_from_detail)
        self.list_view.doubleClicked.connect(lambda _i: self.detail.name_label.setFocus())
        self.detail.close_requested.connect(lambda: self.show_detail_for_view(False))
        self.column_fitter = ColumnFitter(self.list_view, self.model)
        self.splitter.addWidget(self.detail)

        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([220, 760, 420])
        self.splitter.setChildrenCollapsible(False)
        # the panes ask for what their content needs (names in full, a panel that never
        # scrolls sideways); until the user drags the splitter it follows the window's width
        self._splitter_dragged = False
        self.splitter.splitterMoved.connect(self._splitter_moved)

        # --- status bar ---
        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")
        self.statusBar().addWidget(self.count_label, 1)
        # a message too long for the room beside the permanent widgets wraps instead of
        # being cut (the full text in its tooltip)
        self.status_messages = StatusMessages(self.statusBar(), [self.count_label])
        self.progress = TaskProgressWidget(self.tasks)
        self.statusBar().addPermanentWidget(self.progress)
        self.busy = BusyIndicator(self.ops)
        self.statusBar().addPermanentWidget(self.busy)

        self._build_menus()
        if self._plain is not None:
            self._show_undo_state(self._plain.undo)
        else:
            from app import operations

            self._show_undo_state(operations.undo_state(db))
        self._sidebar_counts: dict[SidebarFilter, int] = {}
        # change notices seen, and how many had been seen when the counts shown were started:
        # equal, the counts are those of the database as it is (``stage_counts``)
        self._notices_seen = 0
        self._counted_at = -1
        self._recount_timer = QTimer(self)
        self._recount_timer.setSingleShot(True)
        self._recount_timer.setInterval(RECOUNT_AFTER_MS)
        self._recount_timer.timeout.connect(self._recount_due)
        self.tasks.defer(self._recount_timer)  # reads about to start (TaskRunner.idle)
        self._refresh_sidebar_structure(background=False)
        self.model.modelReset.connect(self._update_status)
        self.model.rowsInserted.connect(lambda *_a: self._update_status())
        self.model.total_changed.connect(self._update_status)  # a search's count arrived
        self.refresh_counts()
        self._restore_state()
        self._update_status()
        self.safety = DatabaseSafety(self)  # integrity check, daily backup, File ▸ Backups…
        self._build_features()
        # the sidebar's sources come with its counts (one grouping read, not two)

    def _read_plain_start(self, first: PlainReads | None) -> PlainStartScreen | None:
        """The stages, which are shown, and the undo state, read with the driver alone; None
        without a plain start or when it declined (an import started since: the usual path)."""
        if first is None or first.ready:
            return None
        from app import first_screen

        try:
            with first.reads() as con:
                stages = first_screen.stages(con)
                return PlainStartScreen(
                    stages=stages,
                    shown=first_screen.shown_stages(con, stages),
                    undo=first_screen.undo_state(con),
                )
        except (first_screen.NotPlain, sqlite3.Error) as exc:
            log.info("the first screen read the usual way: %s", exc)
            return None

    def _plain_now(self) -> PlainStartScreen | None:
        """The plain start's first screen while the database is not open yet, else None."""
        plain = self._plain
        if plain is not None and self.first is not None and self.first.ready:
            self._plain = plain = None
        return plain

    def close_database(self) -> None:
        """The database closed as the window goes (one never opened is not opened for it)."""
        if self.first is not None:
            self.first.close()
            if not self.first.opening.started:
                return
        self.db.close()

    # --- features --------------------------------------------------------------------------
    def _build_features(self) -> None:
        """Build every feature, explicitly and in order. One that fails stops start-up with
        its error (shown by the application) instead of silently missing."""
        from ui import dashboard, golook, importing, kanban, leads, points, qualification, triage

        self.kanban = kanban.install(self)  # the board
        self.triage = triage.install(self)  # triage mode
        self.importing = importing.install(self)  # import wizard, history, export
        self.golook = golook.install(self)  # go-look section, check all, personas
        self.qualification = qualification.install(self)  # BANT, score, follow-up
        self.dashboard = dashboard.install(self)
        self.leads = leads.install(self)  # settings, duplicates and merge, tasks, reminders
        self.points = points.install(self)  # every e-mail, phone and address, and their editor
        from ui import team

        self.team = team.install(self)  # assign contacts to an owner
        from ui import live

        first = self.first
        if first is None or first.ready:
            self.live = live.install(self)  # other people's changes; the server out of reach
        else:  # a plain start: the feed (SQLAlchemy's) on the database once it is open
            self.live = live.install(self, start=False)
            self.after_usable(
                lambda: self.tasks.run(
                    first.opening.database,
                    # what was committed between the first screen's read and the feed's
                    # start is read again (the feed only sees what comes after it)
                    on_done=lambda database: self.live.start(
                        database, first.changed_since_first_read
                    ),
                    on_error=lambda exc: log.warning("live updates not started: %s", exc),
                    background=True,
                )
            )
        from ui import read_only

        # a role that may not write, or the server gone: every edit greyed out, and why
        self.read_only = read_only.install(
            self,
            self,
            [
                self.new_contact_action,
                self.menu_move.menuAction(),
                self.delete_action,
                self.undo_action,
                self.redo_action,
            ],
        )
        new = self.new_contact_action
        new.changed.connect(lambda: self.new_button.setEnabled(new.isEnabled()))

    # --- the interface features use (ui.api.WindowApi) -----------------------------------
    def stored_setting(self, key: str, default: Any = None) -> Any:
        first = self.first
        if self._plain_now() is not None and first is not None:
            from app import first_screen

            try:
                with first.reads() as con:
                    return first_screen.setting(con, key, default)
            except (first_screen.NotPlain, sqlite3.Error) as exc:
                log.info("setting %s read the usual way: %s", key, exc)
        from app.settings import get_setting

        return get_setting(self.db, key, default)

    def plain_reads(self) -> PlainReads | None:
        return self.first if self._plain_now() is not None else None

    def plain_start_reads(self) -> PlainReads | None:
        return self.first

    def dialog_parent(self) -> QWidget:
        return self

    def add_tools_action(
        self, text: str, slot: Callable[[], Any] | None, shortcut: Any = None
    ) -> QAction:
        return self._action(self.menu_tools, text, slot, shortcut)

    def add_list_menu_extension(self, extension: ListMenuExtension) -> None:
        self.list_menu_extensions.append(extension)

    def add_status_extension(self, extension: StatusExtension) -> None:
        self.status_extensions.append(extension)

    def add_queue_counts_listener(self, listener: QueueCountsListener) -> None:
        self._queue_counts_listeners.append(listener)

    def after_first_paint(self, fn: Callable[[], object]) -> None:
        if self._first_paint is None:
            self._first_paint = _FirstPaint(self.list_view.viewport(), self)
        self._first_paint.then(fn)

    def after_usable(self, fn: Callable[[], object]) -> None:
        if self._after_usable is None:
            fn()
        else:
            self._after_usable.append(fn)

    def add_status_widget(self, widget: QWidget) -> None:
        self.statusBar().addPermanentWidget(widget)

    def set_import_handler(self, handler: Callable[[Path], None]) -> None:
        self.import_handler = handler

    def set_detail_visible(self, visible: bool) -> None:
        self.show_detail_for_view(visible)

    # --- the detail panel, per view ----------------------------------------------------------
    # shown beside the list; on the board and the dashboard only when asked for (Enter, the
    # Details button, Ctrl+Shift+D); Esc closes it. Each view remembers its own choice.
    DETAIL_DEFAULTS = {"list": True}

    def detail_wanted(self, view_key: str) -> bool:
        chosen = getattr(self, "_detail_choice", {})
        if view_key in chosen:
            return bool(chosen[view_key])
        default = self.DETAIL_DEFAULTS.get(view_key, False)
        if self.persist_state:  # the choice made in an earlier session, for this view
            saved = self.settings.value(f"{DETAIL_KEY}/{view_key}")
            if saved is not None:
                return str(saved).lower() in ("true", "1")
        return default

    def show_detail_for_view(self, visible: bool) -> None:
        """The user opened or closed the panel on the current view (remembered for that
        view, also across restarts)."""
        if not hasattr(self, "_detail_choice"):
            self._detail_choice: dict[str, bool] = {}
        key = self.current_view_key()
        self._detail_choice[key] = bool(visible)
        if self.persist_state:
            self.settings.setValue(f"{DETAIL_KEY}/{key}", bool(visible))
        self.toggle_detail.setChecked(bool(visible))

    def _detail_toggled(self, visible: bool) -> None:
        self.detail.setVisible(visible)
        # beside the tabs while the panel is closed; an open panel has its own Hide button
        self.detail_button.setText("Show details")
        self.detail_button.setVisible(not visible)

    def _install_panel_keys(self) -> None:
        """Enter on the list opens the panel; Esc on the list or in the panel closes it."""
        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            enter = QShortcut(QKeySequence(key), self.list_view)
            enter.setContext(Qt.ShortcutContext.WidgetShortcut)
            enter.activated.connect(self._open_detail_from_list)
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.list_view)
        escape.setContext(Qt.ShortcutContext.WidgetShortcut)
        escape.activated.connect(lambda: self.show_detail_for_view(False))

    def _open_detail_from_list(self) -> None:
        if self.selected_ids():
            self.show_detail_for_view(True)

    def _view_panel_keys(self, key: str, widget: QWidget) -> None:
        if key in ("list", "triage"):
            return  # the list has its own keys; triage puts the panels aside itself
        escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), widget)
        escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        escape.activated.connect(lambda: self.show_detail_for_view(False))

    def panels_visible(self) -> tuple[bool, bool]:
        return self.toggle_sidebar.isChecked(), self.toggle_detail.isChecked()

    def set_panels_visible(self, sidebar: bool, detail: bool) -> None:
        self.toggle_sidebar.setChecked(sidebar)
        self.toggle_detail.setChecked(detail)

    def add_query_listener(self, listener: Callable[[], None]) -> None:
        self.model.query_changed.connect(listener)

    def show_status(self, text: str, msecs: int = 4000) -> None:
        if not self.isVisible():
            # a message before the window is shown would be painted over the counts (showing
            # the window shows the labels the message had hidden): say it once it is shown
            QTimer.singleShot(0, lambda: self.statusBar().showMessage(text, msecs))
            return
        self.statusBar().showMessage(text, msecs)

    def update_status(self) -> None:
        self._update_status()

    # --- extension points --------------------------------------------------------------
    def add_view(self, key: str, title: str, widget: QWidget, shortcut: str | None = None) -> None:
        """Add a main view as a tab (and an entry in the View menu once menus exist)."""
        self._views[key] = widget
        index = self.views.addTab(widget, title)
        self._view_panel_keys(key, widget)
        # a view's own minimum width must not widen the window for every other view
        widget.setMinimumWidth(min(widget.minimumSizeHint().width(), 320))
        if hasattr(self, "menu_view"):
            action = self._add_view_action(key, title, index)
            if shortcut is not None:
                action.setShortcuts([QKeySequence(shortcut), *action.shortcuts()])

    def add_lazy_view(
        self, key: str, title: str, build: Callable[[], QWidget], shortcut: str | None = None
    ) -> Callable[[], QWidget]:
        """A main view built when it is first shown (its tab, the View menu's entry or a
        shortcut) or asked for (the function returned: the view, built if need be)."""
        tab = LazyView(key, build)
        self.add_view(key, title, tab, shortcut)
        return tab.view

    def build_views(self) -> None:
        """Every view built now (Help ▸ Keyboard shortcuts reads their keys from them)."""
        for widget in self._views.values():
            view_in(widget)

    def show_view(self, key: str) -> None:
        widget = self._views.get(key)
        if widget is not None:
            self.views.setCurrentWidget(widget)

    def show_queue(self, name: str) -> None:
        self.sidebar.select_filter(SidebarFilter("queue", name))
        self.show_view("list")

    def show_batch(self, batch_id: int) -> None:
        flt = SidebarFilter("batch", str(batch_id))
        self._sidebar_batch = batch_id  # counted with the others from now on
        self.sidebar.set_entries("Import", [(flt, f"From import {batch_id}", None)])
        self.sidebar.select_filter(flt)
        self.show_view("list")
        self._count_batch(batch_id)

    _sidebar_batch: int | None = None  # the import the sidebar's "From import N" lists

    def _count_batch(self, batch_id: int) -> None:
        """The entry's count at once, off the GUI thread (one indexed count, not the whole
        sidebar's); later changes keep it current through :meth:`refresh_counts`."""
        db = self.db
        flt = SidebarFilter("batch", str(batch_id))

        def done(n: int) -> None:
            if self._sidebar_batch != batch_id:
                return  # another import is listed now
            # not before the first whole count (its arrival makes the window usable)
            if self._sidebar_counts:
                self._sidebar_counts[flt] = n
            self.sidebar.set_counts({flt: n})

        def count() -> int:
            from app import contacts
            from app.contacts import ContactQuery

            return contacts.count(db, ContactQuery(batch_id=batch_id))

        self.tasks.run(
            count,
            on_done=done,
            on_error=lambda exc: log.warning("count: %s", exc),
        )

    def current_view_key(self) -> str:
        current = self.views.currentWidget()
        return next((k for k, w in self._views.items() if w is current), "list")

    def view_size(self, key: str) -> QSize:
        current = self.views.currentWidget()
        size = QSize(current.size()) if current is not None else self.views.size()
        if key != "triage" and self.detail.isVisible() != self.detail_wanted(key):
            room = self.detail.width() + self.splitter.handleWidth()
            if self.detail.isVisible():  # hidden for that view: its room goes to the views
                size.setWidth(size.width() + room)
            else:  # shown beside it (at the width it had: a guess until it is laid out)
                size.setWidth(max(1, size.width() - room))
        return size

    def current_query(self) -> ContactQuery:
        """The list's query: sidebar filter, search text, address filter and sort."""
        return self.model.query

    def selected_ids(self) -> list[int]:
        """The selected contacts of the current view (a view may offer ``selected_ids()``)."""
        view = view_in(self.views.currentWidget())
        if view is not self.list_view and callable(getattr(view, "selected_ids", None)):
            return list(view.selected_ids())  # type: ignore[union-attr]
        rows = sorted({i.row() for i in self.list_view.selectionModel().selectedRows()})
        return [self.model.contact_id(r) for r in rows]

    # --- menus ---------------------------------------------------------------------------
    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.menu_file = bar.addMenu("&File")
        self._action(
            self.menu_file, "&New database…", self.new_database, QKeySequence.StandardKey.New
        )
        self._action(
            self.menu_file, "&Open database…", self.open_database, QKeySequence.StandardKey.Open
        )
        self._action(self.menu_file, "&Backups…", self.show_backups)
        self.menu_file.addSeparator()
        self._file_tail = self.menu_file.addSeparator()
        self._action(self.menu_file, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        self.menu_edit = bar.addMenu("&Edit")
        undo = self._action(self.menu_edit, "&Undo", self.undo, QKeySequence.StandardKey.Undo)
        redo = self._action(self.menu_edit, "&Redo", self.redo)
        redo.setShortcuts(
            [QKeySequence("Ctrl+Shift+Z"), QKeySequence(QKeySequence.StandardKey.Redo)]
        )
        self.menu_edit.removeAction(undo)
        self.menu_edit.removeAction(redo)
        self.menu_edit.addAction(undo)
        self.menu_edit.addAction(redo)
        self.undo_action, self.redo_action = undo, redo
        self.menu_edit.addSeparator()
        self._action(self.menu_edit, "&Find…", self.focus_search, QKeySequence.StandardKey.Find)
        self._action(
            self.menu_edit,
            "Select &all",
            self.list_view.selectAll,
            QKeySequence.StandardKey.SelectAll,
        )

        self.menu_view = bar.addMenu("&View")
        for index in range(self.views.count()):
            key = next(k for k, w in self._views.items() if w is self.views.widget(index))
            self._add_view_action(key, self.views.tabText(index), index)
        self._view_tail = self.menu_view.addSeparator()
        self.toggle_sidebar = self._action(self.menu_view, "Show &sidebar", None, "Ctrl+Shift+B")
        self.toggle_sidebar.setCheckable(True)
        self.toggle_sidebar.setChecked(True)
        self.toggle_sidebar.toggled.connect(self.sidebar.setVisible)
        self.toggle_detail = self._action(
            self.menu_view, "Show &detail panel", None, "Ctrl+Shift+D"
        )
        self.toggle_detail.setCheckable(True)
        shown = self.detail_wanted(self.current_view_key())  # as chosen last time
        self.toggle_detail.setChecked(shown)
        self.toggle_detail.toggled.connect(self._detail_toggled)
        # the menu, the button and Ctrl+Shift+D are the user's choice for the current view
        self.toggle_detail.triggered.connect(self.show_detail_for_view)
        self.toggle_detail.setToolTip("Show or hide the detail panel (Enter opens, Esc closes)")
        self.detail_button.setDefaultAction(self.toggle_detail)
        self._detail_toggled(shown)
        self._install_panel_keys()

        self.menu_contact = bar.addMenu("&Contact")
        self.new_contact_action = self._action(
            self.menu_contact, "&New contact…", self.new_contact, "Ctrl+Shift+N"
        )
        self.menu_move = self.menu_contact.addMenu("&Move to stage")
        self._fill_move_menu(self.menu_move, self.selected_ids, self._listed_versions)
        self.menu_contact.addSeparator()
        self.delete_action = self._action(
            self.menu_contact, "&Delete…", self.delete_selected, QKeySequence.StandardKey.Delete
        )

        self.menu_tools = bar.addMenu("&Tools")
        self.menu_help = bar.addMenu("&Help")
        shortcuts = self._action(self.menu_help, "&Keyboard shortcuts…", self.show_shortcuts)
        shortcuts.setShortcuts([QKeySequence("Ctrl+/"), QKeySequence("F1")])
        self.menu_help.addSeparator()
        self._action(self.menu_help, "&About Winnow", self._about)

    def _action(
        self, menu: QMenu, text: str, slot: Callable[[], Any] | None, shortcut: Any = None
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if slot is not None:
            action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    def add_file_action(self, text: str, slot: Callable[[], Any], shortcut: Any = None) -> QAction:
        """For features: an entry in the File menu between Open and Quit."""
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        self.menu_file.insertAction(self._file_tail, action)
        return action

    def _add_view_action(self, key: str, title: str, index: int) -> QAction:
        action = QAction(title, self)
        if index < 9:
            action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
        action.triggered.connect(lambda _c=False, k=key: self.show_view(k))
        before = getattr(self, "_view_tail", None)
        if before is not None:
            self.menu_view.insertAction(before, action)
        else:
            self.menu_view.addAction(action)
        return action

    def _fill_move_menu(
        self,
        menu: QMenu,
        ids: Callable[[], list[int]],
        versions: Callable[[list[int]], dict[int, int] | None] = lambda _ids: None,
    ) -> None:
        """``versions(ids)``: the versions the view showed them at (the move is refused,
        saying who changed what, when one changed since), or None."""
        menu.clear()
        plain = self._plain_now()
        if plain is not None:
            stages = plain.shown
        else:
            from app.stage_visibility import shown_stages

            stages = shown_stages(self.db)
        for st in stages:  # hidden stages are not offered
            action = menu.addAction(as_label(st.name))
            action.triggered.connect(
                lambda _c=False, k=st.key: self._move_shown(ids(), k, versions)
            )

    def _move_shown(
        self,
        ids: list[int],
        stage_key: str,
        versions: Callable[[list[int]], dict[int, int] | None],
    ) -> None:
        self.move_contacts(ids, stage_key, expect_versions=versions(ids) or None)

    def _listed_versions(self, ids: list[int]) -> dict[int, int] | None:
        """The versions the list shows these contacts at (when the list is the current view;
        rows it has not read are not checked — nobody saw them — and none is read here)."""
        if self.views.currentWidget() is not self.list_view:
            return None
        shown: dict[int, int] = {}
        for cid in ids:
            version = self.model.shown_version(cid)
            if version is not None:
                shown[cid] = version
        return shown

    # --- filters -------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _search_typed(self, _text: str) -> None:
        self._search_timer.start()

    def build_query(self) -> ContactQuery:
        from app.contacts import ContactQuery
        from app.identity import current_actor

        flt = self.sidebar.current_filter() or SidebarFilter("all")
        base = self.model.query
        return ContactQuery(
            stage_keys=(flt.value,) if flt.kind == "stage" and flt.value else (),
            source=flt.value if flt.kind == "source" else None,
            queue=flt.value if flt.kind == "queue" else None,
            batch_id=int(flt.value) if flt.kind == "batch" and flt.value else None,
            owner=current_actor(self.db) if flt.kind == "owner" else None,
            search=self.search.text().strip() or None,
            domain_classes=tuple(self.domain_filter.currentData() or ()),
            sort=base.sort
            if not (flt.kind == "queue" and flt.value == "awaiting")
            else "response_due",
            descending=base.descending
            if not (flt.kind == "queue" and flt.value == "awaiting")
            else False,
        )

    def apply_filters(self) -> None:
        self._search_timer.stop()
        selected = self.detail.contact_id
        try:
            self.model.set_query(self.build_query())
        except WinnowError as exc:
            self.statusBar().showMessage(str(exc), 5000)
            return
        if selected is not None and not self._select_id(selected, scroll=False):
            from app import contacts

            still = contacts.query_ids(self.db, replace(self.model.query, ids=(selected,)))
            if not still:  # the search or filter left it out: the detail panel follows
                self.detail.show_contact(None)
        self._update_status()

    # --- selection -----------------------------------------------------------------------
    def _selection_changed(self, *_args: Any) -> None:
        ids = self.selected_ids()
        self.detail.show_contact(ids[0] if len(ids) == 1 else (ids[0] if ids else None))
        self._update_status()

    def _select_id(self, contact_id: int, scroll: bool = True) -> bool:
        self._list_catch_up()
        row = self.model.row_for_id(contact_id)
        if row is None:
            return False
        index = self.model.index(row, 0)
        flags = self.list_view.selectionModel().SelectionFlag
        self.list_view.selectionModel().select(index, flags.ClearAndSelect | flags.Rows)
        # the current row only: the view's setCurrentIndex would apply held Ctrl/Shift keys
        # to the selection (and deselect the contact just selected)
        self.list_view.selectionModel().setCurrentIndex(index, flags.NoUpdate)
        if scroll:
            self.list_view.scrollTo(index)
        return True

    def select_contact(self, contact_id: int) -> None:
        """Select a contact in the list (if it is shown) and show it in the detail panel."""
        if not self._select_id(contact_id):
            self.detail.show_contact(contact_id)

    def _list_menu(self, pos: Any) -> None:
        index = self.list_view.indexAt(pos)
        if not index.isValid():
            return
        if index.row() not in {i.row() for i in self.list_view.selectionModel().selectedRows()}:
            self._select_id(int(index.data(ContactIdRole)), scroll=False)
        ids = self.selected_ids()
        # the versions the rows show as the menu opens: a move made on them is refused when
        # someone changed one of them meanwhile
        shown = self._listed_versions(ids)
        menu = QMenu(self)
        move = menu.addMenu("Move to stage")
        self._fill_move_menu(move, lambda: ids, lambda _ids: shown)
        menu.addSeparator()
        email_rows = [
            self.model.contact_row(r)
            for r in sorted({i.row() for i in self.list_view.selectionModel().selectedRows()})
        ]
        emails = [r.email for r in email_rows if r is not None and r.email]
        if emails:
            copy = menu.addAction("Copy e-mail address" + ("es" if len(emails) > 1 else ""))
            copy.triggered.connect(lambda: _copy("; ".join(emails)))
        delete = menu.addAction("Delete…")
        delete.triggered.connect(self.delete_selected)
        for extend in self.list_menu_extensions:
            extend(menu, ids)
        if self.ops.refusal is not None:  # read only: only what changes nothing stays
            for action in menu.actions():
                if not action.text().startswith("Copy"):
                    action.setEnabled(False)
                    action.setStatusTip(self.ops.refusal)
        menu.exec(self.list_view.viewport().mapToGlobal(pos))

    # --- operations: each runs on the one writer thread (self.ops) -------------------------
    def move_contacts(
        self,
        ids: Sequence[int],
        stage_key: str,
        reason: str | None = None,
        *,
        on_moved: Callable[[MoveResult], None] | None = None,
        override: str | None = None,
        expect_versions: Mapping[int, int] | None = None,
    ) -> bool:
        """Move contacts (the one path every view uses); False when cancelled. The move is
        queued on the writer; views follow when it has committed. The gates (app.gates) are
        checked in the move: contacts they stop are shown with what they lack, and the move
        runs again with the user's reason to move anyway (kept in the history)."""
        ids = list(ids)
        if not ids:
            return False
        if stage_key == "disqualified" and reason is None:
            reason = ask_disqualify_reason(self, len(ids))
            if reason is None:
                return False
        db = self.db
        own = self.ops.own_operations

        def moved(result: OpResult[MoveResult]) -> None:
            if on_moved is not None:
                on_moved(result.value)
            n = len(result.value.moved)
            if n:
                self.statusBar().showMessage(f"Moved {n:,} to {stage_name(result.label)}", 4000)

        def failed(exc: Exception) -> None:
            from app.gates import GateRefused
            from app.operations import Changes
            from app.versions import StaleVersion

            if isinstance(exc, GateRefused) and override is None:
                ask_override_then(
                    self,
                    exc.stage_name,
                    exc.problems,
                    lambda why: self.move_contacts(
                        ids,
                        stage_key,
                        reason,
                        on_moved=on_moved,
                        override=why,
                        expect_versions=expect_versions,
                    ),
                )
                return
            if isinstance(exc, StaleVersion):  # every view shows it as someone else left it
                self.ops.operation_did_execute.emit(Changes.of(contacts=[exc.contact_id]), None)
            message_box.warning(self, "Move failed", f"The contacts were not moved.\n\n{exc}")

        def move() -> OpResult[MoveResult]:
            from app import operations
            from app.versions import expected_after_own

            return operations.move_contacts(
                db,
                ids,
                stage_key,
                reason=reason,
                gated=True,
                override=override,
                # this window's own changes since the versions shown are no conflict
                expect_versions=expected_after_own(db, expect_versions, own())
                if expect_versions
                else None,
            )

        self.ops.run(
            move,
            on_success=moved,
            on_failure=failed,
        )
        return True

    def _move_from_detail(self, ids: list[int], stage_key: str) -> None:
        """The detail panel's stage: a move made on the version the panel shows, refused
        (saying who changed what) if someone changed the contact meanwhile."""
        shown = self.detail.contact
        versions = {shown.id: shown.version} if shown is not None and ids == [shown.id] else None
        self.move_contacts(ids, stage_key, expect_versions=versions)

    def edit_contact(self, contact_id: int, values: dict[str, Any]) -> None:
        db = self.db
        # made on the version the form shows: refused (and said who changed what) if stale
        version = self.detail.form_version(contact_id)

        def edit() -> OpResult[FieldEdit]:
            from app import operations

            return operations.edit_contact(db, contact_id, values, expect_version=version)

        self.ops.run(
            edit,
            on_failure=lambda exc: self.detail.edit_failed(exc, values),
        )

    def new_contact(self) -> None:
        dialog = NewContactDialog(self.db, self)
        if dialog.exec() != NewContactDialog.DialogCode.Accepted:
            if dialog.open_existing is not None:  # the likely duplicate's link
                self.show_view("list")
                self.select_contact(dialog.open_existing)
            return
        values: dict[str, Any] = dict(dialog.values)
        db, stage = self.db, dialog.stage_key

        def create() -> OpResult[int]:
            from app import operations

            return operations.create_contact(db, stage=stage, **values)

        self.ops.run(
            create,
            on_success=lambda result: self.select_contact(result.value),
            failure_title="Could not create the contact",
        )

    def delete_selected(self) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        who = "this contact" if len(ids) == 1 else f"these {len(ids):,} contacts"
        answer = message_box.question(
            self,
            "Delete contacts",
            f"Delete {who} with their history and activities?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.perform_delete(ids)

    def perform_delete(self, ids: list[int]) -> None:
        """Delete contacts (undoable: Edit ▸ Undo brings them back with their history)."""
        db = self.db

        def delete() -> OpResult[int]:
            from app import operations

            return operations.delete_contacts(db, ids)

        self.ops.run(
            delete,
            on_success=lambda r: self.statusBar().showMessage(f"Deleted {r.value:,}", 4000),
            on_failure=lambda exc: message_box.warning(
                self, "Delete failed", f"Nothing was deleted.\n\n{exc}"
            ),
        )

    def undo(self) -> None:
        self._reverse(undo=True)

    def redo(self) -> None:
        self._reverse(undo=False)

    def _reverse(self, *, undo: bool, force: bool = False) -> None:
        from app import operations

        db = self.db
        fn = operations.undo_operation if undo else operations.redo_operation
        verb = "Undid" if undo else "Redid"

        def done(result: OpResult[UndoReport]) -> None:
            report = result.value
            left = (
                f"; {len(report.left_alone):,} changed since left as they are"
                if report.left_alone
                else ""
            )
            self.statusBar().showMessage(f"{verb} {report.label}{left}", 6000)
            changes = result.changes
            touched = sorted((changes.contacts | changes.created) - changes.deleted)
            if touched:  # once the views have followed the change notice
                QTimer.singleShot(0, lambda: self.reselect(touched))

        def failed(exc: Exception) -> None:
            from app.operations import NothingToUndo, UndoConflict

            if isinstance(exc, NothingToUndo):
                self.statusBar().showMessage(str(exc).capitalize(), 3000)
                return
            if isinstance(exc, UndoConflict) and not force:
                box = message_box.MessageBox(
                    QMessageBox.Icon.Question,
                    "Undo" if undo else "Redo",
                    str(exc).replace(" Use --force to", " You can"),
                    QMessageBox.StandardButton.Cancel,
                    self,
                )
                rest = box.addButton(
                    ("Undo" if undo else "Redo") + " the rest", QMessageBox.ButtonRole.AcceptRole
                )
                box.exec()
                if box.clickedButton() is rest:
                    self._reverse(undo=undo, force=True)
                return
            message_box.warning(self, "Could not undo" if undo else "Could not redo", str(exc))

        self.ops.run(lambda: fn(db, force=force), on_success=done, on_failure=failed)

    def _show_undo_state(self, state: UndoState) -> None:
        # the undo log is shared: someone else's operation says whose it is
        me = self._me()
        by = {
            which: f" (by {entry.actor})" if entry and entry.actor and entry.actor != me else ""
            for which, entry in (("undo", state.undo), ("redo", state.redo))
        }
        self.undo_action.setText("&" + as_label(f"{state.undo_text}{by['undo']}"))
        self.undo_action.setEnabled(state.undo is not None)
        self.redo_action.setText("&" + as_label(f"{state.redo_text}{by['redo']}"))
        self.redo_action.setEnabled(state.redo is not None)

    def _me(self) -> str:
        """Who is working (``app.identity.current_actor``; on a plain start, before the
        database is open, the operating system's user, as it is on SQLite)."""
        if self._plain_now() is not None:
            from app.values import os_user

            return os_user()
        from app.identity import current_actor

        return current_actor(self.db)

    # --- refresh ---------------------------------------------------------------------------
    def _on_operation(self, changes: Changes, _initiator: object) -> None:
        """Refresh what the change notice says the window shows: the list's rows for the
        contacts named, everything loaded when many changed, the stage menus and sidebar when
        stages did, the counts when contacts did."""
        self._notices_seen += 1  # the counts shown may be out of date now
        if changes.stage_list or changes.criteria:
            self.model.reload_stages()
            self._fill_move_menu(self.menu_move, self.selected_ids, self._listed_versions)
            self._refresh_sidebar_structure()
        many = (
            changes.all_contacts
            or changes.imports
            or changes.stage_list
            or changes.criteria
            or changes.scoring
            or changes.personas
        )
        if many:
            self._list_behind = frozenset()  # every row read again
            self.model.refresh()
        else:
            if changes.deleted:
                self.model.contacts_removed(sorted(changes.deleted))
            named = (changes.contacts | changes.created | changes.activities) - changes.deleted
            self._list_behind -= changes.deleted
            if named and not changes.created and self._list_may_wait():
                # the list is hidden and shows every contact: a change to contacts it has
                # leaves what it holds and its count as they are, only their rows and places
                # are out of date. Placed when the list is shown (a card moved on the board
                # spent 2-6 ms placing it in the hidden list too)
                self._list_behind = self._list_behind | named
                self.model.forget_rows(named)
            elif named:
                # no recount on the GUI thread: the pager's total follows what came and went
                # (exact for the contacts named); the sidebar recounts in the background
                self._list_catch_up()
                self.model.contacts_changed(sorted(named), recount=False)
        if many or changes.contact_data or changes.activities:
            self._recount_timer.start()  # once the views have followed the notice
        if changes.created or changes.deleted or changes.imports or changes.sources:
            self._refresh_sidebar_structure()
        self._update_status()

    # contacts changed while the list was hidden, not yet placed in it (see _on_operation)
    _list_behind: frozenset[int] = frozenset()

    def _list_may_wait(self) -> bool:
        """Whether the list may place changed contacts later: it is not the view shown and
        its query filters nothing (no change to a contact adds it or takes it away)."""
        if self.current_view_key() == "list":
            return False
        from app.contacts import ContactQuery

        q = self.model.query
        return replace(q, sort=ContactQuery.sort, descending=ContactQuery.descending) == (
            ContactQuery()
        )

    def _list_catch_up(self) -> None:
        """Place in the list the contacts that changed while it was hidden."""
        if self._list_behind:
            behind, self._list_behind = sorted(self._list_behind), frozenset()
            self.model.contacts_changed(behind, recount=False)

    def _refresh_sidebar_structure(self, background: bool = True) -> None:
        """The sidebar's stages and sources read again, on a worker (at a million contacts the
        sources are a grouping over every contact taking most of a second, and during an
        import every chunk's notice asked for them). ``background=False`` (while the window
        is built): the stages at once, the sources known so far; no grouping is read."""
        db = self.db

        def read() -> tuple[list[StageInfo], list[str]]:
            from app import contacts
            from app.stage_visibility import shown_stages

            return shown_stages(db), [src for src, _n in contacts.distinct_sources(db)[:12]]

        def show(result: tuple[list[StageInfo], list[str]]) -> None:
            stages, sources = result
            self._sidebar_sources = sources
            self.sidebar.set_stages(stages)
            queues = [(SidebarFilter("queue", name), label, None) for name, label in queue_labels()]
            if queues:
                self.sidebar.set_entries("Follow-up", queues)
            self.sidebar.set_entries(
                "Sources", [(SidebarFilter("source", src), src, None) for src in sources]
            )
            if self._sidebar_counts:  # new entries get the counts already known
                self.sidebar.set_counts(self._sidebar_counts)

        if background:
            self.tasks.run(read, on_done=show, on_error=lambda exc: log.warning("sidebar: %s", exc))
        elif (plain := self._plain_now()) is not None:
            show((plain.shown, self._sidebar_sources))
        else:
            from app.stage_visibility import shown_stages

            show((shown_stages(db), self._sidebar_sources))

    _sidebar_sources: list[str] = []

    def refresh_counts(self) -> None:
        """Recount the sidebar in the background (never on the GUI thread). One count at a
        time: changes while it runs ask for one more afterwards (at 100,000 contacts a count
        takes a good second of work, and a move every quarter second piled them up)."""
        if self._counting:
            self._count_again = True
            return
        self._counting = True
        self._count_again = False
        db = self.db
        plain = self._plain_now()
        first = self.first if plain is not None else None
        read = self.first_counts_read
        started_at = self._notices_seen  # a notice after this: the counts may miss it
        batch = self._sidebar_batch

        def count_all() -> dict[SidebarFilter, int]:
            try:
                if first is not None and plain is not None and batch is None:
                    counted = _plain_counts(first, plain.stages)
                    if counted is not None:
                        return counted
                from app import contacts
                from app.contacts import ContactQuery
                from app.identity import current_actor
                from app.queues import QUEUES
                from app.stages import list_stages

                out: dict[SidebarFilter, int] = {}
                by_stage = contacts.count_by_stage(db, ContactQuery())
                for st in list_stages(db):
                    out[SidebarFilter("stage", st.key)] = by_stage.get(st.key, 0)
                for queue in QUEUES:
                    out[SidebarFilter("queue", queue)] = contacts.count(
                        db, ContactQuery(queue=queue)
                    )
                for src, n in contacts.distinct_sources(db)[:12]:
                    out[SidebarFilter("source", src)] = n
                out[SidebarFilter("all")] = sum(by_stage.values())
                out[SidebarFilter("owner", "me")] = contacts.count(
                    db, ContactQuery(owner=current_actor(db))
                )
                if batch is not None:  # the sidebar's "From import N"
                    out[SidebarFilter("batch", str(batch))] = contacts.count(
                        db, ContactQuery(batch_id=batch)
                    )
                return out
            finally:
                read.set()

        def counted() -> None:
            self._counting = False
            if self._count_again:
                self.refresh_counts()

        def failed(exc: BaseException) -> None:
            log.warning("count: %s", exc)
            counted()
            self._now_usable()  # without its counts: what waited need not wait longer

        def done(counts: dict[SidebarFilter, int]) -> None:
            counted()
            sources = [f.value for f in counts if f.kind == "source" and f.value is not None]
            if sources != self._sidebar_sources:  # the largest sources, as counted just now
                self._sidebar_sources = sources
                self.sidebar.set_entries(
                    "Sources", [(SidebarFilter("source", src), src, None) for src in sources]
                )
            if not self._sidebar_counts:  # the window is usable: the lists, off the GUI thread
                QTimer.singleShot(WARM_UP_AFTER_MS, self, _warm_up_domain_lists)
            self._sidebar_counts = counts
            self._counted_at = started_at
            self._all_count = counts.get(SidebarFilter("all"), 0)
            self.sidebar.set_counts(counts, self._all_count)
            self._show_first_run(self._all_count == 0)
            self._update_status()
            queues = {f.value: n for f, n in counts.items() if f.kind == "queue" and f.value}
            for listener in self._queue_counts_listeners:
                listener(queues)
            self._now_usable()

        self.tasks.run(count_all, on_done=done, on_error=failed)

    def _recount_due(self) -> None:
        self.refresh_counts()

    def hold_usable(self, what: str) -> Callable[[], None]:
        if self._after_usable is None:
            return lambda: None  # usable already
        self._usable_holds.add(what)

        def release() -> None:
            self._usable_holds.discard(what)
            if self._counts_in and not self._usable_holds:
                self._now_usable()

        return release

    def _now_usable(self) -> None:
        """What waited for the window to be usable (:meth:`after_usable`) runs now, once it
        has painted: once the counts are in and nothing holds it (:meth:`hold_usable`), or
        :data:`USABLE_HOLD_MAX_MS` after the counts at the latest."""
        if not self._counts_in:
            self._counts_in = True
            if self._usable_holds:
                QTimer.singleShot(USABLE_HOLD_MAX_MS, self, self._holds_expired)
                return
        elif self._usable_holds:
            return
        waiting, self._after_usable = self._after_usable, None
        if waiting is None:
            return
        self.became_usable.emit()
        for fn in waiting:
            QTimer.singleShot(0, self, fn)

    def stage_counts(self) -> dict[str, int] | None:
        """The contacts in each stage without filters, as the sidebar counted them, when no
        change notice came since that count started (else None: they may be out of date)."""
        if not self._sidebar_counts or self._counted_at != self._notices_seen:
            return None
        return {
            f.value: n
            for f, n in self._sidebar_counts.items()
            if f.kind == "stage" and f.value is not None
        }

    def _holds_expired(self) -> None:
        if self._usable_holds:
            log.info("usable without waiting longer for: %s", ", ".join(sorted(self._usable_holds)))
            self._usable_holds.clear()
            self._now_usable()

    def is_usable(self) -> bool:
        """Whether the window is usable: its counts in and nothing holding it (what waited for
        usable has been started; benchmarks)."""
        return self._after_usable is None

    def counts_shown(self) -> bool:
        """Whether the sidebar's counts have arrived (the window is usable: benchmarks)."""
        return bool(self._sidebar_counts)

    _all_count = 0
    _counting = False
    _count_again = False

    def _update_status(self) -> None:
        selected = (
            len(self.list_view.selectionModel().selectedRows())
            if self.list_view.selectionModel()
            else 0
        )
        parts = [f"{self._all_count:,} contacts", f"{self.model.total_text} shown"]
        if selected:
            parts.append(f"{selected:,} selected")
        parts.extend(ext() for ext in self.status_extensions)
        self.count_label.setText("  ·  ".join(p for p in parts if p))

    def _view_changed(self, index: int) -> None:
        # the database still opening beside the window (a plain start) waits meanwhile
        with self._busy_beside_opening():
            self._show_changed_view(index)

    def _busy_beside_opening(self) -> AbstractContextManager[None]:
        """What the window does at once on a user's ask, with the interpreter to itself: a
        database opening beside it (a plain start) waits at its next import meanwhile."""
        if self.first is None:
            return nullcontext()
        return self.first.opening.window_busy()  # nothing once it is open

    def _show_changed_view(self, _index: int) -> None:
        key = self.current_view_key()
        # the detail panel as this view wants it before a lazy view is built: the view is
        # laid out once, at the width it is shown at (built beside the list's panel, the
        # board was laid out at a third of its width, then again without the panel)
        if key != "triage" and hasattr(self, "toggle_detail"):
            self.toggle_detail.setChecked(self.detail_wanted(key))
        tab = self.views.currentWidget()
        if isinstance(tab, LazyView) and not tab.built:
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        widget = view_in(tab)  # a lazy view is built as it is shown
        if key == "list":
            self._list_catch_up()
        on_shown = getattr(widget, "view_shown", None)
        if callable(on_shown):
            on_shown()
        if self.isVisible():
            # painted now, before whatever else is waiting in the event loop (work posted
            # just before the click: the jobs that wait for usable at start, a burst of
            # change notices): the view the user asked for is on screen first
            self.views.repaint()

    # --- database ------------------------------------------------------------------------
    def new_database(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self,
            "New Winnow database",
            str(Path.home() / "winnow.sqlite"),
            "Winnow database (*.sqlite *.db)",
        )
        if path:
            if Path(path).exists():
                message_box.warning(
                    self, "New database", f"{path} exists already; use Open instead."
                )
                return
            self.database_switch_requested.emit(path)

    def show_backups(self) -> None:
        self.safety.show_dialog()

    def open_database(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            "Open Winnow database",
            str(Path.home()),
            "Winnow database (*.sqlite *.db);;All files (*)",
        )
        if path:
            self.database_switch_requested.emit(path)

    def _about(self) -> None:
        message_box.about(
            self,
            "About Winnow",
            f"Winnow {__version__}\n\nTurn inquiries and trade-show lists into "
            f"qualified leads — offline.\n\nDatabase: {self.db.display_name}",
        )

    def show_shortcuts(self) -> None:
        """Help ▸ Keyboard shortcuts: read from the window's actions and shortcuts now."""
        from ui.shortcuts import ShortcutsDialog

        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.shortcuts_dialog = dialog
        dialog.show()

    # --- first run: the three ways to start, instead of an empty list ------------------------
    def _with_first_run(self, center: QWidget) -> QWidget:
        from PySide6.QtWidgets import QStackedWidget

        # the empty database's choices: built when first shown (or asked for), not at every
        # start (:attr:`first_run`)
        self.first_run_screen: FirstRunScreen | None = None
        self._center = center
        self.center_stack = QStackedWidget()
        self.center_stack.addWidget(center)
        # asking for a view (Ctrl+2, Ctrl+T…) shows it, empty or not
        self.views.currentChanged.connect(lambda _i: self._show_first_run(False))
        return self.center_stack

    @property
    def first_run(self) -> FirstRunScreen:
        """The choices shown on an empty database (built now if they were not yet)."""
        if self.first_run_screen is None:
            from ui.first_run import FirstRunScreen

            screen = FirstRunScreen(self.tasks)
            screen.import_requested.connect(self._first_import)
            screen.new_contact_requested.connect(self.new_contact)
            screen.demo_ready.connect(self.database_switch_requested)
            self.center_stack.addWidget(screen)
            self.first_run_screen = screen
            guard = getattr(self, "read_only", None)  # greyed out if need be
            if guard is not None:
                guard.first_run_built(screen)
        return self.first_run_screen

    def _show_first_run(self, empty: bool) -> None:
        if empty == self.first_run_shown():
            return
        self.center_stack.setCurrentWidget(self.first_run if empty else self._center)
        # nothing to show in the detail panel meanwhile: the choices get the room
        self.detail.setVisible(not empty and self.toggle_detail.isChecked())

    def first_run_shown(self) -> bool:
        screen = self.first_run_screen
        return screen is not None and self.center_stack.currentWidget() is screen

    def _first_import(self) -> None:
        self.importing.open_wizard()

    # --- after Undo/Redo: the selection stays on the contacts it changed -----------------------
    RESELECT_MAX = 500

    def reselect(self, ids: list[int]) -> None:
        """Select the contacts an Undo/Redo changed where they are now, in the list or on the
        board (a contact that moved back to its column must not leave a neighbour selected)."""
        if not ids or len(ids) > self.RESELECT_MAX:
            return
        view = self.views.currentWidget()
        if view is self.list_view:
            rows = [r for r in (self.model.row_for_id(i) for i in ids) if r is not None]
            if rows:
                sel = self.list_view.selectionModel()
                flags = sel.SelectionFlag
                self._select_id(self.model.contact_id(min(rows)))
                for r in rows:
                    sel.select(self.model.index(r, 0), flags.Select | flags.Rows)
            return
        if self.current_view_key() == "kanban":
            from app import contacts

            board = self.kanban.board
            found = contacts.load_rows(self.db, ids)
            first = found.get(ids[0])
            if first is None:
                return
            key = first.stage_key
            column = board.column(key)
            if column is None:
                return
            if column.collapsed:  # folded for room: the contact's column opens to show it
                board.open_column(column)
            same = [i for i in ids if (row := found.get(i)) is not None and row.stage_key == key]
            if column.view.select_ids(same):
                column.view.setFocus(Qt.FocusReason.OtherFocusReason)
                board.columns_area.ensureWidgetVisible(column, 40, 0)

    # --- files dropped on the window ---------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and self.import_handler is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = [u for u in event.mimeData().urls() if u.isLocalFile()]
        if urls and self.import_handler is not None:
            event.acceptProposedAction()
            self.import_handler(Path(urls[0].toLocalFile()))

    # --- state -------------------------------------------------------------------------------
    def _saved_sort(self) -> ListSort | None:
        """The list's sort in its saved header state (None: none saved, or not restored)."""
        if not self.persist_state:
            return None
        header = self.settings.value(HEADER_KEY)
        return saved_sort(header.data()) if isinstance(header, QByteArray) else None

    def _restore_state(self) -> None:
        if not self.persist_state:
            self._default_layout()
            return
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 860)
        self._fit_to_screen()
        splitter = self.settings.value("window/splitter")
        if isinstance(splitter, QByteArray):
            self.splitter.restoreState(splitter)
            self._splitter_dragged = True  # the user's own widths
            sizes = self.splitter.sizes()
            if len(sizes) == 3 and (sizes[0] < 150 or sizes[1] < 400 or sizes[2] < 280):
                self.splitter.setSizes([220, 760, 420])  # a saved layout that hid a pane
        header = self.settings.value(HEADER_KEY)
        if isinstance(header, QByteArray):
            self.list_view.horizontalHeader().restoreState(header)
        else:
            self._default_columns()

    def _default_layout(self) -> None:
        self.resize(1400, 860)
        self._default_columns()

    def _splitter_moved(self, *_args: Any) -> None:
        self._splitter_dragged = True

    def fit_panes(self) -> None:
        """Sidebar and detail panel at the width their content asks for (a share of the
        window, never less than their minimum); the list takes the rest."""
        # the window's width: while it is being resized the splitter still has its old one
        total = self.width()
        if total <= 0 or self._splitter_dragged:
            return
        # the sidebar's names in full; its long source names too on a wide window
        wide = total >= 1800
        side = (self.sidebar.sizeHint() if wide else self.sidebar.minimumSizeHint()).width()
        detail_min = self.detail.minimumSizeHint().width()
        detail = max(detail_min, min(520, int(total * 0.3)))
        self.splitter.setSizes([side, max(200, total - side - detail), detail])

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_panes()

    def _fit_to_screen(self) -> None:
        """A saved size from another screen (or a broken one) must not leave a tiny window."""
        screen = self.screen()
        if screen is None:
            return
        avail = screen.availableGeometry()
        width = min(max(self.width(), 1100), avail.width())
        height = min(max(self.height(), 700), avail.height())
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        if not avail.intersects(self.frameGeometry()):
            self.move(avail.topLeft())

    def _default_columns(self) -> None:
        self.column_fitter.fit()  # the columns share the list's width

    def save_state(self) -> None:
        if not self.persist_state:
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue(HEADER_KEY, self.list_view.horizontalHeader().saveState())
        self.settings.setValue("window/view", self.current_view_key())
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.safety.closed = True  # no daily backup started once closed
        self.live.stop()
        self.save_state()
        self.tasks.cancel_all()
        self.ops.wait(30000)  # what the user did is committed before the window goes
        self.tasks.wait(10000)
        super().closeEvent(event)


def stage_name(label: str) -> str:
    """The stage a "move of N contacts to STAGE" operation went to."""
    return label.split(" to ", 1)[-1]


def _copy(text: str) -> None:
    from PySide6.QtGui import QGuiApplication

    QGuiApplication.clipboard().setText(text)


def replace_query(window: MainWindow, **changes: Any) -> None:
    """Change the list's query directly (used by features and tests)."""
    window.model.set_query(replace(window.model.query, **changes))


def _implements_api(window: MainWindow) -> WindowApi:
    return window  # mypy checks here that MainWindow offers everything ui.api promises

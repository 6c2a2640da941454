"""What a feature of the window may use: a small typed interface (after qutebrowser's api/).

Features (board, triage, import, go look, qualification, dashboard) are built explicitly by
the main window with this interface; they never set attributes on the window or reach into
its widgets. Writes go through ``ops`` (the one writer thread); views follow the typed change
notices of ``ops.operation_did_execute(changes, initiator)``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QSettings, QSize
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from app.values import ContactQuery

if TYPE_CHECKING:
    from app.first_screen import PlainReads
    from app.moves import MoveResult
    from db.engine import Database
    from ui.detail_panel import DetailPanel
    from ui.operations import OperationRunner
    from ui.tasks import TaskRunner

# fn(menu, contact_ids): add entries to the list's context menu
ListMenuExtension = Callable[[QMenu, list[int]], None]
# fn() -> text for the status line ('' for nothing)
StatusExtension = Callable[[], str]
# fn({queue name: contacts}): the follow-up queues as the sidebar's counts arrive
QueueCountsListener = Callable[[Mapping[str, int]], None]


class WindowApi(Protocol):
    """The main window, as features see it."""

    @property
    def db(self) -> Database: ...

    @property
    def tasks(self) -> TaskRunner: ...

    @property
    def ops(self) -> OperationRunner: ...

    @property
    def settings(self) -> QSettings: ...

    @property
    def detail(self) -> DetailPanel: ...

    @property
    def prebuild_views(self) -> bool:
        """Whether views built when first shown are built beforehand, in idle time once the
        window is usable (``after_usable``)."""
        ...

    def stored_setting(self, key: str, default: Any = None) -> Any:
        """A setting stored in the database, read as the window is built (on a start read
        with the driver alone, without waiting for the database to open)."""
        ...

    def plain_reads(self) -> PlainReads | None:
        """On a start read with the driver alone (``app.first_screen``), its reads while the
        database is not open yet; None once it is (or on the usual start): what a view shows
        first may be read there instead of waiting for the opening."""
        ...

    def plain_start_reads(self) -> PlainReads | None:
        """On a start read with the driver alone, its reads for as long as the window lives
        (the same values as the database's on that file, ``app.first_screen``: a view's first
        load may read there after the opening too); None on the usual start."""
        ...

    def dialog_parent(self) -> QWidget:
        """The widget dialogs and message boxes belong to."""
        ...

    def add_view(self, key: str, title: str, widget: QWidget, shortcut: str | None = None) -> None:
        """A main view (a tab and a View menu entry; ``shortcut`` before the Ctrl+N one)."""
        ...

    def add_lazy_view(
        self, key: str, title: str, build: Callable[[], QWidget], shortcut: str | None = None
    ) -> Callable[[], QWidget]:
        """A main view built by ``build()`` when first shown; the function returned gives
        the view (built then if it was not yet). Start-up builds only what it shows."""
        ...

    def show_view(self, key: str) -> None: ...

    def show_queue(self, name: str) -> None:
        """The list, filtered to a queue of ``app.queues`` (e.g. ``overdue``)."""
        ...

    def show_batch(self, batch_id: int) -> None:
        """The list, filtered to the contacts import batch ``batch_id`` created (a sidebar
        entry "From import N")."""
        ...

    def current_view_key(self) -> str: ...

    def view_size(self, key: str) -> QSize:
        """The size view ``key`` would be shown at now (the detail panel shown or hidden as
        that view wants it): a view built beforehand is laid out at it."""
        ...

    def add_file_action(
        self, text: str, slot: Callable[[], Any], shortcut: Any = None
    ) -> QAction: ...

    def add_tools_action(
        self, text: str, slot: Callable[[], Any] | None, shortcut: Any = None
    ) -> QAction: ...

    def add_list_menu_extension(self, extension: ListMenuExtension) -> None: ...

    def add_status_extension(self, extension: StatusExtension) -> None: ...

    def add_status_widget(self, widget: QWidget) -> None: ...

    def set_import_handler(self, handler: Callable[[Path], None]) -> None: ...

    def set_detail_visible(self, visible: bool) -> None: ...

    def panels_visible(self) -> tuple[bool, bool]:
        """(sidebar, detail panel) as View ▸ Show sidebar / Show detail panel say now."""
        ...

    def set_panels_visible(self, sidebar: bool, detail: bool) -> None: ...

    def add_query_listener(self, listener: Callable[[], None]) -> None:
        """``listener()`` runs whenever the list's filters, search or sort change."""
        ...

    def selected_ids(self) -> list[int]: ...

    def select_contact(self, contact_id: int) -> None: ...

    def move_contacts(
        self,
        ids: Sequence[int],
        stage_key: str,
        reason: str | None = None,
        *,
        on_moved: Callable[[MoveResult], None] | None = None,
        expect_versions: Mapping[int, int] | None = None,
    ) -> bool:
        """Queue the move (asking for a disqualify reason first); False when cancelled.
        ``on_moved`` runs once it has committed, just before the change notice.
        ``expect_versions`` ({id: version shown}): refused, saying who changed what, when one
        of them changed meanwhile (the views then reload it)."""
        ...

    def current_query(self) -> ContactQuery: ...

    def show_status(self, text: str, msecs: int = 4000) -> None: ...

    def refresh_counts(self) -> None: ...

    def stage_counts(self) -> Mapping[str, int] | None:
        """The contacts in each stage (by key) without filters, when the sidebar's count of
        them is current (no change notice since it started); else None."""
        ...

    def add_queue_counts_listener(self, listener: QueueCountsListener) -> None:
        """The queues' counts each time the sidebar's arrive (read once, for both)."""
        ...

    def after_first_paint(self, fn: Callable[[], object]) -> None:
        """Call ``fn`` once the window's list has been painted the first time (at once if it
        has): start-up work that must not delay the first screen."""
        ...

    def hold_usable(self, what: str) -> Callable[[], None]:
        """Count ``what`` as part of the window's being usable, with the list's first page
        and the sidebar's counts (the board's prebuild on a plain start): usable, and
        :meth:`after_usable` run, once the function returned has been called (or a second
        after the counts at the latest). Called once usable, it holds nothing."""
        ...

    def after_usable(self, fn: Callable[[], object]) -> None:
        """Call ``fn`` once the window is usable (the list's first page and the sidebar's
        counts in), at once if it is: work a start need not wait for waits for that."""
        ...

    def update_status(self) -> None: ...

"""A window that cannot change the database greys out its edits and says why.

Two causes, one mechanism: the operation runner's refusal (``OperationRunner.refusal``, which
already refuses every change) — set by ui.live while the server cannot be reached, and here
when the user's database role may not write (team mode's read-only role,
``app.access.read_only_reason``). While it is set, the guard greys out every editing entry
of the menus, the detail panel's editing sections (the go-look links stay: they only read)
and stage, drag-and-drop in the list and on the board, the window's file drop (import) and
the first-run screen's Import and Add a contact; triage takes no deciding keys. A role that
may not write is said for as long as the window is open, in the status bar: "Read-only: your
role carol cannot change this database" (the offline indicator says the other).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractItemView, QLabel, QMainWindow, QMenu, QWidget

from db.plain_open import url_backend
from ui.api import WindowApi
from ui.detail_sections import ContactSection, Section

if TYPE_CHECKING:
    from db.engine import Database
    from ui.first_run import FirstRunScreen

log = logging.getLogger(__name__)

# menu entries features add that change the database (matched by their text)
WRITING_ENTRIES = frozenset(
    {
        "&Import…",
        "Recompute &scores",
        "Check all contacts' domains",
        "Work offline (no DNS lookups)",
    }
)


class ReadOnlyGuard:
    """Greys out the window's edits while nothing can be changed, and says why."""

    def __init__(
        self, api: WindowApi, window: QMainWindow, editing: Sequence[QAction] = ()
    ) -> None:
        self.api = api
        self.window = window
        self.editing = list(editing)
        self.reason: str | None = None  # what is greyed out for now (None: nothing)
        self.role_reason: str | None = None
        self._drag: dict[int, tuple[QAbstractItemView, bool, bool, bool]] = {}
        self._window_drops = window.acceptDrops()
        self.indicator = QLabel()
        self.indicator.setObjectName("readOnlyIndicator")
        self.indicator.setToolTip(
            "Your database role may read everything and change nothing: every editing "
            "action is greyed out. Ask whoever runs the database for a role that may write."
        )
        self.indicator.hide()
        api.add_status_widget(self.indicator)
        for action in self._actions():
            action.changed.connect(lambda a=action: self._keep_greyed(a))
        api.ops.read_only_changed.connect(self.apply)
        # the detail panel's form and sections are built with its first contact: greyed
        # out then if need be
        api.detail.body_built.connect(self._detail_built)
        self.check_role()

    # --- the role ----------------------------------------------------------------------------
    def check_role(self) -> None:
        """Ask the database (on a worker) whether this role may write."""

        def done(reason: str | None) -> None:
            if shiboken6.isValid(self.indicator):
                self.set_role_reason(reason)

        def failed(exc: BaseException) -> None:  # the server gone: ui.live says so
            log.info("could not ask whether the role may write: %s", exc)

        if url_backend(self.api.db.url) != "postgresql":
            # read_only_reason's answer on SQLite, without waiting for a database still
            # being opened (a file that cannot be written is refused as it opens)
            done(None)
            return
        api = self.api  # its database asked for on the worker (it may still be opening)
        api.tasks.run(lambda: _role_reason(api.db), on_done=done, on_error=failed)

    def set_role_reason(self, reason: str | None) -> None:
        self.role_reason = reason
        self.indicator.setText(reason or "")
        self.indicator.setVisible(reason is not None)
        self.api.ops.refuse_operations(reason, cause="role")

    # --- greying out -------------------------------------------------------------------------
    def _actions(self) -> list[QAction]:
        found = list(self.editing)
        for top in self.window.menuBar().actions():
            menu = top.menu()
            if not isinstance(menu, QMenu):
                continue
            found += [a for a in menu.actions() if a.text() in WRITING_ENTRIES]
        return found

    def _keep_greyed(self, action: QAction) -> None:
        """An action the window enables again (Undo after a notice) stays greyed out."""
        if self.reason is not None and shiboken6.isValid(action) and action.isEnabled():
            action.setEnabled(False)

    def apply(self, reason: str | None) -> None:
        """Grey out (``reason``) or give back (None) every edit."""
        was, self.reason = self.reason, reason
        if (was is None) == (reason is None):
            self._tooltips(reason)
            return
        editable = reason is None
        for action in self._actions():
            if editable:
                action.setEnabled(True)
            else:
                action.setEnabled(False)
        self._item_views(editable)
        self._detail(editable)
        self._first_run(editable)
        self.window.setAcceptDrops(self._window_drops if editable else False)
        self._triage(reason)
        self._tooltips(reason)
        if editable and shiboken6.isValid(self.api.ops):
            self.api.ops.undo_state_changed.emit(self.api.ops.undo_state)  # Undo as it was

    def _tooltips(self, reason: str | None) -> None:
        for action in self._actions():
            action.setStatusTip(reason or "")

    def _item_views(self, editable: bool) -> None:
        """No drag-and-drop in the list, on the board or in the sidebar while read only."""
        if not editable:
            for view in self.window.findChildren(QAbstractItemView):
                if not (view.dragEnabled() or view.acceptDrops()):
                    continue
                self._drag[id(view)] = (
                    view,
                    view.dragEnabled(),
                    view.acceptDrops(),
                    view.viewport().acceptDrops(),
                )
                view.setDragEnabled(False)
                view.setAcceptDrops(False)
                view.viewport().setAcceptDrops(False)
            return
        for view, drag, drops, viewport_drops in self._drag.values():
            if shiboken6.isValid(view):
                view.setDragEnabled(drag)
                view.setAcceptDrops(drops)
                view.viewport().setAcceptDrops(viewport_drops)
        self._drag.clear()

    def _detail(self, editable: bool) -> None:
        """The detail panel: its stage and every section one can change something in (the
        stage history only shows)."""
        detail = self.api.detail
        if not detail.built:
            return  # nothing to grey out yet (see body_built)
        detail.stage_combo.setEnabled(editable)
        for section in editing_sections(detail.body, keep=(detail.history_list,)):
            if isinstance(section.body, ContactSection):
                section.body.set_read_only(not editable)  # it knows what only reads
            else:
                section.body.setEnabled(editable)

    def _detail_built(self) -> None:
        if self.reason is not None:
            self._detail(False)

    def _first_run(self, editable: bool) -> None:
        """The empty database's choices that write to it: import a file, add a contact (the
        demo is a database of its own). Built when first shown: greyed out then if need be
        (:meth:`first_run_built`)."""
        first = getattr(self.window, "first_run_screen", None)
        if first is not None:
            for button in (first.import_button, first.new_button):
                button.setEnabled(editable)

    def first_run_built(self, first: FirstRunScreen) -> None:
        if self.reason is not None:
            for button in (first.import_button, first.new_button):
                button.setEnabled(False)

    def _triage(self, reason: str | None) -> None:
        from ui.triage.view import TriageView

        view = self.window.findChild(TriageView)
        if view is not None:
            view.set_read_only(reason)


def _role_reason(db: Database) -> str | None:
    """``app.access.read_only_reason``, imported on the worker (SQLAlchemy), not with the window."""
    from app.access import read_only_reason

    return read_only_reason(db)


def editing_sections(body: QWidget, keep: Sequence[QWidget] = ()) -> list[Section]:
    """The detail panel's sections except those showing one of ``keep``."""
    return [s for s in body.findChildren(Section) if s.body not in keep]


def install(api: WindowApi, window: QMainWindow, editing: Sequence[QAction]) -> ReadOnlyGuard:
    return ReadOnlyGuard(api, window, editing)

"""Issue 15, start-up: the window builds only what it shows (the list, the sidebar, the detail
panel); the board, triage and the dashboard are built when first shown — by their tab, the View
menu, a shortcut — or asked for (``window.kanban.board``), and then work as if built at start.
The wheel guard watches only the controls it guards, not every event of the application."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QSpinBox, QVBoxLayout, QWidget

from app import contacts
from tests.ui.conftest import settle
from ui.dashboard.view import DashboardView
from ui.kanban.board import KanbanBoard
from ui.main_window import LazyView
from ui.triage.view import TriageView
from ui.wheel_guard import GuardingStyle, WheelGuard

pytestmark = pytest.mark.gui

LAZY = {"kanban": KanbanBoard, "triage": TriageView, "dashboard": DashboardView}


def _built(window: Any) -> set[str]:
    return {key for key, kind in LAZY.items() if window.findChild(kind) is not None}


def test_the_window_starts_without_the_views_it_does_not_show(window: Any) -> None:
    assert window.current_view_key() == "list"
    assert window.list_view.isVisible() and window.sidebar.isVisible()
    assert _built(window) == set()
    for key in LAZY:
        tab = window._views[key]
        assert isinstance(tab, LazyView) and not tab.built
        # its tab and its View menu entry are there all the same
        assert window.views.indexOf(tab) >= 0
    titles = [a.text() for a in window.menu_view.actions()]
    assert {"Board", "Triage", "Dashboard"} <= set(titles)


def test_the_view_menus_shortcut_builds_and_shows_the_board(window: Any, qtbot: Any) -> None:
    board_entry = next(a for a in window.menu_view.actions() if a.text() == "Board")
    keys = board_entry.shortcut().toString()
    assert keys.startswith("Ctrl+")
    window.list_view.setFocus()
    QTest.keyClick(window, getattr(Qt.Key, f"Key_{keys[-1]}"), Qt.KeyboardModifier.ControlModifier)
    assert window.current_view_key() == "kanban"
    assert _built(window) == {"kanban"}, "only the board is built"
    board = window.findChild(KanbanBoard)
    assert board is window.kanban.board and board.isVisible()
    # loaded as it was shown: every column counted, the first cards in
    qtbot.waitUntil(lambda: board.columns[0].model.rowCount() > 0, timeout=5000)
    shown = sum(c.model.total for c in board.columns)
    assert shown > 0
    # building it opened no window of its own (that took the focus from the main window)
    QTest.qWait(50)
    assert window.isActiveWindow()
    board.columns[0].view.setFocus()
    qtbot.waitUntil(board.columns[0].view.hasFocus, timeout=2000)


def test_ctrl_t_builds_triage_focused_and_a_decision_works(window: Any, qtbot: Any) -> None:
    window.list_view.setFocus()
    QTest.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert window.current_view_key() == "triage"
    view = window.triage.view
    assert isinstance(view, TriageView) and view.isVisible()
    qtbot.waitUntil(view.hasFocus, timeout=3000)
    first = view.current_id()
    assert first is not None
    QTest.keyClick(view.focusWidget() or view, Qt.Key.Key_N)  # nurture: one operation
    settle(qtbot, window)
    assert contacts.get_contact(window.db, first).stage_key == "nurture"
    assert view.current_id() != first


def test_asking_for_a_view_builds_it_without_showing_it(window: Any, qtbot: Any) -> None:
    dashboard = window.dashboard.view
    assert isinstance(dashboard, DashboardView)
    assert window.findChild(DashboardView) is dashboard
    assert window.current_view_key() == "list", "asked for, not shown"
    assert window.dashboard.view is dashboard, "built once"
    assert _built(window) == {"dashboard"}
    window.show_view("dashboard")
    qtbot.waitUntil(lambda: dashboard.data is not None, timeout=10000)
    assert dashboard.isVisible()


def test_a_view_built_after_the_window_went_read_only_is_read_only(window: Any, qtbot: Any) -> None:
    reason = "Read-only: for this test"
    window.ops.refuse_operations(reason, cause="role")
    try:
        window.show_view("triage")
        view = window.triage.view
        assert view.read_only == reason and not view.legend.isEnabled()
        window.show_view("kanban")
        board = window.kanban.board
        assert all(not c.view.dragEnabled() for c in board.columns)
    finally:
        window.ops.refuse_operations(None, cause="role")
    assert window.triage.view.read_only is None
    assert all(c.view.dragEnabled() for c in window.kanban.board.columns)


def test_help_shortcuts_lists_the_keys_of_views_never_shown(window: Any) -> None:
    from ui.shortcuts import collect_shortcuts

    by = {(e.group, e.keys): e.text for e in collect_shortcuts(window)}
    assert by[("Triage", "D")].startswith("Disqualified")  # a QShortcut of the triage view
    assert window.current_view_key() == "list"


def test_the_wheel_guard_filters_only_the_controls_it_guards(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui.application import make_app

    app = make_app()
    style = app.findChild(GuardingStyle, "wheelGuard")
    assert style is not None, "the application's style guards the controls"
    seen: list[str] = []

    class Counting(WheelGuard):
        def eventFilter(self, obj: Any, event: Any) -> bool:
            seen.append(type(obj).__name__)
            return super().eventFilter(obj, event)

    monkeypatch.setattr(style, "guard", Counting(style))
    form = QWidget()
    layout = QVBoxLayout(form)
    for i in range(20):
        layout.addWidget(QLabel(f"label {i}"))
    spin = QSpinBox()
    layout.addWidget(spin)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    QApplication.processEvents()
    assert spin.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert seen and set(seen) == {"QSpinBox"}, "only the spin box's events reach the guard"


def test_the_sources_grouping_is_read_once_at_start_with_the_counts(
    qtbot: Any, demo_db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.ui.conftest import _shown_window

    calls: list[int] = []
    original = contacts.distinct_sources

    def counted(db: Any) -> Any:
        calls.append(1)
        return original(db)

    monkeypatch.setattr(contacts, "distinct_sources", counted)
    shown = _shown_window(qtbot, demo_db)
    window = next(shown)
    qtbot.waitUntil(window.counts_shown, timeout=10000)
    window.tasks.wait(10000)
    sources = [src for src, _n in original(demo_db)[:12]]
    assert sources and window._sidebar_sources == sources
    section = window.sidebar.section("Sources")
    assert [section.child(i).text(0) for i in range(section.childCount())] == sources
    assert len(calls) == 1, "the sidebar's sources and their counts: one grouping"
    next(shown, None)
    window.close()


def test_a_view_asked_for_is_painted_before_work_already_waiting_runs(
    window: Any, qtbot: Any
) -> None:
    """A view switched to is on screen before what was posted to the event loop before the
    click runs (at start, the jobs that wait for usable; later, a burst of change notices):
    each view, the board built as it is shown too."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    class Painted(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.seen = False

        def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.seen = True
            return False

    for key in ("kanban", "dashboard", "triage", "list"):
        tab = window._views[key]
        painted = Painted()
        tab.installEventFilter(painted)
        found: list[bool] = []
        QTimer.singleShot(0, lambda p=painted, f=found: f.append(p.seen))  # posted first
        window.show_view(key)
        qtbot.waitUntil(lambda f=found: bool(f), timeout=5000)
        tab.removeEventFilter(painted)
        assert found == [True], f"{key}: the work posted before ran before the view's paint"

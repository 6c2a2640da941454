"""Triage mode: install with ``"ui.triage:install"`` in FEATURE_INSTALLERS (View ▸ Triage,
Ctrl+T)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence

if TYPE_CHECKING:
    from ui.main_window import MainWindow


def install(window: MainWindow) -> None:
    from ui.screenshot import SCREENSHOTS
    from ui.triage.view import TriageView

    view = TriageView(window)
    window.add_view("triage", "Triage", view)
    for action in window.menu_view.actions():
        if action.text() == "Triage":  # the entry add_view made: Ctrl+T first, keep Ctrl+N
            action.setShortcuts([QKeySequence("Ctrl+T"), *action.shortcuts()])
    SCREENSHOTS["triage"] = _prepare_screenshot


def _prepare_screenshot(window: MainWindow) -> None:
    window.toggle_detail.setChecked(True)  # the board's picture hid it; triage hides it itself
    window.show_view("triage")

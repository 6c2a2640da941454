"""Issue 13, Help ▸ Keyboard shortcuts as it opens: as tall as its list where the window has
the room (a fixed 640×620 scrolled the list at every window size), at most 90 % of the window."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from tests.ui.test_layout import show_at
from ui.shortcuts import ShortcutsDialog

pytestmark = pytest.mark.gui


def _dialog(window: Any, qtbot: Any, size: tuple[int, int]) -> ShortcutsDialog:
    show_at(qtbot, window, size)
    dialog = ShortcutsDialog(window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    QApplication.processEvents()
    return dialog


def test_every_shortcut_in_sight_on_a_large_window(empty_window: Any, qtbot: Any) -> None:
    dialog = _dialog(empty_window, qtbot, (2560, 1440))
    tree = dialog.tree
    assert not tree.verticalScrollBar().isVisible(), "shortcuts hidden below"
    last_group = list(dialog.groups.values())[-1]
    last = last_group.child(last_group.childCount() - 1)
    assert last is not None
    rect = tree.visualItemRect(last)
    assert tree.viewport().rect().contains(rect), rect
    assert tree.viewport().height() - rect.bottom() <= 3 * rect.height(), "empty space below"
    assert dialog.height() <= 1440 * 0.9


def test_a_small_window_keeps_the_dialog_inside(empty_window: Any, qtbot: Any) -> None:
    dialog = _dialog(empty_window, qtbot, (1024, 700))
    assert dialog.height() <= 630 and dialog.height() >= 600
    assert dialog.tree.verticalScrollBar().isVisible()  # the rest scrolls

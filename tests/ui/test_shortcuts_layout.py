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


def test_the_keys_stand_apart_from_what_they_do(empty_window: Any, qtbot: Any) -> None:
    """As wide as its contents, the Keys column left "Ctrl+click" ~7 px from "Select several
    contacts": now the widest keys end at least two characters before the description."""
    dialog = _dialog(empty_window, qtbot, (1440, 900))
    tree = dialog.tree
    fm = tree.fontMetrics()
    keys = [
        item.text(0)
        for g in range(tree.topLevelItemCount())
        if (group := tree.topLevelItem(g)) is not None
        for c in range(group.childCount())
        if (item := group.child(c)) is not None
    ]
    assert any(key.endswith("Ctrl+click") for key in keys)
    for key in keys:
        item_left = tree.indentation()  # keys are a group's rows
        end = item_left + 4 + fm.horizontalAdvance(key)  # the cell's margin, then the text
        gap = tree.header().sectionPosition(1) + 4 - end
        assert gap >= 2 * fm.averageCharWidth(), (key, gap)
    dialog.close()

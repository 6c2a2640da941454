"""Help ▸ Keyboard shortcuts lists every shortcut the window has, read from its actions and
shortcuts (so it cannot drift), grouped by menu and view, filtered by the search field."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut

from ui.shortcuts import ShortcutsDialog, collect_shortcuts

pytestmark = pytest.mark.gui


def _native(seq: QKeySequence) -> str:
    return seq.toString(QKeySequence.SequenceFormat.NativeText)


def test_every_action_and_shortcut_of_the_window_is_listed(window: Any) -> None:
    entries = collect_shortcuts(window)
    listed = " ".join(e.keys for e in entries)
    for action in window.findChildren(QAction):
        for seq in action.shortcuts():
            assert _native(seq) in listed, action.text()
    for sc in window.findChildren(QShortcut):
        if sc.isEnabled():
            assert _native(sc.key()) in listed
    assert all(e.text for e in entries), [e for e in entries if not e.text]
    groups = list(dict.fromkeys(e.group for e in entries))
    assert groups[:2] == ["File", "Edit"] and "Triage" in groups and "Board" in groups
    by = {(e.group, e.keys): e.text for e in entries}
    assert by[("Edit", "Ctrl+Z")] == "Undo" or by[("Edit", "Ctrl+Z")].startswith("Undo")
    assert by[("Triage", "D")].startswith("Disqualified")
    assert "after D: No budget" in by[("Triage", "1")]
    assert ("Triage", "Y") in by, "the BANT keys of triage"


def test_help_menu_opens_it_and_the_search_filters(window: Any, qtbot: Any) -> None:
    action = next(a for a in window.menu_help.actions() if "Keyboard shortcuts" in a.text())
    assert "Ctrl+/" in [_native(s) for s in action.shortcuts()]
    action.trigger()
    dialog = window.findChild(ShortcutsDialog)
    assert dialog is not None and dialog.isVisible()
    total = len(dialog.shown())
    qtbot.keyClicks(dialog.search, "undo")
    shown = dialog.shown()
    assert 0 < len(shown) < total
    assert all("undo" in f"{e.keys} {e.text}".casefold() for e in shown)
    assert {e.group for e in shown} >= {"Edit", "Triage"}
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, "ctrl+t")
    assert [e.text for e in dialog.shown()] == ["Triage"]
    qtbot.keyClicks(dialog.search, "zzz")
    assert dialog.shown() == [] and dialog.empty.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible()

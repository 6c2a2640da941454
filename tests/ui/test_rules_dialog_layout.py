"""Issue 13, Tools ▸ Scoring rules… as it opens: as tall as its rules where the window has the
room (a fixed 720×640 cut the list in the middle of a row at every window size), at most 90 %
of the window, where the list scrolls."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from app import scoring
from tests.ui.test_layout import show_at
from ui.qualification.rules_dialog import ScoringRulesDialog

pytestmark = pytest.mark.gui


def _dialog(window: Any, qtbot: Any, size: tuple[int, int]) -> ScoringRulesDialog:
    show_at(qtbot, window, size)
    dialog = ScoringRulesDialog(scoring.scoring_settings(window.db), window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    QApplication.processEvents()
    return dialog


def test_every_rule_in_sight_on_a_large_window(empty_window: Any, qtbot: Any) -> None:
    dialog = _dialog(empty_window, qtbot, (2560, 1440))
    table = dialog.table
    rows = dialog.model.rowCount()
    assert not table.verticalScrollBar().isVisible(), "rules hidden below on a 1440 px window"
    last = table.rowViewportPosition(rows - 1) + table.rowHeight(rows - 1)
    assert last <= table.viewport().height()
    assert table.viewport().height() - last <= table.rowHeight(0), "empty space under the rules"
    assert dialog.height() <= 1440 * 0.9


@pytest.mark.parametrize("size", [(1024, 700), (1440, 900)], ids=["1024x700", "1440x900"])
def test_the_rules_use_the_windows_room(
    empty_window: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    dialog = _dialog(empty_window, qtbot, size)
    room = int(size[1] * 0.9)
    assert room - 2 <= dialog.height() <= room, (dialog.height(), room)
    assert dialog.width() <= size[0]


def test_number_fields_are_as_wide_as_a_number(empty_window: Any, qtbot: Any) -> None:
    """The threshold and the response time as wide as what they hold ("60" sat at the left of
    a field 450 px wide), beside their labels."""
    dialog = _dialog(empty_window, qtbot, (1440, 900))
    for field in (dialog.threshold, dialog.sla, dialog.automation):
        assert field.width() <= field.sizeHint().width() + 1, field.objectName()
        assert field.width() >= field.minimumSizeHint().width()

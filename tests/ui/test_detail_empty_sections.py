"""Issue 13, the detail panel's Activities section: a contact without activities shows one
quiet line, "No activities yet" (as the triage card does), under the note field and Log
(an empty table kept its header and a blank row: a band of empty space); the first activity
logged brings the table back."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QPalette

from app import contacts, operations
from tests.ui.conftest import settle
from tests.ui.test_dark_palette import palette  # noqa: F401 (fixture: light, dark, Breeze)
from tests.ui.test_tasks_layout import drawn_contrast
from ui.contrast import contrast_ratio
from ui.detail_sections import ActivitiesBox

pytestmark = pytest.mark.gui


def _below_log(box: ActivitiesBox) -> int:
    """The height the box asks for under the note field and the kind and Log row."""
    lay = box.layout()
    assert lay is not None
    lay.activate()
    row = max(box.activity_type.sizeHint().height(), box.activity_type.minimumSizeHint().height())
    above = box.activity_note.sizeHint().height() + lay.spacing() + row
    return lay.sizeHint().height() - above


def test_no_activities_is_one_line_until_one_is_logged(
    empty_window: Any,
    qtbot: Any,
    palette: QPalette,  # noqa: F811
) -> None:
    win = empty_window
    db = win.db
    cid = contacts.create_contact(db, name="Étienne Moreau", email="em@moreau-lille.fr")
    win.set_detail_visible(True)
    win.select_contact(cid)
    qtbot.waitUntil(lambda: win.detail.view is not None and win.detail.view.id == cid, timeout=5000)
    box = win.detail.activities
    qtbot.wait(20)
    line = box.fontMetrics().height()
    assert _below_log(box) <= line + box.layout().spacing() + 4, _below_log(box)
    assert not box.activity_list.isVisibleTo(win.detail)
    label = box.empty_label
    assert label.isVisibleTo(win.detail) and label.text() == "No activities yet"
    shown = label.palette().color(label.foregroundRole())
    ground = label.palette().color(QPalette.ColorRole.Base)
    assert contrast_ratio(shown, ground) >= 4.5, (shown.name(), ground.name())
    assert drawn_contrast(label) >= 4.5

    win.ops.run(lambda: operations.log_activity(db, cid, "call", note="asked for prices"))
    settle(qtbot, win)
    qtbot.waitUntil(lambda: box.activity_list.topLevelItemCount() == 1, timeout=5000)
    assert box.activity_list.isVisibleTo(win.detail) and not label.isVisibleTo(win.detail)

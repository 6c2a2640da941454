"""The mouse wheel scrolls the detail panel, it never edits it: a date, a combo box or a spin
box under the pointer keeps its value unless the user clicked into it first. A change typed
into the panel shows as pending until saved; Esc takes it back."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDateTimeEdit,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from tests.ui.conftest import settle

pytestmark = pytest.mark.gui


def wheel(widget: QWidget, steps: int = -1) -> None:
    """One notch of the wheel (down: negative) with the pointer on the widget's middle."""
    local = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(
        local,
        QPointF(widget.mapToGlobal(local.toPoint())),
        QPoint(0, 0),
        QPoint(0, 120 * steps),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


def value_of(widget: QWidget) -> object:
    if isinstance(widget, QComboBox):
        return widget.currentIndex()
    if isinstance(widget, QDateTimeEdit):
        return widget.dateTime()
    assert isinstance(widget, QAbstractSpinBox)
    return widget.text()


def test_the_wheel_scrolls_the_panel_and_changes_nothing(window: Any, qtbot: Any) -> None:
    window.resize(1200, 700)
    window.list_view.selectRow(0)
    settle(qtbot, window)
    panel = window.detail
    controls = [
        w
        for w in panel.findChildren(QWidget)
        if isinstance(w, QComboBox | QAbstractSpinBox) and w.isVisibleTo(panel)
    ]
    assert panel.next_action in controls and panel.stage_combo in controls
    assert len(controls) >= 4  # stage, next action, activity type, and the features' ones
    bar = panel._scroll.verticalScrollBar()
    assert bar.maximum() > 0
    window.list_view.setFocus()
    stage_before = window.model.contact_row(0).stage_key
    for control in controls:
        bar.setValue(0)
        before = value_of(control)
        wheel(control, -1)
        QApplication.processEvents()
        assert value_of(control) == before, f"the wheel changed {control.objectName()}"
        assert not control.hasFocus()
        if panel._scroll.isAncestorOf(control):
            assert bar.value() > 0, f"the panel did not scroll over {control.objectName()}"
    settle(qtbot, window)
    assert not panel.has_unsaved_changes
    assert not panel.pending_label.isVisible()
    assert window.model.contact_row(0).stage_key == stage_before
    assert not window.ops.busy


def test_a_focused_control_takes_the_wheel(qtbot: Any) -> None:
    """Once clicked into (focused), a spin box answers the wheel as always."""
    from ui.application import make_app

    make_app()
    area = QScrollArea()
    body = QWidget()
    lay = QVBoxLayout(body)
    spin = QSpinBox()
    spin.setRange(0, 100)
    spin.setValue(50)
    other = QLineEdit()  # where the keyboard focus is
    lay.addWidget(other)
    lay.addWidget(spin)
    lay.addSpacing(2000)
    area.setWidgetResizable(True)
    area.setWidget(body)
    qtbot.addWidget(area)
    area.resize(300, 300)
    area.show()
    qtbot.waitExposed(area)
    other.setFocus()
    qtbot.waitUntil(other.hasFocus)
    assert spin.focusPolicy() == Qt.FocusPolicy.StrongFocus  # the wheel does not focus it
    wheel(spin, 1)
    assert spin.value() == 50 and area.verticalScrollBar().value() == 0  # scrolled up: at top
    wheel(spin, -1)
    assert spin.value() == 50 and area.verticalScrollBar().value() > 0
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    wheel(spin, 1)
    assert spin.value() == 51


def test_a_typed_change_is_pending_until_saved_and_esc_takes_it_back(
    window: Any, qtbot: Any
) -> None:
    window.list_view.selectRow(0)
    settle(qtbot, window)
    panel = window.detail
    stored = panel.contact.company
    assert not panel.pending_label.isVisible() and not panel.save_button.isEnabled()
    edit = panel.inputs["company"]
    edit.setFocus()
    qtbot.keyClicks(edit, " GmbH")
    assert panel.pending_label.isVisible()
    assert "Unsaved" in panel.pending_label.text()
    assert panel.save_button.isEnabled()
    qtbot.keyClick(edit, Qt.Key.Key_Escape)  # discard: the stored value is back
    assert edit.text() == (stored or "")
    assert not panel.pending_label.isVisible() and not panel.save_button.isEnabled()
    assert panel.isVisible()  # the first Esc only discarded
    qtbot.keyClicks(edit, " AG")
    panel.save()
    settle(qtbot, window)
    assert not panel.pending_label.isVisible()
    assert (panel.contact.company or "").endswith(" AG")

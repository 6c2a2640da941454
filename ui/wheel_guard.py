"""The mouse wheel scrolls, it never edits: spin boxes, date edits and combo boxes take the
wheel only while they have the keyboard focus; otherwise the scroll area around them scrolls.

One event filter on the application (:func:`install_wheel_guard`) covers every form, also the
ones features build later: a control that is polished loses Qt's *wheel focus* (the wheel would
otherwise give it the focus and then change it), and a wheel over an unfocused one goes to the
nearest scroll area instead.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QWidget,
)

GUARDED = (QAbstractSpinBox, QComboBox)


def guarded_control(obj: QObject) -> QWidget | None:
    """The spin box, date edit or combo box ``obj`` is (or is the line edit of), if any."""
    if isinstance(obj, GUARDED):
        return obj
    if not isinstance(obj, QWidget) or obj.isWindow():
        return None
    parent = obj.parent()
    if isinstance(parent, GUARDED):
        return parent  # an editable combo's or a spin box's own line edit
    return None


def scroll_area_of(widget: QWidget) -> QAbstractScrollArea | None:
    """The nearest scroll area the widget sits in (a list's viewport counts)."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea):
            return parent
        if parent.isWindow():
            return None
        parent = parent.parentWidget()
    return None


class WheelGuard(QObject):
    """The event filter; :func:`install_wheel_guard` puts one on the application."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Polish:
            if isinstance(obj, GUARDED) and obj.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                obj.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            return False
        if kind != QEvent.Type.Wheel or not isinstance(event, QWheelEvent):
            return False
        control = guarded_control(obj)
        if control is None or control.hasFocus() or _popup_open(control):
            return False
        area = scroll_area_of(control)
        if area is not None:
            viewport = area.viewport()
            pos = QPointF(viewport.mapFromGlobal(event.globalPosition().toPoint()))
            moved = QWheelEvent(
                pos,
                event.globalPosition(),
                event.pixelDelta(),
                event.angleDelta(),
                event.buttons(),
                event.modifiers(),
                event.phase(),
                event.inverted(),
                event.source(),
            )
            QApplication.sendEvent(viewport, moved)
        event.accept()
        return True  # the control itself never sees it


def _popup_open(control: QWidget) -> bool:
    view = control.view() if isinstance(control, QComboBox) else None
    return view is not None and view.isVisible()


def install_wheel_guard(app: QApplication) -> WheelGuard:
    """Guard every spin box, date edit and combo box of the application (once)."""
    existing = app.findChild(WheelGuard, "wheelGuard")
    if existing is not None:
        return existing
    guard = WheelGuard(app)
    guard.setObjectName("wheelGuard")
    app.installEventFilter(guard)
    # controls polished before the guard was installed lose their wheel focus too
    for widget in app.allWidgets():
        if isinstance(widget, GUARDED) and widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return guard

"""The mouse wheel scrolls, it never edits: spin boxes, date edits and combo boxes take the
wheel only while they have the keyboard focus; otherwise the scroll area around them scrolls.

The application's style (:func:`install_wheel_guard`) guards every such control as it is
polished, also the ones features build later: it loses Qt's *wheel focus* (the wheel would
otherwise give it the focus and then change it), and gets an event filter of its own that
sends a wheel over it, while it is not focused, to the nearest scroll area instead. Only those
controls' events pass through Python: an event filter on the application saw every event of
every widget (~22,000 while the window was built, and every mouse move after).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QStyleFactory,
    QWidget,
)

from ui.theme import RowFocusStyle

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
    """The event filter each guarded control gets (:class:`GuardingStyle` installs it)."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
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


class GuardingStyle(RowFocusStyle):
    """Fusion, guarding each spin box, date edit and combo box as it is polished (and
    showing focus on whole rows where a view selects rows: :class:`ui.theme.RowFocusStyle`)."""

    def __init__(self, base: str = "Fusion") -> None:
        super().__init__(QStyleFactory.create(base))
        self.setObjectName("wheelGuard")
        self.guard = WheelGuard(self)

    def polish(self, arg: Any) -> Any:  # polish(QWidget), polish(QApplication), polish(QPalette)
        result = super().polish(arg)
        if isinstance(arg, GUARDED):
            guard_control(arg, self.guard)
        return result


def guard_control(control: QWidget, guard: WheelGuard) -> None:
    """The wheel does not focus ``control``, and over it scrolls while it is not focused."""
    if control.focusPolicy() == Qt.FocusPolicy.WheelFocus:
        control.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    control.installEventFilter(guard)  # once: installing it again moves it to the front


def install_wheel_guard(app: QApplication) -> GuardingStyle:
    """Fusion as the application's style, guarding every spin box, date edit and combo box
    (controls alive now are polished again by the new style, and guarded)."""
    existing = app.findChild(GuardingStyle, "wheelGuard")
    if existing is not None:
        return existing
    guarding = GuardingStyle()
    app.setStyle(guarding)
    guarding.setParent(app)  # the application's (and found there again)
    return guarding

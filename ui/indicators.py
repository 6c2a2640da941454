"""Check boxes and radio buttons that can be seen: Fusion outlines an unticked box in the
window's colour darkened (1.7:1 against the light window, 1.1:1 against the dark one, where
the box was not to be seen). The outline is drawn again over Fusion's in a colour at 3:1 or
more against what the box sits on (WCAG's contrast for a control); keyboard focus keeps
Fusion's own highlighted outline."""

from __future__ import annotations

from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QPainter, QPalette, QPen
from PySide6.QtWidgets import QStyle, QStyleOption

from ui.contrast import mix, readable

CONTROL_CONTRAST = 3.0
# the outline's own colour a little stronger: a radio button's ring, smoothed, shows lighter
OUTLINE_CONTRAST = 3.5

_BOXES = {
    QStyle.PrimitiveElement.PE_IndicatorCheckBox: QPalette.ColorRole.Window,
    QStyle.PrimitiveElement.PE_IndicatorRadioButton: QPalette.ColorRole.Window,
    # a check box in a list or table sits on the view's background
    QStyle.PrimitiveElement.PE_IndicatorItemViewItemCheck: QPalette.ColorRole.Base,
}
_RADIO = QStyle.PrimitiveElement.PE_IndicatorRadioButton

# (ground, text) -> the outline's colour
_OUTLINES: dict[tuple[int, int], QColor] = {}


def outline_color(palette: QPalette, ground_role: QPalette.ColorRole) -> QColor:
    """The outline of a box on ``ground_role``: over half-way to the text, and at
    ``OUTLINE_CONTRAST`` or more against it."""
    ground = palette.color(ground_role)
    text = palette.color(QPalette.ColorRole.Text)
    key = (ground.rgba(), text.rgba())
    known = _OUTLINES.get(key)
    if known is None:
        known = _OUTLINES[key] = readable(mix(ground, text, 0.55), ground, OUTLINE_CONTRAST)
    return known


def draw_outline(element: QStyle.PrimitiveElement, option: QStyleOption, painter: QPainter) -> None:
    """After the style drew ``element``: its outline again, visibly, if it is a check box or
    a radio button (enabled, without keyboard focus)."""
    ground_role = _BOXES.get(element)
    if ground_role is None:
        return
    state = option.state  # type: ignore[attr-defined]
    if not state & QStyle.StateFlag.State_Enabled:
        return  # a greyed-out box stays faint: it cannot be ticked
    if (
        state & QStyle.StateFlag.State_HasFocus
        and state & QStyle.StateFlag.State_KeyboardFocusChange
    ):
        return  # Fusion's focus outline
    rect = option.rect  # type: ignore[attr-defined]
    painter.save()
    painter.setBrush(QColor(0, 0, 0, 0))
    painter.setPen(QPen(outline_color(option.palette, ground_role), 1))  # type: ignore[attr-defined]
    if element == _RADIO:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.drawEllipse(QRectF(rect.adjusted(1, 1, -1, -1)).adjusted(0.5, 0.5, -0.5, -0.5))
    else:
        painter.drawRect(rect.adjusted(0, 0, -1, -1))
    painter.restore()

"""Drop-downs and spin boxes show their arrows in every palette: a styled box gets none of its
own (Fusion drew 1 px dots inside the rounded border), so the style sheet draws chevrons in
the muted text colour."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QSpinBox, QWidget

from ui.contrast import contrast_ratio
from ui.theme import apply_theme, theme_colors

pytestmark = pytest.mark.gui


def _dark() -> QPalette:
    p = QPalette()
    for role, color in (
        (QPalette.ColorRole.Window, "#202124"),
        (QPalette.ColorRole.Base, "#17181a"),
        (QPalette.ColorRole.AlternateBase, "#1f2023"),
        (QPalette.ColorRole.Text, "#e8eaed"),
        (QPalette.ColorRole.WindowText, "#e8eaed"),
        (QPalette.ColorRole.Button, "#2a2b2e"),
        (QPalette.ColorRole.ButtonText, "#e8eaed"),
    ):
        p.setColor(role, QColor(color))
    return p


def _best_contrast(image: QImage, x0: int, x1: int, ground: QColor) -> float:
    best = 1.0
    for x in range(x0, x1):
        for y in range(image.height()):
            best = max(best, contrast_ratio(image.pixelColor(x, y), ground))
    return best


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_every_box_shows_its_arrows(qtbot: Any, qapp: Any, dark: bool) -> None:
    before, sheet = QPalette(qapp.palette()), qapp.styleSheet()
    palette = apply_theme(qapp, _dark() if dark else None)
    try:
        base = QColor(theme_colors(palette)["base"])
        for box in (QSpinBox(), QDoubleSpinBox(), QComboBox()):
            if isinstance(box, QComboBox):
                box.addItems(["Propose (badge and action)"])
            holder = QWidget()
            box.setParent(holder)
            box.resize(260, box.sizeHint().height())
            qtbot.addWidget(holder)
            holder.resize(300, 60)
            holder.show()
            image = box.grab().toImage()
            w = image.width()
            # the arrow strip (20 px at the right, inside the border) shows a chevron that
            # stands out from the box's ground; the text part is not counted
            assert _best_contrast(image, w - 18, w - 3, base) >= 3.0, type(box).__name__
    finally:  # the palette and sheet the other tests run with (apply_theme(qapp) kept dark)
        qapp.setPalette(before)
        qapp.setStyleSheet(sheet)

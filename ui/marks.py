"""Small painted marks shared by the list and the board: BANT dots."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter

BANT_COLORS = {"yes": QColor("#2E9E5B"), "no": QColor("#C0504D"), "unknown": QColor("#CBD2D9")}
BANT_WORDS = {"yes": "yes", "no": "no", "unknown": "not known yet"}


def paint_bant_marks(
    p: QPainter,
    right: float,
    cy: float,
    answers: Sequence[str],
    size: float = 7.0,
    gap: float = 3.0,
) -> float:
    """One dot per criterion, right-aligned at ``right`` (green yes, red no, grey unknown);
    returns the width used."""
    n = len(answers)
    if n == 0:
        return 0.0
    width = n * size + (n - 1) * gap
    x = right - width
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    for answer in answers:
        p.setBrush(BANT_COLORS.get(str(answer), BANT_COLORS["unknown"]))
        p.drawEllipse(QRectF(x, cy - size / 2, size, size))
        x += size + gap
    p.restore()
    return width

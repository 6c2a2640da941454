"""Small painted marks shared by the list and the board: BANT dots, in the palette's colours."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette

from ui.contrast import mix, readable

# green yes, red no; unknown is a quiet grey between the background and the text
BANT_COLORS = {"yes": QColor("#2E9E5B"), "no": QColor("#C0504D")}
BANT_WORDS = {"yes": "yes", "no": "no", "unknown": "not known yet"}
MIN_MARK_CONTRAST = 3.0  # WCAG 1.4.11 for graphics that carry meaning
# (Base, Text) -> the dots' colours (rows repaint often)
_COLORS: dict[tuple[int, int], dict[str, QColor]] = {}


def bant_colors(palette: QPalette | None = None) -> dict[str, QColor]:
    """The dots' colours on ``palette``'s Base (default: the application's): yes and no stand
    out at 3:1 or more, unknown stays quiet (it reads as "nothing yet" on light and dark)."""
    pal = palette if palette is not None else QGuiApplication.palette()
    base = pal.color(QPalette.ColorRole.Base)
    text = pal.color(QPalette.ColorRole.Text)
    key = (base.rgba(), text.rgba())
    colors = _COLORS.get(key)
    if colors is None:
        colors = {name: readable(c, base, MIN_MARK_CONTRAST) for name, c in BANT_COLORS.items()}
        colors["unknown"] = mix(base, text, 0.22)
        if len(_COLORS) > 8:
            _COLORS.clear()
        _COLORS[key] = colors
    return colors


def paint_bant_marks(
    p: QPainter,
    right: float,
    cy: float,
    answers: Sequence[str],
    size: float = 7.0,
    gap: float = 3.0,
    palette: QPalette | None = None,
) -> float:
    """One dot per criterion, right-aligned at ``right`` (green yes, red no, grey unknown);
    returns the width used."""
    n = len(answers)
    if n == 0:
        return 0.0
    colors = bant_colors(palette)
    width = n * size + (n - 1) * gap
    x = right - width
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(Qt.PenStyle.NoPen)
    for answer in answers:
        p.setBrush(colors.get(str(answer), colors["unknown"]))
        p.drawEllipse(QRectF(x, cy - size / 2, size, size))
        x += size + gap
    p.restore()
    return width

"""Colours that stay legible on the palette in use (light or dark): WCAG contrast ratios and
a way to shift an accent colour (a stage's, a badge's) until text in it reads on a background."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

MIN_TEXT_CONTRAST = 4.5  # WCAG AA for normal text


def luminance(color: QColor) -> float:
    """Relative luminance (WCAG 2)."""

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(color.redF())
        + 0.7152 * channel(color.greenF())
        + 0.0722 * channel(color.blueF())
    )


def flatten(color: QColor | str, background: QColor | str) -> QColor:
    """``color`` as it shows painted over ``background`` (a half-transparent colour, such as
    Qt's default placeholder text, blended in; an opaque one unchanged)."""
    c = QColor(color)
    if c.alpha() == 255:
        return c
    opaque = QColor(c)
    opaque.setAlpha(255)
    return mix(background, opaque, c.alphaF())


def contrast_ratio(a: QColor | str, b: QColor | str) -> float:
    la, lb = luminance(QColor(a)), luminance(QColor(b))
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def mix(a: QColor | str, b: QColor | str, t: float) -> QColor:
    """``a`` moved a fraction ``t`` towards ``b``."""
    ca, cb = QColor(a), QColor(b)
    return QColor.fromRgbF(
        ca.redF() + (cb.redF() - ca.redF()) * t,
        ca.greenF() + (cb.greenF() - ca.greenF()) * t,
        ca.blueF() + (cb.blueF() - ca.blueF()) * t,
    )


def readable(
    color: QColor | str, background: QColor | str, minimum: float = MIN_TEXT_CONTRAST
) -> QColor:
    """``color`` itself if text in it reads on ``background``; otherwise the same hue moved
    towards black (on a light background) or white (on a dark one) just far enough."""
    c, bg = QColor(color), QColor(background)
    if contrast_ratio(c, bg) >= minimum:
        return c
    target = QColor("#000000") if luminance(bg) > 0.18 else QColor("#FFFFFF")
    for step in range(1, 21):
        candidate = mix(c, target, step / 20)
        if contrast_ratio(candidate, bg) >= minimum:
            return candidate
    return target


def readable_on_base(color: QColor | str, palette: QPalette | None = None) -> QColor:
    """``color`` made readable on the views' background (the application palette's Base)."""
    from PySide6.QtGui import QGuiApplication

    pal = palette if palette is not None else QGuiApplication.palette()
    base = pal.color(QPalette.ColorRole.Base)
    alternate = pal.color(QPalette.ColorRole.AlternateBase)
    # alternating rows: whichever of the two is closer to the text is the one to beat
    worst = base if contrast_ratio(color, base) < contrast_ratio(color, alternate) else alternate
    return readable(color, worst)


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Window).lightness() < 128

"""The window's colours follow the system palette: Winnow's calm light palette when the system
is light, the system's own palette when it is dark. The style sheet (resources/style.qss) names
colours as ``@name``; :func:`theme_colors` derives each from the palette in use, keeping text
at a contrast of at least 4.5:1 (``ui.contrast``)."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QGuiApplication, QPainter, QPalette, QPen, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QProxyStyle,
    QStyle,
    QStyleOption,
    QStyleOptionViewItem,
    QTableView,
    QTreeView,
    QWidget,
)

from ui.contrast import MIN_TEXT_CONTRAST, contrast_ratio, flatten, is_dark, mix, readable
from ui.indicators import draw_outline

Role = QPalette.ColorRole

# Winnow's light look (used when the system palette is light)
LIGHT = {
    Role.Window: "#F5F6F8",
    Role.WindowText: "#1F2933",
    Role.Base: "#FFFFFF",
    Role.AlternateBase: "#F8F9FB",
    Role.Text: "#1F2933",
    Role.Button: "#FFFFFF",
    Role.ButtonText: "#1F2933",
    Role.Highlight: "#2F6FDE",
    Role.HighlightedText: "#FFFFFF",
    Role.ToolTipBase: "#102A43",
    Role.ToolTipText: "#FFFFFF",
    Role.PlaceholderText: "#66717F",
    Role.Link: "#1B4FB0",
    Role.Light: "#FFFFFF",
    Role.Midlight: "#EEF0F3",
    Role.Mid: "#CBD2D9",
    Role.Dark: "#9AA5B1",
    Role.Shadow: "#52606D",
}

# a dark palette for a system that asks for dark colours but offers no palette of its own
DARK = {
    Role.Window: "#202329",
    Role.WindowText: "#E4E7EB",
    Role.Base: "#181A1F",
    Role.AlternateBase: "#1F2228",
    Role.Text: "#E4E7EB",
    Role.Button: "#2A2E35",
    Role.ButtonText: "#E4E7EB",
    Role.Highlight: "#3D7BE6",
    Role.HighlightedText: "#FFFFFF",
    Role.ToolTipBase: "#E4E7EB",
    Role.ToolTipText: "#181A1F",
    Role.PlaceholderText: "#9AA5B1",
    Role.Link: "#8AB4F8",
    Role.Light: "#3A3F47",
    Role.Midlight: "#30343B",
    Role.Mid: "#4A505A",
    Role.Dark: "#101216",
    Role.Shadow: "#000000",
}


def make_palette(colors: dict[QPalette.ColorRole, str]) -> QPalette:
    palette = QPalette()
    for role, value in colors.items():
        palette.setColor(role, QColor(value))
    disabled = mix(colors[Role.Text], colors[Role.Base], 0.55)
    for role in (Role.Text, Role.WindowText, Role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    return palette


def system_palette(palette: QPalette, scheme: Qt.ColorScheme | None = None) -> QPalette:
    """What the desktop asks for (``palette``: the one it gave the application): that palette
    if it is dark, Winnow's dark one if it only says "dark" (Qt's colour-scheme hint, or
    ``scheme`` when given), Winnow's light one otherwise."""
    if is_dark(palette):
        return palette
    if scheme is None:
        hints = QGuiApplication.styleHints()
        asked = getattr(hints, "colorScheme", None)
        scheme = asked() if asked is not None else None
    if scheme == Qt.ColorScheme.Dark:
        return make_palette(DARK)
    return make_palette(LIGHT)


def legible_palette(palette: QPalette) -> QPalette:
    """``palette`` with the text a desktop may leave faint made readable on Base and
    AlternateBase (4.5:1 or more, opaque): placeholder text (Qt's own default is half-
    transparent black, 3.9:1 on white; style sheets, charts and the triage card use it for
    secondary text), links and text. Colours that already read are kept; disabled ones too."""
    fixed = QPalette(palette)
    grounds = (palette.color(Role.Base), palette.color(Role.AlternateBase))
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for role in (Role.Text, Role.PlaceholderText, Role.Link):
            given = palette.color(group, role)
            shown = legible(flatten(given, grounds[0]), grounds)
            if shown.rgba() != given.rgba():
                fixed.setColor(group, role, shown)
    return fixed


def legible(color: QColor | str, grounds: tuple[QColor, ...]) -> QColor:
    """``color`` made readable on every one of ``grounds``."""
    shown = QColor(color)
    for _ in range(len(grounds)):
        worst = min(grounds, key=lambda ground: contrast_ratio(shown, ground))
        shown = readable(shown, worst)
    return shown


def theme_colors(palette: QPalette) -> dict[str, str]:
    """The style sheet's colours for this palette (text ones checked for contrast)."""
    c = palette.color
    window, base, text = c(Role.Window), c(Role.Base), c(Role.Text)
    accent, accent_text = c(Role.Highlight), c(Role.HighlightedText)
    dark = is_dark(palette)
    alternate = c(Role.AlternateBase)
    sidebar = mix(window, text, 0.03)
    grounds = (base, window, alternate, sidebar)  # secondary text sits on any of them
    selection = mix(base, accent, 0.35 if dark else 0.2)
    muted = legible(mix(text, base, 0.45), grounds)
    colors = {
        "window": window,
        "base": base,
        "alternate": alternate,
        "text": text,
        "strong": readable(mix(text, accent, 0.15), base, 7.0),
        "muted": muted,
        "disabled": mix(text, window, 0.55),
        "border": mix(base, text, 0.13),
        "border_soft": mix(base, text, 0.06),
        "border_strong": mix(base, text, 0.22),
        "hover": mix(base, accent, 0.1),
        "pressed": mix(base, accent, 0.18),
        "sidebar": sidebar,
        "selection": selection,
        "selection_text": readable(mix(text, accent, 0.3), selection, 7.0),
        "accent": accent,
        "accent_text": readable(accent_text, accent),
        "accent_dark": mix(accent, "#000000", 0.12),
        "accent_soft": mix(accent, base, 0.55),
        "accent_soft_text": mix(accent_text, base, 0.25),
        "link": readable(c(Role.Link), base),
        "error": legible("#C62828", grounds),
        "error_soft": mix(base, "#C62828", 0.12),
        "warning": legible("#B25E00", grounds),
        "success": legible("#1B5E20", grounds),
        "caution": legible("#7A5B00", grounds),
        "current": legible("#1B3F8B", grounds),
        "tooltip": c(Role.ToolTipBase),
        "tooltip_text": readable(c(Role.ToolTipText), c(Role.ToolTipBase)),
    }
    return {name: QColor(value).name() for name, value in colors.items()}


def resource_file(name: str) -> Path:
    """A file of the ``resources`` package (the style sheet, the icon): a folder of plain
    files, found by the package's own path (``importlib.resources``' readers took ~5 ms of
    the window's start)."""
    import resources as package

    folder = package.__file__
    assert folder is not None, "resources is a package of files"
    return Path(folder).parent / name


def load_style(palette: QPalette) -> str:
    sheet = resource_file("style.qss").read_text(encoding="utf-8")
    colors = theme_colors(palette)
    # the arrows of drop-downs and spin boxes: images in the palette's muted text colour
    # (a styled box gets no arrows of its own; Fusion's are 1 px dots inside a styled border)
    for name in ARROWS:
        colors[f"arrow_{name}"] = arrow_image(name, colors["muted"])
    # longest names first: @border_soft before @border
    names = sorted(colors, key=len, reverse=True)
    return re.sub("@(" + "|".join(names) + r")\b", lambda m: colors[m.group(1)], sheet)


# the chevron of each arrow, in a 10 x 10 box
ARROWS = {"down": "M1.5 3.5 L5 7 L8.5 3.5", "up": "M1.5 6.5 L5 3 L8.5 6.5"}


def arrow_image(name: str, color: str) -> str:
    """The path of an SVG file holding arrow ``name`` in ``color`` (style sheets take images
    from files only), written once per colour to the temporary folder; forward slashes, as
    ``url()`` wants them."""
    folder = Path(tempfile.gettempdir()) / "winnow-style"
    path = folder / f"arrow-{name}-{color.lstrip('#').lower()}.svg"
    if not path.exists():
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10">'
            f'<path d="{ARROWS[name]}" fill="none" stroke="{color}" stroke-width="1.6" '
            'stroke-linecap="round" stroke-linejoin="round"/></svg>'
        )
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}")
        partial.write_text(svg, encoding="ascii")
        os.replace(partial, path)
    return path.as_posix()


def apply_theme(app: QApplication, palette: QPalette | None = None) -> QPalette:
    """Set ``palette`` (``None``: the system's, see :func:`system_palette`; faint text made
    readable: :func:`legible_palette`) and the style sheet made from it. Views made afterwards
    pick both up."""
    chosen = legible_palette(palette if palette is not None else system_palette(app.palette()))
    app.setPalette(chosen)
    app.setStyleSheet(load_style(chosen))
    follow_color_scheme(app)
    return chosen


def follow_color_scheme(app: QApplication) -> None:
    """When the desktop turns dark or light while Winnow runs (Qt's colour-scheme hint
    changes), the theme follows: the desktop's palette again (:func:`system_palette`). Once
    per application."""
    if app.property("winnowFollowsScheme"):
        return
    signal = getattr(QGuiApplication.styleHints(), "colorSchemeChanged", None)
    if signal is None:  # a Qt without the hint
        return
    app.setProperty("winnowFollowsScheme", True)

    def changed(scheme: Qt.ColorScheme) -> None:
        app.setPalette(QPalette())  # back to the desktop's own palette, to read it
        apply_theme(app, system_palette(app.palette(), scheme))

    signal.connect(changed)


def current_palette() -> QPalette:
    """The application's palette (what views are drawn in; the one :func:`apply_theme` set)."""
    return QGuiApplication.palette()


def text_on(fill: QColor | str) -> QColor:
    """Text for a label on a solid accent (a stage's colour, a red "Overdue"): white where it
    reads at 4.5:1, else dark text (one of the two always does)."""
    white = QColor("#FFFFFF")
    if contrast_ratio(white, fill) >= MIN_TEXT_CONTRAST:
        return white
    return readable("#1F2933", fill)


def soft_badge(
    text: QColor | str, fill: QColor | str, palette: QPalette | None = None
) -> tuple[QColor, QColor]:
    """(text, fill) of a quiet badge designed for a light window as ``text`` on a pale
    ``fill`` (sales-ready: dark green on pale green). On a dark palette the fill becomes a deep
    tint of the text's hue over Base; the text keeps 4.5:1 on the fill either way."""
    pal = palette if palette is not None else current_palette()
    shown = QColor(fill)
    if is_dark(pal):
        shown = mix(pal.color(Role.Base), text, 0.28)
    return readable(text, shown), shown


def tint(
    color: QColor | str, strength: float, palette: QPalette | None = None
) -> tuple[QColor, QColor]:
    """(text, fill) of a badge in ``color`` on a fill of ``strength`` (0…1) of it over Base
    (an address badge: "Free-mail" on a faint brown): the text is ``color`` made readable on
    that fill."""
    pal = palette if palette is not None else current_palette()
    fill = mix(pal.color(Role.Base), color, strength)
    return readable(color, fill), fill


class PaletteStyle(QObject):
    """Keeps a widget's own style sheet in the application palette's colours: ``sheet(palette)``
    builds it now and again whenever the palette changes (the system turned dark);
    ``changed()`` (optional) then redraws what the widget coloured itself."""

    def __init__(
        self,
        widget: QWidget,
        sheet: Callable[[QPalette], str],
        changed: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(widget)
        self.widget = widget
        self.sheet = sheet
        self.changed = changed
        self._shown_for: int | None = None
        widget.installEventFilter(self)
        self.apply()

    def apply(self) -> None:
        palette = current_palette()
        if palette.cacheKey() == self._shown_for:
            return
        first = self._shown_for is None
        self._shown_for = palette.cacheKey()
        text = self.sheet(palette)
        if text != self.widget.styleSheet():
            self.widget.setStyleSheet(text)
        if self.changed is not None and not first:
            self.changed()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.widget and event.type() in (
            QEvent.Type.PaletteChange,
            QEvent.Type.ApplicationPaletteChange,
        ):
            self.apply()
        return False


def follow_palette(
    widget: QWidget, sheet: Callable[[QPalette], str], changed: Callable[[], None] | None = None
) -> PaletteStyle:
    """``widget``'s style sheet made by ``sheet(palette)``, now and after each palette change."""
    return PaletteStyle(widget, sheet, changed)


class RowFocusStyle(QProxyStyle):
    """A view that selects whole rows shows keyboard focus on the whole row: Fusion framed
    the current cell alone ("When" of a history row boxed inside its selected row, a glitch to
    the eye). The per-cell frame is left out and a line drawn along the current row's top and
    bottom, closed at its first and last column, when focus came by keyboard (Fusion's own
    rule for its frame: ``State_KeyboardFocusChange``)."""

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        rows = _row_view(widget)
        if rows is not None and element == QStyle.PrimitiveElement.PE_FrameFocusRect:
            return  # the cell's frame: the row's lines below stand for it
        super().drawPrimitive(element, option, painter, widget)
        draw_outline(element, option, painter)  # check boxes and radio buttons, visibly
        if (
            rows is not None
            and element == QStyle.PrimitiveElement.PE_PanelItemViewItem
            and isinstance(option, QStyleOptionViewItem)
        ):
            _draw_row_focus(rows, option, painter)


def _row_view(widget: QWidget | None) -> QAbstractItemView | None:
    if (
        isinstance(widget, QAbstractItemView)
        and widget.selectionBehavior() == QAbstractItemView.SelectionBehavior.SelectRows
    ):
        return widget
    return None


def _draw_row_focus(
    view: QAbstractItemView, option: QStyleOptionViewItem, painter: QPainter
) -> None:
    """The current row's share of its focus frame in this cell (each cell draws its own part
    over its own background, so no later cell paints over it)."""
    state = option.state  # type: ignore[attr-defined]
    if not state & QStyle.StateFlag.State_KeyboardFocusChange or not view.hasFocus():
        return
    index, current = option.index, view.currentIndex()  # type: ignore[attr-defined]
    if not current.isValid() or index.row() != current.row() or index.parent() != current.parent():
        return
    header = (
        view.horizontalHeader()
        if isinstance(view, QTableView)
        else view.header()
        if isinstance(view, QTreeView)
        else None
    )
    first = last = True
    if header is not None:
        shown = [
            header.logicalIndex(v)
            for v in range(header.count())
            if not header.isSectionHidden(header.logicalIndex(v))
        ]
        first = bool(shown) and shown[0] == index.column()
        last = bool(shown) and shown[-1] == index.column()
    rect = option.rect  # type: ignore[attr-defined]
    painter.save()
    # the application's accent: the view's own Highlight is the style sheet's pale selection
    # colour, unseen on the selected row
    pen = QPen(current_palette().color(Role.Highlight))
    pen.setWidth(1)
    painter.setPen(pen)
    left, right, top, bottom = rect.left(), rect.right(), rect.top(), rect.bottom()
    painter.drawLine(left, top, right, top)
    painter.drawLine(left, bottom, right, bottom)
    if first:
        painter.drawLine(left, top, left, bottom)
    if last:
        painter.drawLine(right, top, right, bottom)
    painter.restore()

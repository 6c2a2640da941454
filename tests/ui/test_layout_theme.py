"""Colours follow the system palette (light or dark) and text keeps a contrast of at least
4.5:1 against what it is drawn on: the style sheet's colours, the list's coloured texts
(overdue names, sales-ready scores, address badges) and the sidebar's counts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from db.engine import Database
from tests.ui.conftest import settle
from ui.contact_table import DOMAIN_BADGES, OVERDUE_COLOR, SALES_READY_COLOR
from ui.contrast import contrast_ratio, luminance, readable, readable_on_base
from ui.theme import DARK, LIGHT, make_palette, system_palette, theme_colors

pytestmark = pytest.mark.gui

# (text colour, background) pairs of the style sheet that carry text
TEXT_PAIRS = [
    ("text", "base"),
    ("text", "window"),
    ("text", "alternate"),
    ("text", "sidebar"),
    ("strong", "base"),
    ("muted", "base"),
    ("muted", "window"),
    ("muted", "alternate"),
    ("muted", "sidebar"),
    ("selection_text", "selection"),
    ("accent_text", "accent"),
    ("link", "base"),
    ("error", "base"),
    ("warning", "base"),
    ("warning", "window"),
    ("tooltip_text", "tooltip"),
]


def test_contrast_is_measured_as_wcag_says() -> None:
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("#FFFFFF", "#FFFFFF") == pytest.approx(1.0)
    grey = readable("#9E9E9E", "#FFFFFF")  # too light on white: darkened just enough
    assert contrast_ratio(grey, "#FFFFFF") >= 4.5
    assert luminance(grey) < luminance(QColor("#9E9E9E"))
    on_dark = readable("#2E7D32", "#181A1F")  # too dark on black: lightened
    assert contrast_ratio(on_dark, "#181A1F") >= 4.5
    assert luminance(on_dark) > luminance(QColor("#2E7D32"))


@pytest.mark.parametrize("colors", [LIGHT, DARK], ids=["light", "dark"])
def test_style_sheet_text_is_legible(colors: dict[QPalette.ColorRole, str]) -> None:
    theme = theme_colors(make_palette(colors))
    low = {
        f"{fg} on {bg}": round(contrast_ratio(theme[fg], theme[bg]), 2)
        for fg, bg in TEXT_PAIRS
        if contrast_ratio(theme[fg], theme[bg]) < 4.5
    }
    assert low == {}


@pytest.mark.parametrize("colors", [LIGHT, DARK], ids=["light", "dark"])
def test_list_colours_are_legible_on_both_row_colours(
    colors: dict[QPalette.ColorRole, str],
) -> None:
    palette = make_palette(colors)
    base = palette.color(QPalette.ColorRole.Base)
    alternate = palette.color(QPalette.ColorRole.AlternateBase)
    for color in [OVERDUE_COLOR, SALES_READY_COLOR, *(c for _label, c in DOMAIN_BADGES.values())]:
        shown = readable_on_base(color, palette)
        assert contrast_ratio(shown, base) >= 4.5, color
        assert contrast_ratio(shown, alternate) >= 4.5, color


def test_a_dark_desktop_gets_a_dark_window() -> None:
    """A dark system palette is kept; a light one becomes Winnow's light palette."""
    dark = make_palette(DARK)
    assert system_palette(dark).color(QPalette.ColorRole.Window) == dark.color(
        QPalette.ColorRole.Window
    )
    light = QPalette(QColor("#EEEEEE"))
    chosen = system_palette(light)
    if chosen.color(QPalette.ColorRole.Window).lightness() >= 128:  # no dark hint given
        assert chosen.color(QPalette.ColorRole.Window) == QColor(LIGHT[QPalette.ColorRole.Window])


@pytest.fixture
def dark_window(qtbot: Any, demo_db: Database) -> Iterator[Any]:
    from ui.application import make_app
    from ui.main_window import MainWindow
    from ui.theme import apply_theme

    app = make_app()
    before = QPalette(app.palette())
    apply_theme(app, make_palette(DARK))
    win = MainWindow(demo_db, persist_state=False)
    qtbot.addWidget(win)
    win.resize(1440, 900)
    win.show()
    qtbot.waitExposed(win)
    try:
        yield win
    finally:
        win.ops.wait(10000)
        win.tasks.cancel_all()
        win.tasks.wait(10000)
        win.close()
        apply_theme(app, before)


def test_the_window_follows_a_dark_palette(dark_window: Any, qtbot: Any) -> None:
    window = dark_window
    window.list_view.selectRow(3)
    settle(qtbot, window)
    QApplication.processEvents()
    image = window.grab().toImage()
    # the list, the sidebar and the detail panel's background are dark, their text light
    for widget in (window.list_view.viewport(), window.sidebar.viewport(), window.detail):
        corner = widget.mapTo(window, widget.rect().bottomRight()) - widget.rect().center() / 4
        pixel = image.pixelColor(corner * image.devicePixelRatio())
        assert pixel.lightness() < 100, f"{widget.objectName()} is light in dark mode"
    model = window.model
    base = window.list_view.palette().color(QPalette.ColorRole.Base)
    assert base.lightness() < 100
    text = window.list_view.palette().color(QPalette.ColorRole.Text)
    assert contrast_ratio(text, base) >= 4.5
    for row in range(min(model.rowCount(), 60)):
        for col in range(model.columnCount()):
            brush = model.index(row, col).data(Qt.ItemDataRole.ForegroundRole)
            if brush is not None:
                assert contrast_ratio(brush.color(), base) >= 4.5
    for item in window.sidebar.findItems(
        "", Qt.MatchFlag.MatchContains | Qt.MatchFlag.MatchRecursive, 1
    ):
        brush = item.foreground(1)
        if brush.style() != Qt.BrushStyle.NoBrush:
            assert contrast_ratio(brush.color(), base) >= 4.5


def _rows_view(kind: str) -> Any:
    from PySide6.QtWidgets import (
        QAbstractItemView,
        QTableWidget,
        QTableWidgetItem,
        QTreeWidget,
        QTreeWidgetItem,
    )

    texts = [["2026-11-30 07:27", "Inquiry → Suspect", "bulk move"] for _ in range(3)]
    if kind == "table":
        table = QTableWidget(3, 3)
        for r, row in enumerate(texts):
            for c, text in enumerate(row):
                table.setItem(r, c, QTableWidgetItem(text))
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        return table
    tree = QTreeWidget()  # a tree selects rows by itself (the history's "When" list)
    tree.setHeaderLabels(["When", "Change", "Why"])
    tree.addTopLevelItems([QTreeWidgetItem(row) for row in texts])
    return tree


@pytest.mark.parametrize("kind", ["table", "tree"])
@pytest.mark.parametrize(
    "size", [(1024, 700), (1440, 900), (2560, 1440)], ids=["1024x700", "1440x900", "2560x1440"]
)
def test_a_view_selecting_rows_shows_keyboard_focus_on_the_whole_row(
    empty_window: Any, qtbot: Any, size: tuple[int, int], kind: str
) -> None:
    """Import history, import summary, mapping preview: the current row's cell was boxed in by
    Fusion's focus frame inside its selected row. Focus by keyboard now marks the row, the
    same whichever of its cells is current, and still shows (it differs from no focus)."""
    from PySide6.QtWidgets import QDialog, QVBoxLayout

    from tests.ui.test_layout import show_at

    show_at(qtbot, empty_window, size)
    dialog = QDialog(empty_window)
    qtbot.addWidget(dialog)
    view = _rows_view(kind)
    QVBoxLayout(dialog).addWidget(view)
    dialog.resize(600, 300)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    dialog.setAttribute(Qt.WidgetAttribute.WA_KeyboardFocusChange, True)  # Tab brought it

    def shot(column: int) -> Any:
        view.setCurrentIndex(view.model().index(1, column))
        view.viewport().update()
        QApplication.processEvents()
        return view.viewport().grab().toImage()

    on_first, on_middle, on_last = shot(0), shot(1), shot(2)
    assert on_middle == on_first and on_last == on_first, "a cell boxed inside its row"
    view.clearFocus()
    dialog.setFocus()
    QApplication.processEvents()
    assert view.viewport().grab().toImage() != on_first, "no focus shown for keyboard users"
    dialog.close()

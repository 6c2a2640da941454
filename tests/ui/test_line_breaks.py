"""Wrapped text breaks a hyphenated word only where a space is (ui.line_breaks): Qt allowed a
break after the hyphen, so "E-mail" wrapped as "E-" / "mail" and "acme-tools.com" as
"acme-" / "tools.com" — in labels, the list's wrapped cells, card names, the sidebar, the
board's column names, the dashboard's charts and message boxes (tests/ui/test_message_box.py).
A word wider than the room still breaks (at its hyphen or anywhere), and what a user copies
has no hidden characters in it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import (
    QFont,
    QFontMetrics,
    QFontMetricsF,
    QGuiApplication,
    QKeySequence,
    QTextLayout,
    QTextOption,
)
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QHeaderView,
    QLabel,
    QMessageBox,
    QWidget,
)

from tests.ui.test_layout import show_at, sized_window
from ui.line_breaks import JOINER, KeepHyphensDelegate, WrappedLabel, keep_hyphenated, plain

pytestmark = pytest.mark.gui
__all__ = ["sized_window"]  # fixture used by the tests below

TEXT = "Please send an E-mail to acme-tools.com today"


def _room_for(font: QFont, start: str) -> int:
    """A width where ``start`` fits on a line and the word after its hyphen does not."""
    return QFontMetrics(font).horizontalAdvance(start) + 2


def qt_lines(text: str, font: QFont, width: int) -> list[str]:
    """The lines Qt lays ``text`` out in at ``width`` (as a label or a cell paints it)."""
    layout = QTextLayout(text, font)
    option = QTextOption()
    option.setWrapMode(QTextOption.WrapMode.WordWrap)
    layout.setTextOption(option)
    layout.beginLayout()
    lines = []
    while (line := layout.createLine()).isValid():
        line.setLineWidth(width)
        lines.append(plain(text[line.textStart() : line.textStart() + line.textLength()]).strip())
    layout.endLayout()
    return lines


def _split_at_hyphen(lines: list[str]) -> list[str]:
    return [line for line in lines if line.endswith("-")]


def test_qt_breaks_after_a_hyphen_and_keep_hyphenated_stops_it(qapp: Any) -> None:
    font = QApplication.font()
    width = _room_for(font, "Please send an E-m")
    assert "Please send an E-" in _split_at_hyphen(qt_lines(TEXT, font, width))  # Qt's own break
    joined = keep_hyphenated(TEXT, QFontMetricsF(font), width)
    assert plain(joined) == TEXT
    lines = qt_lines(joined, font, width)
    assert _split_at_hyphen(lines) == [] and "E-mail" in lines[1], lines
    # a word wider than the room is left to break at its hyphen (it must break somewhere)
    narrow = _room_for(font, "acme-to")
    assert keep_hyphenated("acme-tools.com", QFontMetricsF(font), narrow) == "acme-tools.com"
    # spaced dashes, numbers and words without hyphens are as they were
    assert keep_hyphenated("A - B, 3-4 Sales") == "A - B, 3-\u20604 Sales"
    assert keep_hyphenated("no hyphen here") == "no hyphen here"
    assert keep_hyphenated(keep_hyphenated(TEXT)) == keep_hyphenated(TEXT)


def test_a_wrapped_label_breaks_where_a_space_is(qtbot: Any) -> None:
    label = WrappedLabel(TEXT)
    qtbot.addWidget(label)
    font = label.font()
    width = _room_for(font, "Please send an E-m")
    label.resize(width, 200)
    label.show()
    qtbot.waitExposed(label)
    assert label.text() == TEXT  # as set
    shown = QLabel.text(label)  # as Qt lays it out and paints it
    lines = qt_lines(shown, font, width)
    assert _split_at_hyphen(lines) == [], lines
    # the height it asks for is the lines it paints
    assert label.heightForWidth(width) >= len(lines) * QFontMetrics(font).lineSpacing()
    # never narrower than before: a hyphenated word wider than the room still breaks there
    before = QLabel(TEXT)
    before.setWordWrap(True)
    assert label.minimumSizeHint().width() <= before.minimumSizeHint().width()
    label.resize(_room_for(font, "acme-to"), 200)
    assert "acme-tools.com" in QLabel.text(label)  # no joiner in a word that cannot fit


def test_an_address_or_a_link_wider_than_the_room_breaks_where_its_domain_starts(
    qtbot: Any,
) -> None:
    """ "ute.wagner@orion-" / "automation13.de" and "https://www.orion-" / "automation13.de" in
    the detail panel at 1024x700: an address or a link too wide for the line now breaks where
    its domain starts, the domain read whole."""
    address = "ute.wagner@orion-automation13.de"
    label = WrappedLabel(address)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    qtbot.addWidget(label)
    font = label.font()
    width = _room_for(font, "orion-automation13.de")
    assert width < QFontMetrics(font).horizontalAdvance(address)
    label.resize(width, 100)
    label.show()
    qtbot.waitExposed(label)
    lines = qt_lines(QLabel.text(label), font, width)
    assert lines == ["ute.wagner@", "orion-automation13.de"], lines
    assert label.text() == address and plain(QLabel.text(label)) == address
    label.setSelection(0, len(QLabel.text(label)))
    assert label.selectedText() == address
    # a link likewise: "https://" / "www.orion-automation13.de", not "https://www.orion-"
    link = "https://www.orion-automation13.de"
    label.setText(link)
    label.resize(_room_for(font, "www.orion-automation13.de"), 100)
    lines = qt_lines(QLabel.text(label), font, label.width())
    assert lines == ["https://", "www.orion-automation13.de"], lines
    assert plain(QLabel.text(label)) == link


def test_a_copied_selection_has_no_hidden_characters(qtbot: Any) -> None:
    label = WrappedLabel("anna@mueller-antriebstechnik.de")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    qtbot.addWidget(label)
    label.resize(400, 60)
    label.show()
    qtbot.waitExposed(label)
    assert JOINER in QLabel.text(label)
    label.setSelection(0, len(QLabel.text(label)))
    assert label.selectedText() == "anna@mueller-antriebstechnik.de"
    QGuiApplication.clipboard().clear()
    QTest.keySequence(label, QKeySequence.StandardKey.Copy)
    assert QGuiApplication.clipboard().text() == "anna@mueller-antriebstechnik.de"


def test_the_lists_wrapped_cells_sidebar_and_cards_keep_hyphenated_words(qapp: Any) -> None:
    from tests.ui.test_dark_palette import _card_row
    from ui.kanban.card_delegate import CardDelegate
    from ui.row_fit import painted_text, wrapped_lines
    from ui.sidebar import wrap_lines

    font = QApplication.font()
    width = _room_for(font, "Please send an E-m")
    for lines in (wrapped_lines(TEXT, font, width), wrap_lines(TEXT, font, width)):
        assert _split_at_hyphen(lines) == [] and "E-mail to" in lines[1], lines
    assert "\u2028E-mail" in painted_text(TEXT, font, width)
    # a card's name: "Marie-" / "Christine" no more
    delegate = CardDelegate()
    name = "Marie-Christine Wiśniewska"
    room = QFontMetrics(delegate.name_font).horizontalAdvance("Marie-Chr") + 2
    wide = QFontMetrics(delegate.name_font).horizontalAdvance("Marie-Christine") + 4
    assert delegate.wrap(name, delegate.name_font, [wide, wide]) == [
        "Marie-Christine",
        "Wiśniewska",
    ]
    # a first word wider than the first line (the score beside it): at its hyphen, as before,
    # not anywhere ("Marie-Chr")
    lines = delegate.wrap(name, delegate.name_font, [room, wide, wide])
    assert lines == ["Marie-", "Christine", "Wiśniewska"], lines
    card = _card_row(name="Marie-Christine Wiśniewska-Lindqvist")
    wide = QFontMetrics(delegate.name_font).horizontalAdvance("Wiśniewska-Lindqvist") + 4
    lines = delegate.name_lines_of(card.name, wide, 0, 4)
    assert lines == ["Marie-Christine", "Wiśniewska-Lindqvist"], lines


def test_a_stage_header_and_a_chart_label_keep_hyphenated_words(qtbot: Any) -> None:
    from ui.dashboard.charts import BarChart, BarRow, Series, text_fits, wrapped_as_drawn
    from ui.kanban.header import ColumnHeader

    header = ColumnHeader()
    qtbot.addWidget(header)
    header.set_name("Nurture re-engage")
    fm = QFontMetrics(header.name_font)
    room = fm.horizontalAdvance("Nurture re-en")
    assert _split_at_hyphen(qt_lines("Nurture re-engage", header.name_font, room)) != []
    lines = qt_lines(header._name_at(room), header.name_font, room)  # as painted
    assert lines == ["Nurture", "re-engage"], lines

    chart = BarChart("Qualified by source", [Series("Qualified", "#1565C0")], top=10.0)
    qtbot.addWidget(chart)
    label = "Newsletter E-mail campaign spring"
    chart.set_rows([BarRow(label, (3.0,), ("3",)), BarRow("Web", (1.0,), ("1",))])
    for width in (300, 340, 420):
        chart.resize(width, 100)
        chart.show()
        placed = [t for t in chart.placed() if t.kind == "category" and t.text == label]
        assert placed and text_fits(chart.font(), placed[0]), width
        t = placed[0]
        drawn = wrapped_as_drawn(t.text, t.flags, QFontMetricsF(chart.font()), t.rect.width())
        assert _split_at_hyphen(qt_lines(drawn, chart.font(), int(t.rect.width()))) == []


def _wrapping_widgets(top: QWidget) -> list[str]:
    """Word-wrapped labels (rich text too) and item views that wrap without ui.line_breaks,
    and message boxes not made by ui.message_box."""
    from ui.detail_sections import WrappingDelegate
    from ui.message_box import MessageBox
    from ui.row_fit import WrapDelegate
    from ui.sidebar import Sidebar

    found = []
    boxes = ([top] if isinstance(top, QMessageBox) else []) + top.findChildren(QMessageBox)
    for box in boxes:  # the labels Qt makes in it follow the rule only in ui.message_box's
        if not isinstance(box, MessageBox):
            found.append(f"message box {box.windowTitle()!r}")
    for label in top.findChildren(QLabel):
        if isinstance(label.parent(), QMessageBox):  # the box is judged above
            continue
        # rich text too (the duplicate warning's links): WrappedLabel leaves its tags alone
        if label.wordWrap() and not isinstance(label, WrappedLabel):
            found.append(f"label {label.objectName() or label.text()[:40]!r}")
    for view in top.findChildren(QAbstractItemView):
        wraps = getattr(view, "wordWrap", None)  # a table, tree or list view's
        if isinstance(view, QHeaderView | Sidebar) or wraps is None or not wraps():
            continue
        delegate = view.itemDelegate()
        if not isinstance(delegate, KeepHyphensDelegate | WrapDelegate | WrappingDelegate):
            found.append(f"view {view.objectName() or type(view).__name__}")
    return found


def look_at_dialogs(
    qtbot: Any, window: Any, judge: Callable[[QWidget], list[str]]
) -> dict[str, list[str]]:
    """``judge``'s findings in each dialog the window's menus open (ui.screenshot's list),
    each opened as a user does and cancelled."""
    from ui.screenshot import DIALOG_ENTRIES, menu_action

    looked: dict[str, list[str]] = {}
    for name, entry in DIALOG_ENTRIES:
        action = menu_action(window, entry)
        if action is None or not action.isEnabled():
            continue
        before = {id(w) for w in QApplication.topLevelWidgets() if w.isVisible()}

        def look(name: str = name, before: set[int] = before) -> None:
            dialogs = [
                w
                for w in QApplication.topLevelWidgets()
                if isinstance(w, QDialog) and w.isVisible() and id(w) not in before
            ]
            if dialogs and name not in looked:
                looked[name] = judge(dialogs[-1])
                dialogs[-1].reject()

        timer = QTimer()
        timer.setInterval(50)
        timer.timeout.connect(look)
        timer.start()
        action.trigger()  # exec(): back when the dialog is rejected
        qtbot.waitUntil(lambda name=name: name in looked, timeout=10000)
        timer.stop()
    return looked


def test_every_wrapping_label_and_view_of_the_window_and_its_dialogs(
    qtbot: Any, sized_window: Any
) -> None:
    """Every word-wrapped label and item view of the window (each view shown, the detail
    panel open) and of the dialogs opened from its menus goes through ui.line_breaks."""
    from ui.screenshot import _prepare_detail

    window = sized_window
    show_at(qtbot, window, (1440, 900))
    for view in ("kanban", "triage", "dashboard"):
        window.show_view(view)
        QApplication.processEvents()
    _prepare_detail(window)
    QApplication.processEvents()
    assert _wrapping_widgets(window) == []
    looked = look_at_dialogs(qtbot, window, _wrapping_widgets)
    assert len(looked) >= 5, looked
    assert {name: found for name, found in looked.items() if found} == {}

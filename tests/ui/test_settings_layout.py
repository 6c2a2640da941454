"""Issue 13, Tools ▸ Settings as it opens: as tall as its longest page's lists (a fixed 500 px
left the eight stages over a band of empty list), at most most of the window; each page's Save
button as wide as its words at the bottom right (it was a bar across the page); the campaign
reach fields whole in their rows (they were squeezed into a text row, their arrows cut) and as
wide as a number, the source taking the rest."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QLabel, QListWidget, QPushButton, QWidget

from app.contacts import create_contact
from tests.ui.test_layout import show_at
from ui.leads.settings_dialog import SHARE_OF_WINDOW, SettingsDialog

pytestmark = pytest.mark.gui

SOURCES = [
    "Bought list: Industry directory",
    "LinkedIn",
    "Referral",
    "Trade show: Hannover Messe 2026",
    "Webinar: Predictive maintenance 101",
]


def _open(window: Any, qtbot: Any, size: tuple[int, int]) -> SettingsDialog:
    show_at(qtbot, window, size)
    dialog: SettingsDialog = window.leads.open_settings()
    qtbot.waitExposed(dialog)
    QApplication.processEvents()
    return dialog


def _empty_below(view: QListWidget) -> int:
    last = view.visualItemRect(view.item(view.count() - 1))
    return view.viewport().height() - last.bottom()


def _in(outer: QWidget, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(outer, QPoint(0, 0)), widget.size())


@pytest.mark.parametrize("size", [(1024, 700), (1440, 900)], ids=["1024x700", "1440x900"])
def test_settings_open_as_tall_as_their_lists(
    empty_window: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    for i, source in enumerate(SOURCES):
        create_contact(empty_window.db, name=f"Contact {i}", email=f"c{i}@firm.de", source=source)
    dialog = _open(empty_window, qtbot, size)
    assert dialog.height() <= size[1] * SHARE_OF_WINDOW + 1
    stages = dialog.stages.list
    row = stages.visualItemRect(stages.item(0)).height()
    # every stage in sight, and not more than two rows' worth of empty list under them
    assert not stages.verticalScrollBar().isVisible()
    assert 0 <= _empty_below(stages) <= 2 * row, _empty_below(stages)

    # the Save buttons: as wide as their words, at the page's right
    for page in (dialog.response_times, dialog.reach, dialog.phone_region):
        dialog.tabs.setCurrentWidget(page)
        QApplication.processEvents()
        (save,) = [b for b in page.findChildren(QPushButton) if b.text().startswith("Save")]
        assert save.width() <= save.sizeHint().width() + 24, (save.text(), save.width())
        box = _in(page, save)
        assert page.width() - box.right() < 40, f"{save.text()} is not at the right"

    # campaign reach: each field whole inside its row, the source column the wider one
    dialog.tabs.setCurrentWidget(dialog.reach)
    QApplication.processEvents()
    table = dialog.reach.table
    assert table.rowCount() == len(SOURCES)
    assert not table.horizontalScrollBar().isVisible()
    assert table.columnWidth(0) > table.columnWidth(1)
    for r, source in enumerate(SOURCES):
        spin = dialog.reach.spins[source]
        cell = table.visualRect(table.model().index(r, 1))
        assert spin.height() >= spin.sizeHint().height(), (source, spin.height())
        assert cell.contains(spin.geometry()), (source, cell, spin.geometry())
        assert spin.width() >= spin.sizeHint().width()
    dialog.reject()


def test_response_times_are_as_wide_as_a_number(empty_window: Any, qtbot: Any) -> None:
    """Each response time's field as wide as "1,440.00 h", not across the dialog ("24.00 h"
    sat at the left of a 580 px box)."""
    dialog = _open(empty_window, qtbot, (1440, 900))
    dialog.tabs.setCurrentWidget(dialog.response_times)
    QApplication.processEvents()
    for spin in dialog.response_times.spins.values():
        assert spin.width() <= spin.sizeHint().width() + 1
        assert spin.fontMetrics().horizontalAdvance(spin.text()) < spin.width()


@pytest.mark.parametrize("size", [(1024, 700), (1440, 900)], ids=["1024x700", "1440x900"])
def test_short_lists_leave_no_white_band_and_their_buttons_fit_their_words(
    empty_window: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    """Stages and BANT criteria (ui.list_fit): the list as tall as its rows where the dialog
    is taller (the longest page set its height: a band of empty white list under the eight
    stages), the buttons right under it, each as wide as its words from the left (the Stages
    page's six buttons shared its width alike)."""
    dialog = _open(empty_window, qtbot, size)
    for page in (dialog.stages, dialog.criteria):
        dialog.tabs.setCurrentWidget(page)
        QApplication.processEvents()
        view = page.list
        assert not view.verticalScrollBar().isVisible()
        assert _empty_below(view) <= 6, (page, _empty_below(view))
        buttons = [b for b in page.findChildren(QPushButton) if b.isVisible()]
        assert len(buttons) >= 4
        for button in buttons:
            assert button.width() <= button.sizeHint().width() + 2, button.text()
            assert 0 <= button.y() - (view.y() + view.height()) <= 16, button.text()
        first = min(b.x() for b in buttons)
        assert first - view.x() <= 2  # from the left, under the list
    dialog.reject()


def test_the_lists_are_framed(empty_window: Any, qtbot: Any) -> None:
    """With the window's style sheet the stages and BANT criteria lists were white strips
    without a border on the dialog's grey (every list view's border is none): now framed as
    the fields are."""
    from ui.theme import load_style

    dialog = _open(empty_window, qtbot, (1024, 700))
    dialog.setStyleSheet(load_style(dialog.palette()))
    for page in (dialog.stages, dialog.criteria):
        dialog.tabs.setCurrentWidget(page)
        QApplication.processEvents()
        assert page.list.frameWidth() >= 1, page
        assert _empty_below(page.list) <= 6, (page, _empty_below(page.list))
    dialog.reject()


@pytest.mark.parametrize("size", [(1024, 700), (1440, 900)], ids=["1024x700", "1440x900"])
def test_every_page_fits_the_dialog_without_a_band_under_it(
    empty_window: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    """The dialog was as tall as its longest page: the phone region's three rows, the
    response times and the BANT criteria sat over a grey band (up to ~200 px) above Close.
    Now each page sets the dialog's height when shown: under every page's last part no more
    than a margin's room, and every part whole."""
    for i, source in enumerate(SOURCES):
        create_contact(empty_window.db, name=f"Contact {i}", email=f"c{i}@firm.de", source=source)
    dialog = _open(empty_window, qtbot, size)
    for index in [*range(dialog.tabs.count()), 0]:  # and back to the first
        dialog.tabs.setCurrentIndex(index)
        qtbot.wait(20)
        QApplication.processEvents()
        page = dialog.tabs.currentWidget()
        parts = [w for w in page.findChildren(QWidget) if w.parent() is page and w.isVisible()]
        lowest = max(_in(page, w).bottom() for w in parts)
        below = page.height() - 1 - lowest
        assert 0 <= below <= 16, (dialog.tabs.tabText(index), below, page.height())
        for part in parts:
            assert part.height() >= part.minimumSizeHint().height(), part
            if isinstance(part, QLabel) and part.wordWrap():  # every line whole
                assert part.height() >= part.heightForWidth(part.width()), part.text()
        assert dialog.height() <= size[1] * SHARE_OF_WINDOW + 1
    dialog.reject()

"""The detail panel's small tables in a narrow window: a long text column (a persona reason,
a stage change's why) goes under the column before it instead of wrapping to a word a line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem, QTreeWidget

from db.engine import Database
from tests.ui.conftest import _shown_window, settle
from tests.ui.test_layout import show_at
from ui.detail_sections import FittedTree, WrappingDelegate
from ui.form_wrap import FIELD_CHARS

pytestmark = pytest.mark.gui


@pytest.fixture
def window(qtbot: Any, demo_db: Database) -> Iterator[Any]:
    yield from _shown_window(qtbot, demo_db, size=None, persist_state=False)


def _reasons_of_longest(qtbot: Any, window: Any) -> tuple[QTreeWidget, int]:
    """The persona reasons of a contact with a long reason, and that reason's row."""
    window.show_view("list")
    for row in range(min(window.model.rowCount(), 80)):
        window.list_view.selectRow(row)
        settle(qtbot, window)
        tree = window.detail.findChild(QTreeWidget, "personaReasons")
        if tree is None or not tree.isVisibleTo(window.detail):
            continue
        for i in range(tree.topLevelItemCount()):
            if len(tree.topLevelItem(i).text(2)) > 100:
                return tree, i
    raise AssertionError("no contact with a long persona reason in the demo")


def _lines(tree: QTreeWidget, i: int) -> float:
    item = tree.topLevelItem(i)
    assert item is not None
    return tree.visualItemRect(item).height() / tree.fontMetrics().lineSpacing()


def test_a_long_persona_reason_goes_under_its_criterion_in_a_narrow_window(
    window: Any, qtbot: Any
) -> None:
    show_at(qtbot, window, (1024, 700))
    tree, i = _reasons_of_longest(qtbot, window)
    show_at(qtbot, window, (1024, 700))
    header = tree.header()
    # side by side the reason wrapped at ~140 px: 11 lines for its 150 characters
    assert header.isSectionHidden(2), "the reasons stay in a column of their own"
    assert _lines(tree, i) <= 8
    assert tree.model().headerData(1, header.orientation()) == "Criterion · Why"
    # the reason is painted under the criterion (the text the cell is drawn with)
    delegate = tree.itemDelegate()
    assert isinstance(delegate, WrappingDelegate)
    option = QStyleOptionViewItem()
    index = tree.model().index(i, 1)
    delegate.initStyleOption(option, index)
    item = tree.topLevelItem(i)
    assert item is not None
    assert option.text == f"{item.text(1)}\u2028{item.text(2)}"  # type: ignore[attr-defined]
    # no cell wider than the table, nothing painted past the row
    used = sum(header.sectionSize(c) for c in range(3) if not header.isSectionHidden(c))
    assert used <= tree.viewport().width() + 1
    assert delegate.sizeHint(option, index).height() <= tree.visualItemRect(item).height()
    # both texts, each wrapped at the column's width, inside the row (none painted past it)
    style = tree.style()
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, tree) + 1
    width = header.sectionSize(1) - 2 * margin
    fm = tree.fontMetrics()
    painted = sum(
        fm.boundingRect(QRect(0, 0, width, 1_000_000), int(Qt.TextFlag.TextWordWrap), t).height()
        for t in (item.text(1), item.text(2))
    )
    assert painted <= tree.visualItemRect(item).height()


def test_a_wide_window_keeps_the_reasons_beside_their_criteria(window: Any, qtbot: Any) -> None:
    show_at(qtbot, window, (1024, 700))
    tree, _row = _reasons_of_longest(qtbot, window)
    assert tree.header().isSectionHidden(2)
    show_at(qtbot, window, (2560, 1440))
    header = tree.header()
    qtbot.waitUntil(lambda: not header.isSectionHidden(2))
    assert tree.model().headerData(1, header.orientation()) == "Criterion"
    assert header.sectionSize(2) >= FittedTree.STACK_CHARS * tree.fontMetrics().averageCharWidth()
    show_at(qtbot, window, (1024, 700))  # and back
    assert header.isSectionHidden(2)


def test_a_narrow_panel_puts_the_field_labels_above_their_fields(window: Any, qtbot: Any) -> None:
    """At 1024x700 the fields beside their labels were ~160 px ("femke.vandijk58@orange"):
    there the labels go above the fields, which take the panel's width; at 1440 they stay
    beside them."""
    show_at(qtbot, window, (1024, 700))
    window.show_view("list")
    window.list_view.selectRow(1)
    show_at(qtbot, window, (1024, 700))
    detail = window.detail
    email = detail.inputs["email"]
    least = FIELD_CHARS * email.fontMetrics().averageCharWidth()
    assert detail.form_wrap.wrapped()
    form = email.parentWidget()
    for edit in detail.inputs.values():
        assert edit.width() >= least, edit.objectName()
        label = form.layout().labelForField(edit)
        assert label is not None and label.geometry().bottom() < edit.geometry().top()
    show_at(qtbot, window, (1440, 900))
    assert not detail.form_wrap.wrapped()
    label = form.layout().labelForField(email)
    assert label.geometry().right() < email.geometry().left()  # beside it
    assert email.width() >= least
    show_at(qtbot, window, (1024, 700))
    assert detail.form_wrap.wrapped()


@pytest.mark.parametrize("size", [(1024, 700), (1440, 900)], ids=str)
def test_the_dates_of_history_and_activities_stay_on_one_line(
    window: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    """Stage history at 1024x700: the When column was capped at 40 % of a narrow table and
    wrapped "2026-11-30" and "11:26" onto two lines. A date column is as wide as its text
    (FittedTree's ``whole``) in the history and the activities; each row's date on one line."""
    show_at(qtbot, window, size)
    window.show_view("list")
    window.list_view.selectRow(0)
    settle(qtbot, window)
    for tree in (window.detail.history_list, window.detail.activity_list):
        assert tree.topLevelItemCount() > 0 or tree is window.detail.activity_list
        delegate, model = tree.itemDelegate(), tree.model()
        line = tree.fontMetrics().lineSpacing()
        for row in range(model.rowCount()):
            option = QStyleOptionViewItem()
            option.initFrom(tree)
            option.rect = QRect(0, 0, tree.columnWidth(0), 1)  # type: ignore[attr-defined]
            index = model.index(row, 0)
            height = delegate.sizeHint(option, index).height()  # the date at its width
            assert height < 2 * line, (tree.objectName(), index.data(), tree.columnWidth(0))
        assert not tree.horizontalScrollBar().isVisible()


def test_wrapped_rows_of_a_small_table_stand_apart(window: Any, qtbot: Any) -> None:
    """The persona reasons at 1440x900: a reason wrapped over five lines ran straight into
    the next row's ("… comprador, inkoop" over "'Process engineer' is Senior /"): each row
    keeps a gap above and below its text."""
    show_at(qtbot, window, (1440, 900))
    tree, _row = _reasons_of_longest(qtbot, window)
    show_at(qtbot, window, (1440, 900))
    header = tree.header()
    shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
    fm = tree.fontMetrics()
    style = tree.style()
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, tree) + 1
    for row in range(tree.topLevelItemCount()):
        item = tree.topLevelItem(row)
        assert item is not None
        text = max(
            fm.boundingRect(
                QRect(0, 0, header.sectionSize(c) - 2 * margin, 1_000_000),
                int(Qt.TextFlag.TextWordWrap),
                item.text(c),
            ).height()
            for c in shown
        )
        height = tree.visualItemRect(item).height()
        assert height >= text + 4, f"row {row}: {text} px of text in a row {height} px tall"

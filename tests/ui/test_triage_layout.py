"""Issue 13, layout of the triage view: the card is as tall as its lines, with the key legend
right under it, the two as one column in the middle of the room (stretched down to the legend,
the card showed an empty white band, a third of it at 1440x900, most of it at 2560x1440); the
legend is laid out by the shared :class:`ui.flow_layout.FlowLayout` and wraps its keys to the
card's width, every key cap in full and inside the window."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from tests.ui.board_helpers import triage_of
from tests.ui.test_layout import SIZES, show_at, sized_window
from ui.flow_layout import FlowLayout

pytestmark = pytest.mark.gui
__all__ = ["sized_window"]  # fixture used by the tests below


def _in(view: QWidget, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(view, QPoint(0, 0)), widget.size())


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_card_is_as_tall_as_its_lines_with_the_legend_under_it(
    qtbot: Any, sized_window: Any, size: tuple[int, int]
) -> None:
    """No empty band in the card or between it and the legend: the card is as tall as its
    lines (it scrolls where the window is shorter), the legend follows it and has its width,
    and the room left over is shared above and below the column (2 : 3), not piled in one gap."""
    sized_window.show_view("triage")
    show_at(qtbot, sized_window, size)
    view = triage_of(sized_window)
    qtbot.waitUntil(lambda: bool(view.card.name.text()), timeout=5000)

    def lines() -> int:
        card = view.card
        return max(card.heightForWidth(card.width()), card.minimumSizeHint().height())

    # the card's own lines are all there (not squeezed) and nothing more (not stretched)
    qtbot.waitUntil(lambda: abs(view.card.height() - lines()) <= 2, timeout=3000)
    card, legend, pages = _in(view, view.card), _in(view, view.legend), _in(view, view.pages)
    gap = legend.top() - pages.bottom()
    assert 0 < gap <= 12, f"{gap} px between the card and the legend at {size}"
    assert abs(legend.left() - card.left()) <= 16 and legend.width() <= card.width() + 16
    fits = pages.height() >= lines()
    assert fits == (size[1] > 700), f"the card fits at {size}: {fits}"
    above = pages.top() - _in(view, view.progress_bar).bottom() - 1
    below = view.height() - legend.bottom()
    if fits:  # the room left over, 2 : 3 above and below
        assert above > 0 and below > 0
        assert abs(above / (above + below) - 0.4) < 0.05, (above, below, size)
    else:  # the card scrolls and the column takes the whole height
        assert above <= 2 and below <= 2, (above, below, size)


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_the_legend_wraps_its_keys_in_full(
    qtbot: Any, sized_window: Any, size: tuple[int, int]
) -> None:
    sized_window.show_view("triage")
    show_at(qtbot, sized_window, size)
    view = triage_of(sized_window)
    legend = view.legend
    assert isinstance(legend.decisions.layout(), FlowLayout)  # the shared one, no copy of it
    QApplication.processEvents()
    entries = [e for e in legend.decisions.children() if isinstance(e, QWidget) and e.isVisible()]
    assert len(entries) >= 15
    boxes = [_in(legend, e) for e in entries]
    for entry, box in zip(entries, boxes, strict=True):
        assert legend.rect().contains(box), (box, legend.rect())
        for label in entry.findChildren(QLabel):
            need = label.fontMetrics().horizontalAdvance(label.text())
            assert label.contentsRect().width() >= need, label.text()
    for i, a in enumerate(boxes):
        assert not any(a.intersects(b) for b in boxes[i + 1 :]), "legend entries overlap"
    # a line breaks only where the next key would not fit on it any more
    room = legend.decisions.contentsRect().width()
    margins = legend.decisions.layout().contentsMargins()
    right = room - margins.right()
    for before, after in pairwise(boxes):
        if after.top() > before.top():
            assert before.right() + 6 + after.width() > right, ("wrapped early", before, after)

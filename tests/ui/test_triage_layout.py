"""Issue 13, layout of the triage view: the card reaches down to the key legend at every size
(on a tall window it stopped at its text and left an empty band above the legend); the legend
is laid out by the shared :class:`ui.flow_layout.FlowLayout` and wraps its keys to the width,
every key cap in full and inside the window."""

from __future__ import annotations

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


@pytest.mark.parametrize("size", SIZES[1:], ids=[f"{w}x{h}" for w, h in SIZES[1:]])
def test_the_card_reaches_the_legend(qtbot: Any, sized_window: Any, size: tuple[int, int]) -> None:
    """Where the card fits the window, nothing but the card's margin lies between its bottom
    and the legend."""
    sized_window.show_view("triage")
    show_at(qtbot, sized_window, size)
    view = triage_of(sized_window)
    qtbot.waitUntil(lambda: bool(view.card.name.text()), timeout=5000)
    card, legend = _in(view, view.card), _in(view, view.legend)
    gap = legend.top() - card.bottom()
    assert 0 < gap <= 24, f"{gap} px between the card and the legend at {size}"
    # the card's own lines are all there (the card was not squeezed to reach it)
    assert view.card.height() >= view.card.minimumSizeHint().height()


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
    lines = {b.top() for b in boxes}
    width = size[0]
    assert (len(lines) > 1) == (width < 2000), f"{len(lines)} lines at {width} px"

"""Issue 15, the window's start: the width the sidebar asks for is worked out once per change
of its names, counts, font or style (the layouts ask for its size hints ~120 times by usable),
and is never stale after one of those."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QFont

from ui.application import make_app
from ui.sidebar import Sidebar, SidebarFilter

pytestmark = pytest.mark.gui

STAGES = [
    (SidebarFilter("stage", k), name, "#2a7ae2") for k, name in (("mql", "MQL"), ("sql", "SQL"))
]


@pytest.fixture
def sidebar(qtbot: Any) -> Sidebar:
    make_app()
    bar = Sidebar()
    qtbot.addWidget(bar)
    bar.set_entries("Stages", STAGES)
    bar.set_counts({SidebarFilter("stage", "mql"): 7, SidebarFilter("stage", "sql"): 3}, 10)
    return bar


def _counting(bar: Sidebar, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    worked: list[bool] = []
    work = bar._work_out_width

    def counted(with_sources: bool) -> int:
        worked.append(with_sources)
        return work(with_sources)

    monkeypatch.setattr(bar, "_work_out_width", counted)
    return worked


def test_asked_again_and_again_the_width_is_worked_out_once(
    sidebar: Sidebar, monkeypatch: pytest.MonkeyPatch
) -> None:
    worked = _counting(sidebar, monkeypatch)
    hints = {(sidebar.sizeHint().width(), sidebar.minimumSizeHint().width()) for _ in range(100)}
    assert len(hints) == 1
    assert sorted(worked) == [False, True]  # once with the sources, once without


def test_a_wider_count_or_name_is_asked_for_at_once(
    sidebar: Sidebar, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = sidebar.needed_width()
    worked = _counting(sidebar, monkeypatch)
    sidebar.set_counts({SidebarFilter("stage", "mql"): 7_000_000}, 7_000_003)
    wider = sidebar.needed_width()
    assert wider > before
    assert sidebar.needed_width() == wider
    sidebar.set_entries(
        "Stages", [*STAGES, (SidebarFilter("stage", "n"), "Nurture for later", None)]
    )
    assert sidebar.needed_width() > wider
    # each change worked it out once (in its own _ask_again), the asks after it from that
    assert worked == [True, False, True, False]


def test_another_font_or_style_is_worked_out_again(sidebar: Sidebar) -> None:
    before = sidebar.needed_width()
    font = QFont(sidebar.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    sidebar.setFont(font)  # a FontChange
    larger = sidebar.needed_width()
    assert larger > before
    assert larger == sidebar._work_out_width(False)
    # a StyleChange: another scroll bar (and the sheet's own font)
    sidebar.setStyleSheet("QScrollBar:vertical { width: 60px; }")
    restyled = sidebar.needed_width()
    assert restyled != larger
    assert restyled == sidebar._work_out_width(False)

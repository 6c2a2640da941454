"""The dashboard's painted charts on their own: round ticks, long names wrapped (never cut),
the chart as tall as its texts, the empty state."""

from __future__ import annotations

from typing import Any

import pytest

from ui.dashboard.charts import BarChart, BarRow, Series, TrendChart, nice_ticks, text_fits

pytestmark = pytest.mark.gui

NAME = "Webinar: Predictive maintenance for packaging lines, part 2 (recording)"


def test_ticks_are_round_and_counts_whole() -> None:
    assert nice_ticks(422) == [0, 100, 200, 300, 400, 500]
    assert nice_ticks(9.7) == [0, 2, 4, 6, 8, 10]
    assert nice_ticks(1, integers=True) == [0.0, 1.0]  # not 0.2, 0.4 … for one contact
    assert nice_ticks(3, 5, integers=True) == [0.0, 1.0, 2.0, 3.0]
    assert nice_ticks(0) == [0.0, 1.0]


def test_a_long_name_wraps_onto_more_lines_in_a_narrow_chart(qtbot: Any) -> None:
    chart = BarChart("Rates per source", [Series("Rate", "#2F6FDE")], top=100.0)
    qtbot.addWidget(chart)
    chart.set_rows([BarRow(NAME, (40.0,), ("40.0 %",)), BarRow("Web", (10.0,), ("10.0 %",))])
    for width in (340, 700, 1400):
        chart.resize(width, 100)
        chart.show()
        placed = {t.text: t for t in chart.placed() if t.kind == "category"}
        assert set(placed) == {NAME, "Web"}
        lines = placed[NAME].rect.height() // chart.fontMetrics().height()
        assert (lines >= 2) if width == 340 else True
        for t in chart.placed():
            font = chart.font()
            font.setBold(t.kind == "title")
            assert text_fits(font, t), (width, t.text)
        assert chart.height() == chart.needed_height(float(width))  # grows, never cuts


def test_an_empty_chart_says_so(qtbot: Any) -> None:
    chart = TrendChart("Per week")
    qtbot.addWidget(chart)
    chart.set_data([], [Series("Inquiries", "#2F6FDE")], [[]])
    chart.resize(500, 100)
    assert [t.kind for t in chart.placed()] == ["title", "empty"]

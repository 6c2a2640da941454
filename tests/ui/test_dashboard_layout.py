"""Issue 13, item 3: a dashboard people can read at 1024×700 and at 2560×1440 — every chart
names its categories in full (no "…", every text inside the room it was drawn in), the weekly
chart's labels sit under their points, stage names instead of keys, the source table's names
and headers whole, nothing wider than the window; the response-rate tile leads to where the
reach is entered."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from app import metrics, operations
from app.contacts import create_contact
from db.engine import Database
from tests.app.test_metrics import NOW, UNTIL, T, build_history
from ui.dashboard.charts import LEAST_PLOT, TrendChart, text_fits
from ui.dashboard.view import DashboardView

pytestmark = pytest.mark.gui

SIZES = [(1024, 700), (2560, 1440)]
LONG = "Trade show: Internationale Fachmesse für Instandhaltung und Antriebstechnik Hannover 2026"


def _dashboard(qtbot: Any, db: Database, size: tuple[int, int], **query: Any) -> DashboardView:
    view = DashboardView(db)
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    data = metrics.dashboard_data(
        db,
        since=query.get("since", T),
        until=UNTIL,
        now=NOW,
        **{k: v for k, v in query.items() if k != "since"},
    )
    view.show_data(data)
    for _ in range(3):  # let the layout settle (the table fits its rows after a resize)
        QApplication.processEvents()
        qtbot.wait(5)
    return view


def _history_with_a_long_source(db: Database) -> None:
    build_history(db)
    create_contact(db, name="Long", email="long@firm-long.de", source=LONG, stage="inquiry", at=T)
    for i in range(12):  # an open pipeline of a dozen deals worth millions
        cid = create_contact(
            db, name=f"Deal {i}", email=f"d{i}@firm-deal.de", stage="opportunity", at=T
        )
        operations.set_deal(db, cid, 1_234_567.0, None)


def _label_fits(label: QLabel) -> bool:
    text = label.text()
    room = label.contentsRect()
    if label.wordWrap():
        return label.heightForWidth(room.width()) <= room.height() + 1
    if label.textFormat() == Qt.TextFormat.RichText:  # a link: the laid-out text's size
        hint = label.sizeHint()
        return hint.width() <= label.width() and hint.height() <= label.height() + 1
    fm = QFontMetrics(label.font())
    lines = text.split("\n")
    return (
        all(fm.horizontalAdvance(line) <= room.width() for line in lines)
        and fm.height() * len(lines) <= room.height() + 1
    )


def _tiles_are_whole(view: DashboardView) -> None:
    """Figure, caption and link one under the other, inside their tile."""
    for tile in [*view.tiles.values(), *view.response_tiles.values(), *view.value_tiles.values()]:
        parts = [w for w in (tile.value, tile.caption, tile.link) if w.isVisible()]
        for upper, lower in itertools.pairwise(parts):
            assert upper.geometry().bottom() < lower.geometry().top(), tile.caption.text()
        assert parts[-1].geometry().bottom() <= tile.contentsRect().bottom()
        for label in parts:
            assert _label_fits(label), label.text()


@pytest.mark.parametrize("cohort", [False, True], ids=["period", "cohort"])
# 1200: the dashboard's width in a 1440 px window beside the sidebar (six tiles in a row)
@pytest.mark.parametrize("size", [*SIZES, (1200, 900)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_text_on_the_dashboard_is_whole(
    qtbot: Any, db: Database, size: Any, cohort: bool
) -> None:
    _history_with_a_long_source(db)
    view = _dashboard(qtbot, db, size, cohort=cohort)
    # nothing wider than the window: no sideways scrolling, nothing cut at the right
    body = view.scroll_area.widget()
    assert body is not None
    assert body.width() <= view.scroll_area.viewport().width()
    assert body.minimumSizeHint().width() <= view.scroll_area.viewport().width()
    # every label: no ellipsis, the whole text inside the label
    labels = [w for w in view.findChildren(QLabel) if w.isVisible() and w.text()]
    assert len(labels) > 20
    for label in labels:
        assert "…" not in label.text(), label.text()
        assert _label_fits(label), (label.objectName(), label.text(), label.contentsRect())
    assert view.tile_text("open_pipeline") == "14,814,804"
    _tiles_are_whole(view)
    # every chart: every text inside its room, no "…", every category named in full
    for chart in view.charts():
        placed = chart.placed()
        assert placed, chart.title()
        assert chart.height() >= chart.needed_height(float(chart.width()))
        for t in placed:
            assert "…" not in t.text, (chart.title(), t.text)
            font = chart.font()
            if t.kind == "title":
                font.setBold(True)
            assert text_fits(font, t), (chart.title(), t.text, t.rect)
            assert t.rect.left() >= 0 and t.rect.right() <= chart.width() + 0.5, t.text
    rates = [t.text for t in view.rates_chart.placed() if t.kind == "category"]
    assert LONG in rates and "Mailing: March" in rates
    # stage names, never keys ("mql: 7.0 d" became "Marketing qualified" … "3.0 days")
    stages = [t.text for t in view.stage_chart.placed() if t.kind in ("category", "value")]
    assert "Marketing qualified" in stages and "3.0 days" in stages
    assert not {"suspect", "inquiry", "mql", "sql", "opportunity"} & set(stages)
    funnel = [t.text for t in view.funnel_chart.placed() if t.kind == "category"]
    assert funnel == [
        "Inquiry",
        "Marketing qualified",
        "Sales qualified",
        "Opportunity",
        "Customer",
    ]
    # the table: every header line and every source name whole
    table = view.table
    header = table.horizontalHeader()
    model = table.model()
    bold = header.font()
    bold.setBold(True)
    fm = QFontMetrics(bold)
    for c in range(model.columnCount()):
        text = str(model.headerData(c, Qt.Orientation.Horizontal))
        assert "…" not in text
        widest = max(fm.horizontalAdvance(line) for line in text.split("\n"))
        assert widest <= header.sectionSize(c), text
    assert sum(header.sectionSize(c) for c in range(model.columnCount())) <= (
        table.viewport().width() + 1
    )
    cells = QFontMetrics(table.font())
    for r in range(model.rowCount()):
        name = str(model.index(r, 0).data())
        room = table.columnWidth(0) - 8
        needed = cells.boundingRect(0, 0, room, 10000, Qt.TextFlag.TextWordWrap, name).height()
        assert needed <= table.rowHeight(r), name
    assert table.height() >= sum(table.rowHeight(r) for r in range(model.rowCount()))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_weekly_labels_sit_under_their_points(qtbot: Any, db: Database, size: Any) -> None:
    build_history(db)
    # a long period: more weeks than there is room to label each
    view = _dashboard(qtbot, db, size, since=T.replace(year=2025, month=3))
    trend: TrendChart = view.trend_chart
    weeks = list(view.data.metrics.weeks) if view.data else []
    assert len(trend.labels()) == len(weeks) > 40
    axis = [t for t in trend.placed() if t.kind == "axis" and t.anchor_x is not None]
    assert axis and axis[-1].text.startswith(f"{weeks[-1].week_start.day} ")  # the newest
    for t in axis:
        i = trend.labels().index(t.text)
        assert abs(t.rect.center().x() - trend.point_x(i)) < 0.5, t.text
        first_line = t.text.split("\n")[0]
        assert first_line == f"{weeks[i].week_start.day} {weeks[i].week_start:%b}"
    for a, b in itertools.pairwise(axis):
        assert a.rect.right() + 4 <= b.rect.left(), (a.text, b.text)  # no overlap
    # the points go left to right a week apart, inside the chart
    xs = [trend.point_x(i) for i in range(len(weeks))]
    steps = {round(b - a, 3) for a, b in itertools.pairwise(xs)}
    assert len(steps) == 1 and xs[0] > 0 and xs[-1] < trend.width()
    if size[0] >= 2560 or len(axis) == len(weeks):
        return
    assert len(axis) < len(weeks)  # 1024: every k-th week, still under its point


def test_the_cohort_view_is_named_where_it_is_shown(qtbot: Any, db: Database) -> None:
    build_history(db)
    view = _dashboard(qtbot, db, (1440, 900))
    assert view.view_note.text() == "Qualified leads: those qualified during the period"
    assert view.tiles["qualification_rate"].caption.text() == "QUALIFICATION RATE"
    assert not view.trend_chart.is_bars()
    view.show_data(metrics.dashboard_data(db, since=T, until=UNTIL, now=NOW, cohort=True))
    assert "Cohort view by inquiry month" in view.view_note.text()
    assert "COHORT" in view.tiles["qualification_rate"].caption.text()
    assert "COHORT" in view.tiles["qualified"].caption.text()
    assert "cohort" in str(view.table_model.headerData(4, Qt.Orientation.Horizontal))
    assert view.trend_chart.is_bars() and "inquiry month" in view.trend_chart.title()
    assert view.trend_chart.labels() == ("Mar\n2026",)
    # the toggle asks for the cohort figures
    view.cohort.setChecked(True)
    assert view.query()["cohort"] is True
    assert view.data is not None and view.data.metrics.view == "cohort"


def test_response_rate_without_reach_links_to_the_campaign_reach(qtbot: Any, db: Database) -> None:
    create_contact(db, name="A", email="a@firm-a.de", source="Fair", stage="inquiry", at=T)
    view = _dashboard(qtbot, db, (1024, 700))
    tile = view.tiles["response_rate"]
    assert tile.value.text() == "—"
    assert tile.link.isVisible() and "campaign reach" in tile.link.text()
    assert "command" not in tile.toolTip() and "winnow" not in tile.toolTip()
    # no reach anywhere: the rates chart leaves out a row of "—" per source and says why
    assert [s.name for s in view.rates_chart.series()] == ["Qualification rate", "Conversion rate"]
    assert "reach" in view.rates_chart.title()
    with qtbot.waitSignal(view.reach_requested, timeout=1000):
        tile.link.linkActivated.emit("fix")


def test_the_tile_link_opens_settings_at_the_campaign_reach(window: Any, qtbot: Any) -> None:
    from ui.dashboard import open_reach_settings

    dialog = open_reach_settings(window)
    qtbot.waitExposed(dialog)
    assert dialog.tabs.currentWidget() is dialog.reach
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Campaign reach"
    dialog.close()


def test_no_widget_is_cut_at_the_right_edge(qtbot: Any, db: Database) -> None:
    build_history(db)
    view = _dashboard(qtbot, db, (1024, 700))
    right = view.scroll_area.viewport().width()
    body = view.scroll_area.widget()
    assert body is not None
    for w in body.findChildren(QWidget):
        if w.isVisible() and w.parent() is body:
            assert w.geometry().right() <= right, w.objectName()


@pytest.mark.parametrize("size", [(1024, 700), (1440, 900), (2560, 1440)])
def test_in_the_window_every_tile_and_chart_is_whole(
    window: Any, qtbot: Any, size: tuple[int, int]
) -> None:
    """The demo (with deal values) in the main window, in both views."""
    window.resize(*size)
    window.show_view("dashboard")
    view = window.dashboard.view
    qtbot.waitUntil(lambda: view.data is not None, timeout=10000)
    for cohort in (False, True):
        if cohort:
            with qtbot.waitSignal(view.shown, timeout=10000):
                view.cohort.setChecked(True)
        qtbot.wait(20)
        assert view.data is not None and (view.data.metrics.view == "cohort") == cohort
        _tiles_are_whole(view)
        body = view.scroll_area.widget()
        assert body is not None and body.width() <= view.scroll_area.viewport().width()
        for chart in view.charts():
            assert chart.height() >= chart.needed_height(float(chart.width()))
            assert all("…" not in t.text for t in chart.placed())


def test_dark_palette_keeps_every_figure_readable(qtbot: Any, db: Database) -> None:
    from ui.contrast import contrast_ratio
    from ui.theme import DARK, make_palette

    build_history(db)
    view = _dashboard(qtbot, db, (1440, 900))
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    light = app.palette()
    dark = make_palette(DARK)
    app.setPalette(dark)  # the system turns dark while the dashboard is open
    try:
        QApplication.processEvents()
        base = dark.color(dark.ColorRole.Base)
        for tile in [*view.tiles.values(), *view.response_tiles.values()]:
            for label in (tile.value, tile.caption):
                color = label.palette().color(label.foregroundRole())
                assert contrast_ratio(color, base) >= 4.5, (label.text(), color.name())
        chart = view.funnel_chart
        assert chart.palette().color(chart.palette().ColorRole.Base) == base  # dark too
    finally:
        app.setPalette(light)


def _tile_rows(view: DashboardView) -> list[list[QWidget]]:
    tiles = [*view.tiles.values(), *view.response_tiles.values(), *view.value_tiles.values()]
    rows: dict[int, list[QWidget]] = {}
    for tile in tiles:
        rows.setdefault(tile.geometry().top(), []).append(tile)
    return [sorted(row, key=lambda t: t.geometry().left()) for _top, row in sorted(rows.items())]


# 760-1000: the dashboard beside the sidebar at 1024 px and in a 2560 px window at 200 %
@pytest.mark.parametrize("width", [760, 900, 1000, 1200, 2300])
def test_every_row_of_tiles_is_full(qtbot: Any, db: Database, width: int) -> None:
    """No row of tiles ends short of the others (eleven tiles at five a row left the last
    one alone beside an empty band four tiles wide): each row reaches the right edge, and
    the rows hold as many tiles as each other, give or take one."""
    _history_with_a_long_source(db)
    view = _dashboard(qtbot, db, (width, 900))
    rows = _tile_rows(view)
    assert len(rows) >= 2
    right = max(t.geometry().right() for row in rows for t in row)
    for row in rows:
        assert row[-1].geometry().right() >= right - 2, [t.geometry() for t in row]
    counts = [len(row) for row in rows]
    assert max(counts) - min(counts) <= 1 or counts == [6, 5], counts
    _tiles_are_whole(view)


# 1200: the dashboard beside the sidebar in a 1440 px window, where the second row held a
# tile ("Not answered in 24 h") twice as wide as the others
@pytest.mark.parametrize("width", [760, 900, 1000, 1200, 1500, 2300])
def test_the_tiles_of_a_row_are_alike(qtbot: Any, db: Database, width: int) -> None:
    """Each row's tiles share its width alike: none spans two places beside the others."""
    _history_with_a_long_source(db)
    view = _dashboard(qtbot, db, (width, 900))
    for row in _tile_rows(view):
        widths = [t.width() for t in row]
        assert max(widths) - min(widths) <= 2, widths
    _tiles_are_whole(view)


@pytest.mark.parametrize("size", [*SIZES, (1200, 900)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_charts_of_a_row_end_on_one_line(qtbot: Any, db: Database, size: Any) -> None:
    """Side by side (two columns), the cards of a row start and end on one line, whichever
    needs more (at 2560 the weekly chart was 80 px taller than the rates beside it; with a long
    source name the rates are the taller): the trend's plot fills the row, a bar chart's card
    goes on under its bars. Alone in its row (one column) each card is as tall as it needs."""
    _history_with_a_long_source(db)
    view = _dashboard(qtbot, db, size)
    wide = view.width() >= view.WIDE_AT
    assert bool(view.chart_rows) == wide
    for row in view.chart_rows:
        tops = {chart.geometry().top() for chart in row}
        bottoms = {chart.geometry().bottom() for chart in row}
        assert len(tops) == 1 and len(bottoms) == 1, [c.geometry() for c in row]
        height = row[0].height()
        assert height == max(c.least_height(float(c.width())) for c in row)
    plot = view.trend_chart.plot_rect()
    assert plot.height() >= LEAST_PLOT
    labels = [t for t in view.trend_chart.placed() if t.kind == "axis" and t.anchor_x]
    assert labels and all(t.rect.top() > plot.bottom() for t in labels)  # under the plot
    assert max(t.rect.bottom() for t in labels) <= view.trend_chart.height()
    if not wide:
        for chart in view.charts():
            assert chart.height() == chart.needed_height(float(chart.width()))
    # the same data in a narrower window: each chart back to its own height
    view.resize(900, 700)
    for _ in range(3):
        QApplication.processEvents()
        qtbot.wait(5)
    assert view.chart_rows == []
    for chart in view.charts():
        assert chart.row_height() == 0
        assert chart.height() == chart.needed_height(float(chart.width()))


@pytest.mark.parametrize("size", [(1024, 700), (2560, 1440)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_source_table_columns_share_a_wide_table(
    qtbot: Any, db: Database, size: tuple[int, int]
) -> None:
    """The per-source table across a 2560 px dashboard: no column takes the spare width alone
    (the source column was 1,600 px for names of 230 px); the columns fill the table exactly
    and no figure column is narrower than its widest text."""
    build_history(db)
    view = _dashboard(qtbot, db, size)
    table = view.table
    header = table.horizontalHeader()
    columns = table.model().columnCount()
    widths = [header.sectionSize(c) for c in range(columns)]
    room = table.viewport().width()
    assert sum(widths) == room  # no gap at the right, no sideways scrolling
    assert all(widths[c] >= table.column_width(c) for c in range(1, columns))
    assert widths[0] >= min(table.source_width(), room - sum(widths[1:]))
    if size[0] >= 2560:
        assert widths[0] <= max(table.source_width(), room // 3)
        assert max(widths) <= 2 * min(widths[0], *widths[1:]) + table.source_width()
        assert widths[0] - table.source_width() <= room // columns


@pytest.mark.parametrize("size", [(1024, 700), (2560, 1440)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_source_table_header_takes_two_lines_only_where_its_column_is_narrow(
    qtbot: Any, db: Database, size: tuple[int, int]
) -> None:
    """At 2560 px "Qualified / leads", "Qualification / rate", "Conversion / rate" and
    "Response / rate" sat on two lines in columns ~270 px wide, under a header twice as tall
    as it needed: each header is on one line where its column has the room, on two where not
    (at 1024 px), and whole either way."""
    build_history(db)
    view = _dashboard(qtbot, db, size)
    table = view.table
    header = table.horizontalHeader()
    model = table.model()
    bold = QFont(header.font())
    bold.setBold(True)
    head = QFontMetrics(bold)
    two_lines = []
    for c in range(model.columnCount()):
        shown = str(model.headerData(c, Qt.Orientation.Horizontal))
        whole = shown.replace("\n", " ")
        room = header.sectionSize(c) - 14
        assert all(head.horizontalAdvance(line) <= room for line in shown.split("\n")), shown
        if "\n" in shown:
            assert head.horizontalAdvance(whole) > room, (shown, header.sectionSize(c))
            two_lines.append(whole)
    if size[0] >= 2560:
        assert two_lines == []
        assert header.height() < 2 * head.lineSpacing() + 4, header.height()
    else:
        assert two_lines, "every header fitted on one line: the test would not see two"

"""The dashboard: funnel with drop-off, rates per source (table and chart), weekly trend, and
response-time figures with the unanswered share in red — for a period and a source.

The numbers come from ``app.metrics.dashboard_data`` on a worker; this view only draws them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSet,
    QChart,
    QChartView,
    QDateTimeAxis,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QDate, QDateTime, QMargins, Qt, QTime, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app import metrics
from app.followup import local_midnight_utc, local_now
from app.metrics import Dashboard
from app.operations import Changes
from db.engine import Database
from ui.dashboard.model import SourceRatesModel, percent

if TYPE_CHECKING:
    from ui.tasks import TaskRunner

PERIODS: tuple[tuple[str, str], ...] = (
    ("4w", "Last 4 weeks"),
    ("12w", "Last 12 weeks"),
    ("26w", "Last 6 months"),
    ("year", "This year"),
    ("all", "All time"),
)
BLUE, GREEN, ORANGE, RED, GREY = "#2F6FDE", "#2E9E5B", "#D9822B", "#C62828", "#7A8594"
STYLE = """
#dashboard { background: #F5F6F8; }
#dashCard { background: #FFFFFF; border: 1px solid #E1E4E8; border-radius: 8px; }
#tileValue { font-size: 18pt; font-weight: bold; color: #102A43; }
#tileValue[alarm="true"] { color: #C62828; }
#tileLabel { color: #7A8594; font-size: 8pt; font-weight: bold; }
#dashTitle { color: #7A8594; font-size: 8pt; font-weight: bold; letter-spacing: 1px; }
#dashNote { color: #52606D; }
"""


def period_bounds(key: str, now_utc: datetime | None = None) -> tuple[datetime | None, None]:
    """(since, until) in naive UTC for a period picker entry (local days)."""
    today = local_now(now_utc).date()
    weeks = {"4w": 4, "12w": 12, "26w": 26}
    if key in weeks:
        return local_midnight_utc(today - timedelta(weeks=weeks[key])), None
    if key == "year":
        return local_midnight_utc(date(today.year, 1, 1)), None
    return None, None


def _plain(text: str = "", name: str = "") -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if name:
        label.setObjectName(name)
    return label


class Tile(QFrame):
    """A figure with its label (the unanswered share turns red)."""

    def __init__(self, label: str, tip: str) -> None:
        super().__init__()
        self.setObjectName("dashCard")
        self.value = _plain("—", "tileValue")
        self.caption = _plain(label.upper(), "tileLabel")
        self.setToolTip(tip)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 8)
        lay.setSpacing(0)
        lay.addWidget(self.value)
        lay.addWidget(self.caption)

    def set_value(self, text: str, alarm: bool = False) -> None:
        self.value.setText(text)
        self.value.setProperty("alarm", "true" if alarm else "false")
        self.value.style().unpolish(self.value)
        self.value.style().polish(self.value)


def _chart(title: str) -> tuple[QChart, QChartView]:
    chart = QChart()
    chart.setTitle(title)
    chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
    chart.setMargins(QMargins(4, 4, 4, 4))
    chart.setBackgroundRoundness(6)
    chart.legend().setAlignment(Qt.AlignmentFlag.AlignBottom)
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setMinimumHeight(240)
    return chart, view


def _reset(chart: QChart) -> None:
    chart.removeAllSeries()
    for axis in chart.axes():
        chart.removeAxis(axis)


def _short(name: str, width: int = 22) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


class DashboardView(QWidget):
    """``DashboardView(db, tasks=None)``; ``reload()`` recomputes (on ``tasks`` when given),
    ``show_data(dashboard)`` draws. ``shown`` is emitted after each drawing."""

    shown = Signal()

    def __init__(
        self, db: Database, tasks: TaskRunner | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.tasks = tasks
        self.data: Dashboard | None = None
        self._generation = 0
        self._stale = True
        self.setObjectName("dashboard")
        self.setStyleSheet(STYLE)

        self.period = QComboBox()
        self.period.setObjectName("periodPicker")
        for key, label in PERIODS:
            self.period.addItem(label, key)
        self.period.setCurrentIndex(1)
        self.source = QComboBox()
        self.source.setObjectName("sourcePicker")
        self.source.setMinimumWidth(260)
        self.source.addItem("All sources", "")
        self.status = _plain("", "dashNote")
        self.period.currentIndexChanged.connect(lambda _i: self.reload())
        self.source.currentIndexChanged.connect(lambda _i: self.reload())
        bar = QHBoxLayout()
        bar.addWidget(_plain("Inquiries that came in"))
        bar.addWidget(self.period)
        bar.addWidget(_plain("from"))
        bar.addWidget(self.source)
        bar.addStretch(1)
        bar.addWidget(self.status)

        self.tiles = {
            "inquiries": Tile("Inquiries", "Contacts that became inquiries in the period"),
            "qualified": Tile("Qualified", "Of those, reached Sales qualified or later"),
            "customers": Tile("Customers", "Of those, reached Customer"),
            "qualification_rate": Tile("Qualification rate", "Qualified ÷ inquiries"),
            "conversion_rate": Tile("Conversion rate", "Customers ÷ qualified"),
            "response_rate": Tile(
                "Response rate",
                "Inquiries ÷ prospects reached, for campaigns with a reached "
                "count (winnow sources set-reached)",
            ),
        }
        self.response_tiles = {
            "median": Tile("Median first response", "Hours from received to first answer"),
            "unanswered": Tile(
                "Not answered within SLA", "Share of inquiries answered late or not at all"
            ),
            "never": Tile("Never followed up", "Share of inquiries past due with no answer"),
        }
        self.tiles_grid = QGridLayout()

        self.funnel_chart, self.funnel_view = _chart("Funnel: how many reached each stage")
        self.rates_chart, self.rates_view = _chart("Rates per source")
        self.trend_chart, self.trend_view = _chart("Per week: new inquiries and qualified leads")
        self.table_model = SourceRatesModel(self)
        self.table = QTableView()
        self.table.setObjectName("sourceRates")
        self.table.setModel(self.table_model)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(180)
        self.stage_times = _plain("", "dashNote")
        self.stage_times.setWordWrap(True)

        self.charts_grid = QGridLayout()
        self._wide: bool | None = None
        self._arrange(wide=False)
        body = QWidget()
        body.setObjectName("dashboard")
        bl = QVBoxLayout(body)
        bl.addLayout(bar)
        bl.addLayout(self.tiles_grid)
        bl.addLayout(self.charts_grid, 1)
        bl.addWidget(self.stage_times)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(scroll)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(500)
        self._debounce.timeout.connect(self._reload_if_shown)

    # --- layout: two columns when there is room, else one ------------------------------------
    WIDE_AT = 1100

    def _arrange(self, wide: bool) -> None:
        if wide == self._wide:
            return
        self._wide = wide
        for grid in (self.tiles_grid, self.charts_grid):
            while grid.count():
                grid.takeAt(0)
        per_row = 6 if wide else 3
        for i, tile in enumerate([*self.tiles.values(), *self.response_tiles.values()]):
            if i < 6:
                self.tiles_grid.addWidget(tile, i // per_row, i % per_row)
            else:  # the response figures: one row, wider tiles
                row = 2 if not wide else 1
                span = 2 if wide else 1
                self.tiles_grid.addWidget(tile, row, (i - 6) * span, 1, span)
        charts = [self.funnel_view, self.trend_view, self.rates_view, self.table]
        for i, widget in enumerate(charts):
            if wide:
                self.charts_grid.addWidget(widget, i // 2, i % 2)
            else:
                self.charts_grid.addWidget(widget, i, 0)

    def resizeEvent(self, event: Any) -> None:
        self._arrange(self.width() >= self.WIDE_AT)
        super().resizeEvent(event)

    # --- computing ---------------------------------------------------------------------------
    def query(self) -> dict[str, Any]:
        since, until = period_bounds(str(self.period.currentData()))
        return {"since": since, "until": until, "source": self.source.currentData() or None}

    def reload(self) -> None:
        """Recompute in the background (or here, without a task runner)."""
        self._stale = False
        self._generation += 1
        generation = self._generation
        args = self.query()
        self.status.setText("Updating…")
        if self.tasks is None:
            self._done(generation, metrics.dashboard_data(self.db, **args))
            return
        self.tasks.run(
            metrics.dashboard_data,
            self.db,
            **args,
            on_done=lambda d: self._done(generation, d),
            on_error=lambda exc: self.status.setText(f"Could not compute: {exc}"),
        )

    def _reload_if_shown(self) -> None:
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    def _done(self, generation: int, data: Dashboard) -> None:
        if generation == self._generation:  # an older request finishing late is dropped
            self.show_data(data)

    @staticmethod
    def shows_changes(changes: Changes) -> bool:
        """The figures come from contacts (stages, received and answered times: activities),
        their sources and reach, and the stage names."""
        return (
            changes.contact_data
            or bool(changes.activities)
            or changes.sources
            or (changes.stage_list)
        )

    def on_operation(self, changes: Changes, _initiator: object) -> None:
        if self.shows_changes(changes):
            self.schedule_reload()

    def schedule_reload(self) -> None:
        """The figures may have changed: recompute soon if shown, else when next shown."""
        if self.isVisible():
            self._debounce.start()
        else:
            self._stale = True

    def view_shown(self) -> None:
        if self._stale or self.data is None:
            self.reload()

    # --- drawing -----------------------------------------------------------------------------
    def show_data(self, data: Dashboard) -> None:
        self.data = data
        m = data.metrics
        self._fill_sources(data.sources)
        self.tiles["inquiries"].set_value(f"{m.inquiries:,}")
        self.tiles["qualified"].set_value(f"{m.qualified:,}")
        self.tiles["customers"].set_value(f"{m.customers:,}")
        self.tiles["qualification_rate"].set_value(percent(m.qualification_rate))
        self.tiles["conversion_rate"].set_value(percent(m.conversion_rate))
        self.tiles["response_rate"].set_value(percent(m.response_rate))
        hours = m.median_first_response_hours
        self.response_tiles["median"].set_value("—" if hours is None else f"{hours:.1f} h")
        self.response_tiles["unanswered"].set_value(
            percent(m.unanswered_share), alarm=bool(m.unanswered_share)
        )
        self.response_tiles["never"].set_value(
            percent(m.never_followed_up_share), alarm=bool(m.never_followed_up_share)
        )
        self.response_tiles["unanswered"].caption.setText(
            f"NOT ANSWERED WITHIN {data.sla_hours:g} H ({m.unanswered:,} of {m.decided:,})"
        )
        self.table_model.set_rows(m.by_source)
        self._draw_funnel(m)
        self._draw_rates(m)
        self._draw_trend(m)
        times = [f"{key}: {v:.1f} d" for key, v in m.median_days_in_stage.items() if v is not None]
        self.stage_times.setText(
            "Median time in stage (completed stays): " + (" · ".join(times) if times else "—")
        )
        self.status.setText(f"Updated {datetime.now():%H:%M}")
        self.shown.emit()

    def _fill_sources(self, names: tuple[str, ...]) -> None:
        current = self.source.currentData() or ""
        wanted = ["", *names]
        have = [self.source.itemData(i) or "" for i in range(self.source.count())]
        if have == wanted:
            return
        self.source.blockSignals(True)
        self.source.clear()
        self.source.addItem("All sources", "")
        for name in names:
            self.source.addItem(_short(name, 40), name)
        self.source.setCurrentIndex(max(0, self.source.findData(current)))
        self.source.blockSignals(False)

    def _draw_funnel(self, m: metrics.Metrics) -> None:
        _reset(self.funnel_chart)
        steps = list(reversed(m.funnel))  # the first stage on top
        bars = QBarSet("Contacts")
        bars.setColor(QColor(BLUE))
        labels = []
        for i, step in enumerate(steps):
            bars.append(step.count)
            previous = steps[i + 1] if i + 1 < len(steps) else None
            drop = (
                f"  −{previous.drop_off * 100:.0f} %"
                if previous is not None and previous.drop_off is not None
                else ""
            )
            labels.append(f"{_short(step.name, 20)}{drop}")
        series = QHorizontalBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        series.setLabelsPosition(QHorizontalBarSeries.LabelsPosition.LabelsInsideBase)
        self.funnel_chart.addSeries(series)
        axis_y = QBarCategoryAxis()
        axis_y.append(labels)
        axis_x = QValueAxis()
        axis_x.setRange(0, max([s.count for s in steps] + [1]) * 1.1)
        axis_x.setLabelFormat("%d")
        axis_x.applyNiceNumbers()
        self.funnel_chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        self.funnel_chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_y)
        series.attachAxis(axis_x)
        self.funnel_chart.legend().hide()

    def _draw_rates(self, m: metrics.Metrics) -> None:
        _reset(self.rates_chart)
        rows = list(reversed([b for b in m.by_source if b.inquiries or b.reached][:8]))
        sets = []
        for label, color, attr in (
            ("Response rate", ORANGE, "response_rate"),
            ("Conversion rate", GREEN, "conversion_rate"),
            ("Qualification rate", BLUE, "qualification_rate"),
        ):
            bars = QBarSet(label)
            bars.setColor(QColor(color))
            for b in rows:
                bars.append((getattr(b, attr) or 0.0) * 100)
            sets.append(bars)
        series = QHorizontalBarSeries()
        for bars in sets:
            series.append(bars)
        self.rates_chart.addSeries(series)
        axis_y = QBarCategoryAxis()
        axis_y.append([_short(b.source, 30) for b in rows] or ["—"])
        axis_x = QValueAxis()
        axis_x.setRange(0, 100)
        axis_x.setLabelFormat("%d %%")
        self.rates_chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        self.rates_chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_y)
        series.attachAxis(axis_x)
        self.rates_chart.legend().show()

    def _draw_trend(self, m: metrics.Metrics) -> None:
        _reset(self.trend_chart)
        weeks = list(m.weeks)[-53:]
        lines = []
        for label, color in (("Inquiries", BLUE), ("Qualified", GREEN)):
            line = QLineSeries()
            line.setName(label)
            pen = QPen(QColor(color))
            pen.setWidth(2)
            line.setPen(pen)
            line.setPointsVisible(len(weeks) < 30)
            lines.append(line)
        for w in weeks:
            x = QDateTime(
                QDate(w.week_start.year, w.week_start.month, w.week_start.day), QTime(0, 0)
            ).toMSecsSinceEpoch()
            lines[0].append(float(x), float(w.inquiries))
            lines[1].append(float(x), float(w.qualified))
        for line in lines:
            self.trend_chart.addSeries(line)
        axis_x = QDateTimeAxis()
        axis_x.setFormat("d MMM")
        axis_x.setTickCount(min(8, max(2, len(weeks))))
        axis_y = QValueAxis()
        axis_y.setRange(0, max([w.inquiries for w in weeks] + [1]) * 1.1)
        axis_y.setLabelFormat("%d")
        axis_y.applyNiceNumbers()
        self.trend_chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        self.trend_chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        for line in lines:
            line.attachAxis(axis_x)
            line.attachAxis(axis_y)
        self.trend_chart.legend().show()

    # --- for tests ---------------------------------------------------------------------------
    def tile_text(self, key: str) -> str:
        tile = self.tiles.get(key) or self.response_tiles[key]
        return tile.value.text()

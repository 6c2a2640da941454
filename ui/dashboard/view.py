"""The dashboard: funnel with drop-off, the trend (per week, or per inquiry month in the cohort
view), rates per source (chart and table), median time in each stage, response-time figures
with the unanswered share in red, and the pipeline value — for a period and a source.

The numbers come from ``app.metrics.dashboard_data`` on a worker; this view only draws them.
Every chart lays out its texts in full (``ui.dashboard.charts``): no label is ever cut.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app import metrics
from app.followup import local_midnight_utc, local_now
from app.metrics import Dashboard
from app.operations import Changes
from db.engine import Database
from ui.dashboard.charts import BarChart, BarRow, Series, TrendChart
from ui.dashboard.model import SourceRatesModel, percent
from ui.dashboard.parts import SourceTable, Tile, dashboard_style, days_text, plain
from ui.money import format_money

if TYPE_CHECKING:
    from ui.tasks import TaskRunner

PERIODS: tuple[tuple[str, str], ...] = (
    ("4w", "Last 4 weeks"),
    ("12w", "Last 12 weeks"),
    ("26w", "Last 6 months"),
    ("year", "This year"),
    ("all", "All time"),
)
BLUE, GREEN, ORANGE, RED, GREY, TEAL = (
    "#2F6FDE",
    "#2E9E5B",
    "#D9822B",
    "#C62828",
    "#7A8594",
    "#2A9D8F",
)
RATES_SHOWN = 12  # sources in the rates chart (the table lists all)


PERIOD_VIEW = "Qualified leads: those qualified during the period"
COHORT_VIEW = "Cohort view by inquiry month: the period's inquiries that are qualified"


def period_bounds(key: str, now_utc: datetime | None = None) -> tuple[datetime | None, None]:
    """(since, until) in naive UTC for a period picker entry (local days)."""
    today = local_now(now_utc).date()
    weeks = {"4w": 4, "12w": 12, "26w": 26}
    if key in weeks:
        return local_midnight_utc(today - timedelta(weeks=weeks[key])), None
    if key == "year":
        return local_midnight_utc(date(today.year, 1, 1)), None
    return None, None


def row_counts(tiles: int, per_row: int) -> list[int]:
    """How many tiles each row gets: as few rows as ``per_row`` a row allows, the tiles
    shared out evenly (the first rows take one more when they do not divide)."""
    rows = max(1, -(-tiles // max(1, per_row)))
    return [tiles // rows + (1 if r < tiles % rows else 0) for r in range(rows)]


class DashboardView(QWidget):
    """``DashboardView(db, tasks=None)``; ``reload()`` recomputes (on ``tasks`` when given),
    ``show_data(dashboard)`` draws. ``shown`` is emitted after each drawing;
    ``reach_requested`` when the user asks where to enter a campaign's reach."""

    shown = Signal()
    reach_requested = Signal()

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
        # from the application's palette: our own one is changed by this very sheet
        self.setStyleSheet(dashboard_style(QApplication.palette()))

        self.period = QComboBox()
        self.period.setObjectName("periodPicker")
        for key, label in PERIODS:
            self.period.addItem(label, key)
        self.period.setCurrentIndex(1)
        self.source = QComboBox()
        self.source.setObjectName("sourcePicker")
        self.source.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.source.view().setTextElideMode(Qt.TextElideMode.ElideNone)
        self.source.addItem("All sources", "")
        self.cohort = QCheckBox("Cohort view (by inquiry month)")
        self.cohort.setObjectName("cohortToggle")
        self.cohort.setToolTip(
            "Off (default): the qualification rate is the leads qualified during "
            "the period ÷ the inquiries of the period.\nOn: the cohort view — of the inquiries "
            "that came in during the period, how many are qualified leads now, by inquiry month."
        )
        self.status = plain("", "dashNote")
        self.period.currentIndexChanged.connect(lambda _i: self.reload())
        self.source.currentIndexChanged.connect(lambda _i: self.reload())
        self.cohort.toggled.connect(lambda _on: self.reload())
        self.view_note = plain(PERIOD_VIEW, "dashNote")
        self.lead = plain("Inquiries that came in")
        self.from_label = plain("from")
        self.bar = QVBoxLayout()
        self.bar.setSpacing(4)
        self._bar_rows: tuple[int, ...] | None = None

        self.tiles = {
            "inquiries": Tile("Inquiries", "Contacts that became inquiries in the period"),
            "qualified": Tile("Qualified leads", ""),
            "customers": Tile("Customers", "Of the period's inquiries, reached Customer"),
            "qualification_rate": Tile("Qualification rate", ""),
            "conversion_rate": Tile("Conversion rate", "Customers ÷ qualified leads"),
            "response_rate": Tile("Response rate", ""),
        }
        self.tiles["response_rate"].link_activated.connect(self.reach_requested)
        self.response_tiles = {
            "median": Tile("Median first\nresponse", "Hours from received to first answer"),
            "unanswered": Tile(
                "Not answered within SLA", "Share of inquiries answered late or not at all"
            ),
            "never": Tile("Never followed up", "Share of inquiries past due with no answer"),
        }
        self.value_tiles = {
            "open_pipeline": Tile(
                "Open pipeline",
                "Deal amounts of the contacts now in Opportunity or a later open stage",
            ),
            "won_value": Tile(
                "Won in the period", "Deal amounts of the contacts that became customers"
            ),
        }
        self.tiles_box = QVBoxLayout()  # a row of tiles in each of its layouts

        self.funnel_chart = BarChart(
            "Funnel: how many reached each stage", [Series("Contacts", BLUE)], integers=True
        )
        self.trend_chart = TrendChart("Per week: new inquiries and qualified leads")
        self.rates_chart = BarChart(
            "Rates per source",
            [
                Series("Qualification rate", BLUE),
                Series("Conversion rate", GREEN),
                Series("Response rate", ORANGE),
            ],
            axis_format=lambda v: f"{v:.0f} %",
            top=100.0,
        )
        self.stage_chart = BarChart(
            "Median time in stage (days, completed stays)", [Series("Median days", TEAL)]
        )
        self.stage_chart.empty_text = "No completed stays for this period's inquiries"
        self.table_model = SourceRatesModel(self)
        self.table = SourceTable(self.table_model)

        self.charts_grid = QGridLayout()
        self.charts_grid.setAlignment(Qt.AlignmentFlag.AlignTop)
        # the charts side by side in a row (two columns): their cards end on one line
        self.chart_rows: list[tuple[BarChart | TrendChart, ...]] = []
        for chart in self.charts():
            chart.needs_changed.connect(self._share_rows)
        self._wide: tuple[bool, int] | None = None
        self._arrange(wide=False, per_row=3)
        self._place_bar()
        body = QWidget()
        body.setObjectName("dashboard")
        bl = QVBoxLayout(body)
        bl.addLayout(self.bar)
        bl.addWidget(self.view_note)
        bl.addLayout(self.tiles_box)
        bl.addLayout(self.charts_grid)
        bl.addStretch(1)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(body)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.scroll_area)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(500)
        self._debounce.timeout.connect(self._reload_if_shown)
        if self.tasks is not None:
            self.tasks.defer(self._debounce)  # a read about to start (TaskRunner.idle)
        self._name_figures(cohort=False)

    # --- layout: two columns when there is room, else one ------------------------------------
    WIDE_AT = 1100

    TILE_WIDTH = 170  # the least width a tile is given when choosing how many go in a row

    def _arrange(self, wide: bool, per_row: int) -> None:
        if (wide, per_row) == self._wide:
            return
        self._wide = (wide, per_row)
        while self.charts_grid.count():
            self.charts_grid.takeAt(0)
        while (item := self.tiles_box.takeAt(0)) is not None:
            if (old := item.layout()) is not None:
                while old.takeAt(0) is not None:  # the tiles stay the body's
                    pass
                old.deleteLater()
        # every row full: the tiles shared out evenly over as few rows as ``per_row`` allows
        # (11 at five a row left one tile alone beside an empty band of four), each row's
        # tiles sharing its width alike (a tile spanning two places in a row of six made
        # "Not answered in 24 h" twice as wide as the others)
        placed = self._all_tiles()
        for count in row_counts(len(placed), per_row):
            row_box = QHBoxLayout()
            for tile in placed[:count]:
                row_box.addWidget(tile, 1)
            del placed[:count]
            self.tiles_box.addLayout(row_box)
        align = Qt.AlignmentFlag.AlignTop
        if wide:  # the short charts side by side, the table under them across the width
            self.chart_rows = [
                (self.funnel_chart, self.stage_chart),
                (self.trend_chart, self.rates_chart),
            ]
            for r, row in enumerate(self.chart_rows):
                for c, chart in enumerate(row):
                    self.charts_grid.addWidget(chart, r, c, align)
            self.charts_grid.addWidget(self.table, 2, 0, 1, 2, align)
        else:
            self.chart_rows = []
            for i, widget in enumerate(
                [self.funnel_chart, self.trend_chart, self.rates_chart, self.table]
            ):
                self.charts_grid.addWidget(widget, i, 0, align)
            self.charts_grid.addWidget(self.stage_chart, 4, 0, align)
        for c in range(2):
            self.charts_grid.setColumnStretch(c, 1 if wide or c == 0 else 0)
        self._share_rows()

    def _share_rows(self) -> None:
        """Each row of charts as tall as the most its charts need at their widths (a chart
        alone in its row: as tall as itself)."""
        paired: set[int] = set()
        for row in self.chart_rows:
            height = max(c.least_height(float(max(c.width(), c.minimumWidth()))) for c in row)
            for chart in row:
                chart.set_row_height(height)
                paired.add(id(chart))
        for chart in self.charts():
            if id(chart) not in paired:
                chart.set_row_height(0)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:  # e.g. the system turned dark
            sheet = dashboard_style(QApplication.palette())
            if sheet != self.styleSheet():
                self.setStyleSheet(sheet)
        super().changeEvent(event)

    def resizeEvent(self, event: Any) -> None:
        width = self.width()
        self._arrange(width >= self.WIDE_AT, self._tiles_per_row(width))
        self._place_bar()
        super().resizeEvent(event)

    def _all_tiles(self) -> list[Tile]:
        return [*self.tiles.values(), *self.response_tiles.values(), *self.value_tiles.values()]

    def _tiles_per_row(self, width: int) -> int:
        """As many tiles in a row (up to six: the rates, then the other five) as fit with
        their widest figure or caption, the rows as ``row_counts`` shares them out."""
        room = width - 40  # the margins and the scroll bar
        gap = 8
        tiles = self._all_tiles()
        need = [max(self.TILE_WIDTH, t.minimumSizeHint().width()) for t in tiles]
        for per_row in range(6, 2, -1):
            at, fits = 0, True
            for count in row_counts(len(tiles), per_row):
                share = (room - (count - 1) * gap) / count
                fits = fits and max(need[at : at + count]) <= share
                at += count
            if fits:
                return per_row
        return 2

    def _place_bar(self) -> None:
        """The pickers in as few rows as the width allows, the source picker as wide as its
        longest name (on a row of its own when that does not fit beside the period)."""
        room = self.width() - 40
        gap = 8
        lead = [self.lead, self.period, self.from_label]
        first = sum(w.sizeHint().width() + gap for w in lead)
        source = min(self.source.sizeHint().width(), room)
        self.source.setMinimumWidth(source)
        status = max(
            self.status.sizeHint().width(),
            self.status.fontMetrics().horizontalAdvance("Updated 00:00") + 4,
        )
        tail = self.cohort.sizeHint().width() + status + 3 * gap
        if first + source + tail <= room:
            rows: tuple[int, ...] = (6,)  # one row
        elif first + source <= room:
            rows = (4, 2)
        else:
            rows = (3, 1, 2)
        if rows == self._bar_rows:
            return
        self._bar_rows = rows
        while self.bar.count():
            item = self.bar.takeAt(0)
            row = item.layout() if item is not None else None
            if row is not None:
                while row.count():
                    row.takeAt(0)
                row.deleteLater()
        widgets: list[QWidget] = [*lead, self.source, self.cohort, self.status]
        at = 0
        for n in rows:
            row = QHBoxLayout()
            row.setSpacing(gap)
            for w in widgets[at : at + n]:
                if w is self.status:
                    row.addStretch(1)
                row.addWidget(w)
            if self.status not in widgets[at : at + n]:
                row.addStretch(1)
            at += n
            self.bar.addLayout(row)

    # --- computing ---------------------------------------------------------------------------
    def query(self) -> dict[str, Any]:
        since, until = period_bounds(str(self.period.currentData()))
        return {
            "since": since,
            "until": until,
            "source": self.source.currentData() or None,
            "cohort": self.cohort.isChecked(),
        }

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
        """The figures come from contacts (stages, received and answered times, deal values:
        activities and edits), their sources and reach, and the stage names."""
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
    def _name_figures(self, cohort: bool) -> None:
        """The qualified figures say which view they are (seed 003's, or the cohort)."""
        self.view_note.setText(COHORT_VIEW if cohort else PERIOD_VIEW)
        q, r = self.tiles["qualified"], self.tiles["qualification_rate"]
        if cohort:
            q.caption.setText("OF THESE, QUALIFIED\n(COHORT)")
            q.setToolTip("Of the inquiries that came in during the period, how many are qualified")
            r.caption.setText("QUALIFICATION RATE\nCOHORT BY INQUIRY MONTH")
            r.setToolTip("Cohort view: the period's inquiries that are qualified ÷ those inquiries")
        else:
            q.caption.setText("QUALIFIED LEADS\nIN THE PERIOD")
            q.setToolTip(
                "Inquiries that became qualified leads during the period (every required BANT "
                "answer yes), whenever they came in"
            )
            r.caption.setText("QUALIFICATION RATE")
            r.setToolTip("Seed 003: qualified leads during the period ÷ inquiries in the period")
        self.table_model.set_cohort(cohort)

    def show_data(self, data: Dashboard) -> None:
        self.data = data
        m = data.metrics
        cohort = m.view == "cohort"
        self._fill_sources(data.sources)
        self._name_figures(cohort)
        self.tiles["inquiries"].set_value(f"{m.inquiries:,}")
        self.tiles["qualified"].set_value(f"{m.qualified:,}")
        self.tiles["customers"].set_value(f"{m.customers:,}")
        self.tiles["qualification_rate"].set_value(percent(m.qualification_rate))
        self.tiles["conversion_rate"].set_value(percent(m.conversion_rate))
        response = self.tiles["response_rate"]
        response.set_value(percent(m.response_rate))
        if m.response_rate is None:
            response.set_link("Enter campaign reach")
            response.setToolTip(
                "Inquiries ÷ prospects an outbound campaign reached. No campaign has a reach "
                "yet: enter it in Tools ▸ Settings ▸ Campaign reach."
            )
        else:
            response.set_link(None)
            response.setToolTip(
                "Inquiries ÷ prospects reached, for the campaigns with a reach "
                "(Tools ▸ Settings ▸ Campaign reach)"
            )
        hours = m.median_first_response_hours
        self.response_tiles["median"].set_value("—" if hours is None else f"{hours:.1f} h")
        self.response_tiles["unanswered"].set_value(
            percent(m.unanswered_share), alarm=bool(m.unanswered_share)
        )
        self.response_tiles["never"].set_value(
            percent(m.never_followed_up_share), alarm=bool(m.never_followed_up_share)
        )
        self.response_tiles["unanswered"].caption.setText(
            f"NOT ANSWERED IN {data.sla_hours:g} H\n({m.unanswered:,} OF {m.decided:,})"
        )
        self.value_tiles["open_pipeline"].set_value(format_money(m.open_pipeline_value))
        deals = "DEAL" if m.open_deals == 1 else "DEALS"
        self.value_tiles["open_pipeline"].caption.setText(
            f"OPEN PIPELINE\n({m.open_deals:,} {deals})"
        )
        self.value_tiles["won_value"].set_value(format_money(m.won_value))
        self.table_model.set_rows(m.by_source)
        self._draw_funnel(m)
        self._draw_rates(m)
        self._draw_trend(m)
        self._draw_stage_times(m)
        width = self.width()  # bigger figures may need fewer tiles in a row
        self._arrange(width >= self.WIDE_AT, self._tiles_per_row(width))
        self.status.setText(f"Updated {datetime.now():%H:%M}")
        self._place_bar()
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
            self.source.addItem(name, name)
        self.source.setCurrentIndex(max(0, self.source.findData(current)))
        self.source.blockSignals(False)
        self._place_bar()  # a longer name may need a row of its own

    def _draw_funnel(self, m: metrics.Metrics) -> None:
        rows = []
        for i, step in enumerate(m.funnel):
            previous = m.funnel[i - 1] if i else None
            drop = previous.drop_off if previous is not None else None
            text = f"{step.count:,}" + (f"  (−{drop * 100:.0f} %)" if drop is not None else "")
            tip = f"{step.count:,} reached {step.name}"
            if previous is not None and drop is not None:
                tip += f"; {drop * 100:.0f} % of those at {previous.name} went no further"
            rows.append(BarRow(step.name, (float(step.count),), (text,), tip))
        self.funnel_chart.set_rows(rows if m.inquiries else [])

    def _draw_rates(self, m: metrics.Metrics) -> None:
        shown = [b for b in m.by_source if b.inquiries or b.reached]
        # the response rate only where a campaign's reach is known (else a row of "—")
        with_reach = any(b.response_rate is not None for b in shown)
        series = [Series("Qualification rate", BLUE), Series("Conversion rate", GREEN)]
        if with_reach:
            series.append(Series("Response rate", ORANGE))
        rows = []
        for b in shown[:RATES_SHOWN]:
            rates = [b.qualification_rate, b.conversion_rate]
            if with_reach:
                rates.append(b.response_rate)
            rows.append(
                BarRow(
                    b.source,
                    tuple(None if v is None else v * 100 for v in rates),
                    tuple(percent(v) for v in rates),
                    f"{b.source}\n{b.inquiries:,} inquiries, {b.qualified:,} qualified, "
                    f"{b.customers:,} customers",
                )
            )
        title = "Rates per source"
        if m.view == "cohort":
            title += " (qualification rate: cohort by inquiry month)"
        if len(shown) > RATES_SHOWN:
            title += f" — the {RATES_SHOWN} with the most inquiries; the table has all"
        if not with_reach:
            title += " (response rates need a campaign's reach)"
        self.rates_chart.set_title(title)
        self.rates_chart.set_rows(rows, series)

    def _draw_trend(self, m: metrics.Metrics) -> None:
        if m.view == "cohort":
            months = list(m.months)
            labels = [_month_label(f.month_start, i == 0) for i, f in enumerate(months)]
            self.trend_chart.set_data(
                labels,
                [Series("Inquiries", BLUE), Series("Of these, qualified", GREEN)],
                [[f.inquiries for f in months], [f.qualified for f in months]],
                bars=True,
                tips=[f"Inquiries of {f.month_start:%B %Y}" for f in months],
                title="Cohort by inquiry month: inquiries and how many of them are qualified",
            )
            return
        weeks = list(m.weeks)
        labels = [
            _week_label(w.week_start, i == 0 or w.week_start.year != weeks[i - 1].week_start.year)
            for i, w in enumerate(weeks)
        ]
        self.trend_chart.set_data(
            labels,
            [Series("Inquiries", BLUE), Series("Qualified leads", GREEN)],
            [[w.inquiries for w in weeks], [w.qualified for w in weeks]],
            tips=[f"Week of {w.week_start:%d %b %Y}" for w in weeks],
            title="Per week: new inquiries and leads qualified that week",
        )

    def _draw_stage_times(self, m: metrics.Metrics) -> None:
        medians = m.median_days_in_stage
        keys = [k for k in m.stage_names if k in medians] + [
            k for k in medians if k not in m.stage_names
        ]
        rows = []
        for key in keys:
            days = medians[key]
            if days is None:
                continue
            name = m.stage_name(key)
            tip = f"{name}: {days_text(days)} (median of the completed stays)"
            rows.append(BarRow(name, (days,), (days_text(days),), tip))
        self.stage_chart.set_rows(rows)

    # --- for tests ---------------------------------------------------------------------------
    def tile_text(self, key: str) -> str:
        tile = self.tiles.get(key) or self.response_tiles.get(key) or self.value_tiles[key]
        return tile.value.text()

    def charts(self) -> list[BarChart | TrendChart]:
        return [self.funnel_chart, self.trend_chart, self.rates_chart, self.stage_chart]


def _week_label(monday: date, with_year: bool) -> str:
    text = f"{monday.day} {monday:%b}"
    return f"{text}\n{monday.year}" if with_year else text


def _month_label(first: date, with_year: bool) -> str:
    return f"{first:%b}\n{first.year}" if with_year or first.month == 1 else f"{first:%b}"

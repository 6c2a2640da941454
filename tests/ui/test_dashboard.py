"""The dashboard: its table model (qtmodeltester), and the hand-checked numbers on screen."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import Qt

from app import metrics
from app.metrics import SourceFigures
from db.engine import Database
from tests.app.test_metrics import NOW, UNTIL, T, build_history
from tests.ui.conftest import settle
from ui.dashboard.model import SortValueRole, SourceRatesModel
from ui.dashboard.view import DashboardView, period_bounds

pytestmark = pytest.mark.gui

ROWS = (
    SourceFigures("Trade show: Hannover Messe 2026", 40, 10, 2, None, 0.25, 0.2, None),
    SourceFigures("Mailing: March", 5, 0, 0, 50, 0.0, None, 0.1),
    SourceFigures("<b>Web form</b>", 12, 6, 3, None, 0.5, 0.5, None),
)


def test_source_rates_model(qtmodeltester) -> None:  # type: ignore[no-untyped-def]
    model = SourceRatesModel()
    qtmodeltester.check(model)
    model.set_rows(ROWS)
    qtmodeltester.check(model)
    assert model.rowCount() == 3
    assert model.data(model.index(0, 4)) == "25.0 %"
    assert model.data(model.index(1, 5)) == "—"  # no qualified leads: no conversion rate
    assert model.data(model.index(1, 7)) == "10.0 %"
    assert model.data(model.index(2, 0)) == "<b>Web form</b>"  # text, shown as plain text
    assert model.data(model.index(1, 6), SortValueRole) == 50
    model.sort(4, Qt.SortOrder.DescendingOrder)
    assert [model.data(model.index(r, 0)) for r in range(3)] == [
        "<b>Web form</b>",
        "Trade show: Hannover Messe 2026",
        "Mailing: March",
    ]
    model.sort(0)
    assert model.data(model.index(0, 0)) == "<b>Web form</b>"
    qtmodeltester.check(model)


def test_dashboard_shows_the_hand_checked_numbers(qtbot, db: Database) -> None:  # type: ignore[no-untyped-def]
    build_history(db)
    view = DashboardView(db)
    qtbot.addWidget(view)
    view.resize(1300, 900)
    view.show()
    view.show_data(metrics.dashboard_data(db, since=T, until=UNTIL, now=NOW))
    # the seed-003 figures worked out in tests/app/test_metrics.py
    assert view.tile_text("inquiries") == "7"
    assert view.tile_text("qualified") == "4"
    assert view.tile_text("customers") == "2"
    assert view.tile_text("qualification_rate") == "57.1 %"
    assert view.tile_text("conversion_rate") == "50.0 %"
    assert view.tile_text("response_rate") == "2.0 %"
    assert view.tile_text("median") == "12.0 h"
    assert view.tile_text("unanswered") == "66.7 %"
    assert view.response_tiles["unanswered"].value.property("alarm") == "true"
    assert view.table_model.rowCount() == 3
    funnel = view.funnel_chart.rows()
    assert [r.label for r in funnel] == [
        "Inquiry",
        "Marketing qualified",
        "Sales qualified",
        "Opportunity",
        "Customer",
    ]
    assert [r.values[0] for r in funnel] == [7, 5, 4, 2, 2]
    assert funnel[1].texts == ("5  (−29 %)",)  # 2 of the 7 inquiries went no further
    assert len(view.trend_chart.series()) == 2
    # "Mailing: March" has a reach: the rates chart shows response rates too
    assert [s.name for s in view.rates_chart.series()][-1] == "Response rate"
    mailing = next(r for r in view.rates_chart.rows() if r.label == "Mailing: March")
    assert mailing.texts == ("0.0 %", "—", "2.0 %")
    assert {view.source.itemData(i) for i in range(view.source.count())} == {
        "",
        "Fair",
        "Web",
        "Mailing: March",
    }


def test_pickers_recompute_in_the_background(qtbot, db: Database) -> None:  # type: ignore[no-untyped-def]
    from ui.tasks import TaskRunner

    build_history(db)
    runner = TaskRunner()
    view = DashboardView(db, runner)
    qtbot.addWidget(view)
    view.show()
    with qtbot.waitSignal(view.shown, timeout=10000):
        view.period.setCurrentIndex(view.period.findData("all"))
    assert view.tile_text("inquiries") == "8"  # all time: H as well
    with qtbot.waitSignal(view.shown, timeout=10000):
        view.source.setCurrentIndex(view.source.findData("Fair"))
    assert view.tile_text("inquiries") == "4"  # A B C H
    runner.wait()


def test_period_bounds_are_local_days() -> None:
    since, until = period_bounds("4w", datetime(2026, 3, 14, 12, 0))
    assert until is None and since is not None
    assert 27 <= (datetime(2026, 3, 14, 12, 0) - since).days <= 28
    assert period_bounds("all") == (None, None)


def test_dashboard_is_a_main_view(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window.show_view("dashboard")
    view = window.dashboard.view
    qtbot.waitUntil(lambda: view.data is not None, timeout=10000)
    expected = metrics.dashboard_data(window.db, **view.query()).metrics.inquiries
    assert view.tile_text("inquiries") == f"{expected:,}"


def test_dashboard_follows_what_it_shows_only(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from app import operations
    from app.operations import Changes

    window.show_view("dashboard")
    view = window.dashboard.view
    qtbot.waitUntil(lambda: view.data is not None, timeout=10000)
    before = view.data
    # a change of the scoring rules alone changes no figure: nothing is recomputed
    window.ops.announce(Changes(scoring=True))
    window.ops.announce(Changes(criteria=True, personas=True))
    qtbot.wait(700)  # longer than the debounce
    assert view.data is before
    # a new inquiry does: recomputed once, in the background, after the debounce
    db = window.db
    window.ops.run(lambda: operations.create_contact(db, name="New Inquiry", stage="inquiry"))
    settle(qtbot, window)
    qtbot.waitUntil(lambda: view.data is not before, timeout=10000)
    assert view.tile_text("inquiries") == f"{before.metrics.inquiries + 1:,}"
    # not shown: nothing computed until it is shown again
    window.show_view("list")
    shown = view.data
    window.ops.announce(Changes.of(contacts=[1]))
    qtbot.wait(700)
    assert view.data is shown
    window.show_view("dashboard")
    qtbot.waitUntil(lambda: view.data is not shown, timeout=10000)

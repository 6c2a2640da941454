"""Pipeline value on the board (issue 12, item 9): each column's header shows its count and the
sum of its deal values; the sums follow deal edits, moves and undo (the board refreshes from
the operation notices); Deal value… edits the amount and close date as one operation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from PySide6.QtWidgets import QDialog

from app import deals, operations
from tests.ui.board_helpers import answer_next_dialog, board
from tests.ui.conftest import settle
from ui.kanban.board import COUNT_AFTER_MS
from ui.kanban.deal_dialog import DealDialog
from ui.money import format_money

pytestmark = pytest.mark.gui
__all__ = ["board"]  # fixture used by the tests below


def _expected(board: Any, key: str) -> float | None:
    return deals.board_values(board.db, board.base_query()).get(key)


def _header(board: Any, key: str) -> str:
    return str(board.column(key).header.value_text)


def test_each_column_header_shows_count_and_deal_sum(board: Any, qtbot: Any) -> None:
    opp = board.column("opportunity")
    value = _expected(board, "opportunity")
    assert value is not None and value > 0  # the demo's opportunities carry amounts
    qtbot.waitUntil(lambda: opp.model.value == value, timeout=5000)  # summed on a worker
    assert _header(board, "opportunity") == f"{format_money(value)} in deals"
    assert opp.header.value_shown and opp.count_text == f"{opp.model.total:,}"
    # a column whose contacts have no amount shows no sum (the line keeps its room)
    suspect = board.column("suspect")
    assert suspect.model.value is None and not suspect.header.value_shown
    qtbot.waitUntil(lambda: suspect.header.height() == opp.header.height())  # cards level


def test_no_sum_line_while_no_contact_has_a_deal(board: Any, window: Any, qtbot: Any) -> None:
    db = window.db
    opp, suspect = board.column("opportunity"), board.column("suspect")
    qtbot.waitUntil(lambda: opp.model.value is not None, timeout=5000)
    assert suspect.header.keep_value_line  # room for the line
    for cid in list(deals.deal_marks(db, list(range(1, 400)))):  # clear every demo deal
        window.ops.run(lambda cid=cid: operations.set_deal(db, cid, None, None))
    settle(qtbot, window)
    qtbot.waitUntil(lambda: opp.model.value is None, timeout=5000)
    assert not opp.header.value_shown
    assert not suspect.header.keep_value_line  # no empty line
    qtbot.waitUntil(lambda: opp.header.height() == suspect.header.height())


def test_sums_follow_an_edit_a_move_and_undo(board: Any, window: Any, qtbot: Any) -> None:
    db = window.db
    cid = board.column("opportunity").model.contact_id(0)
    before = deals.get_deal(db, cid).amount or 0.0
    qtbot.waitUntil(  # the first sums, from a worker
        lambda: board.column("opportunity").model.value == _expected(board, "opportunity"),
        timeout=5000,
    )
    opp_before = board.column("opportunity").model.value or 0.0
    nurture_before = board.column("nurture").model.value or 0.0
    window.ops.run(lambda: operations.set_deal(db, cid, before + 1000.0, datetime(2027, 1, 15)))
    settle(qtbot, window)
    qtbot.waitUntil(
        lambda: board.column("opportunity").model.value == opp_before + 1000.0, timeout=5000
    )
    assert _header(board, "opportunity") == f"{format_money(opp_before + 1000.0)} in deals"
    # a move takes the amount to the other column
    window.move_contacts([cid], "nurture")
    settle(qtbot, window)
    qtbot.waitUntil(
        lambda: board.column("nurture").model.value == nurture_before + before + 1000.0,
        timeout=5000,
    )
    assert board.column("opportunity").model.value == pytest.approx(opp_before - before)
    # undo the move, then the edit: the sums come back
    window.undo()
    settle(qtbot, window)
    qtbot.waitUntil(
        lambda: board.column("opportunity").model.value == opp_before + 1000.0, timeout=5000
    )
    window.undo()
    settle(qtbot, window)
    qtbot.waitUntil(lambda: board.column("opportunity").model.value == opp_before, timeout=5000)
    assert (board.column("nurture").model.value or 0.0) == nurture_before


def _card_where(column: Any, with_amount: bool) -> int:
    """A card the column has read whose deal has an amount (or has none)."""
    for row in range(column.model.rowCount()):
        card = column.model.cached_card(row)
        if card is None:
            continue
        deal = card.marks.get("deal")
        if (deal is not None and deal.amount is not None) == with_amount:
            return int(card.row.id)
    raise AssertionError(f"no card {'with' if with_amount else 'without'} an amount read")


def test_a_move_of_cards_without_amounts_sums_nothing_again(
    board: Any, window: Any, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The board's own move of cards without a deal amount leaves every sum as it was (a sum
    reads every contact's amount); a moved card with an amount has the sums read again."""
    opp, suspect = board.column("opportunity"), board.column("suspect")
    qtbot.waitUntil(lambda: opp.model.value == _expected(board, "opportunity"), timeout=5000)
    qtbot.wait(COUNT_AFTER_MS + 400)  # the first sums done
    asked: list[object] = []
    real = deals.board_values

    def summed(db: Any, q: Any) -> dict[str, float]:
        asked.append(q)
        return real(db, q)

    monkeypatch.setattr(deals, "board_values", summed)
    inquiries = board.column("inquiry").model.total
    assert board._drop_move([_card_where(suspect, with_amount=False)], "inquiry")
    settle(qtbot, window)
    qtbot.waitUntil(lambda: board.column("inquiry").model.total == inquiries + 1, timeout=5000)
    qtbot.wait(COUNT_AFTER_MS + 400)  # as long as the sums took to start after a move
    assert asked == [], "the sums were read again after a move of a card without a deal"
    # a card with an amount: its column's sum goes with it
    cid = _card_where(opp, with_amount=True)
    amount = deals.get_deal(window.db, cid).amount or 0.0
    nurture = board.column("nurture").model.value or 0.0
    assert board._drop_move([cid], "nurture")
    settle(qtbot, window)
    qtbot.waitUntil(
        lambda: board.column("nurture").model.value == pytest.approx(nurture + amount),
        timeout=5000,
    )
    assert asked


def test_deal_value_dialog_saves_amount_and_close_date(board: Any, window: Any, qtbot: Any) -> None:
    db = window.db
    cid = board.column("opportunity").model.contact_id(0)

    def fill(dialog: QDialog) -> None:
        assert isinstance(dialog, DealDialog)
        dialog.amount.setText("12.500,50")  # as a German user writes it
        dialog.has_close.setChecked(True)
        dialog.accept()

    answer_next_dialog(fill)
    board.edit_deal(cid)
    settle(qtbot, window)
    deal = deals.get_deal(db, cid)
    assert deal.amount == 12_500.5 and deal.expected_close_at is not None
    assert "deal value" in window.undo_action.text().lower()


def test_deal_value_dialog_refuses_what_is_not_an_amount(qtbot: Any) -> None:
    dialog = DealDialog(deals.Deal(1, None, None), "Jürgen Weißmann")
    qtbot.addWidget(dialog)
    dialog.amount.setText("lots")
    dialog.accept()
    assert dialog.result() != QDialog.DialogCode.Accepted and dialog.error.isVisibleTo(dialog)
    assert "not an amount" in dialog.error.text()
    dialog.amount.setText("")
    assert dialog.values() == (None, None)  # empty: no amount, no close date


def test_deal_value_is_on_the_list_menu_for_one_contact(window: Any) -> None:
    from PySide6.QtWidgets import QMenu

    def entries(ids: list[int]) -> list[str]:
        menu = QMenu()
        for extend in window.list_menu_extensions:
            extend(menu, ids)
        return [a.text() for a in menu.actions()]

    assert "Deal value…" in entries([1])
    assert "Deal value…" not in entries([1, 2])  # one contact's deal at a time


def test_a_card_menu_asks_for_the_deal_value(board: Any, qtbot: Any) -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMenu

    view = board.column("opportunity").view
    cid = board.column("opportunity").model.contact_id(0)
    rect = view.visualRect(view.model().index(0, 0))

    def pick() -> None:
        menu = next(
            w for w in QApplication.topLevelWidgets() if isinstance(w, QMenu) and w.isVisible()
        )
        action = next(a for a in menu.actions() if a.text() == "Deal value…")
        action.trigger()
        menu.close()

    QTimer.singleShot(50, pick)
    answer_next_dialog(lambda dialog: dialog.reject())  # the board opens Deal value…
    with qtbot.waitSignal(view.deal_requested, timeout=3000) as signal:
        view.customContextMenuRequested.emit(rect.center())
    assert signal.args == [cid]


def test_the_dashboard_s_open_pipeline_follows_a_deal_edit(window: Any, qtbot: Any) -> None:
    from app import metrics
    from app.contacts import ContactQuery, list_rows

    db = window.db
    window.show_view("dashboard")
    view = window.dashboard.view
    qtbot.waitUntil(lambda: view.data is not None, timeout=10000)
    before = view.data.metrics.open_pipeline_value
    assert view.tile_text("open_pipeline") == format_money(before) and before > 0
    cid = list_rows(db, ContactQuery(stage_keys=("opportunity",)), limit=1)[0].id
    amount = deals.get_deal(db, cid).amount or 0.0
    window.ops.run(lambda: operations.set_deal(db, cid, amount + 2500.0, None))
    settle(qtbot, window)
    qtbot.waitUntil(
        lambda: view.tile_text("open_pipeline") == format_money(before + 2500.0), timeout=10000
    )
    assert metrics.compute_metrics(db).open_pipeline_value == before + 2500.0
